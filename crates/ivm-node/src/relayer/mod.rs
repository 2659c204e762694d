//! The relayer: puts DONE results on chain with the relayer key (DONE → RELAYED).
//!
//! - Pipelined: up to `max_relays_in_flight` relay transactions are in flight at once, with
//!   nonces the node hands out itself ([`nonces`]); a send that fails, or a transaction that
//!   gets no receipt (dropped, replaced), makes the next send read the pending nonce again.
//! - Batched: offchain jobs without blobs that are due together go up to `max_relay_batch` per
//!   transaction (`submitResultsForOffchainJobs`, all or nothing; a batch that would revert is
//!   halved until the reverting job is alone, so the others land). A chain's per-transaction
//!   work (a block per transaction on an automining devnet, the sender's signature) is paid per
//!   batch; under load a partial batch lingers briefly for more jobs.
//! - Exactly once: before each send it reads the job's state in `JobManager`; a job that already
//!   has a result (a send that landed before a crash, or another relayer) is marked RELAYED with
//!   the transaction of its `JobCompleted` event instead of being sent again.
//! - Waits for `confirmations` blocks after inclusion.
//! - A failed attempt stays queued and is retried with a linear backoff (500 ms × attempts,
//!   capped at `max_relay_backoff`), and after restarts; the last error is shown as the job's
//!   `failureReason` while it is still DONE. Transient errors (RPC unreachable, no receipt) are
//!   retried for as long as the node runs; a relay that **reverts** (the estimate or the mined
//!   transaction, with the decoded reason) is deterministic, and after `max_relay_reverts`
//!   attempts the job is FAILED with `relay_reverted: <reason>`.
//! - After RELAYED, the transaction is watched until it is `finality_depth` blocks deep; if a
//!   reorg removes it, the job is DONE again and relayed again (`crate::finality`).
//! - Ordered jobs of a consumer go strictly in nonce order: a job waits while an Ordered job of
//!   the same consumer with a lower nonce is not yet RELAYED or FAILED (so one consumer's
//!   Ordered jobs are never in flight together). Unordered jobs, and different consumers, go
//!   as soon as they are DONE.
//! - A restart with transactions in flight: their jobs are still DONE in the store, so each is
//!   checked on chain again (landed: RELAYED with that transaction) before anything is sent.
mod attempt;
mod nonces;

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivm_api::RelayStrategy;
use ivm_contracts::alloy_primitives::B256;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::store::{now_ms, JobRecord, JobState};
use crate::Shared;
use attempt::{attempt, attempt_batch, batchable, AttemptError, Settled};
use nonces::Nonces;

/// Relays until `stop` (a shutdown, or this node losing the relayer role).
pub(crate) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    let nonces = Arc::new(Nonces::default());
    let mut flight = InFlight::new(shared.clone(), shared.config.max_relays_in_flight.max(1));
    let poll = shared.config.poll_interval;
    let mut finality = crate::finality::Watch::default();
    let mut finality_checked: Option<Instant> = None;
    let mut next_due: Option<u64> = None;
    let mut rescan = true;
    while !stop.is_cancelled() {
        if finality_checked.is_none_or(|t| t.elapsed() >= poll) {
            match crate::finality::check(&shared, &mut finality).await {
                // A reorg took relay transactions, and the account's nonce, back.
                Ok(lost) if lost > 0 => nonces.resync().await,
                Ok(_) => {}
                Err(e) => {
                    if let Some(held_back) = shared.log_limit.admit("finality") {
                        tracing::warn!(held_back, "relayer: checking relayed transactions: {e:#}");
                    }
                }
            }
            finality_checked = Some(Instant::now());
        }
        if rescan && !flight.is_full() {
            match start_due(&shared, &nonces, &mut flight).await {
                Ok(next) => next_due = next,
                Err(e) => {
                    if let Some(held_back) = shared.log_limit.admit("relayer") {
                        tracing::error!(held_back, "relayer: {e:#}");
                    }
                }
            }
        }
        let wait = next_due
            .map_or(poll, |at| Duration::from_millis(at.saturating_sub(now_ms())))
            .min(poll);
        rescan = tokio::select! {
            _ = stop.cancelled() => break,
            // A relay settled: refill once half the slots are free, or at once if it may
            // unblock an Ordered successor.
            ordered = flight.next_done(), if !flight.is_empty() => {
                ordered || flight.len() <= flight.capacity / 2
            }
            _ = shared.relay_wake.notified() => true,
            _ = tokio::time::sleep(wait) => true,
        };
    }
    // In-flight sends are abandoned: their jobs are still DONE, and the next start checks each
    // on chain before sending again.
    flight.tasks.abort_all();
}

/// The relays in flight: one task per transaction, of one job or a batch.
struct InFlight {
    shared: Arc<Shared>,
    tasks: JoinSet<()>,
    /// Each task's jobs, and whether one of them is Ordered.
    jobs: HashMap<tokio::task::Id, (Vec<[u8; 32]>, bool)>,
    capacity: usize,
}

