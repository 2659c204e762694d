//! One relay attempt: the on-chain check that keeps relaying exactly-once, the transaction
//! (with the offchain input's blobs), its receipt and confirmations.
use std::sync::Arc;

use ivm_contracts::alloy_primitives::{Bytes, B256};
use ivm_contracts::alloy_sol_types::{SolCall, SolEvent};
use ivm_contracts::bindings::JobManager;
use ivm_contracts::client::alloy_provider::network::{TransactionBuilder, TransactionBuilder4844};
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::{
    BlockId, Filter, TransactionReceipt, TransactionRequest,
};
use ivm_contracts::client::{alloy_provider, decode_revert, gas_with_margin};
use ivm_contracts::da::BlobTransactionSidecar;
use ivm_contracts::{JOB_STATE_CANCELLED, JOB_STATE_PENDING};

use super::nonces::Nonces;
use crate::store::{JobKind, JobRecord};
use crate::Shared;

/// Why a relay attempt did not settle the job.
#[derive(Debug, Clone)]
pub(super) struct AttemptError {
    pub message: String,
    /// The relay itself reverted (not a transport problem): it will likely revert again.
    pub reverted: bool,
}

impl From<String> for AttemptError {
    fn from(message: String) -> Self {
        AttemptError { message, reverted: false }
    }
}

/// How a relay attempt ended for good.
pub(super) enum Settled {
    /// The result is on chain in this transaction.
    Relayed(B256),
    /// It can never be relayed.
    Failed(String),
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

pub(super) async fn attempt(
    shared: &Arc<Shared>,
    nonces: &Nonces,
    job: &JobRecord,
) -> Result<Settled, AttemptError> {
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
    let mut tx = relay_transaction(shared, input);
    if let Some(sidecar) = offchain_input_blobs(shared, job).await? {
        tx = tx.with_blob_sidecar(sidecar);
    }
    match send(shared, nonces, tx).await {
        Ok(tx_hash) => Ok(Settled::Relayed(tx_hash)),
        Err(SendError::NoReceipt(message)) => Err(message.into()),
        Err(e) => {
            // Maybe someone else's transaction just landed it.
            if let Some(settled) = settled_on_chain(shared, job).await? {
                return Ok(settled);
            }
            Err(e.into())
        }
    }
}

/// Whether an offchain job may share a relay transaction with others: it posts no blobs.
pub(super) fn batchable(job: &JobRecord) -> bool {
    job.kind == JobKind::Offchain && job.offchain_input_hash == ivm_contracts::EMPTY_INPUT_HASH.0
}

/// One attempt for several [`batchable`] jobs: those not settled on chain yet go in one
/// `submitResultsForOffchainJobs` transaction. That call is all or nothing, so a batch that
/// reverts (a job's relay would revert) is split in halves, each tried again: the other jobs
/// still land in batches, and the culprit ends alone with its own revert reason — a consumer
/// whose jobs always revert costs a batch a few estimates, not its batching. Outcomes in the
/// order of `jobs`.
pub(super) async fn attempt_batch(
    shared: &Arc<Shared>,
    nonces: &Nonces,
    jobs: &[JobRecord],
) -> Vec<Result<Settled, AttemptError>> {
    let mut outcomes: Vec<Option<Result<Settled, AttemptError>>> = Vec::new();
    let mut open = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        outcomes.push(match settled_on_chain(shared, job).await {
            Ok(Some(settled)) => Some(Ok(settled)),
            Ok(None) => {
                open.push(i);
                None
            }
            Err(e) => Some(Err(e.into())),
        });
    }
    for (i, outcome) in relay_open(shared, nonces, jobs, open).await {
        outcomes[i] = Some(outcome);
    }
    outcomes.into_iter().map(|o| o.expect("every job has an outcome")).collect()
}

