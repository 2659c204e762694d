//! Limits an operator sets on the work it takes (issue: the node at production load): the
//! largest `maxCycles` it runs and how many open jobs one consumer may queue. Offchain
//! requests over a limit are refused with a clear gateway error; an onchain job over the cycle
//! limit (which cannot be refused) fails with a reason.
mod support;

use std::time::Duration;

use ivm_api::{routes, JobStatusType};
use support::*;

const LIMIT: u64 = 1 << 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycle_and_queue_limits_refuse_work_clearly() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.executors = 1;
    config.max_job_cycles = LIMIT;
    config.max_queued_per_consumer = 2;
    config.max_job_wall_time = Duration::from_secs(2);
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let faults = guest_elf("faults");
    assert_eq!(gw.submit_program(&faults).await.0, 200);
    let pid = program_id(&faults);
    let endless = |nonce: u64, max_cycles: u64| {
        submit_job_body(chain.consumer, nonce, &pid, &[7], b"", max_cycles, USER).0
    };

    // Over the cycle limit: INVALID_ARGUMENT naming the limit.
    let (status, body) = gw.post(routes::SUBMIT_JOB, &endless(1, LIMIT + 1)).await;
    assert_eq!(body["grpc_code"], 3, "{status} {body}");
    assert!(body["message"].as_str().unwrap().contains("limit of 1099511627776"), "{body}");

    // Two open jobs fill the consumer's queue (one running, one waiting); a third is refused.
    for nonce in [2, 3] {
        assert_eq!(gw.post(routes::SUBMIT_JOB, &endless(nonce, LIMIT)).await.0, 200);
    }
    let (status, body) = gw.post(routes::SUBMIT_JOB, &endless(4, LIMIT)).await;
    assert_eq!((status, &body["grpc_code"]), (409, &8.into()), "{body}");
    assert!(body["message"].as_str().unwrap().contains("2 jobs queued"), "{body}");

    // An onchain job over the cycle limit is picked up and failed with the reason.
    let (id, _) =
        chain.user.request_job(chain.consumer, pid.to_vec(), vec![7u8], LIMIT + 1).await.unwrap();
    let job = gw.wait_terminal(id.as_slice(), Duration::from_secs(30)).await;
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
    let reason = job.status.as_ref().and_then(|s| s.failure_reason.clone()).unwrap_or_default();
    assert!(reason.starts_with("max_cycles_exceeded"), "{reason}");

    // Once the queue drains (the wall-time limit ends the endless jobs), the consumer may
    // submit again.
    let (req, request) = submit_job_body(chain.consumer, 5, &pid, &[], b"", 1_000_000, USER);
    let started = std::time::Instant::now();
    loop {
        let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
        if status == 200 {
            break;
        }
        assert_eq!(body["grpc_code"], 8, "{body}");
        assert!(started.elapsed() < Duration::from_secs(20), "the queue never drained");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let job = gw.wait_terminal(request.job_id().as_slice(), Duration::from_secs(30)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    node.shutdown().await;
}

/// A memory limit below what a program needs: its upload is refused; stored before the limit
/// was lowered, its offchain requests are refused and its onchain jobs fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_limit_refuses_large_programs() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let (fib, faults) = (guest_elf("fibonacci"), guest_elf("faults"));
    let node = ivm_node::start(node_config(&chain, &chain.url, &db)).await.unwrap();
    assert_eq!(Gateway::new(node.url()).submit_program(&fib).await.0, 200);
    node.shutdown().await;

    let mut config = node_config(&chain, &chain.url, &db);
    config.max_job_memory_bytes = 1 << 20;
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let (_, body) = gw.submit_program(&faults).await;
    assert_eq!(body["grpc_code"], 8, "{body}");
    assert!(body["message"].as_str().unwrap().contains("bytes of memory"), "{body}");

    let pid = program_id(&fib);
    let (req, _) = submit_job_body(chain.consumer, 1, &pid, &abi_u256(5), b"", 1_000_000, USER);
    let (_, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(body["grpc_code"], 8, "{body}");
    let (id, _) =
        chain.user.request_job(chain.consumer, pid.to_vec(), abi_u256(5), 1_000_000).await.unwrap();
    let job = gw.wait_terminal(id.as_slice(), Duration::from_secs(30)).await;
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
    let reason = job.status.as_ref().and_then(|s| s.failure_reason.clone()).unwrap_or_default();
    assert!(reason.starts_with("memory_limit_exceeded"), "{reason}");
    node.shutdown().await;
}