impl InFlight {
    fn new(shared: Arc<Shared>, capacity: usize) -> Self {
        InFlight { shared, tasks: JoinSet::new(), jobs: HashMap::new(), capacity }
    }

    fn len(&self) -> usize {
        self.jobs.len()
    }

    fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    fn free(&self) -> usize {
        self.capacity.saturating_sub(self.jobs.len())
    }

    fn is_full(&self) -> bool {
        self.jobs.len() >= self.capacity
    }

    /// The jobs in flight.
    fn job_ids(&self) -> std::collections::HashSet<[u8; 32]> {
        self.jobs.values().flat_map(|(ids, _)| ids.iter().copied()).collect()
    }

    fn start(&mut self, shared: &Arc<Shared>, nonces: &Arc<Nonces>, batch: Vec<JobRecord>) {
        let ids = batch.iter().map(|j| j.id).collect();
        let ordered = batch.iter().any(|j| j.relay_strategy == RelayStrategy::Ordered as i32);
        let (shared, nonces) = (shared.clone(), nonces.clone());
        let task = self.tasks.spawn(async move {
            if let Err(e) = relay(&shared, &nonces, batch).await {
                if let Some(held_back) = shared.log_limit.admit("relayer") {
                    tracing::error!(held_back, "relayer: {e:#}");
                }
            }
        });
        self.jobs.insert(task.id(), (ids, ordered));
        self.publish();
    }

    /// The gauge `ivm node status` and /metrics show.
    fn publish(&self) {
        self.shared.metrics.relays_in_flight.store(self.jobs.len() as u64, Relaxed);
    }

    /// Waits for a relay to finish; whether it was an Ordered job's.
    async fn next_done(&mut self) -> bool {
        let id = match self.tasks.join_next_with_id().await {
            Some(Ok((id, ()))) => id,
            Some(Err(e)) => {
                tracing::error!("relayer: a relay task failed: {e}");
                e.id()
            }
            None => return false,
        };
        let ordered = self.jobs.remove(&id).is_some_and(|(_, ordered)| ordered);
        self.publish();
        ordered
    }
}

/// Starts relays for every due job not in flight, while slots are free (Ordered jobs only
/// when next in order; batchable jobs up to `max_relay_batch` per transaction). Returns when
/// the earliest relay that is not due yet falls due.
async fn start_due(
    shared: &Arc<Shared>,
    nonces: &Arc<Nonces>,
    flight: &mut InFlight,
) -> anyhow::Result<Option<u64>> {
    let now = now_ms();
    let mut next_due: Option<u64> = None;
    let in_flight = flight.job_ids();
    let mut due_ids = Vec::new();
    for (id, at) in shared.store.relay_queue().await? {
        if in_flight.contains(&id) {
            continue;
        }
        if at > now {
            next_due = Some(next_due.map_or(at, |n| n.min(at)));
        } else {
            due_ids.push((at, id));
        }
    }
    // Records are read only for as many jobs as the free slots can take (longest due first):
    // with a backlog of thousands, reading every one on every scan is what would load the store.
    due_ids.sort_unstable();
    let due_at: HashMap<[u8; 32], u64> = due_ids.iter().map(|&(at, id)| (id, at)).collect();
    let wanted = flight.free() * shared.config.max_relay_batch.max(1);
    let mut due = Vec::new();
    for (_, id) in due_ids {
        if due.len() >= wanted {
            break;
        }
        if let Some(job) = shared.store.job(&id).await? {
            if job.state == JobState::Done {
                due.push(job);
            }
        }
    }
    due.sort_by_key(|j| (j.consumer, j.nonce));
    let mut ready = Vec::new();
    for job in due {
        if job.relay_strategy == RelayStrategy::Ordered as i32
            && !next_in_order(shared, &job).await?
        {
            continue;
        }
        ready.push(job);
    }
    let (together, alone): (Vec<_>, Vec<_>) = ready.into_iter().partition(batchable);
    let max_batch = shared.config.max_relay_batch.max(1);
    let mut batches = batches(together, max_batch);
    batches.extend(alone.into_iter().map(|job| vec![job]));
    for batch in batches {
        if flight.is_full() {
            break;
        }
        // Nagle for relays: while other relays are in flight, a partial batch waits up to
        // BATCH_LINGER_MS for more jobs. A chain pays per transaction (a block each on an
        // automining devnet), so under load fewer, fuller batches relay more; at a light load
        // nothing is in flight and a job goes at once.
        if batch.len() > 1 || batchable(&batch[0]) {
            let first_due = batch.iter().filter_map(|j| due_at.get(&j.id)).min().copied();
            let release = first_due.unwrap_or(now) + BATCH_LINGER_MS;
            if batch.len() < max_batch && !flight.is_empty() && release > now {
                next_due = Some(next_due.map_or(release, |n| n.min(release)));
                continue;
            }
        }
        flight.start(shared, nonces, batch);
    }
    Ok(next_due)
}

/// How long a partial batch may wait for more jobs while other relays are in flight.
const BATCH_LINGER_MS: u64 = 100;

