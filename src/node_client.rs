//! HTTP client for a coprocessor node's REST gateway (InfinityVM wire format, `ivm-api` types).
//! Works against `ivm node` and InfinityVM's own node for the routes both serve.
use std::time::Duration;

use anyhow::Result;
use ivm_api::{
    routes, ApiError, ContainsProgramRequest, ContainsProgramResponse, GetPendingJobsRequest,
    GetPendingJobsResponse, GetResultRequest, GetResultResponse, GrpcCode, JobResult,
    SubmitJobRequest, SubmitJobResponse, SubmitProgramRequest, SubmitProgramResponse,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::exit::{coded, invalid_input, Code};

/// A node's gateway at `base` (e.g. `http://127.0.0.1:8080`).
#[derive(Debug, Clone)]
pub struct NodeClient {
    base: String,
    http: reqwest::Client,
}

/// An error the node answered with (kept in the error chain so callers can inspect it).
#[derive(Debug)]
pub struct NodeError {
    pub http_status: u16,
    pub api: Option<ApiError>,
    pub body: String,
}

impl std::fmt::Display for NodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.api {
            Some(api) => {
                let code = GrpcCode::try_from(api.grpc_code)
                    .map(|c| format!("{c:?}"))
                    .unwrap_or(api.grpc_code.to_string());
                write!(
                    f,
                    "node rejected the request: {} ({code}, HTTP {})",
                    api.message, self.http_status
                )
            }
            None => write!(f, "node answered HTTP {}: {}", self.http_status, self.body.trim()),
        }
    }
}

impl std::error::Error for NodeError {}

impl NodeClient {
    pub fn new(base: &str) -> Result<NodeClient> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(invalid_input(format!(
                "node URL must start with http:// or https://, got {base:?}"
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| coded(Code::Failure, format!("cannot create an HTTP client: {e}")))?;
        Ok(NodeClient { base: base.to_string(), http })
    }

    pub fn url(&self) -> &str {
        &self.base
    }

    async fn post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        route: &str,
        req: &Req,
    ) -> Result<Resp> {
        self.try_post(route, req).await.map_err(CallError::into_anyhow)
    }

