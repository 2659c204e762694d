//! The operator's endpoints (`ivm_api::operator`): the node at a glance (`GET /v1/status`),
//! jobs filtered by state, consumer and time (`GET /v1/jobs`), and retrying a job
//! (`POST /v1/admin/retry_job`, with the admin key). The reads scan the job table: fine for an
//! operator's occasional look, not for a dashboard polling many times a second.
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use ivm_api::operator::{
    Executors, JobCounts, JobList, JobListQuery, JobSummary, ListenerStatus, NodeStatus,
    RelayStatus, RetryJobRequest, RetryJobResponse, ADMIN_KEY_HEADER,
};
use ivm_api::{ApiError, GrpcCode};

use crate::server::{fixed_hex, store_error, Fail};
use crate::store::{now_ms, JobKind, JobRecord, JobState};
use crate::Shared;

/// Failures shown in the status.
const RECENT_FAILURES: usize = 5;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

pub(crate) async fn status(State(shared): State<Arc<Shared>>) -> Result<Json<NodeStatus>, Fail> {
    let jobs = shared.store.all_jobs().await.map_err(store_error)?;
    let mut counts = JobCounts::default();
    let now = now_ms();
    let mut oldest_waiting_ms = None;
    for job in &jobs {
        match job.state {
            JobState::Pending => counts.pending += 1,
            JobState::Done => {
                counts.done += 1;
                let waited = now.saturating_sub(job.done_at_ms.unwrap_or(job.accepted_at_ms));
                oldest_waiting_ms = Some(oldest_waiting_ms.map_or(waited, |o: u64| o.max(waited)));
            }
            JobState::Relayed => counts.relayed += 1,
            JobState::Failed => counts.failed += 1,
        }
    }
    let mut failures: Vec<&JobRecord> = jobs
        .iter()
        .filter(|j| j.failure_reason.is_some() && j.state != JobState::Relayed)
        .collect();
    failures.sort_by_key(|j| std::cmp::Reverse(j.seq));
    let executors = shared.health.executor_report(&shared);
    let chain_head = shared.health.chain_report().block_number;
    // From the store: on a cluster the listener may run on another node.
    let next_block = match shared.store.listener_next_block().await.map_err(store_error)? {
        Some(next) => next,
        None => shared.metrics.listener_next_block.load(Relaxed),
    };
    let cluster = shared.store.cluster().await.map_err(store_error)?;
    Ok(Json(NodeStatus {
        jobs: counts.clone(),
        executors: Executors {
            running: executors.running,
            total: executors.total,
            queued: executors.queued,
        },
        relay: RelayStatus {
            in_flight: shared.metrics.relays_in_flight.load(Relaxed),
            backlog: counts.done,
            oldest_waiting_ms,
            relayed_since_start: shared.metrics.relayed.load(Relaxed),
        },
        listener: ListenerStatus {
            enabled: shared.config.listener_enabled,
            next_block,
            chain_head,
            lag_blocks: chain_head.map(|h| (h + 1).saturating_sub(next_block)),
        },
        recent_failures: failures.into_iter().take(RECENT_FAILURES).map(summary).collect(),
        cluster: cluster
            .into_iter()
            .map(|n| ivm_api::operator::ClusterMember {
                node_id: n.id,
                url: n.url,
                alive: n.alive,
                heartbeat_age_ms: n.heartbeat_age_ms,
                roles: n.roles,
                this_node: n.this_node,
            })
            .collect(),
    }))
}

pub(crate) async fn jobs(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<JobListQuery>,
) -> Result<Json<JobList>, Fail> {
    let state = q.state.as_deref().map(parse_state).transpose()?;
    let consumer = q.consumer.as_deref().map(parse_consumer).transpose()?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT);
    let mut matching: Vec<JobRecord> = shared
        .store
        .all_jobs()
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|j| state.is_none_or(|s| j.state == s))
        .filter(|j| consumer.is_none_or(|c| j.consumer == c))
        .filter(|j| q.since_ms.is_none_or(|t| j.accepted_at_ms >= t))
        .collect();
    matching.sort_by_key(|j| std::cmp::Reverse(j.seq));
    let total = matching.len() as u64;
    Ok(Json(JobList { jobs: matching.iter().take(limit).map(summary).collect(), matching: total }))
}

