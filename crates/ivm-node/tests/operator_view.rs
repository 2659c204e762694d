//! The operator's view on a real anvil: `GET /v1/status` counts jobs by state and shows the
//! latest failures, `GET /v1/jobs` filters by state, consumer and time, `/metrics` has the
//! relay latency histogram, and `POST /v1/admin/retry_job` (admin key only) runs a FAILED job
//! again — here one whose relay reverted while the operator's bond was missing, relayed once
//! the bond is deposited.
mod support;

use std::time::Duration;

use ivm_api::operator::{routes as op, JobList, NodeStatus, RetryJobResponse, ADMIN_KEY_HEADER};
use ivm_api::{routes, JobStatusType};
use support::*;

async fn get<T: serde::de::DeserializeOwned>(gw: &Gateway, path: &str) -> T {
    let (status, body) = gw.get(path).await;
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

async fn retry(base: &str, id: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{base}{}", op::RETRY_JOB))
        .json(&serde_json::json!({ "jobId": id }));
    if let Some(k) = key {
        req = req.header(ADMIN_KEY_HEADER, k);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_and_a_retry_that_relays_a_failed_job() {
    let anvil = Anvil::spawn();
    // No operator bond yet: every relay reverts.
    let chain = Chain::deploy(&anvil.url, false).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    cfg.max_relay_reverts = 2;
    cfg.max_relay_backoff = Duration::from_millis(200);
    cfg.admin_key = Some(ivm_node::UploadKey::new("s3cret"));
    let node = ivm_node::start(cfg).await.unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);
    let (req, request) =
        submit_job_body(chain.consumer, 1, &program_id(&elf), &abi_u256(10), b"", 1_000_000, USER);
    assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
    let id = request.job_id();
    let job = gw.wait_terminal(&id.0, Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");

    // The status shows it, with its reason.
    let status: NodeStatus = get(&gw, op::STATUS).await;
    assert_eq!((status.jobs.failed, status.jobs.relayed, status.jobs.pending), (1, 0, 0));
    assert_eq!(status.executors.total, 2);
    let failure = &status.recent_failures[0];
    assert_eq!(failure.job_id, id.to_string());
    assert!(failure.failure_reason.as_deref().unwrap().contains("operator bond below minimum"));
    assert!(status.listener.enabled);

    // Filters.
    let failed: JobList = get(&gw, &format!("{}?state=failed", op::JOBS)).await;
    assert_eq!(failed.matching, 1);
    let relayed: JobList = get(&gw, &format!("{}?state=relayed", op::JOBS)).await;
    assert_eq!(relayed.matching, 0);
    let other: JobList = get(&gw, &format!("{}?consumer=0x{}", op::JOBS, "11".repeat(20))).await;
    assert_eq!(other.matching, 0, "another consumer's jobs");
    let future: JobList = get(&gw, &format!("{}?sinceMs={}", op::JOBS, u64::MAX / 2)).await;
    assert_eq!(future.matching, 0, "nothing accepted in the future");
    let (code, body) = gw.get(&format!("{}?state=lost", op::JOBS)).await;
    assert_ne!(code, 200, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("not one of pending, done, relayed, failed"));

    // Retrying needs the admin key.
    let (code, body) = retry(&node.url(), &id.to_string(), None).await;
    assert_ne!(code, 200, "{body}");
    assert!(body["message"].as_str().unwrap().contains("no admin key"), "{body}");
    let (code, body) = retry(&node.url(), &id.to_string(), Some("guess")).await;
    assert_ne!(code, 200, "{body}");
    assert!(body["message"].as_str().unwrap().contains("a wrong admin key"), "{body}");

    // The operator fixes the cause (the bond) and retries: the job runs again and is relayed.
    chain.deposit_bond().await;
    let (code, body) = retry(&node.url(), &id.to_string(), Some("s3cret")).await;
    assert_eq!(code, 200, "{body}");
    let done: RetryJobResponse = serde_json::from_value(body).unwrap();
    assert_eq!((done.previous_state.as_str(), done.state.as_str()), ("failed", "pending"));
    let job = gw.wait_terminal(&id.0, Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    let status: NodeStatus = get(&gw, op::STATUS).await;
    assert_eq!((status.jobs.failed, status.jobs.relayed), (0, 1));
    assert!(status.recent_failures.is_empty(), "{:?}", status.recent_failures);

    // A relayed job is on chain: nothing to retry.
    let (code, body) = retry(&node.url(), &id.to_string(), Some("s3cret")).await;
    assert_ne!(code, 200, "{body}");
    assert!(body["message"].as_str().unwrap().contains("is RELAYED"), "{body}");
    let (code, _) = retry(&node.url(), &format!("0x{}", "ab".repeat(32)), Some("s3cret")).await;
    assert_ne!(code, 200, "an unknown job");

    // The relay latency histogram saw the relay.
    let (_, metrics) = gw.get("/metrics").await;
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(metrics.contains("ivm_node_relay_latency_seconds_count 1\n"), "{metrics}");
    assert!(metrics.contains("ivm_node_relays_in_flight 0\n"), "{metrics}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_routes_are_off_without_an_admin_key() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let node = ivm_node::start(node_config(&chain, &chain.url, &dir.path().join("node.redb")))
        .await
        .unwrap();
    let (code, body) = retry(&node.url(), &format!("0x{}", "ab".repeat(32)), Some("any")).await;
    assert_ne!(code, 200, "{body}");
    assert!(body["message"].as_str().unwrap().contains("--admin-key"), "{body}");
    node.shutdown().await;
}
