//! Crash safety of `ivm node` (the real binary, over HTTP, against a real anvil): jobs accepted
//! before a SIGKILL are executed and relayed after a restart on the same database, each exactly
//! once; results equal local execution; an onchain job is picked up by the listener.
mod node_support;
#[path = "../crates/ivm-node/tests/support/mod.rs"]
mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use ivm_api::{routes, GetPendingJobsRequest, JobStatusType};
use ivm_contracts::alloy_primitives::B256;
use node_support::NodeProcess;
use support::*;

fn execute(elf: &[u8], onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let program = ivm_vm::Program::load(elf).unwrap();
    let exec = ivm_vm::execute(&program, ivm_vm::Inputs { onchain, offchain }, u64::MAX).unwrap();
    assert_eq!(exec.exit, ivm_vm::Exit::Halted);
    exec.output
}

/// A job the test expects on chain: its ID and expected output.
struct Expect {
    id: B256,
    output: Vec<u8>,
    /// The signed request (offchain jobs).
    request: ivm_api::SubmitJobRequest,
}

/// Submits an offchain job whose output is `output`.
async fn submit(
    gw: &Gateway,
    chain: &Chain,
    nonce: u64,
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    output: Vec<u8>,
) -> Expect {
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(elf),
        onchain,
        offchain,
        2_000_000_000,
        USER,
    );
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "submit_job nonce {nonce}: {body}");
    let id: Vec<u8> = serde_json::from_value(body["jobId"].clone()).unwrap();
    assert_eq!(id, request.job_id().to_vec());
    Expect { id: request.job_id(), output, request: req }
}

async fn state(gw: &Gateway, id: B256) -> i32 {
    status_of(&gw.job(id.as_slice()).await.expect("accepted job is known"))
}

#[test]
fn node_survives_sigkill_and_relays_every_job_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path().join("node.redb").to_string_lossy().into_owned());
}

/// The same on PostgreSQL: the restarted node is a new node of the cluster, and takes over the
/// killed one's jobs once its heartbeat lapses.
#[test]
fn node_on_postgres_survives_sigkill_and_relays_every_job_exactly_once() {
    run(postgres_db());
}

fn run(db: String) {
    node_support::on_anvil(|url| async move { scenario(&url, db).await });
}

