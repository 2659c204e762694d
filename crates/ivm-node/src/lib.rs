//! `ivm node`: a coprocessor node for the InfinityVM model.
//!
//! - [`server`]: InfinityVM's REST gateway (`POST /v1/coprocessor_node/*`), `GET /health`,
//!   `GET /metrics`, `GET /v1/offchain_input/{keccak}`;
//! - [`verify`]: checks on submitted programs and signed offchain requests (against the chain);
//! - [`store`]: the durable store (redb, or PostgreSQL shared by several nodes); a job
//!   answered with a job ID is never lost;
//! - [`cluster`]: several nodes on one PostgreSQL store (roles, heartbeat, job take-over);
//! - [`jobs`]: a bounded executor pool (PENDING → DONE or FAILED);
//! - [`signer`]: EIP-191 result signing with the operator key;
//! - [`relayer`]: sends results with the relayer key (DONE → RELAYED), exactly once;
//! - [`listener`]: picks up onchain jobs from `JobCreated` events, resuming from its cursor;
//! - [`arbiter`]: with an arbiter key, resolves challenges by verifying their Jolt proofs.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use ivm_node::{NodeConfig, SecretKey};
//! let config = NodeConfig::new(
//!     "/tmp/node.redb",
//!     "http://127.0.0.1:8545",
//!     "0x5FbDB2315678afecb367f032d93F642f64180aa3".parse()?,
//!     SecretKey::new(std::env::var("IVM_OPERATOR_KEY")?),
//!     SecretKey::new(std::env::var("IVM_RELAYER_KEY")?),
//! );
//! let node = ivm_node::start(config).await?;
//! println!("listening on http://{}", node.addr());
//! node.shutdown().await;
//! # Ok(()) }
//! ```
pub mod arbiter;
pub mod cluster;
pub mod config;
pub mod finality;
pub mod health;
pub mod jobs;
pub mod listener;
pub mod log_limit;
pub mod metrics;
mod operator;
pub mod relayer;
pub mod server;
pub mod signer;
pub mod store;
pub mod verify;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use ivm_contracts::client::Client;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use config::{ArbiterKey, Dishonesty, NodeConfig, RelayStrategy, SecretKey, UploadKey};
pub use store::{JobKind, JobRecord, JobState, Role, Store, StoreLocation};

/// State shared by the server, the executors, the relayer and the listener.
pub(crate) struct Shared {
    pub config: NodeConfig,
    pub store: Store,
    /// RPC client with the relayer key (also used for views).
    pub chain: Client,
    pub signer: signer::OperatorSigner,
    pub metrics: metrics::Metrics,
    /// Job IDs to execute.
    pub exec_tx: mpsc::UnboundedSender<[u8; 32]>,
    /// Wakes the relayer when a job is DONE.
    pub relay_wake: Notify,
    /// Loaded programs by ID.
    pub programs: Mutex<HashMap<Vec<u8>, Arc<ivm_vm::Program>>>,
    pub shutdown: CancellationToken,
    /// What `/health` reports (chain probe, executor progress).
    pub health: health::Health,
    /// Aggregates warnings that repeat (relay and poll failures in an outage).
    pub log_limit: log_limit::LogLimiter,
}

impl Shared {
    /// The loaded program for `program_id`, from the cache or the store.
    pub async fn program(&self, program_id: &[u8]) -> Result<Option<Arc<ivm_vm::Program>>> {
        if let Some(p) = self.programs.lock().unwrap().get(program_id) {
            return Ok(Some(p.clone()));
        }
        let Some((_, elf)) = self.store.program(program_id).await? else {
            return Ok(None);
        };
        let program =
            Arc::new(ivm_vm::Program::load(&elf).context("a stored program no longer loads")?);
        self.programs.lock().unwrap().insert(program_id.to_vec(), program.clone());
        Ok(Some(program))
    }

    /// Queues a job for execution.
    pub fn enqueue(&self, id: [u8; 32]) {
        metrics::Metrics::inc(&self.metrics.jobs_queued);
        let _ = self.exec_tx.send(id);
    }
}