    async fn try_post<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        route: &str,
        req: &Req,
    ) -> std::result::Result<Resp, CallError> {
        self.try_post_with(route, req, None).await
    }

    async fn try_post_with<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        route: &str,
        req: &Req,
        authorization: Option<&str>,
    ) -> std::result::Result<Resp, CallError> {
        let url = format!("{}{route}", self.base);
        let body = serde_json::to_vec(req).map_err(|e| CallError::Other(e.into()))?;
        let mut request =
            self.http.post(&url).header("content-type", "application/json").body(body);
        if let Some(auth) = authorization {
            request = request.header("authorization", auth);
        }
        let resp = request.send().await.map_err(|e| CallError::Other(self.unreachable(e)))?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| {
            CallError::Other(coded(
                Code::Network,
                format!("reading the node's answer from {url}: {e}"),
            ))
        })?;
        if !(200..300).contains(&status) {
            let body = String::from_utf8_lossy(&bytes).into_owned();
            let api = serde_json::from_slice::<ApiError>(&bytes).ok();
            return Err(CallError::Node(NodeError { http_status: status, api, body }));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            CallError::Other(coded(
                Code::Network,
                format!("the node's answer to {route} is not the expected JSON: {e}"),
            ))
        })
    }

    /// `upload_key`: the node operator's program upload key, if the node requires one (sent as
    /// `Authorization: Bearer`).
    pub async fn submit_program(
        &self,
        elf: Vec<u8>,
        program_id: Vec<u8>,
        vm_type: i32,
        upload_key: Option<&str>,
    ) -> Result<SubmitProgramResponse> {
        let req = SubmitProgramRequest { program_elf: elf, program_id, vm_type };
        let auth = upload_key.map(|k| format!("Bearer {}", k.trim()));
        self.try_post_with(routes::SUBMIT_PROGRAM, &req, auth.as_deref())
            .await
            .map_err(CallError::into_anyhow)
    }

    pub async fn contains_program(&self, program_id: Vec<u8>) -> Result<bool> {
        let r: ContainsProgramResponse =
            self.post(routes::CONTAINS_PROGRAM, &ContainsProgramRequest { program_id }).await?;
        Ok(r.contains)
    }

    pub async fn submit_job(&self, req: &SubmitJobRequest) -> Result<SubmitJobResponse> {
        self.post(routes::SUBMIT_JOB, req).await
    }

    /// The job, or `None` if the node does not know it.
    pub async fn get_result(&self, job_id: [u8; 32]) -> Result<Option<JobResult>> {
        let req = GetResultRequest { job_id: job_id.to_vec() };
        match self.try_post::<_, GetResultResponse>(routes::GET_RESULT, &req).await {
            Ok(r) => Ok(r.job_result),
            Err(CallError::Node(n))
                if n.api.as_ref().is_some_and(|a| a.grpc_code == GrpcCode::NotFound as i32) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into_anyhow()),
        }
    }

    pub async fn pending_jobs(&self, consumer: [u8; 20]) -> Result<Vec<u64>> {
        let r: GetPendingJobsResponse = self
            .post(
                routes::GET_PENDING_JOBS,
                &GetPendingJobsRequest { consumer_address: consumer.to_vec() },
            )
            .await?;
        Ok(r.pending_jobs)
    }

    /// The highest nonce of any job the node stores for `consumer` (`GET
    /// /v1/consumer/{address}/nonce`, an `ivm node` route); `None` if it has none, or if the
    /// node does not serve the route (another implementation of the gateway).
    pub async fn highest_nonce(&self, consumer: [u8; 20]) -> Result<Option<u64>> {
        let url = format!("{}/v1/consumer/0x{}/nonce", self.base, hex::encode(consumer));
        let resp = self.http.get(&url).send().await.map_err(|e| self.unreachable(e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(coded(Code::Network, format!("GET {url} answered HTTP {}", resp.status())));
        }
        let body: serde_json::Value =
            resp.json().await.map_err(|e| coded(Code::Network, format!("reading {url}: {e}")))?;
        Ok(body["highestNonce"].as_u64())
    }

    /// The offchain input the node stores under `keccak256 == hash` (`GET
    /// /v1/offchain_input/{hash}`, an `ivm node` route), or `None` if it has none. The caller
    /// checks the hash: the node is not trusted for it.
    pub async fn offchain_input(&self, hash: [u8; 32]) -> Result<Option<Vec<u8>>> {
        // No input can be larger than the ABI's largest region: read no more than that.
        let limit = ivm_abi::MAX_REGION_SIZE as usize;
        let url = format!("{}/v1/offchain_input/0x{}", self.base, hex::encode(hash));
        let mut resp = self.http.get(&url).send().await.map_err(|e| self.unreachable(e))?;
        match resp.status() {
            s if s.is_success() => {
                let mut body = Vec::new();
                while let Some(chunk) = resp.chunk().await.map_err(|e| {
                    coded(Code::Network, format!("reading the offchain input from {url}: {e}"))
                })? {
                    if body.len() + chunk.len() > limit {
                        return Err(coded(
                            Code::Network,
                            format!(
                                "{url} sent more than the largest possible input ({limit} bytes)"
                            ),
                        ));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Some(body))
            }
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s => {
                // The node answers an unknown hash with the gateway's NOT_FOUND error (HTTP 409
                // under InfinityVM's status mapping).
                let body: serde_json::Value = resp.json().await.unwrap_or_default();
                if body["grpc_code"] == GrpcCode::NotFound as i32 {
                    return Ok(None);
                }
                Err(coded(Code::Network, format!("GET {url} answered HTTP {s}: {body}")))
            }
        }
    }

    /// `GET /v1/status`: the node at a glance (an `ivm node` route).
    pub async fn status(&self) -> Result<ivm_api::operator::NodeStatus> {
        self.get_json(ivm_api::operator::routes::STATUS, &[]).await
    }

    /// `GET /v1/jobs` with filters (an `ivm node` route).
    pub async fn jobs(
        &self,
        query: &ivm_api::operator::JobListQuery,
    ) -> Result<ivm_api::operator::JobList> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &query.state {
            params.push(("state", s.clone()));
        }
        if let Some(c) = &query.consumer {
            params.push(("consumer", c.clone()));
        }
        if let Some(t) = query.since_ms {
            params.push(("sinceMs", t.to_string()));
        }
        if let Some(l) = query.limit {
            params.push(("limit", l.to_string()));
        }
        self.get_json(ivm_api::operator::routes::JOBS, &params).await
    }

    /// `POST /v1/admin/retry_job` with the node's admin key.
    pub async fn retry_job(
        &self,
        job_id: &str,
        admin_key: &str,
    ) -> Result<ivm_api::operator::RetryJobResponse> {
        let url = format!("{}{}", self.base, ivm_api::operator::routes::RETRY_JOB);
        let req = ivm_api::operator::RetryJobRequest { job_id: job_id.to_string() };
        let resp = self
            .http
            .post(&url)
            .header(ivm_api::operator::ADMIN_KEY_HEADER, admin_key)
            .json(&req)
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        Self::json_answer(&url, resp).await
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        route: &str,
        params: &[(&str, String)],
    ) -> Result<T> {
        let mut url = reqwest::Url::parse(&format!("{}{route}", self.base))
            .map_err(|e| invalid_input(format!("node URL {}: {e}", self.base)))?;
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let resp = self.http.get(url.clone()).send().await.map_err(|e| self.unreachable(e))?;
        Self::json_answer(url.as_str(), resp).await
    }

    fn unreachable(&self, e: reqwest::Error) -> anyhow::Error {
        coded(
            Code::Network,
            format!(
                "cannot reach the coprocessor node at {}: {e} (is `ivm devnet` / `ivm node` running? check --node-url / --network)",
                self.base
            ),
        )
    }

    /// A 2xx answer's JSON, or the node's error (its message; exit code 7 for a node that is
    /// not an `ivm node`, 3 for a refused request).
    async fn json_answer<T: DeserializeOwned>(url: &str, resp: reqwest::Response) -> Result<T> {
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| {
            coded(Code::Network, format!("reading the node's answer from {url}: {e}"))
        })?;
        if status == reqwest::StatusCode::NOT_FOUND
            && serde_json::from_slice::<ApiError>(&bytes).is_err()
        {
            return Err(coded(
                Code::Network,
                format!("{url}: not found (is this an `ivm node`? the operator routes are ivm's)"),
            ));
        }
        if !status.is_success() {
            let message = serde_json::from_slice::<ApiError>(&bytes)
                .map(|e| e.message)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned());
            return Err(coded(Code::InvalidInput, format!("the node refused: {message}")));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            coded(
                Code::Network,
                format!("the node's answer from {url} is not the expected JSON: {e}"),
            )
        })
    }

    /// `GET /health` answers 2xx.
    pub async fn healthy(&self) -> bool {
        matches!(self.http.get(format!("{}/health", self.base)).send().await, Ok(r) if r.status().is_success())
    }
}

enum CallError {
    Node(NodeError),
    Other(anyhow::Error),
}

impl CallError {
    /// Answers about the request (invalid argument, not found, permission denied, …) are invalid
    /// input (exit 3); unavailable, internal and the rest are network errors (exit 7).
    fn into_anyhow(self) -> anyhow::Error {
        match self {
            CallError::Other(e) => e,
            CallError::Node(n) => {
                let code = match n.api.as_ref().and_then(|a| GrpcCode::try_from(a.grpc_code).ok()) {
                    Some(
                        GrpcCode::InvalidArgument
                        | GrpcCode::NotFound
                        | GrpcCode::PermissionDenied
                        | GrpcCode::Unauthenticated
                        | GrpcCode::AlreadyExists
                        | GrpcCode::FailedPrecondition
                        | GrpcCode::OutOfRange,
                    ) => Code::InvalidInput,
                    _ => Code::Network,
                };
                coded(code, n.to_string())
            }
        }
    }
}
