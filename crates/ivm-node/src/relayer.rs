//! The relayer: puts DONE results on chain with the relayer key (DONE → RELAYED).
//!
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
//!   the same consumer with a lower nonce is not yet RELAYED or FAILED. Unordered jobs go as soon
//!   as they are DONE.
use std::sync::Arc;
use std::time::Duration;

use ivm_api::RelayStrategy;
use ivm_contracts::alloy_primitives::{Bytes, B256};
use ivm_contracts::alloy_sol_types::{SolCall, SolEvent};
use ivm_contracts::bindings::JobManager;
use ivm_contracts::client::alloy_provider::network::{TransactionBuilder, TransactionBuilder4844};
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::{Filter, TransactionRequest};
use ivm_contracts::client::{alloy_provider, decode_revert};
use ivm_contracts::da::BlobTransactionSidecar;
use ivm_contracts::{JOB_STATE_CANCELLED, JOB_STATE_PENDING};

use crate::metrics::Metrics;
use crate::store::{now_ms, JobKind, JobRecord, JobState};
use crate::Shared;

/// Why a relay attempt did not settle the job.
struct AttemptError {
    message: String,
    /// The relay itself reverted (not a transport problem): it will likely revert again.
    reverted: bool,
}

impl From<String> for AttemptError {
    fn from(message: String) -> Self {
        AttemptError { message, reverted: false }
    }
}

/// How a relay attempt ended for good.
enum Settled {
    /// The result is on chain in this transaction.
    Relayed(B256),
    /// It can never be relayed.
    Failed(String),
}

