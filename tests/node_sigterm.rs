//! `ivm node` (the real binary) stops promptly on SIGTERM while a guest loops for ever, and
//! the job is recoverable: after a restart it runs again and, under `--max-job-seconds`, fails
//! with the wall-time reason instead of holding an executor.
mod node_support;
#[path = "../crates/ivm-node/tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ivm_api::{routes, JobStatusType};
use node_support::NodeProcess;
use support::*;

#[test]
fn sigterm_stops_a_node_running_an_endless_job_and_the_job_survives() {
    let anvil = Anvil::spawn();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let chain = rt.block_on(Chain::deploy(&anvil.url, true));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let faults = guest_elf("faults");

    let node = NodeProcess::spawn(&chain, &db, &[]);
    let gw = Gateway::new(node.url.clone());
    let id = rt.block_on(async {
        assert_eq!(gw.submit_program(&faults).await.0, 200);
        // The faults guest loops for ever on input 7.
        let (req, request) =
            submit_job_body(chain.consumer, 1, &program_id(&faults), &[7], b"", 1 << 40, USER);
        assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let job = gw.job(request.job_id().as_slice()).await.unwrap();
        assert_eq!(status_of(&job), JobStatusType::Pending as i32, "{job:?}");
        request.job_id()
    });
    let stopping = Instant::now();
    let status = node.terminate();
    assert!(status.success(), "{status:?}");
    assert!(stopping.elapsed() < Duration::from_secs(5), "SIGTERM took {:?}", stopping.elapsed());

    let node = NodeProcess::spawn(&chain, &db, &["--max-job-seconds", "1"]);
    let gw = Gateway::new(node.url.clone());
    let job = rt.block_on(gw.wait_terminal(id.as_slice(), Duration::from_secs(20)));
    assert_eq!(status_of(&job), JobStatusType::Failed as i32, "{job:?}");
    let reason = job.status.as_ref().and_then(|s| s.failure_reason.clone()).unwrap_or_default();
    assert!(reason.contains("wall-time limit of 1 s"), "{reason}");
    assert!(node.terminate().success());
}