/// A node started with [`start`].
pub struct RunningNode {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningNode").field("addr", &self.addr).finish()
    }
}

impl RunningNode {
    /// The address the HTTP server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The store (for inspection in tests and tools).
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Stops accepting requests, stops the listener, relayer and executors, and waits for them.
    /// Jobs not yet relayed stay in the store and resume at the next start.
    pub async fn shutdown(self) {
        self.shared.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Waits until the node stops (after [`RunningNode::shutdown`] from elsewhere, or a fatal
    /// error in the server).
    pub async fn wait(&self) {
        self.shared.shutdown.cancelled().await;
    }

    /// Like [`RunningNode::wait`], as a future that does not borrow the node.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        self.shared.shutdown.clone().cancelled_owned()
    }
}

/// Opens the store, re-queues every accepted job not yet relayed, and starts the HTTP server,
/// the executor pool, the relayer and the listener.
pub async fn start(config: NodeConfig) -> Result<RunningNode> {
    anyhow::ensure!(config.executors > 0, "executors must be at least 1");
    anyhow::ensure!(config.confirmations > 0, "confirmations must be at least 1");
    let signer = signer::OperatorSigner::new(&config.operator_key)?;
    let relayer_signer = ivm_contracts::client::parse_key(config.relayer_key.expose())
        .map_err(|e| anyhow::anyhow!("relayer key: {e}"))?;
    let chain = Client::connect_with_timeout(&config.rpc_url, relayer_signer, config.rpc_timeout)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let node_id = cluster::new_node_id();
    let store = Store::open(&config.db, &node_id).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        db = %config.db,
        node = %node_id,
        rpc = %config.rpc_url,
        job_manager = %config.job_manager,
        operator = %signer.address(),
        relayer = %chain.address(),
        executors = config.executors,
        "starting node"
    );

    let (exec_tx, exec_rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        store,
        chain,
        signer,
        metrics: metrics::Metrics::default(),
        exec_tx,
        relay_wake: Notify::new(),
        programs: Mutex::new(HashMap::new()),
        shutdown: CancellationToken::new(),
        health: health::Health::default(),
        log_limit: log_limit::LogLimiter::default(),
        config,
    });

    // Recovery: every job accepted but not executed runs again; every result not yet relayed is
    // due when the relayer starts (it checks the chain before sending, so nothing is relayed
    // twice). On a shared store the jobs of a node that stopped are taken over by the
    // heartbeat of whichever node is alive (`cluster`).
    let pending = if shared.store.is_shared() {
        Vec::new()
    } else {
        shared.store.jobs_in_state(JobState::Pending).await?
    };
    let done = shared.store.relay_queue().await?.len();
    if !pending.is_empty() || (done > 0 && !shared.store.is_shared()) {
        tracing::info!(
            pending = pending.len(),
            to_relay = done,
            "resuming jobs accepted before the last stop"
        );
    }
    for job in pending {
        shared.enqueue(job.id);
    }
    if let Some(next) = shared.store.listener_next_block().await? {
        shared.metrics.listener_next_block.store(next, std::sync::atomic::Ordering::Relaxed);
    }

    check_roles(&shared).await;
    // Offchain inputs go on chain in blobs: load the KZG setup now, not on the first job.
    tokio::task::spawn_blocking(ivm_contracts::da::load_kzg_settings);
    let mut arbiters = Vec::new();
    for arbiter in &shared.config.arbiters {
        let signer = ivm_contracts::client::parse_key(arbiter.key.expose())
            .map_err(|e| anyhow::anyhow!("arbiter key: {e}"))?;
        let client = shared.chain.with_signer(signer).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        tracing::info!(arbiter = %client.address(), "voting on challenges as arbiter");
        arbiters.push((client, arbiter.lies));
    }

    // Registered before serving: until a node's first heartbeat its jobs look like a gone
    // node's to the others.
    if shared.store.is_shared() {
        shared.store.heartbeat(&format!("http://{addr}")).await?;
    }
    let mut tasks = vec![
        tokio::spawn(server::serve(shared.clone(), listener)),
        tokio::spawn(jobs::run_pool(shared.clone(), exec_rx)),
        tokio::spawn(cluster::run_role(shared.clone(), Role::Relayer, relayer::run)),
        tokio::spawn(health::run(shared.clone())),
        tokio::spawn(cluster::run_heartbeat(shared.clone(), format!("http://{addr}"))),
    ];
    if shared.config.listener_enabled {
        tasks.push(tokio::spawn(cluster::run_role(shared.clone(), Role::Listener, listener::run)));
    }
    for (client, lies) in arbiters {
        tasks.push(tokio::spawn(arbiter::run(shared.clone(), client, lies)));
    }
    Ok(RunningNode { addr, shared, tasks })
}

