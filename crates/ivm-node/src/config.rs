//! Node configuration: everything [`crate::start`] needs, with defaults for a local devnet.
use std::net::SocketAddr;

use std::time::Duration;

use ivm_contracts::alloy_primitives::Address;
use ivm_contracts::k256::ecdsa::SigningKey;
use zeroize::Zeroizing;

use crate::store::StoreLocation;

pub use ivm_api::RelayStrategy;

/// A private key held in memory. Its `Debug` never shows the key, and the hex is wiped on drop.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// A key from hex (with or without `0x`); checked when the node starts.
    pub fn new(hex_key: impl Into<String>) -> Self {
        SecretKey(Zeroizing::new(hex_key.into().trim().to_string()))
    }

    /// The secp256k1 signing key. The error never contains the key.
    pub fn signing_key(&self) -> anyhow::Result<SigningKey> {
        ivm_contracts::signing_key_from_hex(&self.0).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The Ethereum address of the key.
    pub fn address(&self) -> anyhow::Result<Address> {
        Ok(ivm_contracts::address_of(&self.signing_key()?))
    }

    /// The hex, for handing to the RPC client's wallet. Never log it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.address() {
            Ok(addr) => write!(f, "SecretKey(<redacted>, address {addr})"),
            Err(_) => f.write_str("SecretKey(<redacted, invalid>)"),
        }
    }
}

/// The operator's key for `submit_program`; compared by hash, never printed.
#[derive(Clone)]
pub struct UploadKey(Zeroizing<String>);

impl UploadKey {
    pub fn new(key: impl Into<String>) -> Self {
        UploadKey(Zeroizing::new(key.into().trim().to_string()))
    }

    /// Whether `given` is the key. Both sides are hashed first, so the comparison's timing
    /// says nothing about the key.
    pub fn matches(&self, given: &str) -> bool {
        let digest = |s: &str| ivm_contracts::alloy_primitives::keccak256(s.as_bytes());
        digest(&self.0) == digest(given.trim())
    }
}

impl std::fmt::Debug for UploadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UploadKey(<redacted>)")
    }
}

/// Configuration of a node. [`NodeConfig::new`] fills in the defaults.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// HTTP listen address (port 0 picks a free port; see [`crate::RunningNode::addr`]).
    pub listen: SocketAddr,
    /// Where the node keeps its state: a redb file (created with its parent directory if
    /// missing; one node) or a PostgreSQL database shared by several nodes.
    pub db: StoreLocation,
    /// Ethereum JSON-RPC URL (http:// or https://).
    pub rpc_url: String,
    /// How long one RPC request may take before it fails (then retried like any RPC error).
    pub rpc_timeout: Duration,
    /// The `JobManager` contract.
    pub job_manager: Address,
    /// Key that signs results (JobManager's `coprocessorOperator`).
    pub operator_key: SecretKey,
    /// Key that sends relay transactions (JobManager's `relayer`).
    pub relayer_key: SecretKey,
    /// Jobs executed at the same time.
    pub executors: usize,
    /// The largest `maxCycles` this node runs: an offchain request above it is refused, an
    /// onchain job above it FAILED (`max_cycles_exceeded`). `JobManager`'s `maxJobCycles`
    /// bounds both on chain as well.
    pub max_job_cycles: u64,
    /// Memory one run may use (the program's RAM from its layout, up to the heap end, plus its
    /// input and output regions): larger programs are refused at upload, their offchain
    /// requests refused, their onchain jobs FAILED (`memory_limit_exceeded`).
    pub max_job_memory_bytes: u64,
    /// Open (pending or not yet relayed) jobs one consumer may have on this node before its
    /// offchain requests are refused with RESOURCE_EXHAUSTED.
    pub max_queued_per_consumer: usize,
    /// Wall time one execution may take; then the job fails (`execution_error: wall-time
    /// limit …`), so a huge `maxCycles` cannot hold an executor for long. On shutdown running
    /// executions are abandoned within a millisecond and their jobs stay PENDING.
    pub max_job_wall_time: Duration,
    /// Blocks a relay transaction must have (1 = included in a block).
    pub confirmations: u64,
    /// Relay strategy of onchain jobs (offchain jobs carry their own).
    pub onchain_relay_strategy: RelayStrategy,
    /// How often the listener polls for `JobCreated` and the relayer rescans its queue.
    pub poll_interval: Duration,
    /// First block the listener scans when the database has no cursor yet.
    pub listener_start_block: u64,
    /// Blocks per `eth_getLogs` request.
    pub listener_chunk_blocks: u64,
    /// Whether to run the `JobCreated` listener at all.
    pub listener_enabled: bool,
    /// Largest accepted HTTP request body in bytes (larger bodies get 413).
    pub max_body_bytes: usize,
    /// How long a client may take to send a request's headers, and how long a keep-alive
    /// connection may sit idle between requests, before it is closed.
    pub http_header_timeout: Duration,
    /// How long a client may take to send a request's body (then 408, and the connection
    /// closes).
    pub http_body_timeout: Duration,
    /// When set, `submit_program` requires `Authorization: Bearer <key>` (programs are the one
    /// upload that costs the node storage for good).
    pub program_upload_key: Option<UploadKey>,
    /// Largest ELF `submit_program` accepts, in bytes.
    pub max_program_bytes: usize,
    /// Total bytes of stored programs after which `submit_program` refuses new ones.
    pub max_programs_total_bytes: u64,
    /// Open HTTP connections at most; at the cap the node stops accepting (new connections
    /// wait in the kernel's backlog) and logs it once per minute.
    pub max_connections: usize,
    /// Cap of a relay retry's backoff.
    pub max_relay_backoff: Duration,
    /// Relay attempts after which a job whose relay keeps **reverting** (a deterministic
    /// failure, e.g. the consumer's `receiveResult` reverts) is FAILED with reason
    /// `relay_reverted: …`; 0 = retry for ever. Other errors (RPC down, no receipt) are
    /// retried for as long as the node runs.
    pub max_relay_reverts: u32,
    /// Blocks on top of a relay transaction's block after which it counts as final. Until
    /// then the relayer keeps checking it, and relays the job again if a reorg removed it.
    pub finality_depth: u64,
    /// Relay transactions in flight at once (nonces managed by the node). 1 sends one at a
    /// time and waits for each receipt.
    pub max_relays_in_flight: usize,
    /// Offchain jobs without blobs relayed together in one transaction, at most
    /// (`submitResultsForOffchainJobs`; 1 relays each job in its own transaction).
    pub max_relay_batch: usize,
    /// How long to wait for a relay transaction's receipt before treating it as failed
    /// (the job is checked on chain before the next attempt).
    pub relay_receipt_timeout: Duration,
    /// **Test-only practice mode** (`ivm devnet --dishonest`): the operator misbehaves on the
    /// programs listed, so that users, watchtowers and CI can rehearse challenges. Not exposed
    /// by `ivm node`. `None` (the default) is an honest operator.
    pub dishonest: Option<Dishonesty>,
    /// Keys of JobManager arbiters this node votes with: each verifies every challenge's proof
    /// on its own and votes ([`crate::arbiter`]). `ivm node --arbiter-key` gives one; the
    /// devnet runs several (`ivm devnet --arbiters N`). Empty: no arbiter role.
    pub arbiters: Vec<ArbiterKey>,
    /// Key of the admin routes (`POST /v1/admin/retry_job`), compared like the upload key;
    /// `None` turns them off.
    pub admin_key: Option<UploadKey>,
}

