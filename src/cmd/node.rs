//! `ivm node`: runs a coprocessor node (see crates/ivm-node and docs/node.md).
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use ivm_node::{NodeConfig, RelayStrategy, SecretKey};

use crate::exit::{invalid_input, Code, Outcome};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Strategy {
    Unordered,
    Ordered,
}

#[derive(Args)]
pub struct NodeArgs {
    /// HTTP listen address of the gateway, /health and /metrics.
    #[arg(long, env = "IVM_NODE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Where the node keeps its state: a redb file for this node alone (default:
    /// $IVM_HOME/node/node.redb, else ~/.ivm/node/node.redb), or a PostgreSQL URL
    /// (postgres://user:password@host/db) that several nodes share. Prefer IVM_NODE_DB for a
    /// URL with a password: command lines are visible to other users.
    #[arg(long, env = "IVM_NODE_DB", value_name = "FILE|URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Ethereum JSON-RPC URL.
    #[arg(long, env = "IVM_RPC_URL", default_value = "http://127.0.0.1:8545")]
    pub rpc_url: String,
    /// An operator's command on a running node instead of running one.
    #[command(subcommand)]
    pub command: Option<NodeCommand>,
    /// JobManager contract address.
    #[arg(long, env = "IVM_JOB_MANAGER", value_name = "ADDRESS", required = true)]
    pub job_manager: Option<String>,
    /// Private key that signs results (JobManager's coprocessor operator). Prefer the
    /// environment variable: flags are visible to other users in the process list.
    #[arg(
        long,
        env = "IVM_OPERATOR_KEY",
        hide_env_values = true,
        value_name = "HEX",
        required = true
    )]
    pub operator_key: Option<String>,
    /// Private key that sends relay transactions (JobManager's relayer).
    #[arg(
        long,
        env = "IVM_RELAYER_KEY",
        hide_env_values = true,
        value_name = "HEX",
        required = true
    )]
    pub relayer_key: Option<String>,
    /// Also act as JobManager's arbiter with this key: resolve challenges by verifying their
    /// proofs against the programs stored on this node.
    #[arg(long, env = "IVM_ARBITER_KEY", hide_env_values = true, value_name = "HEX")]
    pub arbiter_key: Option<String>,
    /// Jobs executed in parallel.
    #[arg(long, env = "IVM_NODE_EXECUTORS", default_value_t = 2)]
    pub executors: usize,
    /// Blocks a relay transaction must have before the job counts as relayed.
    #[arg(long, env = "IVM_NODE_CONFIRMATIONS", default_value_t = 1)]
    pub confirmations: u64,
    /// Relay strategy of onchain jobs (offchain jobs choose theirs in submit_job).
    #[arg(long, env = "IVM_NODE_RELAY_STRATEGY", value_enum, default_value = "unordered")]
    pub relay_strategy: Strategy,
    /// Chain polling interval in milliseconds (listener and relayer).
    #[arg(long, env = "IVM_NODE_POLL_MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// First block the JobCreated listener scans on a fresh database.
    #[arg(long, env = "IVM_NODE_START_BLOCK", default_value_t = 0)]
    pub start_block: u64,
    /// Do not pick up onchain jobs.
    #[arg(long)]
    pub no_listener: bool,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "IVM_NODE_MAX_BODY", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a client may take to send a request's headers, and a keep-alive connection may
    /// stay idle between requests, before the node closes it.
    #[arg(long, value_name = "SECS", env = "IVM_NODE_HEADER_TIMEOUT", default_value_t = 10)]
    pub http_header_timeout: u64,
    /// Seconds a client may take to send a request's body (then 408).
    #[arg(long, value_name = "SECS", env = "IVM_NODE_BODY_TIMEOUT", default_value_t = 30)]
    pub http_body_timeout: u64,
    /// Seconds one RPC request may take before it fails (and is retried like any RPC error);
    /// while the chain does not answer, /health says degraded and submit_job UNAVAILABLE.
    #[arg(long, value_name = "SECS", env = "IVM_NODE_RPC_TIMEOUT", default_value_t = 10)]
    pub rpc_timeout: u64,
    /// The largest maxCycles this node runs (offchain requests above it are refused, onchain
    /// jobs above it fail) [default: no limit beyond JobManager's maxJobCycles].
    #[arg(long, value_name = "N", env = "IVM_NODE_MAX_JOB_CYCLES")]
    pub max_job_cycles: Option<u64>,
    /// Memory one run may use, in bytes (the program's RAM up to its heap end plus its I/O
    /// regions); larger programs are refused [default: no limit].
    #[arg(long, value_name = "BYTES", env = "IVM_NODE_MAX_JOB_MEMORY")]
    pub max_job_memory_bytes: Option<u64>,
    /// Open jobs one consumer may have queued on this node before its offchain requests are
    /// refused (RESOURCE_EXHAUSTED).
    #[arg(
        long,
        value_name = "N",
        env = "IVM_NODE_MAX_QUEUED_PER_CONSUMER",
        default_value_t = 10_000
    )]
    pub max_queued_per_consumer: usize,
    /// Blocks on top of a relay transaction after which it is final; until then the node
    /// checks it and relays the job again if a reorg removed it.
    #[arg(long, value_name = "BLOCKS", env = "IVM_NODE_FINALITY_DEPTH", default_value_t = 64)]
    pub finality_depth: u64,
    /// Seconds one job's execution may take; then the job fails (a loop with a huge maxCycles
    /// cannot hold an executor). On shutdown running executions are abandoned at once and
    /// their jobs run again after a restart.
    #[arg(long, value_name = "SECS", env = "IVM_NODE_MAX_JOB_SECONDS", default_value_t = 60)]
    pub max_job_seconds: u64,
    /// Require this key (`Authorization: Bearer <key>`; `ivm program submit --upload-key`)
    /// for submit_program. Without it anyone may upload programs, within the limits below.
    #[arg(long, value_name = "KEY", env = "IVM_NODE_PROGRAM_UPLOAD_KEY", hide_env_values = true)]
    pub program_upload_key: Option<String>,
    /// Largest program ELF accepted, in bytes.
    #[arg(long, value_name = "BYTES", env = "IVM_NODE_MAX_PROGRAM_BYTES", default_value_t = 8 << 20)]
    pub max_program_bytes: usize,
    /// Total bytes of stored programs after which no new program is accepted.
    #[arg(long, value_name = "BYTES", env = "IVM_NODE_PROGRAMS_QUOTA", default_value_t = 1 << 30)]
    pub programs_quota_bytes: u64,
    /// Open HTTP connections at most (more wait in the kernel's backlog; logged).
    #[arg(long, value_name = "N", env = "IVM_NODE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Relay attempts after which a job whose relay keeps reverting (e.g. the consumer's
    /// receiveResult reverts) is failed with reason relay_reverted; 0 retries for ever.
    /// Transport errors are always retried.
    #[arg(long, env = "IVM_NODE_MAX_RELAY_REVERTS", default_value_t = 10)]
    pub max_relay_reverts: u32,
    /// Relay transactions in flight at once, with nonces the node manages (1: one at a time,
    /// each waiting for its receipt).
    #[arg(long, value_name = "N", env = "IVM_NODE_MAX_RELAYS_IN_FLIGHT", default_value_t = 64)]
    pub max_relays_in_flight: usize,
    /// Offchain jobs without blobs relayed together in one transaction, at most
    /// (`submitResultsForOffchainJobs`; 1: each job in its own transaction).
    #[arg(long, value_name = "N", env = "IVM_NODE_MAX_RELAY_BATCH", default_value_t = 32)]
    pub max_relay_batch: usize,
    /// Key of the admin routes (`ivm job retry --admin-key`); without it they are off.
    #[arg(long, env = "IVM_NODE_ADMIN_KEY", hide_env_values = true, value_name = "KEY")]
    pub admin_key: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum NodeCommand {
    /// The node at a glance: jobs by state, executors, relay backlog and lag, listener lag,
    /// recent failures (`--watch` for a live view).
    Status(super::node_status::StatusArgs),
}