pub(crate) async fn run(shared: Arc<Shared>) {
    loop {
        if let Err(e) = crate::finality::check(&shared).await {
            if let Some(held_back) = shared.log_limit.admit("finality") {
                tracing::warn!(held_back, "relayer: checking relayed transactions: {e:#}");
            }
        }
        let again = match relay_due(&shared).await {
            Ok(again) => again,
            Err(e) => {
                if let Some(held_back) = shared.log_limit.admit("relayer") {
                    tracing::error!(held_back, "relayer: {e:#}");
                }
                false
            }
        };
        if shared.shutdown.is_cancelled() {
            break;
        }
        if again {
            continue;
        }
        let wait = next_wait(&shared);
        tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            _ = shared.relay_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Time until the earliest queued relay is due, at most the poll interval.
fn next_wait(shared: &Shared) -> Duration {
    let poll = shared.config.poll_interval;
    let Ok(queue) = shared.store.relay_queue() else {
        return poll;
    };
    let now = now_ms();
    queue
        .iter()
        .map(|(_, at)| Duration::from_millis(at.saturating_sub(now)))
        .min()
        .map_or(poll, |d| d.min(poll))
}

/// Relays every due job once. Returns true if something was settled (Ordered successors may be
/// due now).
async fn relay_due(shared: &Arc<Shared>) -> anyhow::Result<bool> {
    let now = now_ms();
    let mut due = Vec::new();
    for (id, at) in shared.store.relay_queue()? {
        if at <= now {
            if let Some(job) = shared.store.job(&id)? {
                if job.state == JobState::Done {
                    due.push(job);
                }
            }
        }
    }
    due.sort_by_key(|j| (j.consumer, j.nonce));
    let mut settled_any = false;
    for job in due {
        if shared.shutdown.is_cancelled() {
            break;
        }
        if job.relay_strategy == RelayStrategy::Ordered as i32 && !next_in_order(shared, &job)? {
            continue;
        }
        settled_any |= relay_one(shared, job).await?;
    }
    Ok(settled_any)
}

/// No Ordered job of the same consumer with a lower nonce is still open.
fn next_in_order(shared: &Shared, job: &JobRecord) -> anyhow::Result<bool> {
    for (nonce, id) in shared.store.pending_jobs(&job.consumer)? {
        if nonce >= job.nonce {
            break;
        }
        if let Some(other) = shared.store.job(&id)? {
            if other.relay_strategy == RelayStrategy::Ordered as i32 && other.state.is_open() {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// One attempt; stores the outcome. Returns whether the job was settled.
async fn relay_one(shared: &Arc<Shared>, job: JobRecord) -> anyhow::Result<bool> {
    let job_id = B256::from(job.id);
    match attempt(shared, &job).await {
        Ok(Settled::Relayed(tx)) => {
            shared.store.mark_relayed(&job.id, tx.to_vec())?;
            Metrics::inc(&shared.metrics.relayed);
            tracing::info!(job = %job_id, %tx, "result relayed");
            practice_self_challenge(shared, &job);
            Ok(true)
        }
        Ok(Settled::Failed(reason)) => {
            shared.store.mark_failed(&job.id, reason.clone())?;
            tracing::warn!(job = %job_id, %reason, "job cannot be relayed");
            Ok(true)
        }
        Err(AttemptError { message, reverted: true })
            if shared.config.max_relay_reverts > 0
                && job.retries.saturating_add(1) >= shared.config.max_relay_reverts =>
        {
            let attempts = job.retries.saturating_add(1);
            let reason = format!("relay_reverted: {message} (after {attempts} attempts)");
            shared.store.mark_failed(&job.id, reason.clone())?;
            Metrics::inc(&shared.metrics.relay_errors);
            tracing::warn!(job = %job_id, %reason, "relay keeps reverting; job failed");
            Ok(true)
        }
        Err(AttemptError { message: error, .. }) => {
            let attempts = job.retries.saturating_add(1);
            let backoff = Duration::from_millis(500 * u64::from(attempts))
                .min(shared.config.max_relay_backoff);
            shared.store.relay_attempt_failed(
                &job.id,
                format!("relay attempt {attempts} failed: {error}"),
                now_ms() + backoff.as_millis() as u64,
            )?;
            Metrics::inc(&shared.metrics.relay_errors);
            // The job's own record keeps its last error; the log gets one line per window.
            if let Some(held_back) = shared.log_limit.admit("relay failed") {
                tracing::warn!(job = %job_id, attempts, retry_in = ?backoff, held_back,
                    "relay failed: {error}");
            }
            Ok(false)
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

/// The node answered that the call reverts (with revert data): the EVM said no, not the network.
fn is_revert(e: &alloy_provider::transport::TransportError) -> bool {
    e.as_error_resp().is_some_and(|r| r.as_revert_data().is_some() || r.message.contains("revert"))
}

fn rpc_message(e: &alloy_provider::transport::TransportError) -> String {
    if let Some(resp) = e.as_error_resp() {
        if let Some(data) = resp.as_revert_data() {
            return format!("reverted: {}", decode_revert(&data));
        }
    }
    e.to_string()
}

async fn attempt(shared: &Arc<Shared>, job: &JobRecord) -> Result<Settled, AttemptError> {
    if let Some(settled) = settled_on_chain(shared, job).await? {
        return Ok(settled);
    }
    let input: Bytes = match job.kind {
        JobKind::Onchain => JobManager::submitResultCall {
            resultWithMetadata: job.result_with_metadata.clone().into(),
            signature: job.operator_signature.clone().into(),
        }
        .abi_encode()
        .into(),
        JobKind::Offchain => JobManager::submitResultForOffchainJobCall {
            offchainResultWithMetadata: job.result_with_metadata.clone().into(),
            signatureOnResult: job.operator_signature.clone().into(),
            jobRequest: job.request.clone().into(),
            signatureOnRequest: job.request_signature.clone().into(),
        }
        .abi_encode()
        .into(),
    };
    let chain = &shared.chain;
    let mut tx = TransactionRequest::default()
        .with_from(chain.address())
        .with_to(shared.config.job_manager)
        .with_input(input);
    let blobs = {
        let (shared, job) = (shared.clone(), job.clone());
        tokio::task::spawn_blocking(move || offchain_input_blobs(&shared, &job))
            .await
            .map_err(|e| format!("packing the offchain input: {e}"))??
    };
    if let Some(sidecar) = blobs {
        tx = tx.with_blob_sidecar(sidecar);
    }
    let pending = match chain.send_transaction(tx).await {
        Ok(p) => p,
        Err(e) => {
            // Maybe someone else's transaction just landed it.
            if let Some(settled) = settled_on_chain(shared, job).await? {
                return Ok(settled);
            }
            let reverted = is_revert(&e);
            let message = format!("relay transaction not sent: {}", rpc_message(&e));
            return Err(AttemptError { message, reverted });
        }
    };
    let tx_hash = *pending.tx_hash();
    tracing::debug!(job = %B256::from(job.id), %tx_hash, "relay transaction sent");
    let receipt = pending
        .with_timeout(Some(shared.config.relay_receipt_timeout))
        .get_receipt()
        .await
        .map_err(|e| format!("no receipt for relay transaction {tx_hash}: {e}"))?;
    if !receipt.status() {
        if let Some(settled) = settled_on_chain(shared, job).await? {
            return Ok(settled);
        }
        return Err(AttemptError {
            message: format!("relay transaction {tx_hash} reverted"),
            reverted: true,
        });
    }
    let included =
        receipt.block_number.ok_or_else(|| format!("receipt of {tx_hash} has no block number"))?;
    wait_confirmations(shared, included).await?;
    Ok(Settled::Relayed(tx_hash))
}

/// The blobs an offchain job's result is posted with: its offchain input, packed as when the
/// result was signed (the same bytes give the same versioned hashes). `None` without one.
fn offchain_input_blobs(
    shared: &Shared,
    job: &JobRecord,
) -> Result<Option<BlobTransactionSidecar>, AttemptError> {
    if job.kind != JobKind::Offchain {
        return Ok(None);
    }
    if job.offchain_input_hash == ivm_contracts::EMPTY_INPUT_HASH.0 {
        return Ok(None);
    }
    // Stored with the job at submission; without it the relay would revert on the blob check.
    let input = shared
        .store
        .offchain_input(&job.offchain_input_hash)
        .map_err(|e| format!("reading the offchain input to post in blobs: {e:#}"))?
        .ok_or_else(|| AttemptError {
            message:
                "the job's offchain input is missing from the store: its blobs cannot be built"
                    .into(),
            reverted: true,
        })?;
    ivm_contracts::da::sidecar(&input).map_err(|e| AttemptError {
        message: format!("packing the offchain input: {e}"),
        reverted: true,
    })
}

/// Waits until the block `included` has `confirmations` blocks (itself included).
async fn wait_confirmations(shared: &Shared, included: u64) -> Result<(), String> {
    let needed = shared.config.confirmations;
    loop {
        let head = shared
            .chain
            .block_number()
            .await
            .map_err(|e| format!("cannot read the block number: {e}"))?;
        if head + 1 >= included + needed {
            return Ok(());
        }
        tokio::select! {
            _ = shared.shutdown.cancelled() => return Err("shutting down while waiting for confirmations".into()),
            _ = tokio::time::sleep(shared.config.poll_interval) => {}
        }
    }
}

/// The job's state in `JobManager`, if it settles the relay: a result already recorded (then
/// the transaction of its `JobCompleted` event), cancelled, or (for an offchain job) the nonce
/// taken by another job.
async fn settled_on_chain(shared: &Shared, job: &JobRecord) -> Result<Option<Settled>, String> {
    let job_id = B256::from(job.id);
    let meta = shared
        .chain
        .job_metadata(shared.config.job_manager, job_id)
        .await
        .map_err(|e| format!("cannot read the job on chain: {e}"))?;
    match meta.status {
        0 => Ok(None),
        JOB_STATE_PENDING if job.kind == JobKind::Onchain => Ok(None),
        JOB_STATE_PENDING => Ok(Some(Settled::Failed(format!(
            "nonce {} of consumer 0x{} was taken on chain by an onchain job",
            job.nonce,
            hex::encode(job.consumer)
        )))),
        JOB_STATE_CANCELLED => Ok(Some(Settled::Failed("job was cancelled on chain".into()))),
        _ => {
            let filter = Filter::new()
                .address(shared.config.job_manager)
                .event_signature(JobManager::JobCompleted::SIGNATURE_HASH)
                .topic1(job_id)
                .from_block(shared.config.listener_start_block);
            let logs = shared
                .chain
                .provider()
                .get_logs(&filter)
                .await
                .map_err(|e| format!("cannot read JobCompleted events: {e}"))?;
            let tx = logs.first().and_then(|l| l.transaction_hash).unwrap_or_default();
            tracing::info!(job = %job_id, %tx, "result already on chain; not sending it again");
            Ok(Some(Settled::Relayed(tx)))
        }
    }
}
