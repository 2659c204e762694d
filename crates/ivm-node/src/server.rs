//! The HTTP server (axum).
//!
//! | route | |
//! |---|---|
//! | `POST /v1/coprocessor_node/submit_job` | InfinityVM gateway ([`ivm_api::SubmitJobRequest`]) |
//! | `POST /v1/coprocessor_node/get_result` | |
//! | `POST /v1/coprocessor_node/submit_program` | |
//! | `POST /v1/coprocessor_node/get_pending_jobs` | |
//! | `POST /v1/coprocessor_node/contains_program` | |
//! | `GET /health` | `{"status":"ok",…}` |
//! | `GET /metrics` | Prometheus text |
//! | `GET /v1/offchain_input/{keccak256 hex}` | the stored offchain input, raw bytes |
//! | `GET /v1/consumer/{address}/nonce` | `{"highestNonce": n or null}`: the highest nonce of any job stored for the consumer |
//!
//! Errors are the gateway's `{"message","grpc_code"}` with InfinityVM's HTTP status mapping;
//! a body over the limit gets 413 with `grpc_code` 8 (RESOURCE_EXHAUSTED); a body that is not
//! valid JSON for the message gets `grpc_code` 3 (INVALID_ARGUMENT, HTTP 409).
use std::sync::Arc;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ivm_api::{
    routes, ApiError, ContainsProgramRequest, ContainsProgramResponse, GetPendingJobsRequest,
    GetPendingJobsResponse, GetResultRequest, GetResultResponse, GrpcCode, SubmitJobRequest,
    SubmitJobResponse, SubmitProgramRequest, SubmitProgramResponse,
};
use serde::de::DeserializeOwned;

use crate::metrics::Metrics;
use crate::{jobs, verify, Shared};

/// Route serving offchain inputs by their keccak256 hash (64 hex digits, `0x` optional).
pub const OFFCHAIN_INPUT_ROUTE: &str = "/v1/offchain_input/{hash}";

/// Route answering the highest nonce of any job stored for a consumer (20-byte hex address),
/// so that clients never pick a nonce — and so a job ID — the node has already seen.
pub const CONSUMER_NONCE_ROUTE: &str = "/v1/consumer/{address}/nonce";

/// A gateway error response.
pub struct Fail {
    status: StatusCode,
    error: ApiError,
}

impl From<ApiError> for Fail {
    fn from(error: ApiError) -> Self {
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Fail { status, error }
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        (self.status, Json(self.error)).into_response()
    }
}

/// `N` bytes of hex (an optional `0x` prefix) from a path or query parameter.
pub(crate) fn fixed_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).ok()?.try_into().ok()
}

pub(crate) fn store_error(e: anyhow::Error) -> Fail {
    tracing::error!("store error: {e:#}");
    ApiError::internal(format!("node store error: {e:#}")).into()
}

/// Bytes past the limit that are still read (and dropped) before answering 413, so that the
/// client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads a body of at most `limit` bytes; `None` if it is larger (the excess is drained up to
/// [`DRAIN_LIMIT`]).
async fn read_limited(
    mut body: axum::body::Body,
    limit: usize,
) -> Result<Option<Vec<u8>>, axum::Error> {
    use http_body_util::BodyExt;
    let mut buf = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len());
        if total > limit.saturating_add(DRAIN_LIMIT) {
            return Ok(None);
        }
        if total <= limit {
            buf.extend_from_slice(&data);
        }
    }
    Ok((total <= limit).then_some(buf))
}