/// One arbiter key of [`NodeConfig::arbiters`].
#[derive(Clone, Debug)]
pub struct ArbiterKey {
    pub key: SecretKey,
    /// **Test-only practice mode** (`ivm devnet --lying-arbiters`): vote against what the
    /// proof shows, so that a k-of-n arbiter set can be seen outvoting a liar. Not exposed by
    /// `ivm node`.
    pub lies: bool,
}

impl ArbiterKey {
    /// An honest arbiter key.
    pub fn honest(key: SecretKey) -> Self {
        ArbiterKey { key, lies: false }
    }
}

/// How a practice-mode operator misbehaves (see [`NodeConfig::dishonest`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dishonesty {
    /// Program IDs it cheats on; empty = every program.
    pub programs: Vec<[u8; 32]>,
    /// Post a wrong result (the correct output with its last byte flipped, or one byte when
    /// the output is empty), signed as usual.
    pub wrong_results: bool,
    /// Refuse to serve these jobs' offchain inputs (`GET /v1/offchain_input/…` answers
    /// NOT_FOUND), as an operator withholding data would.
    pub withhold_inputs: bool,
    /// After posting a wrong result, challenge it at once with a junk proof from the
    /// operator's own account, as an operator trying to keep honest challengers out would
    /// (JobManager accepts any number of open challenges, so it cannot).
    pub self_challenge: bool,
}

impl Dishonesty {
    pub fn covers(&self, program_id: &[u8]) -> bool {
        self.programs.is_empty() || self.programs.iter().any(|p| p[..] == *program_id)
    }
}

impl NodeConfig {
    /// A configuration with defaults: listen on 127.0.0.1:8080, 2 executors, 1 confirmation,
    /// onchain jobs relayed unordered, 1 s polling, listener from block 0, 16 MiB bodies.
    pub fn new(
        db: impl Into<StoreLocation>,
        rpc_url: impl Into<String>,
        job_manager: Address,
        operator_key: SecretKey,
        relayer_key: SecretKey,
    ) -> Self {
        NodeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: db.into(),
            rpc_url: rpc_url.into(),
            rpc_timeout: Duration::from_secs(10),
            max_job_wall_time: Duration::from_secs(60),
            max_job_cycles: u64::MAX,
            max_queued_per_consumer: 10_000,
            max_job_memory_bytes: u64::MAX,
            job_manager,
            operator_key,
            relayer_key,
            executors: 2,
            confirmations: 1,
            onchain_relay_strategy: RelayStrategy::Unordered,
            poll_interval: Duration::from_secs(1),
            listener_start_block: 0,
            listener_chunk_blocks: 10_000,
            listener_enabled: true,
            max_body_bytes: 16 * 1024 * 1024,
            http_header_timeout: Duration::from_secs(10),
            http_body_timeout: Duration::from_secs(30),
            max_connections: 4096,
            program_upload_key: None,
            max_program_bytes: 8 << 20,
            max_programs_total_bytes: 1 << 30,
            max_relay_backoff: Duration::from_secs(30),
            max_relay_reverts: 10,
            relay_receipt_timeout: Duration::from_secs(120),
            max_relays_in_flight: 64,
            max_relay_batch: 32,
            finality_depth: 64,
            arbiters: Vec::new(),
            admin_key: None,
            dishonest: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_keys() {
        let hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        let key = SecretKey::new(hex);
        let shown = format!("{key:?}");
        assert!(!shown.contains("ac0974"), "{shown}");
        assert!(shown.contains("0xf39F"), "{shown}");
        let config = NodeConfig::new("db", "http://x", Address::ZERO, key.clone(), key);
        let shown = format!("{config:?}");
        assert!(!shown.contains("ac0974bec39a"), "{shown}");
    }
}