/// `jobs` in batches of at most `max` (at least one job each).
fn batches(jobs: Vec<JobRecord>, max: usize) -> Vec<Vec<JobRecord>> {
    let mut out: Vec<Vec<JobRecord>> = Vec::new();
    for job in jobs {
        match out.last_mut() {
            Some(batch) if batch.len() < max.max(1) => batch.push(job),
            _ => out.push(vec![job]),
        }
    }
    out
}

/// No Ordered job of the same consumer with a lower nonce is still open.
async fn next_in_order(shared: &Shared, job: &JobRecord) -> anyhow::Result<bool> {
    for (nonce, id) in shared.store.pending_jobs(&job.consumer).await? {
        if nonce >= job.nonce {
            break;
        }
        if let Some(other) = shared.store.job(&id).await? {
            if other.relay_strategy == RelayStrategy::Ordered as i32 && other.state.is_open() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// One attempt for a job or a batch; stores each job's outcome.
async fn relay(shared: &Arc<Shared>, nonces: &Nonces, batch: Vec<JobRecord>) -> anyhow::Result<()> {
    let outcomes = match batch.as_slice() {
        [job] => vec![attempt(shared, nonces, job).await],
        jobs => attempt_batch(shared, nonces, jobs).await,
    };
    for (job, outcome) in batch.into_iter().zip(outcomes) {
        record(shared, job, outcome).await?;
    }
    Ok(())
}

/// Stores a job's relay outcome: RELAYED, FAILED, or queued for another attempt.
async fn record(
    shared: &Arc<Shared>,
    job: JobRecord,
    outcome: Result<Settled, AttemptError>,
) -> anyhow::Result<()> {
    let job_id = B256::from(job.id);
    match outcome {
        Ok(Settled::Relayed(tx)) => {
            shared.store.mark_relayed(&job.id, tx.to_vec()).await?;
            Metrics::inc(&shared.metrics.relayed);
            let latency_ms = now_ms().saturating_sub(job.accepted_at_ms);
            shared.metrics.relay_latency_seconds.observe(latency_ms as f64 / 1000.0);
            tracing::info!(job = %job_id, %tx, "result relayed");
            practice_self_challenge(shared, &job);
            Ok(())
        }
        Ok(Settled::Failed(reason)) => {
            shared.store.mark_failed(&job.id, reason.clone()).await?;
            tracing::warn!(job = %job_id, %reason, "job cannot be relayed");
            Ok(())
        }
        Err(AttemptError { message, reverted: true })
            if shared.config.max_relay_reverts > 0
                && job.retries.saturating_add(1) >= shared.config.max_relay_reverts =>
        {
            let attempts = job.retries.saturating_add(1);
            let reason = format!("relay_reverted: {message} (after {attempts} attempts)");
            shared.store.mark_failed(&job.id, reason.clone()).await?;
            Metrics::inc(&shared.metrics.relay_errors);
            tracing::warn!(job = %job_id, %reason, "relay keeps reverting; job failed");
            Ok(())
        }
        Err(AttemptError { message: error, .. }) => {
            let attempts = job.retries.saturating_add(1);
            let backoff = Duration::from_millis(500 * u64::from(attempts))
                .min(shared.config.max_relay_backoff);
            shared
                .store
                .relay_attempt_failed(
                    &job.id,
                    format!("relay attempt {attempts} failed: {error}"),
                    now_ms() + backoff.as_millis() as u64,
                )
                .await?;
            Metrics::inc(&shared.metrics.relay_errors);
            // The job's own record keeps its last error; the log gets one line per window.
            if let Some(held_back) = shared.log_limit.admit("relay failed") {
                tracing::warn!(job = %job_id, attempts, retry_in = ?backoff, held_back,
                    "relay failed: {error}");
            }
            Ok(())
        }
    }
}

/// Test-only practice mode (`ivm devnet --dishonest … --self-challenge`): the operator
/// challenges its own wrong result with a junk proof from its own account, in the background.
fn practice_self_challenge(shared: &Arc<Shared>, job: &JobRecord) {
    let Some(d) = &shared.config.dishonest else { return };
    if !(d.self_challenge && d.wrong_results && d.covers(&job.program_id)) {
        return;
    }
    let (shared, job_id) = (shared.clone(), B256::from(job.id));
    tokio::spawn(async move {
        let filed = async {
            let key = ivm_contracts::client::parse_key(shared.config.operator_key.expose())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let operator = shared.chain.with_signer(key).await?;
            let jm = shared.config.job_manager;
            let bond = operator.dispute_parameters(jm).await?.challengeBond;
            let claim = ivm_contracts::ClaimedOutcome::Panicked;
            let (id, _) = operator.challenge(jm, job_id, &claim, vec![0u8; 8], bond).await?;
            anyhow::Ok(id)
        };
        match filed.await {
            Ok(id) => tracing::warn!(job = %job_id, challenge = %id,
                "practice mode: the operator challenged its own result with a junk proof"),
            Err(e) => tracing::warn!(job = %job_id, "practice mode: self-challenge failed: {e:#}"),
        }
    });
}
