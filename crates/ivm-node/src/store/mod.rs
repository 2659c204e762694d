//! The durable store: the embedded redb file (one node, the default) or PostgreSQL (any number
//! of nodes on one database). Everything the node keeps goes through [`Store`]; the state
//! changes of a job (below) are written once here on top of each backend's `update`.
mod postgres;
mod record;
mod redb;

use std::path::PathBuf;

use anyhow::Result;

pub use postgres::{create_scratch_database, redact, NODE_LEASE};
pub use record::{now_ms, Admit, ExecutionOutcome, JobKind, JobRecord, JobState, NewJob};

/// Where a node keeps its state. Shown (`Debug`, `Display`) without a URL's password.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A redb file, used by one node.
    File(PathBuf),
    /// A PostgreSQL database (`postgres://…`), shared by any number of nodes.
    Postgres(String),
}

impl StoreLocation {
    /// `postgres://` or `postgresql://` URLs are PostgreSQL; anything else is a file path.
    pub fn parse(s: &str) -> StoreLocation {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            StoreLocation::Postgres(s.to_string())
        } else {
            StoreLocation::File(PathBuf::from(s))
        }
    }
}

impl std::fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::File(p) => write!(f, "{}", p.display()),
            StoreLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

impl From<&str> for StoreLocation {
    fn from(s: &str) -> Self {
        StoreLocation::parse(s)
    }
}

impl From<PathBuf> for StoreLocation {
    fn from(p: PathBuf) -> Self {
        StoreLocation::File(p)
    }
}

impl From<&PathBuf> for StoreLocation {
    fn from(p: &PathBuf) -> Self {
        StoreLocation::File(p.clone())
    }
}

impl From<&std::path::Path> for StoreLocation {
    fn from(p: &std::path::Path) -> Self {
        StoreLocation::File(p.to_path_buf())
    }
}

/// A task only one node of a cluster runs at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Relayer,
    Listener,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Relayer => "relayer",
            Role::Listener => "listener",
        }
    }

    /// The PostgreSQL advisory lock key of the role (`0x69766d` is "ivm").
    pub fn lock_key(self) -> i64 {
        match self {
            Role::Relayer => 0x69766d_0001,
            Role::Listener => 0x69766d_0002,
        }
    }
}

/// A node of a cluster as the database sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    pub id: String,
    pub url: String,
    pub heartbeat_age_ms: u64,
    pub alive: bool,
    /// The roles it took last (a node that is gone may still be listed).
    pub roles: Vec<String>,
    pub this_node: bool,
}

/// A role this node holds; see [`Store::try_acquire`].
pub struct RoleLease(Lease);

enum Lease {
    /// The embedded store belongs to one node: its roles are never lost.
    Sole,
    Postgres(postgres::PgRoleLease),
}

impl RoleLease {
    /// Whether this node still holds the role (checked against the database).
    pub async fn held(&mut self) -> bool {
        match &mut self.0 {
            Lease::Sole => true,
            Lease::Postgres(lease) => lease.held().await,
        }
    }
}

#[derive(Clone)]
enum Backend {
    Redb(redb::RedbStore),
    Postgres(postgres::PgStore),
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.backend {
            Backend::Redb(_) => "Store(redb)",
            Backend::Postgres(_) => "Store(postgres)",
        })
    }
}