/// Relays the jobs `open` of `jobs` (none settled on chain at the last check): alone, or as a
/// batch that is halved while it reverts. Each job's outcome with its index.
fn relay_open<'a>(
    shared: &'a Arc<Shared>,
    nonces: &'a Nonces,
    jobs: &'a [JobRecord],
    open: Vec<usize>,
) -> futures_util::future::BoxFuture<'a, Vec<(usize, Result<Settled, AttemptError>)>> {
    Box::pin(async move {
        match open.as_slice() {
            [] => Vec::new(),
            &[i] => vec![(i, attempt(shared, nonces, &jobs[i]).await)],
            _ => match send_batch(shared, nonces, jobs, &open).await {
                Ok(tx_hash) => {
                    tracing::debug!(jobs = open.len(), %tx_hash, "relay batch landed");
                    open.into_iter().map(|i| (i, Ok(Settled::Relayed(tx_hash)))).collect()
                }
                Err(e) if e.reverted() => {
                    let e = AttemptError::from(e);
                    tracing::debug!(
                        jobs = open.len(),
                        "relay batch reverts ({}); halving it",
                        e.message
                    );
                    let (left, right) = open.split_at(open.len() / 2);
                    // Concurrently: the nonce sequence still orders the sends.
                    let (mut a, b) = futures_util::future::join(
                        relay_open(shared, nonces, jobs, left.to_vec()),
                        relay_open(shared, nonces, jobs, right.to_vec()),
                    )
                    .await;
                    a.extend(b);
                    a
                }
                // A transport problem: all retried later, each checked on chain first.
                Err(e) => {
                    let e = AttemptError::from(e);
                    open.into_iter().map(|i| (i, Err(e.clone()))).collect()
                }
            },
        }
    })
}

/// Sends the jobs `open` of `jobs` in one `submitResultsForOffchainJobs` transaction.
async fn send_batch(
    shared: &Shared,
    nonces: &Nonces,
    jobs: &[JobRecord],
    open: &[usize],
) -> Result<B256, SendError> {
    let field = |f: fn(&JobRecord) -> &Vec<u8>| -> Vec<Bytes> {
        open.iter().map(|&i| Bytes::copy_from_slice(f(&jobs[i]))).collect()
    };
    let call = JobManager::submitResultsForOffchainJobsCall {
        offchainResultsWithMetadata: field(|j| &j.result_with_metadata),
        signaturesOnResults: field(|j| &j.operator_signature),
        jobRequests: field(|j| &j.request),
        signaturesOnRequests: field(|j| &j.request_signature),
    };
    send(shared, nonces, relay_transaction(shared, call.abi_encode().into())).await
}

/// A relay transaction from the relayer to `JobManager`, gas and fees to be filled.
fn relay_transaction(shared: &Shared, input: Bytes) -> TransactionRequest {
    TransactionRequest::default()
        .with_from(shared.chain.address())
        .with_to(shared.config.job_manager)
        .with_input(input)
}

/// Why a relay transaction did not land.
enum SendError {
    /// Not sent: the estimate or the send failed (`reverted`: the EVM said no).
    NotSent { message: String, reverted: bool },
    /// Sent, and no receipt with enough confirmations came (dropped, replaced, too slow).
    NoReceipt(String),
    /// Mined, and reverted.
    Reverted(B256),
}

impl SendError {
    fn reverted(&self) -> bool {
        matches!(self, SendError::NotSent { reverted: true, .. } | SendError::Reverted(_))
    }
}

impl From<SendError> for AttemptError {
    fn from(e: SendError) -> Self {
        let reverted = e.reverted();
        let message = match e {
            SendError::NotSent { message, .. } | SendError::NoReceipt(message) => message,
            SendError::Reverted(tx_hash) => format!("relay transaction {tx_hash} reverted"),
        };
        AttemptError { message, reverted }
    }
}

