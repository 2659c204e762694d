//! The node started in-process (`ivm_node::start`) against a real anvil: programs, an offchain
//! job and an onchain job from submission to the consumer's callback, restart on the same db.
mod support;

use std::time::Duration;

use ivm_api::{routes, ContainsProgramRequest, JobStatusType};
use ivm_contracts::alloy_primitives::{keccak256, B256};
use ivm_contracts::bindings::JobManager;
use ivm_node::{NodeConfig, SecretKey};
use support::*;

fn config(chain: &Chain, db: &std::path::Path) -> NodeConfig {
    let mut c = NodeConfig::new(
        db,
        chain.url.clone(),
        chain.job_manager,
        SecretKey::new(DEV_KEYS[OPERATOR]),
        SecretKey::new(DEV_KEYS[RELAYER]),
    );
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.poll_interval = Duration::from_millis(100);
    c
}

fn execute(elf: &[u8], onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let program = ivm_vm::Program::load(elf).unwrap();
    let exec = ivm_vm::execute(&program, ivm_vm::Inputs { onchain, offchain }, 10_000_000).unwrap();
    assert_eq!(exec.exit, ivm_vm::Exit::Halted);
    exec.output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offchain_and_onchain_jobs_in_process() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let node = ivm_node::start(config(&chain, &db)).await.unwrap();
    let gw = Gateway::new(node.url());

    // Programs.
    let sha = guest_elf("sha256");
    let sqrt = guest_elf("square-root");
    let (status, body) = gw.submit_program(&sha).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["programId"], hex::encode(program_id(&sha)));
    // Idempotent.
    assert_eq!(gw.submit_program(&sha).await.0, 200);
    assert_eq!(gw.submit_program(&sqrt).await.0, 200);
    let (status, body) = gw
        .post(
            routes::CONTAINS_PROGRAM,
            &ContainsProgramRequest { program_id: program_id(&sha).to_vec() },
        )
        .await;
    assert_eq!((status, &body), (200, &serde_json::json!({"contains": true})));
    let (_, body) = gw
        .post(routes::CONTAINS_PROGRAM, &ContainsProgramRequest { program_id: vec![1; 32] })
        .await;
    assert_eq!(body, serde_json::json!({"contains": false}));

    // An offchain job with an offchain input.
    let nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&sha),
        b"onchain part",
        b"offchain part",
        1_000_000,
        USER,
    );
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");
    let job_id: Vec<u8> = serde_json::from_value(body["jobId"].clone()).unwrap();
    assert_eq!(job_id, request.job_id().to_vec());
    // Resubmitting the same request is idempotent.
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");

    let job = gw.wait_terminal(&job_id, Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    assert_eq!(job.relay_tx_hash.len(), 32);
    let expected = execute(&sha, b"onchain part", b"offchain part");
    let on_chain =
        chain.user.consumer_result(chain.consumer, B256::from_slice(&job_id)).await.unwrap();
    assert_eq!(on_chain.unwrap().to_vec(), expected);
    // The node serves the offchain input by its hash.
    let hash = keccak256(b"offchain part");
    let (status, bytes) = gw.get(&format!("/v1/offchain_input/{}", hex::encode(hash))).await;
    assert_eq!((status, bytes.as_slice()), (200, &b"offchain part"[..]));
    let (status, _) = gw.get(&format!("/v1/offchain_input/{}", hex::encode([7u8; 32]))).await;
    assert_eq!(status, 409);

    // An onchain job: ExampleConsumer.requestJob → JobCreated → listener → relayed.
    let input = abi_u256(144);
    let (onchain_id, _) = chain
        .user
        .request_job(chain.consumer, program_id(&sqrt).to_vec(), input.clone(), 1_000_000)
        .await
        .unwrap();
    let job = gw.wait_terminal(onchain_id.as_slice(), Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    assert!(job.request_signature.is_empty());
    assert_eq!(job.offchain_input_hash, keccak256([]).to_vec());
    let on_chain = chain.user.consumer_result(chain.consumer, onchain_id).await.unwrap();
    assert_eq!(on_chain.unwrap().to_vec(), execute(&sqrt, &input, &[]));

    let (status, metrics) = gw.get("/metrics").await;
    let metrics = String::from_utf8(metrics).unwrap();
    assert_eq!(status, 200);
    assert!(metrics.contains("ivm_node_relayed_total 2"), "{metrics}");
    let (status, health) = gw.get("/health").await;
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&health).unwrap();
    assert_eq!(health["status"], "ok");

    // Restart on the same database: everything is still there, nothing is relayed again.
    node.shutdown().await;
    let node = ivm_node::start(config(&chain, &db)).await.unwrap();
    let gw = Gateway::new(node.url());
    assert_eq!(status_of(&gw.job(&job_id).await.unwrap()), JobStatusType::Relayed as i32);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let completed =
        chain.deployer.events::<JobManager::JobCompleted>(chain.job_manager, 0).await.unwrap();
    assert_eq!(completed.len(), 2);
    node.shutdown().await;
}

/// The node refuses an offchain job above `JobManager.maxJobCycles` (the provability bound)
/// with a gateway error naming it, and stores nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_above_the_provability_bound_are_refused() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    chain.deployer.set_max_job_cycles(chain.job_manager, 500_000).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = ivm_node::start(config(&chain, &dir.path().join("node.redb"))).await.unwrap();
    let gw = Gateway::new(node.url());
    let sqrt = guest_elf("square-root");
    assert_eq!(gw.submit_program(&sqrt).await.0, 200);
    let nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&sqrt),
        &abi_u256(9),
        b"",
        500_001,
        USER,
    );
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["grpc_code"], ivm_api::GrpcCode::InvalidArgument as i32);
    assert!(body["message"].as_str().unwrap().contains("maxJobCycles 500000"), "{body}");
    assert!(gw.job(request.job_id().as_slice()).await.is_none(), "nothing stored");
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&sqrt),
        &abi_u256(9),
        b"",
        500_000,
        USER,
    );
    assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200, "at the bound is fine");
    let job = gw.wait_terminal(request.job_id().as_slice(), Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    node.shutdown().await;
}