async fn scenario(url: &str, db: String) {
    let started = Instant::now();
    // No operator bond yet: JobManager refuses results, so relays fail and stay queued.
    let chain = Chain::deploy(url, false).await;
    let sha = guest_elf("sha256");
    let fib = guest_elf("fibonacci");
    let sqrt = guest_elf("square-root");
    let mut expected: Vec<Expect> = Vec::new();

    // ----- run 1: jobs execute, relays fail (no bond), SIGKILL -----
    let node = NodeProcess::spawn(&chain, &db, &["--executors", "1"]);
    let gw = Gateway::new(node.url.clone());
    for elf in [&sha, &fib, &sqrt] {
        let (status, body) = gw.submit_program(elf).await;
        assert_eq!(status, 200, "{body}");
    }
    // An onchain job (nonce 1 via getNextNonce) for the listener.
    let input = abi_u256(1_000_000);
    let (onchain_id, _) = chain
        .user
        .request_job(chain.consumer, program_id(&sqrt).to_vec(), input.clone(), 2_000_000_000)
        .await
        .unwrap();
    expected.push(Expect {
        id: onchain_id,
        output: execute(&sqrt, &input, &[]),
        request: Default::default(),
    });
    let mut nonce = chain.user.consumer_next_nonce(chain.consumer).await.unwrap();
    assert_eq!(nonce, 2);
    for i in 0..3u8 {
        let output = execute(&sha, &[i; 5], b"offchain data");
        expected.push(submit(&gw, &chain, nonce, &sha, &[i; 5], b"offchain data", output).await);
        nonce += 1;
    }
    // Wait until all four are DONE with at least one failed relay attempt.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = true;
        for e in &expected {
            let job = gw.job(e.id.as_slice()).await;
            let ok = job.as_ref().is_some_and(|j| {
                status_of(j) == JobStatusType::Done as i32 && j.status.as_ref().unwrap().retries > 0
            });
            all &= ok;
        }
        if all {
            break;
        }
        assert!(Instant::now() < deadline, "jobs did not reach DONE with failed relays");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let job = gw.job(expected[1].id.as_slice()).await.unwrap();
    let reason = job.status.unwrap().failure_reason.unwrap_or_default();
    assert!(reason.contains("bond"), "relay error should name the bond: {reason}");
    assert!(!node.leaked_key.load(Ordering::SeqCst), "a key appeared in the node's logs");
    let signed = gw.job(expected[2].id.as_slice()).await.unwrap();
    node.kill9();

    // A crash between "relay transaction sent" and "RELAYED stored": the result of one job goes
    // on chain behind the node's back (same relayer key, the node's signed result). The node
    // must notice and not send it again.
    chain.deposit_bond().await;
    let relayer = ivm_contracts::client::Client::connect(url, DEV_KEYS[RELAYER]).await.unwrap();
    let manual = relayer
        .submit_result_for_offchain_job(
            chain.job_manager,
            signed.result_with_metadata.clone(),
            signed.zkvm_operator_signature.clone(),
            expected[2].request.request.clone(),
            expected[2].request.signature.clone(),
            &expected[2].request.offchain_input,
        )
        .await
        .unwrap();

    // ----- run 2: bond deposited; slow jobs accepted, SIGKILL while they are pending -----
    let fib_input = abi_u256(20_000_000);
    let fib_output = execute(&fib, &fib_input, &[]);
    let node = NodeProcess::spawn(&chain, &db, &["--executors", "1"]);
    let gw = Gateway::new(node.url.clone());
    let mut slow = Vec::new();
    for _ in 0..3 {
        // ~200M cycles each: a second or more per job on one executor.
        let e = submit(&gw, &chain, nonce, &fib, &fib_input, &[], fib_output.clone()).await;
        nonce += 1;
        slow.push(e.id);
        expected.push(e);
    }
    for id in &slow[1..] {
        assert_eq!(
            state(&gw, *id).await,
            JobStatusType::Pending as i32,
            "slow jobs should still be pending when the node is killed"
        );
    }
    node.kill9();

    // Accepted jobs are in the database; nothing was lost by the kill.
    let node = NodeProcess::spawn(&chain, &db, &["--executors", "2"]);
    let gw = Gateway::new(node.url.clone());
    for e in &expected {
        let job = gw.wait_terminal(e.id.as_slice(), Duration::from_secs(120)).await;
        assert_eq!(status_of(&job), JobStatusType::Relayed as i32, "{job:?}");
        assert_eq!(job.relay_tx_hash.len(), 32);
    }
    let (status, body) = gw
        .post(
            routes::GET_PENDING_JOBS,
            &GetPendingJobsRequest { consumer_address: chain.consumer.to_vec() },
        )
        .await;
    assert_eq!((status, body), (200, serde_json::json!({"pendingJobs": []})));

    let job = gw.job(expected[2].id.as_slice()).await.unwrap();
    assert_eq!(job.relay_tx_hash, manual.transaction_hash.to_vec());

    // ----- on chain: every job completed once, with the locally computed output, and one relay
    // transaction per job -----
    let expected_list: Vec<(B256, Vec<u8>)> =
        expected.iter().map(|e| (e.id, e.output.clone())).collect();
    node_support::assert_relayed_exactly_once(&chain, &expected_list).await;

    // A clean stop (SIGTERM) exits 0 and leaves a database the next start can open.
    assert!(!node.leaked_key.load(Ordering::SeqCst), "a key appeared in the node's logs");
    let status = node.terminate();
    assert!(status.success(), "{status:?}");
    let node = NodeProcess::spawn(&chain, &db, &[]);
    let gw = Gateway::new(node.url.clone());
    assert_eq!(state(&gw, onchain_id).await, JobStatusType::Relayed as i32);
    eprintln!("node crash test: {:.1?}", started.elapsed());
}
