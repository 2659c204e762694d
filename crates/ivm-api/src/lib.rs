//! The InfinityVM coprocessor node's REST gateway, as JSON types.
//!
//! Wire conventions (InfinityVM's gateway is serde over its protobuf types):
//! - field names are camelCase; enums are integers;
//! - most byte fields are lowercase hex **without** `0x` ([`hex_bytes`]), but
//!   `SubmitJobRequest.{request, signature, offchainInput}`, `SubmitJobResponse.jobId` and
//!   `GetResultRequest.jobId` are JSON arrays of integers 0–255 (serde's default for bytes);
//! - errors are `{"message": …, "grpc_code": …}` with InfinityVM's HTTP status mapping.
//!
//! Inputs are accepted leniently (a `0x` prefix on hex, missing fields as defaults, as protobuf
//! does); outputs mirror InfinityVM's node exactly.
mod enums;
mod error;
pub mod hex_bytes;
pub mod operator;

pub use enums::{JobStatusType, RelayStrategy, UnknownEnumValue, VmType};
pub use error::{ApiError, GrpcCode};
use serde::{Deserialize, Serialize};

/// Route prefix of every gateway endpoint.
pub const PREFIX: &str = "/v1/coprocessor_node";

/// Gateway routes (all `POST` with a JSON body).
pub mod routes {
    pub const SUBMIT_JOB: &str = "/v1/coprocessor_node/submit_job";
    pub const GET_RESULT: &str = "/v1/coprocessor_node/get_result";
    pub const SUBMIT_PROGRAM: &str = "/v1/coprocessor_node/submit_program";
    pub const GET_PENDING_JOBS: &str = "/v1/coprocessor_node/get_pending_jobs";
    pub const CONTAINS_PROGRAM: &str = "/v1/coprocessor_node/contains_program";
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubmitJobRequest {
    /// `abi.encode(OffchainJobRequest)`.
    pub request: Vec<u8>,
    /// 65-byte EIP-191 signature over `request`.
    pub signature: Vec<u8>,
    /// Not signed; its keccak256 is `offchainInputHash` in the request.
    pub offchain_input: Vec<u8>,
    /// [`RelayStrategy`] as an integer.
    pub relay_strategy: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubmitJobResponse {
    pub job_id: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetResultRequest {
    pub job_id: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetResultResponse {
    pub job_result: Option<JobResult>,
}

/// A job as the node stores and reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobResult {
    #[serde(with = "hex_bytes")]
    pub id: Vec<u8>,
    pub nonce: u64,
    pub max_cycles: u64,
    #[serde(with = "hex_bytes")]
    pub consumer_address: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub program_id: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub onchain_input: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub offchain_input_hash: Vec<u8>,
    /// Empty for onchain jobs.
    #[serde(with = "hex_bytes")]
    pub request_signature: Vec<u8>,
    /// `abi.encode(ResultWithMetadata)` or `abi.encode(OffchainResultWithMetadata)`; empty
    /// until executed.
    #[serde(with = "hex_bytes")]
    pub result_with_metadata: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub zkvm_operator_signature: Vec<u8>,
    pub status: Option<JobStatus>,
    /// 32 bytes once relayed.
    #[serde(with = "hex_bytes")]
    pub relay_tx_hash: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobStatus {
    /// [`JobStatusType`] as an integer.
    pub status: i32,
    pub failure_reason: Option<String>,
    /// Relay retry count.
    pub retries: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubmitProgramRequest {
    #[serde(with = "hex_bytes")]
    pub program_elf: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub program_id: Vec<u8>,
    /// [`VmType`] as an integer.
    pub vm_type: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubmitProgramResponse {
    #[serde(with = "hex_bytes")]
    pub program_id: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetPendingJobsRequest {
    #[serde(with = "hex_bytes")]
    pub consumer_address: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetPendingJobsResponse {
    /// Pending nonces, ascending.
    pub pending_jobs: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainsProgramRequest {
    #[serde(with = "hex_bytes")]
    pub program_id: Vec<u8>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainsProgramResponse {
    pub contains: bool,
}