/// An onchain job for a program the node does not have waits (PENDING, with the reason), also
/// across a restart, and runs once the program is submitted; nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_onchain_job_waits_for_its_program() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let node = ivm_node::start(config(&chain, &db)).await.unwrap();
    let gw = Gateway::new(node.url());
    let sqrt = guest_elf("square-root");
    let input = abi_u256(81);
    let (id, _) = chain
        .user
        .request_job(chain.consumer, program_id(&sqrt).to_vec(), input.clone(), 1_000_000)
        .await
        .unwrap();
    let waiting = |job: &ivm_api::JobResult| {
        status_of(job) == JobStatusType::Pending as i32
            && job
                .status
                .as_ref()
                .and_then(|s| s.failure_reason.clone())
                .is_some_and(|r| r.contains("waiting_for_program"))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if gw.job(id.as_slice()).await.as_ref().is_some_and(|j| waiting(j)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the job never showed as waiting");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A restart does not lose or fail it.
    node.shutdown().await;
    let node = ivm_node::start(config(&chain, &db)).await.unwrap();
    let gw = Gateway::new(node.url());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(waiting(&gw.job(id.as_slice()).await.unwrap()), "still waiting after a restart");

    assert_eq!(gw.submit_program(&sqrt).await.0, 200);
    let job = gw.wait_terminal(id.as_slice(), Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    let on_chain = chain.user.consumer_result(chain.consumer, id).await.unwrap();
    assert_eq!(on_chain.unwrap().to_vec(), execute(&sqrt, &input, &[]));
    node.shutdown().await;
}

/// A relay that reverts every time (here: the operator has no bond, so `JobManager` refuses
/// the result) is not retried for ever: after `max_relay_reverts` attempts the job FAILED with
/// the decoded revert reason. While it retries, the last error is the job's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_that_always_reverts_ends_failed_with_its_reason() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, false).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&chain, &dir.path().join("node.redb"));
    cfg.max_relay_reverts = 3;
    cfg.max_relay_backoff = Duration::from_millis(200);
    let node = ivm_node::start(cfg).await.unwrap();
    let gw = Gateway::new(node.url());
    let sqrt = guest_elf("square-root");
    assert_eq!(gw.submit_program(&sqrt).await.0, 200);
    let nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&sqrt),
        &abi_u256(49),
        b"",
        1_000_000,
        USER,
    );
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");
    let job = gw.wait_terminal(request.job_id().as_slice(), Duration::from_secs(60)).await;
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
    let st = job.status.unwrap();
    let reason = st.failure_reason.unwrap();
    assert!(reason.starts_with("relay_reverted:"), "{reason}");
    assert!(reason.contains("operator bond below minimum"), "{reason}");
    assert!(reason.contains("after 3 attempts"), "{reason}");
    assert_eq!(st.retries, 2, "two retried attempts before the third failed it");
    node.shutdown().await;
}

/// Ordered relaying: a consumer's later nonce that finishes first waits for the earlier one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordered_jobs_are_relayed_in_nonce_order() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(&chain, &dir.path().join("node.redb"));
    c.executors = 2;
    let node = ivm_node::start(c).await.unwrap();
    let gw = Gateway::new(node.url());
    let fib = guest_elf("fibonacci");
    let sha = guest_elf("sha256");
    assert_eq!(gw.submit_program(&fib).await.0, 200);
    assert_eq!(gw.submit_program(&sha).await.0, 200);

    let nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();
    // nonce: slow (~200M cycles); nonce + 1: fast. Both Ordered.
    let (mut slow, slow_req) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&fib),
        &abi_u256(20_000_000),
        b"",
        2_000_000_000,
        USER,
    );
    slow.relay_strategy = ivm_api::RelayStrategy::Ordered as i32;
    // No offchain input: the fast job needs no blobs (whose KZG setup loads once per process).
    let (mut fast, fast_req) =
        submit_job_body(chain.consumer, nonce + 1, &program_id(&sha), b"x", b"", 1_000_000, USER);
    fast.relay_strategy = ivm_api::RelayStrategy::Ordered as i32;
    assert_eq!(gw.post(routes::SUBMIT_JOB, &slow).await.0, 200);
    assert_eq!(gw.post(routes::SUBMIT_JOB, &fast).await.0, 200);

    // The fast job is executed first but waits, DONE, for the slow one.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let job = gw.job(fast_req.job_id().as_slice()).await.unwrap();
        if status_of(&job) == JobStatusType::Done as i32 {
            break;
        }
        assert_ne!(status_of(&job), JobStatusType::Relayed as i32, "relayed before nonce {nonce}");
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, body) = gw
        .post(
            routes::GET_PENDING_JOBS,
            &ivm_api::GetPendingJobsRequest { consumer_address: chain.consumer.to_vec() },
        )
        .await;
    assert_eq!((status, body), (200, serde_json::json!({"pendingJobs": [nonce, nonce + 1]})));
    for id in [slow_req.job_id(), fast_req.job_id()] {
        let job = gw.wait_terminal(id.as_slice(), Duration::from_secs(60)).await;
        assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    }
    let completed =
        chain.deployer.events::<JobManager::JobCompleted>(chain.job_manager, 0).await.unwrap();
    let order: Vec<B256> = completed.iter().map(|(e, _)| e.jobID).collect();
    assert_eq!(order, vec![slow_req.job_id(), fast_req.job_id()]);
    node.shutdown().await;
}