/// Warns (does not fail: the chain may come up later) when `JobManager` is unreachable or its
/// operator / relayer (/ arbiter) are not this node's keys, since every relay (or verdict)
/// would then be refused.
async fn check_roles(shared: &Shared) {
    use ivm_contracts::bindings::JobManager;
    let jm = shared.config.job_manager;
    let check = async {
        let operator = shared.chain.view(jm, &JobManager::getCoprocessorOperatorCall {}).await?;
        let relayer = shared.chain.view(jm, &JobManager::getRelayerCall {}).await?;
        let arbiters = shared.chain.arbiters(jm).await?.0;
        Ok::<_, ivm_contracts::client::ClientError>((operator, relayer, arbiters))
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), check).await {
        Ok(Ok((operator, relayer, arbiters))) => {
            for ours in shared.config.arbiters.iter().filter_map(|a| a.key.address().ok()) {
                if !arbiters.contains(&ours) {
                    tracing::warn!(%jm, registered = ?arbiters, %ours,
                        "this node's arbiter key is not one of JobManager's arbiters: its votes will be refused");
                }
            }
            if operator != shared.signer.address() {
                tracing::warn!(%jm, registered = %operator, ours = %shared.signer.address(),
                    "JobManager's coprocessor operator is not this node's operator key: its results will be refused");
            }
            if relayer != shared.chain.address() {
                tracing::warn!(%jm, registered = %relayer, ours = %shared.chain.address(),
                    "JobManager's relayer is not this node's relayer key: its relays will be refused");
            }
        }
        Ok(Err(e)) => tracing::warn!(%jm, "cannot read JobManager (wrong address or chain?): {e}"),
        Err(_) => tracing::warn!(%jm, "the RPC endpoint did not answer within 5 s"),
    }
}

/// Logs to stderr with `tracing-subscriber`; the filter comes from `IVM_LOG` or `RUST_LOG`
/// (default `info`). Calling it twice is harmless.
pub fn init_logging() {
    let filter = std::env::var("IVM_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The longest a stop (SIGTERM, ctrl-c) takes: running executions are abandoned at once and
/// HTTP requests in flight get up to 5 s; a task still busy after this (a relay waiting for
/// its receipt) is dropped, and its job is recovered at the next start.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Runs a node on a new multi-threaded runtime until Ctrl-C or SIGTERM, then shuts it down
/// within [`SHUTDOWN_GRACE`]. `on_start` is called with the running node (e.g. to print its
/// address).
pub fn run_until_signal(config: NodeConfig, on_start: impl FnOnce(&RunningNode)) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async move {
        let node = start(config).await?;
        on_start(&node);
        let stop = async {
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
                tokio::select! {
                    r = tokio::signal::ctrl_c() => r,
                    _ = term.recv() => Ok(()),
                }
            }
            #[cfg(not(unix))]
            {
                tokio::signal::ctrl_c().await
            }
        };
        tokio::select! {
            r = stop => { r.context("cannot wait for signals")?; tracing::info!("shutting down"); }
            _ = node.wait() => { tracing::error!("node stopped"); }
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, node.shutdown()).await.is_err() {
            tracing::warn!(
                "some tasks did not stop within {} s; exiting anyway (their jobs are recovered \
                 at the next start)",
                SHUTDOWN_GRACE.as_secs()
            );
        }
        Ok(())
    });
    // Blocking threads (executions) have been told to stop; do not wait on them for long.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}