/// Whether a body error is `http_body_timeout` running out (`tower_http`'s body timeout).
fn is_body_timeout(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// A JSON body read under the node's size limit; errors are gateway errors.
pub struct GatewayJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<Shared>> for GatewayJson<T> {
    type Rejection = Fail;

    async fn from_request(req: Request, state: &Arc<Shared>) -> Result<Self, Fail> {
        let limit = state.config.max_body_bytes;
        let too_large = || Fail {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            error: ApiError::new(
                GrpcCode::ResourceExhausted,
                format!("request body is larger than this node's limit of {limit} bytes"),
            ),
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > (limit + DRAIN_LIMIT) as u64) {
            return Err(too_large());
        }
        let bytes = match read_limited(req.into_body(), limit).await {
            Ok(Some(b)) => b,
            Ok(None) => return Err(too_large()),
            Err(e) if is_body_timeout(&e) => {
                let secs = state.config.http_body_timeout.as_secs_f64();
                return Err(Fail {
                    status: StatusCode::REQUEST_TIMEOUT,
                    error: ApiError::new(
                        GrpcCode::DeadlineExceeded,
                        format!("the request body did not arrive within {secs} s"),
                    ),
                });
            }
            Err(e) => {
                return Err(ApiError::invalid_argument(format!(
                    "cannot read the request body: {e}"
                ))
                .into())
            }
        };
        serde_json::from_slice(&bytes).map(GatewayJson).map_err(|e| {
            ApiError::invalid_argument(format!(
                "invalid JSON body for {}: {e}",
                std::any::type_name::<T>().rsplit("::").next().unwrap_or("request")
            ))
            .into()
        })
    }
}

/// The router with every route, for embedding or testing.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(routes::SUBMIT_JOB, post(submit_job))
        .route(routes::GET_RESULT, post(get_result))
        .route(routes::SUBMIT_PROGRAM, post(submit_program))
        .route(routes::GET_PENDING_JOBS, post(get_pending_jobs))
        .route(routes::CONTAINS_PROGRAM, post(contains_program))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route(OFFCHAIN_INPUT_ROUTE, get(offchain_input))
        .route(CONSUMER_NONCE_ROUTE, get(consumer_nonce))
        .route(ivm_api::operator::routes::STATUS, get(crate::operator::status))
        .route(ivm_api::operator::routes::JOBS, get(crate::operator::jobs))
        .route(ivm_api::operator::routes::RETRY_JOB, post(crate::operator::retry_job))
        .fallback(not_found)
        .with_state(shared)
}

/// Serves [`router`] until shutdown, with the limits a public endpoint needs against slow and
/// idle clients (`NodeConfig`): hyper's header read timeout (which also closes keep-alive
/// connections idle between requests), a body read timeout (`tower_http`), and a cap on open
/// connections (at the cap the loop stops accepting; the kernel's backlog holds new ones).
pub(crate) async fn serve(shared: Arc<Shared>, listener: tokio::net::TcpListener) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let config = &shared.config;
    let shutdown = shared.shutdown.clone();
    let app = router(shared.clone())
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(config.http_body_timeout));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(config.http_header_timeout);
    let connections = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut cap_logged: Option<std::time::Instant> = None;
    // Connection tasks, awaited at the end: the node has let go of its state when it stops.
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = match connections.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                Metrics::inc(&shared.metrics.http_connection_limit_reached);
                if cap_logged.is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(60)) {
                    cap_logged = Some(std::time::Instant::now());
                    tracing::warn!(
                        max_connections = config.max_connections,
                        "HTTP connection limit reached: not accepting until a connection closes \
                         (raise --max-connections if this is real load)"
                    );
                }
                tokio::select! {
                    p = connections.clone().acquire_owned() => p.expect("never closed"),
                    _ = shutdown.cancelled() => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!("accepting an HTTP connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        let metrics = shared.clone();
        Metrics::inc(&metrics.metrics.http_connections_open);
        tasks.spawn(async move {
            // Timeouts and resets end connections with errors that are the client's business.
            let _ = conn.await;
            metrics
                .metrics
                .http_connections_open
                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            drop(permit);
        });
    }
    // Requests in flight finish; idle connections are closed.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
    tasks.shutdown().await;
}

async fn submit_job(
    State(shared): State<Arc<Shared>>,
    GatewayJson(req): GatewayJson<SubmitJobRequest>,
) -> Result<Json<SubmitJobResponse>, Fail> {
    match jobs::submit_offchain(&shared, req).await {
        Ok(id) => Ok(Json(SubmitJobResponse { job_id: id.to_vec() })),
        Err(e) => {
            Metrics::inc(&shared.metrics.jobs_rejected);
            tracing::info!(code = e.grpc_code, "submit_job rejected: {}", e.message);
            Err(e.into())
        }
    }
}