/// Estimates, signs and sends `tx` with the next nonce, and waits for its receipt and
/// confirmations. The transaction's hash once it landed.
async fn send(shared: &Shared, nonces: &Nonces, tx: TransactionRequest) -> Result<B256, SendError> {
    let chain = &shared.chain;
    // Estimated before taking a nonce: a relay that would revert never consumes one.
    // Gas and fees are filled here, outside the nonce sequence, so that the sequence is held
    // only for signing and one `eth_sendRawTransaction`: it is what serialises the relays.
    // Against the latest block, not alloy's default "pending": a node computes the pending
    // block by executing every transaction in its pool — with many relays in flight, each
    // estimate would re-run all of them (on anvil that was most of its CPU). No relay depends
    // on another in flight (one consumer's Ordered jobs are never in flight together).
    let sent = async {
        let estimate = chain.provider().estimate_gas(tx.clone()).block(BlockId::latest()).await?;
        let fees = chain.provider().estimate_eip1559_fees().await?;
        let tx = tx
            .with_gas_limit(gas_with_margin(estimate))
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        nonces.send(chain, tx).await
    };
    let pending = sent.await.map_err(|e| SendError::NotSent {
        message: format!("relay transaction not sent: {}", rpc_message(&e)),
        reverted: is_revert(&e),
    })?;
    let tx_hash = *pending.tx_hash();
    tracing::debug!(%tx_hash, "relay transaction sent");
    let receipt = match await_receipt(shared, tx_hash).await {
        Ok(r) => r,
        Err(e) => {
            // Dropped or replaced, maybe: later nonces would wait behind its gap for ever.
            nonces.resync().await;
            return Err(SendError::NoReceipt(e));
        }
    };
    if !receipt.status() {
        return Err(SendError::Reverted(tx_hash));
    }
    Ok(tx_hash)
}

/// The blobs an offchain job's result is posted with: its offchain input, packed as when the
/// result was signed (the same bytes give the same versioned hashes). `None` without one.
async fn offchain_input_blobs(
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
        .await
        .map_err(|e| format!("reading the offchain input to post in blobs: {e:#}"))?
        .ok_or_else(|| AttemptError {
            message:
                "the job's offchain input is missing from the store: its blobs cannot be built"
                    .into(),
            reverted: true,
        })?;
    // KZG commitments are CPU work: off the async workers.
    tokio::task::spawn_blocking(move || ivm_contracts::da::sidecar(&input))
        .await
        .map_err(|e| format!("packing the offchain input: {e}"))?
        .map_err(|e| AttemptError {
            message: format!("packing the offchain input: {e}"),
            reverted: true,
        })
}

/// Waits for the transaction's receipt with `confirmations` blocks (its own included). The
/// receipt is read once per new block the health probe sees, not polled per transaction: with
/// many relays in flight, per-transaction polling is what would load the RPC endpoint.
async fn await_receipt(shared: &Shared, tx_hash: B256) -> Result<TransactionReceipt, String> {
    let mut head = shared.health.watch_head();
    let deadline = tokio::time::Instant::now() + shared.config.relay_receipt_timeout;
    let needed = shared.config.confirmations;
    let mut receipt: Option<TransactionReceipt> = None;
    loop {
        let current = *head.borrow_and_update();
        if receipt.is_none() {
            receipt = shared
                .chain
                .provider()
                .get_transaction_receipt(tx_hash)
                .await
                .map_err(|e| format!("cannot read the receipt of {tx_hash}: {e}"))?;
        }
        if let Some(r) = &receipt {
            let included = r
                .block_number
                .ok_or_else(|| format!("receipt of {tx_hash} has no block number"))?;
            if current + 1 >= included + needed {
                return Ok(r.clone());
            }
        }
        tokio::select! {
            _ = shared.shutdown.cancelled() => return Err("shutting down while waiting for a receipt".into()),
            _ = tokio::time::sleep_until(deadline) => {
                return Err(format!(
                    "no receipt for relay transaction {tx_hash} with {needed} confirmations within {:?}",
                    shared.config.relay_receipt_timeout
                ));
            }
            changed = head.changed() => {
                if changed.is_err() {
                    return Err("the chain probe stopped".into());
                }
            }
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
