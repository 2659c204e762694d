//! Runaway jobs (issue: the node under attack): guests that loop for ever under a huge
//! `maxCycles` are failed at the wall-time limit, so they cannot starve other consumers' jobs;
//! a shutdown abandons running executions at once and leaves their jobs recoverable.
mod support;

use std::time::{Duration, Instant};

use ivm_api::{routes, JobStatusType};
use support::*;

/// The faults guest's endless loop.
const ENDLESS: &[u8] = &[7];

fn config(chain: &Chain, db: &std::path::Path, wall_time: Duration) -> ivm_node::NodeConfig {
    let mut c = node_config(chain, &chain.url, db);
    c.executors = 2;
    c.max_job_wall_time = wall_time;
    c
}

/// Submits an offchain job; returns its ID.
async fn submit(gw: &Gateway, chain: &Chain, nonce: u64, elf: &[u8], input: &[u8]) -> [u8; 32] {
    let max_cycles = 1u64 << 40;
    let (req, request) =
        submit_job_body(chain.consumer, nonce, &program_id(elf), input, b"", max_cycles, USER);
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");
    request.job_id().0
}

fn reason(job: &ivm_api::JobResult) -> String {
    job.status.as_ref().and_then(|s| s.failure_reason.clone()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_jobs_hit_the_wall_time_limit_and_others_still_run() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let (faults, fib) = (guest_elf("faults"), guest_elf("fibonacci"));

    let node = ivm_node::start(config(&chain, &db, Duration::from_millis(500))).await.unwrap();
    let gw = Gateway::new(node.url());
    assert_eq!(gw.submit_program(&faults).await.0, 200);
    assert_eq!(gw.submit_program(&fib).await.0, 200);
    // Both executors get an endless job; another consumer's job comes behind them.
    let spin = [
        submit(&gw, &chain, 1, &faults, ENDLESS).await,
        submit(&gw, &chain, 2, &faults, ENDLESS).await,
    ];
    let honest = submit(&gw, &chain, 3, &fib, &abi_u256(10)).await;
    let started = Instant::now();
    let job = gw.wait_terminal(&honest, Duration::from_secs(30)).await;
    assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "starved for {:?}", started.elapsed());
    for id in spin {
        let job = gw.wait_terminal(&id, Duration::from_secs(10)).await;
        assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
        assert!(reason(&job).contains("wall-time limit of 0.5 s"), "{}", reason(&job));
    }

    // A long run and a shutdown: the node stops at once and the job stays recoverable.
    node.shutdown().await;
    let node = ivm_node::start(config(&chain, &db, Duration::from_secs(120))).await.unwrap();
    let gw = Gateway::new(node.url());
    let long = submit(&gw, &chain, 4, &faults, ENDLESS).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let job = gw.job(&long).await.unwrap();
    assert_eq!(status_of(&job), JobStatusType::Pending as i32, "{job:?}");
    let stopping = Instant::now();
    node.shutdown().await;
    assert!(stopping.elapsed() < Duration::from_secs(3), "shutdown took {:?}", stopping.elapsed());

    // After a restart the job runs again (here under a short limit, so it ends).
    let node = ivm_node::start(config(&chain, &db, Duration::from_millis(300))).await.unwrap();
    let gw = Gateway::new(node.url());
    let job = gw.wait_terminal(&long, Duration::from_secs(10)).await;
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
    assert!(reason(&job).contains("wall-time limit"), "{}", reason(&job));
    node.shutdown().await;
}
