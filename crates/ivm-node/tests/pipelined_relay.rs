//! Pipelined relaying (issue: the node at production load). With blocks every second, a relayer
//! that sends one transaction and waits for its receipt puts one result per block; the node
//! keeps many in flight, so a burst of jobs lands in a few blocks, each exactly once. A relay
//! transaction dropped from the pool (a gap in the relayer's nonces that would stall every later
//! one) is recovered from: the node reads the pending nonce again and sends the job again.
//! Jobs due together go in one `submitResultsForOffchainJobs` transaction; a batch with a job
//! whose relay reverts does not hold back the others.
mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ivm_api::{routes, JobStatusType};
use ivm_contracts::alloy_primitives::B256;
use ivm_contracts::alloy_sol_types::SolEvent;
use ivm_contracts::bindings::JobManager;
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::Filter;
use support::*;

/// Submits offchain fibonacci jobs with nonces `nonces`; returns their IDs.
async fn submit(
    gw: &Gateway,
    chain: &Chain,
    elf: &[u8],
    nonces: std::ops::Range<u64>,
) -> Vec<B256> {
    submit_with_cycles(gw, chain, elf, nonces.map(|n| (n, 1_000_000))).await
}

/// Submits offchain fibonacci jobs with these nonces and `maxCycles`; returns their IDs.
async fn submit_with_cycles(
    gw: &Gateway,
    chain: &Chain,
    elf: &[u8],
    jobs: impl IntoIterator<Item = (u64, u64)>,
) -> Vec<B256> {
    let mut ids = Vec::new();
    for (nonce, max_cycles) in jobs {
        let (req, request) = submit_job_body(
            chain.consumer,
            nonce,
            &program_id(elf),
            &abi_u256(10),
            b"",
            max_cycles,
            USER,
        );
        assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
        ids.push(request.job_id());
    }
    ids
}