/// Calls the method on the backend (awaiting it on PostgreSQL).
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Redb(s) => s.$method($($arg),*),
            Backend::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens (or creates) the store; `node_id` names this node among the nodes of a shared
    /// database.
    pub async fn open(location: &StoreLocation, node_id: &str) -> Result<Store> {
        let backend = match location {
            StoreLocation::File(path) => Backend::Redb(redb::RedbStore::open(path)?),
            StoreLocation::Postgres(url) => {
                Backend::Postgres(postgres::PgStore::open(url, node_id.to_string()).await?)
            }
        };
        Ok(Store { backend })
    }

    /// Whether other nodes may share this store.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// The highest nonce of any job stored for `consumer`, in any state.
    pub async fn highest_nonce(&self, consumer: &[u8; 20]) -> Result<Option<u64>> {
        dispatch!(self.highest_nonce(consumer))
    }

    /// Stores a program; returns false if one with this ID was already stored (unchanged).
    pub async fn put_program(&self, program_id: &[u8], vm_type: u8, elf: &[u8]) -> Result<bool> {
        dispatch!(self.put_program(program_id, vm_type, elf))
    }

    /// `(vm_type, elf)` of a stored program.
    pub async fn program(&self, program_id: &[u8]) -> Result<Option<(u8, Vec<u8>)>> {
        dispatch!(self.program(program_id))
    }

    pub async fn contains_program(&self, program_id: &[u8]) -> Result<bool> {
        dispatch!(self.contains_program(program_id))
    }

    /// Bytes of every stored program (ELF plus its one-byte VM type).
    pub async fn programs_total_bytes(&self) -> Result<u64> {
        dispatch!(self.programs_total_bytes())
    }

    pub async fn program_count(&self) -> Result<u64> {
        dispatch!(self.program_count())
    }

    pub async fn job(&self, id: &[u8]) -> Result<Option<JobRecord>> {
        dispatch!(self.job(id))
    }

    /// Stores a new job (state PENDING, `seq` assigned here) and its offchain input, atomically.
    /// `admit` sees the stored job with the same ID, if any, and decides. Returns the job as
    /// stored afterwards and whether it was inserted. On a shared store the job is this node's
    /// to execute.
    pub async fn submit_job<E>(
        &self,
        job: JobRecord,
        offchain_input: Option<&[u8]>,
        admit: impl FnOnce(Option<&JobRecord>) -> std::result::Result<Admit, E>,
    ) -> Result<std::result::Result<(JobRecord, bool), E>> {
        dispatch!(self.submit_job(job, offchain_input, admit))
    }

    /// Inserts onchain jobs and moves the listener cursor to `next_block`, atomically. Returns
    /// the jobs inserted. An ID already stored is skipped, unless it is an offchain job not yet
    /// relayed: the chain gave its nonce to this onchain job, so the offchain request can never
    /// land and the onchain job replaces it.
    pub async fn add_onchain_jobs(
        &self,
        jobs: Vec<JobRecord>,
        next_block: u64,
    ) -> Result<Vec<JobRecord>> {
        dispatch!(self.add_onchain_jobs(jobs, next_block))
    }

    /// The next block the listener scans, if it has run before.
    pub async fn listener_next_block(&self) -> Result<Option<u64>> {
        dispatch!(self.listener_next_block())
    }

    /// Applies `f` to a stored job and writes it back, keeping the open-jobs index and the
    /// relay queue in line with its new state: a DONE job is due at `relay_at` if given.
    /// Returns the updated job (None if unknown).
    async fn update(
        &self,
        id: &[u8],
        relay_at: Option<u64>,
        f: impl FnOnce(&mut JobRecord),
    ) -> Result<Option<JobRecord>> {
        dispatch!(self.update(id, relay_at, f))
    }

    /// RELAYED jobs whose transaction is not known final yet.
    pub async fn unfinal_relays(&self) -> Result<Vec<[u8; 32]>> {
        dispatch!(self.unfinal_relays())
    }

    /// The job's relay transaction is final: stop watching it.
    pub async fn mark_relay_final(&self, id: &[u8]) -> Result<()> {
        dispatch!(self.mark_relay_final(id))
    }

    /// Program IDs of the stored jobs whose offchain input hashes to `hash` (a full scan of the
    /// jobs on the embedded store; only the test-only practice mode asks).
    pub async fn programs_with_offchain_input(&self, hash: &[u8]) -> Result<Vec<Vec<u8>>> {
        dispatch!(self.programs_with_offchain_input(hash))
    }

    /// IDs of the PENDING jobs that run `program_id`.
    pub async fn pending_for_program(&self, program_id: &[u8]) -> Result<Vec<[u8; 32]>> {
        dispatch!(self.pending_for_program(program_id))
    }

    /// Every job in `state`, in acceptance order.
    pub async fn jobs_in_state(&self, state: JobState) -> Result<Vec<JobRecord>> {
        dispatch!(self.jobs_in_state(state))
    }

    /// `(job ID, next attempt in unix ms)` of every job waiting to be relayed.
    pub async fn relay_queue(&self) -> Result<Vec<([u8; 32], u64)>> {
        dispatch!(self.relay_queue())
    }

    /// Makes every queued relay due now (after a restart, or when this node becomes the
    /// relayer).
    pub async fn relay_all_now(&self) -> Result<()> {
        dispatch!(self.relay_all_now())
    }

    /// `(nonce, job ID)` of `consumer`'s jobs not yet RELAYED or FAILED, ascending by nonce.
    pub async fn pending_jobs(&self, consumer: &[u8; 20]) -> Result<Vec<(u64, [u8; 32])>> {
        dispatch!(self.pending_jobs(consumer))
    }

    pub async fn offchain_input(&self, hash: &[u8]) -> Result<Option<Vec<u8>>> {
        dispatch!(self.offchain_input(hash))
    }

    /// Every stored job (the operator's views).
    pub async fn all_jobs(&self) -> Result<Vec<JobRecord>> {
        dispatch!(self.all_jobs())
    }

    // ----- several nodes (no-ops on the embedded store, which has one node) -----

    /// The job, if it is PENDING and this node may execute it; on a shared store it becomes
    /// this node's (unless another live node owns it: then `None`).
    pub async fn claim(&self, id: &[u8]) -> Result<Option<JobRecord>> {
        match &self.backend {
            Backend::Redb(s) => Ok(s.job(id)?.filter(|j| j.state == JobState::Pending)),
            Backend::Postgres(s) => s.claim(id).await,
        }
    }

    /// Takes over up to `limit` PENDING jobs of nodes that are gone.
    pub async fn take_orphans(&self, limit: usize) -> Result<Vec<[u8; 32]>> {
        match &self.backend {
            Backend::Redb(_) => Ok(Vec::new()),
            Backend::Postgres(s) => s.take_orphans(limit).await,
        }
    }

    /// Records that this node (serving at `url`) is alive.
    pub async fn heartbeat(&self, url: &str) -> Result<()> {
        match &self.backend {
            Backend::Redb(_) => Ok(()),
            Backend::Postgres(s) => s.heartbeat(url).await,
        }
    }

    /// The role, if no other node holds it.
    pub async fn try_acquire(&self, role: Role) -> Result<Option<RoleLease>> {
        match &self.backend {
            Backend::Redb(_) => Ok(Some(RoleLease(Lease::Sole))),
            Backend::Postgres(s) => {
                Ok(s.try_acquire(role).await?.map(|l| RoleLease(Lease::Postgres(l))))
            }
        }
    }

    /// On a shared store: calls `wake` whenever any node queues a job for relay (until the
    /// connection fails). The embedded store returns at once: its one node wakes its relayer
    /// itself.
    pub async fn relay_wakeups(&self, wake: impl Fn()) -> Result<()> {
        match &self.backend {
            Backend::Redb(_) => Ok(()),
            Backend::Postgres(s) => s.relay_wakeups(wake).await,
        }
    }

    /// The nodes sharing this store (empty for the embedded store).
    pub async fn cluster(&self) -> Result<Vec<ClusterNode>> {
        match &self.backend {
            Backend::Redb(_) => Ok(Vec::new()),
            Backend::Postgres(s) => s.cluster().await,
        }
    }

    // ----- a job's state changes -----

    /// The job's relay transaction is gone from the chain (a reorg): DONE again, due now,
    /// with `why` as its reason until it is relayed again.
    pub async fn relay_reorged(&self, id: &[u8], why: String) -> Result<Option<JobRecord>> {
        self.update(id, Some(now_ms()), |job| {
            if job.state == JobState::Relayed {
                job.state = JobState::Done;
                job.relay_tx_hash = Vec::new();
                job.relayed_at_ms = None;
                job.failure_reason = Some(why);
            }
        })
        .await
    }

    /// Persists an execution: DONE (queued for relay now) or FAILED.
    pub async fn finish_execution(
        &self,
        id: &[u8],
        outcome: ExecutionOutcome,
    ) -> Result<Option<JobRecord>> {
        let now = now_ms();
        self.update(id, Some(now), |job| {
            if job.state != JobState::Pending {
                return;
            }
            job.done_at_ms = Some(now);
            match outcome {
                ExecutionOutcome::Done { result_with_metadata, operator_signature, cycles } => {
                    job.state = JobState::Done;
                    job.failure_reason = None; // e.g. a note that it waited for its program
                    job.result_with_metadata = result_with_metadata;
                    job.operator_signature = operator_signature;
                    job.cycles = Some(cycles);
                }
                ExecutionOutcome::Failed(reason) => {
                    job.state = JobState::Failed;
                    job.failure_reason = Some(reason);
                }
            }
        })
        .await
    }

    /// The result is on chain (in transaction `tx_hash`).
    pub async fn mark_relayed(&self, id: &[u8], tx_hash: Vec<u8>) -> Result<Option<JobRecord>> {
        self.update(id, None, |job| {
            job.state = JobState::Relayed;
            job.relay_tx_hash = tx_hash;
            job.failure_reason = None;
            job.relayed_at_ms = Some(now_ms());
        })
        .await
    }

    /// The job will never be relayed.
    pub async fn mark_failed(&self, id: &[u8], reason: String) -> Result<Option<JobRecord>> {
        self.update(id, None, |job| {
            job.state = JobState::Failed;
            job.failure_reason = Some(reason);
        })
        .await
    }

    /// A PENDING job that cannot run yet (its program is not stored): keep it PENDING and say
    /// why in its `failure_reason` until it runs.
    pub async fn note_waiting(&self, id: &[u8], why: String) -> Result<Option<JobRecord>> {
        let job = self
            .update(id, None, |job| {
                if job.state == JobState::Pending {
                    job.failure_reason = Some(why);
                }
            })
            .await?;
        // The program may arrive at another node of a shared store: that node runs it.
        if let Backend::Postgres(s) = &self.backend {
            s.release(id).await?;
        }
        Ok(job)
    }

    /// A relay attempt failed: count it, remember the error, retry at `retry_at_ms`.
    pub async fn relay_attempt_failed(
        &self,
        id: &[u8],
        error: String,
        retry_at_ms: u64,
    ) -> Result<Option<JobRecord>> {
        self.update(id, Some(retry_at_ms), |job| {
            job.retries = job.retries.saturating_add(1);
            job.failure_reason = Some(error);
        })
        .await
    }

    /// Nonces of `consumer`'s jobs not yet RELAYED or FAILED, ascending.
    pub async fn pending_nonces(&self, consumer: &[u8; 20]) -> Result<Vec<u64>> {
        Ok(self.pending_jobs(consumer).await?.into_iter().map(|(n, _)| n).collect())
    }

    /// and relay progress cleared (the caller queues it), a DONE job's relay is due now. A
    /// RELAYED job is left alone. `(state before, state after)`, or `None` for an unknown job.
    pub async fn retry(&self, id: &[u8]) -> Result<Option<(JobState, JobState)>> {
        let Some(job) = self.job(id).await? else { return Ok(None) };
        let before = job.state;
        let updated = match before {
            JobState::Failed | JobState::Pending => {
                self.update(id, None, |job| {
                    job.state = JobState::Pending;
                    job.failure_reason = None;
                    job.retries = 0;
                    job.result_with_metadata.clear();
                    job.operator_signature.clear();
                    job.cycles = None;
                    job.done_at_ms = None;
                })
                .await?
            }
            JobState::Done => self.update(id, Some(0), |job| job.retries = 0).await?,
            JobState::Relayed => Some(job),
        };
        Ok(updated.map(|job| (before, job.state)))
    }
}