async fn get_result(
    State(shared): State<Arc<Shared>>,
    GatewayJson(req): GatewayJson<GetResultRequest>,
) -> Result<Json<GetResultResponse>, Fail> {
    if req.job_id.len() != 32 {
        return Err(ApiError::invalid_argument(format!(
            "job ID must be 32 bytes in length, got {}",
            req.job_id.len()
        ))
        .into());
    }
    let job = shared.store.job(&req.job_id).await.map_err(store_error)?;
    let job = job.ok_or_else(|| ApiError::not_found("job not found"))?;
    Ok(Json(GetResultResponse { job_result: Some(job.to_api()) }))
}

/// `submit_program`'s upload key (`NodeConfig::program_upload_key`), checked from the headers
/// before the body is read.
pub struct UploadAuthorized;

impl axum::extract::FromRequestParts<Arc<Shared>> for UploadAuthorized {
    type Rejection = Fail;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Fail> {
        let Some(key) = &shared.config.program_upload_key else { return Ok(UploadAuthorized) };
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if given.is_some_and(|g| key.matches(g)) {
            return Ok(UploadAuthorized);
        }
        let what = if given.is_some() { "a wrong" } else { "no" };
        tracing::info!("submit_program refused: {what} upload key");
        Err(ApiError::new(
            GrpcCode::PermissionDenied,
            format!(
                "this node requires a program upload key and the request has {what} key: pass \
                 the operator's key (`ivm program submit --upload-key`, or `Authorization: \
                 Bearer <key>`)"
            ),
        )
        .into())
    }
}

/// The operator's storage policy (`NodeConfig`): the per-program size limit and the total
/// quota. A program already stored is always accepted (submitting is idempotent).
async fn check_storage_policy(shared: &Shared, req: &SubmitProgramRequest) -> Result<(), ApiError> {
    let config = &shared.config;
    let size = req.program_elf.len();
    if size > config.max_program_bytes {
        return Err(ApiError::new(
            GrpcCode::ResourceExhausted,
            format!(
                "the ELF is {size} bytes, over this node's limit of {} bytes per program",
                config.max_program_bytes
            ),
        ));
    }
    let internal = |e: anyhow::Error| ApiError::internal(format!("node store error: {e:#}"));
    let stored = shared.store.programs_total_bytes().await.map_err(internal)?;
    if stored + size as u64 + 1 > config.max_programs_total_bytes
        && !shared.store.contains_program(&req.program_id).await.map_err(internal)?
    {
        return Err(ApiError::new(
            GrpcCode::ResourceExhausted,
            format!(
                "this node's program storage quota is used ({stored} of {} bytes): it takes no \
                 new programs (ask its operator)",
                config.max_programs_total_bytes
            ),
        ));
    }
    Ok(())
}

async fn submit_program(
    State(shared): State<Arc<Shared>>,
    _: UploadAuthorized,
    GatewayJson(req): GatewayJson<SubmitProgramRequest>,
) -> Result<Json<SubmitProgramResponse>, Fail> {
    check_storage_policy(&shared, &req).await.inspect_err(|e| {
        tracing::info!("submit_program refused: {}", e.message);
    })?;
    // Parsing and decoding an ELF is CPU work proportional to the upload: off the async
    // workers, so a large or hostile upload cannot stall the gateway.
    let req = Arc::new(req);
    let for_check = req.clone();
    let checked = tokio::task::spawn_blocking(move || verify::check_program(&for_check))
        .await
        .map_err(|e| ApiError::internal(format!("the ELF check task failed: {e}")))?
        .map_err(|e| {
            tracing::info!("submit_program rejected: {}", e.message);
            Fail::from(e)
        })?;
    if let Some(why) = jobs::over_memory_limit(&shared, checked.memory_bytes) {
        tracing::info!("submit_program refused: {why}");
        return Err(ApiError::new(GrpcCode::ResourceExhausted, why).into());
    }
    let inserted = shared
        .store
        .put_program(&checked.program_id, checked.vm_type as i32 as u8, &req.program_elf)
        .await
        .map_err(store_error)?;
    if inserted {
        jobs::wake_waiting_for(&shared, &checked.program_id).await.map_err(store_error)?;
        Metrics::inc(&shared.metrics.programs_submitted);
        tracing::info!(program = %format!("0x{}", hex::encode(checked.program_id)), bytes = req.program_elf.len(), "program stored");
    }
    Ok(Json(SubmitProgramResponse { program_id: checked.program_id.to_vec() }))
}

