//! The operator's endpoints (an ivm extension; InfinityVM's gateway has none): the node's
//! state at a glance, jobs filtered by state, consumer and time, and retrying a job.
use serde::{Deserialize, Serialize};

/// Operator routes.
pub mod routes {
    /// `GET`: [`super::NodeStatus`].
    pub const STATUS: &str = "/v1/status";
    /// `GET` with [`super::JobListQuery`] as query parameters: [`super::JobList`].
    pub const JOBS: &str = "/v1/jobs";
    /// `POST` [`super::RetryJobRequest`] with the admin key in [`super::ADMIN_KEY_HEADER`]:
    /// [`super::RetryJobResponse`].
    pub const RETRY_JOB: &str = "/v1/admin/retry_job";
}

/// Header carrying the node's admin key (`ivm node --admin-key`) on admin routes.
pub const ADMIN_KEY_HEADER: &str = "x-ivm-admin-key";

/// The node at a glance (`ivm node status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStatus {
    /// Stored jobs by state.
    pub jobs: JobCounts,
    pub executors: Executors,
    pub relay: RelayStatus,
    pub listener: ListenerStatus,
    /// The latest jobs with a failure reason (FAILED, or a relay being retried), newest first.
    pub recent_failures: Vec<JobSummary>,
    /// The nodes sharing this node's database (empty for a node on its own redb file).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cluster: Vec<ClusterMember>,
}

/// A node sharing the database, as that database sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterMember {
    pub node_id: String,
    /// Its gateway, as it registered it.
    pub url: String,
    /// Beat its heartbeat within the lease; a node that is not alive has its jobs taken over.
    pub alive: bool,
    pub heartbeat_age_ms: u64,
    /// The roles it took last (`relayer`, `listener`).
    pub roles: Vec<String>,
    /// The node that answered this status.
    pub this_node: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobCounts {
    pub pending: u64,
    pub done: u64,
    pub relayed: u64,
    pub failed: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Executors {
    pub running: u64,
    pub total: u64,
    /// Jobs waiting for an executor.
    pub queued: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RelayStatus {
    /// Relay transactions sent and not yet settled.
    pub in_flight: u64,
    /// DONE jobs waiting to be relayed (including those in flight).
    pub backlog: u64,
    /// How long the oldest DONE job has waited since it finished executing (ms): the relay lag.
    pub oldest_waiting_ms: Option<u64>,
    /// Results relayed since the node started.
    pub relayed_since_start: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListenerStatus {
    pub enabled: bool,
    /// The next block the `JobCreated` listener scans.
    pub next_block: u64,
    /// The chain's head as last seen by the health check.
    pub chain_head: Option<u64>,
    /// Blocks the listener is behind the head.
    pub lag_blocks: Option<u64>,
}

/// One job, as the operator sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobSummary {
    /// 0x-prefixed hex.
    pub job_id: String,
    /// `pending`, `done`, `relayed` or `failed`.
    pub state: String,
    /// `offchain` or `onchain`.
    pub kind: String,
    /// 0x-prefixed address.
    pub consumer: String,
    pub nonce: u64,
    pub program_id: String,
    pub accepted_at_ms: u64,
    pub done_at_ms: Option<u64>,
    pub relayed_at_ms: Option<u64>,
    pub cycles: Option<u64>,
    /// Relay attempts that failed.
    pub retries: u32,
    pub failure_reason: Option<String>,
}

/// Filters of [`routes::JOBS`] (all optional; query parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobListQuery {
    /// `pending`, `done`, `relayed` or `failed`.
    pub state: Option<String>,
    /// 0x-prefixed consumer address.
    pub consumer: Option<String>,
    /// Only jobs accepted at or after this unix time (ms).
    pub since_ms: Option<u64>,
    /// At most this many, newest first [default 100, at most 10,000].
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobList {
    /// Newest first.
    pub jobs: Vec<JobSummary>,
    /// How many jobs match the filters (`jobs` holds at most the limit).
    pub matching: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetryJobRequest {
    /// 0x-prefixed hex.
    pub job_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RetryJobResponse {
    pub job_id: String,
    /// The state the job was in.
    pub previous_state: String,
    /// `pending` (it runs again) or `done` (its relay is due now).
    pub state: String,
}
