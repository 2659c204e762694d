//! A chain that rolls back (issue: the node under attack and faults). anvil's snapshot and
//! revert stand in for a reorg deeper than the relay's confirmations: the relayed result's
//! transaction disappears. The node notices, relays the job again, and the final chain holds
//! the result exactly once; with enough blocks on top the relay counts as final.
mod support;

use std::time::{Duration, Instant};

use ivm_api::{routes, JobStatusType};
use ivm_contracts::alloy_primitives::{B256, U256};
use ivm_contracts::alloy_sol_types::SolEvent;
use ivm_contracts::bindings::JobManager;
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::Filter;
use support::*;

const FINALITY_DEPTH: u64 = 3;

async fn relay_tx(gw: &Gateway, id: &[u8]) -> Option<B256> {
    let job = gw.job(id).await?;
    (status_of(&job) == JobStatusType::Relayed as i32).then(|| B256::from_slice(&job.relay_tx_hash))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_lost_in_a_reorg_is_relayed_again_exactly_once() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.finality_depth = FINALITY_DEPTH;
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);
    let provider = chain.user.provider();

    // The chain as it was before the relay: what a deep reorg goes back to.
    let snapshot: U256 = provider.raw_request("evm_snapshot".into(), ()).await.unwrap();
    let (req, request) =
        submit_job_body(chain.consumer, 1, &program_id(&elf), &abi_u256(10), b"", 1_000_000, USER);
    let id = request.job_id();
    assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
    let first = gw.wait_terminal(&id.0, Duration::from_secs(30)).await;
    assert_eq!(status_of(&first), JobStatusType::Relayed as i32, "{first:?}");
    let first_tx = B256::from_slice(&first.relay_tx_hash);
    assert!(provider.get_transaction_receipt(first_tx).await.unwrap().is_some());

    // The reorg: the relay transaction is gone.
    let reverted: bool = provider.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
    assert!(reverted);
    assert!(provider.get_transaction_receipt(first_tx).await.unwrap().is_none());

    // The node relays it again (the same signed transaction may come back with the same
    // hash: what matters is that it is on the chain again).
    let started = Instant::now();
    let second_tx = loop {
        if let Some(tx) = relay_tx(&gw, &id.0).await {
            if provider.get_transaction_receipt(tx).await.unwrap().is_some() {
                break tx;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not relayed again after the reorg");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let result = chain.user.consumer_result(chain.consumer, id).await.unwrap();
    assert!(result.is_some(), "the consumer holds the result again");

    // Blocks on top: final, and still exactly one JobCompleted on the chain.
    let _: serde_json::Value =
        provider.raw_request("anvil_mine".into(), (FINALITY_DEPTH + 1,)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let filter = Filter::new()
        .address(chain.job_manager)
        .event_signature(JobManager::JobCompleted::SIGNATURE_HASH)
        .topic1(id)
        .from_block(0);
    assert_eq!(provider.get_logs(&filter).await.unwrap().len(), 1, "relayed exactly once");
    assert_eq!(relay_tx(&gw, &id.0).await, Some(second_tx));
    node.shutdown().await;
}