/// Waits until every job is RELAYED.
async fn wait_relayed(gw: &Gateway, ids: &[B256], timeout: Duration) {
    let started = Instant::now();
    for id in ids {
        loop {
            let job = gw.job(&id.0).await.expect("job known");
            if status_of(&job) == JobStatusType::Relayed as i32 {
                break;
            }
            assert_ne!(status_of(&job), JobStatusType::Failed as i32, "{:?}", job.status);
            assert!(
                started.elapsed() < timeout,
                "job {id} not relayed in {timeout:?}: {:?}",
                job.status
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The block of each job's `JobCompleted`, checking there is exactly one per job.
async fn completion_blocks(chain: &Chain, ids: &[B256]) -> Vec<u64> {
    completions(chain, ids).await.into_iter().map(|(block, _)| block).collect()
}

/// The block and transaction of each job's `JobCompleted`, checking there is exactly one per job.
async fn completions(chain: &Chain, ids: &[B256]) -> Vec<(u64, B256)> {
    let mut found = Vec::new();
    for id in ids {
        let filter = Filter::new()
            .address(chain.job_manager)
            .event_signature(JobManager::JobCompleted::SIGNATURE_HASH)
            .topic1(*id)
            .from_block(0);
        let logs = chain.user.provider().get_logs(&filter).await.unwrap();
        assert_eq!(logs.len(), 1, "job {id} relayed exactly once");
        found.push((logs[0].block_number.unwrap(), logs[0].transaction_hash.unwrap()));
    }
    found
}

/// Runs a node on `db` for a chain where no relay can land yet (no operator bond), until every
/// job in `jobs` is executed and has failed a relay attempt; then stops it. A node started on
/// `db` afterwards finds all of them due at once.
async fn done_but_not_relayed(
    chain: &Chain,
    db: &std::path::Path,
    elf: &[u8],
    jobs: &[(u64, u64)],
) -> Vec<B256> {
    let mut config = node_config(chain, &chain.url, db);
    config.max_relay_reverts = 0;
    config.max_relay_backoff = Duration::from_millis(100);
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    assert_eq!(gw.submit_program(elf).await.0, 200);
    let ids = submit_with_cycles(&gw, chain, elf, jobs.iter().copied()).await;
    let started = Instant::now();
    for id in &ids {
        loop {
            let job = gw.job(&id.0).await.expect("job known");
            let st = job.status.clone().unwrap();
            if st.status == JobStatusType::Done as i32 && st.retries > 0 {
                assert!(st.failure_reason.unwrap_or_default().contains("bond"));
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{job:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    node.shutdown().await;
    // Past every retry's backoff (100 ms): all are due when the next node starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_results_lands_in_a_few_blocks() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let provider = chain.user.provider();
    // A block every second from now on, as on a real chain (no block per transaction).
    let _: () = provider.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
    let _: () = provider.raw_request("evm_setIntervalMining".into(), (1,)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let node = ivm_node::start(node_config(&chain, &chain.url, &dir.path().join("node.redb")))
        .await
        .unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);

    const JOBS: u64 = 24;
    let ids = submit(&gw, &chain, &elf, 1..JOBS + 1).await;
    // One at a time this would take a block (1 s) per job.
    wait_relayed(&gw, &ids, Duration::from_secs(20)).await;
    let blocks: BTreeSet<u64> = completion_blocks(&chain, &ids).await.into_iter().collect();
    assert!(
        blocks.len() <= 6,
        "{JOBS} results spread over {} blocks: relays are not pipelined",
        blocks.len()
    );
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_relay_transaction_is_sent_again_and_unblocks_the_rest() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let provider = chain.user.provider();
    // No mining: relay transactions wait in the pool.
    let _: () = provider.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.relay_receipt_timeout = Duration::from_secs(2);
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);

    // The first job's relay transaction reaches the pool, and is dropped from it.
    let first = submit(&gw, &chain, &elf, 1..2).await;
    let started = Instant::now();
    let nonce = |tag: &'static str| {
        let provider = provider.clone();
        let relayer = chain.relayer;
        async move {
            let block = match tag {
                "pending" => provider.get_transaction_count(relayer).pending().await,
                _ => provider.get_transaction_count(relayer).latest().await,
            };
            block.unwrap()
        }
    };
    while nonce("pending").await == nonce("latest").await {
        assert!(started.elapsed() < Duration::from_secs(20), "no relay transaction in the pool");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _: () = provider.raw_request("anvil_dropAllTransactions".into(), ()).await.unwrap();
    // More jobs meanwhile: sent behind the gap the dropped transaction left.
    let rest = submit(&gw, &chain, &elf, 2..5).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Blocks again: everything must land, each job once.
    let _: () = provider.raw_request("evm_setIntervalMining".into(), (1,)).await.unwrap();
    let all: Vec<B256> = first.into_iter().chain(rest).collect();
    wait_relayed(&gw, &all, Duration::from_secs(40)).await;
    completion_blocks(&chain, &all).await;
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_due_together_are_relayed_in_one_transaction() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, false).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let elf = guest_elf("fibonacci");
    let jobs: Vec<(u64, u64)> = (1..=5).map(|n| (n, 1_000_000)).collect();
    let ids = done_but_not_relayed(&chain, &db, &elf, &jobs).await;

    chain.deposit_bond().await;
    let node = ivm_node::start(node_config(&chain, &chain.url, &db)).await.unwrap();
    let gw = Gateway::new(node.url());
    wait_relayed(&gw, &ids, Duration::from_secs(30)).await;
    let txs: BTreeSet<B256> =
        completions(&chain, &ids).await.into_iter().map(|(_, tx)| tx).collect();
    assert_eq!(txs.len(), 1, "five due jobs, one relay transaction: {txs:?}");
    let receipt = chain.user.provider().get_transaction_receipt(*txs.first().unwrap()).await;
    let receipt = receipt.unwrap().expect("receipt");
    assert!(receipt.inner.logs().len() >= 5);
    // Each job's record points at the shared transaction.
    for id in &ids {
        let job = gw.job(&id.0).await.unwrap();
        assert_eq!(job.relay_tx_hash.as_slice(), txs.first().unwrap().as_slice());
    }
    node.shutdown().await;
}

/// One job of a batch can no longer be relayed (the owner lowered `maxJobCycles` below its
/// `maxCycles` after the node accepted it): the batch would revert, so it is halved until the
/// culprit is alone — the others land (the half without it still as one batch), and that job
/// fails with its own reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_relay_reverts_does_not_hold_back_its_batch() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, false).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.redb");
    let elf = guest_elf("fibonacci");
    let jobs = [(1, 1_000_000), (2, 1_000_000), (3, 1_000_000), (4, 1_000_000), (5, 2_000_000)];
    let ids = done_but_not_relayed(&chain, &db, &elf, &jobs).await;

    chain.deposit_bond().await;
    chain.deployer.set_max_job_cycles(chain.job_manager, 1_500_000).await.unwrap();
    let mut config = node_config(&chain, &chain.url, &db);
    config.max_relay_reverts = 1;
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let good = &ids[..4];
    wait_relayed(&gw, good, Duration::from_secs(30)).await;
    let landed = completions(&chain, good).await;
    // Halves of [1 2 3 4 5]: [1 2] lands as one batch; [3 4 5] reverts, then [3] and [4 5]…
    assert_eq!(landed[0].1, landed[1].1, "the half without the culprit went as one batch");
    assert_ne!(landed[0].1, landed[2].1, "the batch of all five did not land");
    let culprit = gw.wait_terminal(&ids[4].0, Duration::from_secs(30)).await;
    let st = culprit.status.unwrap();
    assert_eq!(st.status, JobStatusType::Failed as i32);
    let reason = st.failure_reason.unwrap();
    assert!(reason.starts_with("relay_reverted:"), "{reason}");
    assert!(reason.contains("maxJobCycles"), "{reason}");
    node.shutdown().await;
}