/// Runs a FAILED (or stuck PENDING) job again from execution, or makes a DONE job's relay due
/// now. A RELAYED job is on chain already and is refused.
pub(crate) async fn retry_job(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(req): Json<RetryJobRequest>,
) -> Result<Json<RetryJobResponse>, Fail> {
    authorize(&shared, &headers)?;
    let id = parse_job_id(&req.job_id)?;
    let Some((before, after)) = shared.store.retry(&id).await.map_err(store_error)? else {
        return Err(ApiError::not_found(format!("no job {} on this node", req.job_id)).into());
    };
    match after {
        JobState::Pending => shared.enqueue(id),
        JobState::Done => shared.relay_wake.notify_one(),
        _ => {
            return Err(ApiError::new(
                GrpcCode::FailedPrecondition,
                format!("job {} is RELAYED: its result is on chain, nothing to retry", req.job_id),
            )
            .into())
        }
    }
    tracing::info!(job = %req.job_id, from = state_name(before), to = state_name(after), "job retried by the operator");
    Ok(Json(RetryJobResponse {
        job_id: req.job_id,
        previous_state: state_name(before).into(),
        state: state_name(after).into(),
    }))
}

/// The admin key (`NodeConfig::admin_key`) from [`ADMIN_KEY_HEADER`]; without one configured,
/// admin routes are off.
fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), Fail> {
    let Some(key) = &shared.config.admin_key else {
        return Err(ApiError::new(
            GrpcCode::PermissionDenied,
            "admin routes are off on this node: start it with --admin-key to enable them",
        )
        .into());
    };
    let given = headers.get(ADMIN_KEY_HEADER).and_then(|v| v.to_str().ok());
    if given.is_some_and(|g| key.matches(g)) {
        return Ok(());
    }
    let what = if given.is_some() { "a wrong" } else { "no" };
    Err(ApiError::new(
        GrpcCode::PermissionDenied,
        format!("the request has {what} admin key: pass the node's --admin-key (`ivm job retry --admin-key`, header {ADMIN_KEY_HEADER})"),
    )
    .into())
}

fn summary(job: &JobRecord) -> JobSummary {
    JobSummary {
        job_id: format!("0x{}", hex::encode(job.id)),
        state: state_name(job.state).into(),
        kind: match job.kind {
            JobKind::Offchain => "offchain",
            JobKind::Onchain => "onchain",
        }
        .into(),
        consumer: format!("0x{}", hex::encode(job.consumer)),
        nonce: job.nonce,
        program_id: format!("0x{}", hex::encode(&job.program_id)),
        accepted_at_ms: job.accepted_at_ms,
        done_at_ms: job.done_at_ms,
        relayed_at_ms: job.relayed_at_ms,
        cycles: job.cycles,
        retries: job.retries,
        failure_reason: job.failure_reason.clone(),
    }
}

pub(crate) fn state_name(state: JobState) -> &'static str {
    match state {
        JobState::Pending => "pending",
        JobState::Done => "done",
        JobState::Relayed => "relayed",
        JobState::Failed => "failed",
    }
}

fn parse_state(s: &str) -> Result<JobState, Fail> {
    match s.to_ascii_lowercase().as_str() {
        "pending" => Ok(JobState::Pending),
        "done" => Ok(JobState::Done),
        "relayed" => Ok(JobState::Relayed),
        "failed" => Ok(JobState::Failed),
        _ => Err(ApiError::invalid_argument(format!(
            "state {s:?} is not one of pending, done, relayed, failed"
        ))
        .into()),
    }
}

fn parse_consumer(s: &str) -> Result<[u8; 20], Fail> {
    fixed_hex::<20>(s).ok_or_else(|| {
        ApiError::invalid_argument(format!("consumer {s:?} is not a 20-byte hex address")).into()
    })
}

fn parse_job_id(s: &str) -> Result<[u8; 32], Fail> {
    fixed_hex::<32>(s).ok_or_else(|| {
        ApiError::invalid_argument(format!("job ID {s:?} is not 32 bytes of hex")).into()
    })
}