impl std::fmt::Debug for NodeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeArgs")
            .field("listen", &self.listen)
            .field("db", &self.db.as_deref().map(ivm_node::StoreLocation::parse))
            .field("rpc_url", &self.rpc_url)
            .field("job_manager", &self.job_manager)
            .field("keys", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn default_db() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("IVM_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home).join("node").join("node.redb"));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("no database path: pass --db, or set IVM_HOME or HOME")?;
    Ok(PathBuf::from(home).join(".ivm").join("node").join("node.redb"))
}

pub fn run(args: NodeArgs) -> Outcome {
    if let Some(NodeCommand::Status(status)) = args.command {
        return super::node_status::run(status);
    }
    // clap requires these without a subcommand.
    let required = |v: Option<String>| v.expect("clap requires it when running a node");
    let job_manager_text = required(args.job_manager);
    let job_manager = job_manager_text.parse().map_err(|_| {
        invalid_input(format!("--job-manager {job_manager_text:?} is not an address"))
    })?;
    let operator_key = SecretKey::new(required(args.operator_key));
    let relayer_key = SecretKey::new(required(args.relayer_key));
    operator_key
        .address()
        .map_err(|e| invalid_input(format!("--operator-key / IVM_OPERATOR_KEY: {e}")))?;
    relayer_key
        .address()
        .map_err(|e| invalid_input(format!("--relayer-key / IVM_RELAYER_KEY: {e}")))?;
    let arbiter_key = args.arbiter_key.map(SecretKey::new);
    if let Some(key) = &arbiter_key {
        key.address()
            .map_err(|e| invalid_input(format!("--arbiter-key / IVM_ARBITER_KEY: {e}")))?;
    }
    if args.executors == 0 {
        return Err(invalid_input("--executors must be at least 1"));
    }
    if args.confirmations == 0 {
        return Err(invalid_input("--confirmations must be at least 1"));
    }
    let db = match args.db {
        Some(db) => ivm_node::StoreLocation::parse(&db),
        None => ivm_node::StoreLocation::File(default_db()?),
    };
    let mut config = NodeConfig::new(db, args.rpc_url, job_manager, operator_key, relayer_key);
    config.listen = args.listen;
    config.executors = args.executors;
    config.confirmations = args.confirmations;
    config.onchain_relay_strategy = match args.relay_strategy {
        Strategy::Unordered => RelayStrategy::Unordered,
        Strategy::Ordered => RelayStrategy::Ordered,
    };
    config.poll_interval = Duration::from_millis(args.poll_ms.max(10));
    config.listener_start_block = args.start_block;
    config.listener_enabled = !args.no_listener;
    config.max_body_bytes = args.max_body_bytes;
    config.http_header_timeout = Duration::from_secs(args.http_header_timeout.max(1));
    config.http_body_timeout = Duration::from_secs(args.http_body_timeout.max(1));
    config.max_connections = args.max_connections.max(1);
    config.rpc_timeout = Duration::from_secs(args.rpc_timeout.max(1));
    config.max_job_wall_time = Duration::from_secs(args.max_job_seconds.max(1));
    config.finality_depth = args.finality_depth;
    config.max_job_cycles = args.max_job_cycles.unwrap_or(u64::MAX);
    config.max_queued_per_consumer = args.max_queued_per_consumer.max(1);
    config.max_job_memory_bytes = args.max_job_memory_bytes.unwrap_or(u64::MAX);
    config.program_upload_key = args.program_upload_key.map(ivm_node::UploadKey::new);
    config.max_program_bytes = args.max_program_bytes;
    config.max_programs_total_bytes = args.programs_quota_bytes;
    config.max_relay_reverts = args.max_relay_reverts;
    config.max_relays_in_flight = args.max_relays_in_flight.max(1);
    config.max_relay_batch = args.max_relay_batch.max(1);
    config.arbiters = arbiter_key.into_iter().map(ivm_node::ArbiterKey::honest).collect();
    config.admin_key = args.admin_key.map(ivm_node::UploadKey::new);

    ivm_node::init_logging();
    ivm_node::run_until_signal(config, |node| {
        // The one line scripts wait for (stderr, like every log line).
        eprintln!("ivm node listening on {}", node.url());
    })?;
    Ok(Code::Ok)
}