async fn get_pending_jobs(
    State(shared): State<Arc<Shared>>,
    GatewayJson(req): GatewayJson<GetPendingJobsRequest>,
) -> Result<Json<GetPendingJobsResponse>, Fail> {
    let consumer: [u8; 20] = req.consumer_address.as_slice().try_into().map_err(|_| {
        ApiError::invalid_argument(format!(
            "consumerAddress must be 20 bytes, got {}",
            req.consumer_address.len()
        ))
    })?;
    let pending_jobs = shared.store.pending_nonces(&consumer).await.map_err(store_error)?;
    Ok(Json(GetPendingJobsResponse { pending_jobs }))
}

async fn consumer_nonce(
    State(shared): State<Arc<Shared>>,
    Path(address): Path<String>,
) -> Result<Json<serde_json::Value>, Fail> {
    let consumer: [u8; 20] = fixed_hex(&address).ok_or_else(|| {
        ApiError::invalid_argument(format!("'{address}' is not a 20-byte hex address"))
    })?;
    let highest = shared.store.highest_nonce(&consumer).await.map_err(store_error)?;
    Ok(Json(serde_json::json!({ "highestNonce": highest })))
}

async fn contains_program(
    State(shared): State<Arc<Shared>>,
    GatewayJson(req): GatewayJson<ContainsProgramRequest>,
) -> Result<Json<ContainsProgramResponse>, Fail> {
    let contains = shared.store.contains_program(&req.program_id).await.map_err(store_error)?;
    Ok(Json(ContainsProgramResponse { contains }))
}

/// 200 with `"status":"ok"`, or 503 with `"status":"degraded"` when the chain does not answer
/// or the executors are stalled (`crate::health`).
async fn health(State(shared): State<Arc<Shared>>) -> Response {
    let chain = shared.health.chain_report();
    let executors = shared.health.executor_report(&shared);
    let degraded = !chain.ok || executors.stalled;
    let body = Json(serde_json::json!({
        "status": if degraded { "degraded" } else { "ok" },
        "chain": chain,
        "executors": executors,
        "jobManager": shared.config.job_manager.to_string(),
        "operator": shared.signer.address().to_string(),
        "relayer": shared.chain.address().to_string(),
        "listenerNextBlock": shared.metrics.listener_next_block.load(std::sync::atomic::Ordering::Relaxed),
    }));
    let status = if degraded { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    (status, body).into_response()
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let programs = shared.store.program_count().await.unwrap_or(0);
    let relay_queue = shared.store.relay_queue().await.map(|q| q.len() as u64).unwrap_or(0);
    let text = shared.metrics.render(&[
        ("ivm_node_programs", "Programs stored.", programs),
        ("ivm_node_relay_queue", "Results waiting to be relayed.", relay_queue),
    ]);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

async fn offchain_input(
    State(shared): State<Arc<Shared>>,
    Path(hash): Path<String>,
) -> Result<Response, Fail> {
    let hash: [u8; 32] = fixed_hex(&hash).ok_or_else(|| {
        ApiError::invalid_argument("the offchain input hash must be 32 bytes of hex")
    })?;
    let mut input = shared.store.offchain_input(&hash).await.map_err(store_error)?;
    if let Some(d) = shared.config.dishonest.as_ref().filter(|d| d.withhold_inputs) {
        // Practice mode: withhold the inputs of the programs it cheats on.
        let covered =
            shared.store.programs_with_offchain_input(&hash).await.map_err(store_error)?;
        if covered.iter().any(|p| d.covers(p)) {
            tracing::warn!(hash = %format!("0x{}", hex::encode(&hash)), "practice mode: withholding an offchain input");
            input = None;
        }
    }
    let input = input.ok_or_else(|| {
        ApiError::not_found(format!("no offchain input with keccak256 0x{}", hex::encode(&hash)))
    })?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"))], input)
        .into_response())
}

async fn not_found(req: Request) -> Fail {
    ApiError::new(
        GrpcCode::Unimplemented,
        format!("no route {} {}", req.method(), req.uri().path()),
    )
    .into()
}
