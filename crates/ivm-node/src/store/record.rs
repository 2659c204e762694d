//! A job as the node stores it, and the outcomes that move it along.
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// How a job reached the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// From a `JobCreated` event.
    Onchain,
    /// From `submit_job` with a signed `OffchainJobRequest`.
    Offchain,
}

/// Where a job is in its life: PENDING → DONE → RELAYED, or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Accepted, not yet executed.
    Pending,
    /// Executed and signed, not yet relayed.
    Done,
    /// The result is on chain.
    Relayed,
    /// Will not be relayed; `failure_reason` says why.
    Failed,
}

impl JobState {
    pub fn api(self) -> ivm_api::JobStatusType {
        match self {
            JobState::Pending => ivm_api::JobStatusType::Pending,
            JobState::Done => ivm_api::JobStatusType::Done,
            JobState::Relayed => ivm_api::JobStatusType::Relayed,
            JobState::Failed => ivm_api::JobStatusType::Failed,
        }
    }

    /// Not yet RELAYED or FAILED.
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Pending | JobState::Done)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: [u8; 32],
    pub kind: JobKind,
    pub nonce: u64,
    pub max_cycles: u64,
    pub consumer: [u8; 20],
    pub program_id: Vec<u8>,
    pub onchain_input: Vec<u8>,
    pub offchain_input_hash: [u8; 32],
    /// `abi.encode(OffchainJobRequest)` as signed (offchain jobs; empty for onchain jobs).
    pub request: Vec<u8>,
    /// The requester's signature (offchain jobs; empty for onchain jobs).
    pub request_signature: Vec<u8>,
    /// 0 = Unordered, 1 = Ordered.
    pub relay_strategy: i32,
    pub state: JobState,
    /// Why the job FAILED, or the last relay error while it waits for a retry.
    pub failure_reason: Option<String>,
    /// Relay attempts that failed.
    pub retries: u32,
    /// `abi.encode(ResultWithMetadata | OffchainResultWithMetadata)` once executed.
    pub result_with_metadata: Vec<u8>,
    pub operator_signature: Vec<u8>,
    /// Hash of the transaction that put the result on chain.
    pub relay_tx_hash: Vec<u8>,
    /// Cycles the execution took.
    pub cycles: Option<u64>,
    /// Acceptance order (unique, increasing).
    pub seq: u64,
    pub accepted_at_ms: u64,
    pub done_at_ms: Option<u64>,
    pub relayed_at_ms: Option<u64>,
}

/// What a job is when it is accepted (from a signed request or a `JobCreated` event); the rest
/// of a [`JobRecord`] is its progress.
pub struct NewJob {
    pub id: [u8; 32],
    pub kind: JobKind,
    pub nonce: u64,
    pub max_cycles: u64,
    pub consumer: [u8; 20],
    pub program_id: Vec<u8>,
    pub onchain_input: Vec<u8>,
    pub offchain_input_hash: [u8; 32],
    pub request: Vec<u8>,
    pub request_signature: Vec<u8>,
    pub relay_strategy: i32,
}

impl JobRecord {
    /// A PENDING job accepted now, with no progress yet (`seq` is set when it is stored).
    pub fn accepted(job: NewJob) -> JobRecord {
        let NewJob {
            id,
            kind,
            nonce,
            max_cycles,
            consumer,
            program_id,
            onchain_input,
            offchain_input_hash,
            request,
            request_signature,
            relay_strategy,
        } = job;
        JobRecord {
            id,
            kind,
            nonce,
            max_cycles,
            consumer,
            program_id,
            onchain_input,
            offchain_input_hash,
            request,
            request_signature,
            relay_strategy,
            state: JobState::Pending,
            failure_reason: None,
            retries: 0,
            result_with_metadata: vec![],
            operator_signature: vec![],
            relay_tx_hash: vec![],
            cycles: None,
            seq: 0,
            accepted_at_ms: now_ms(),
            done_at_ms: None,
            relayed_at_ms: None,
        }
    }

    /// The gateway's view of the job.
    pub fn to_api(&self) -> ivm_api::JobResult {
        ivm_api::JobResult {
            id: self.id.to_vec(),
            nonce: self.nonce,
            max_cycles: self.max_cycles,
            consumer_address: self.consumer.to_vec(),
            program_id: self.program_id.clone(),
            onchain_input: self.onchain_input.clone(),
            offchain_input_hash: self.offchain_input_hash.to_vec(),
            request_signature: self.request_signature.clone(),
            result_with_metadata: self.result_with_metadata.clone(),
            zkvm_operator_signature: self.operator_signature.clone(),
            status: Some(ivm_api::JobStatus {
                status: self.state.api() as i32,
                failure_reason: self.failure_reason.clone(),
                retries: self.retries,
            }),
            relay_tx_hash: self.relay_tx_hash.clone(),
        }
    }

    pub(crate) fn pending_key(&self) -> [u8; 28] {
        pending_key(&self.consumer, self.nonce)
    }
}

pub(crate) fn pending_key(consumer: &[u8; 20], nonce: u64) -> [u8; 28] {
    let mut k = [0u8; 28];
    k[..20].copy_from_slice(consumer);
    k[20..].copy_from_slice(&nonce.to_be_bytes());
    k
}

/// What to do with a submitted job, given the stored one with the same ID (if any).
pub enum Admit {
    /// Store the new job (replacing the stored one, if any).
    Insert,
    /// Keep the stored job; the submission is a duplicate.
    Keep,
}

/// Result of an execution, to be persisted.
pub enum ExecutionOutcome {
    Done { result_with_metadata: Vec<u8>, operator_signature: Vec<u8>, cycles: u64 },
    Failed(String),
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

pub(crate) fn encode(job: &JobRecord) -> Result<Vec<u8>> {
    postcard::to_stdvec(job).context("cannot encode a job record")
}

pub(crate) fn decode(bytes: &[u8]) -> Result<JobRecord> {
    postcard::from_bytes(bytes).context("corrupt job record in the database")
}
