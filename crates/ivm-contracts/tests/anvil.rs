//! End to end against a real anvil (installed by `scripts/install-tools`): deploy, an onchain and
//! an offchain job submitted by hand with the operator and relayer keys, the consumer callback,
//! then challenges resolved both ways, checking events and exact balances.

use ivm_contracts::alloy_primitives::{Address, Bytes, B256, U256};
use ivm_contracts::alloy_sol_types::SolCall;
use ivm_contracts::bindings::{ExampleConsumer, JobManager};
use ivm_contracts::client::alloy_provider::network::{TransactionBuilder, TransactionBuilder4844};
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::{BlockId, TransactionReceipt, TransactionRequest};
use ivm_contracts::client::{
    gas_with_margin, receipt_event, receipt_events, Client, ClientError, CHALLENGE_OPEN,
    CHALLENGE_REFUNDED, CHALLENGE_REJECTED, CHALLENGE_UPHELD,
};
use ivm_contracts::deploy::{deploy, DeployConfig};
use ivm_contracts::ClaimedOutcome;
use ivm_contracts::{
    address_of, job_id, sign_eip191, signing_key_from_hex, DisputeParameters, OffchainJobRequest,
    OffchainResultWithMetadata, ResultWithMetadata, EMPTY_INPUT_HASH, JOB_STATE_COMPLETED,
    JOB_STATE_OVERTURNED, JOB_STATE_PENDING,
};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// anvil's standard dev keys (mnemonic "test test ... junk"), accounts 0-5.
const DEV_KEYS: [&str; 6] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
];

const ETHER: u128 = 1_000_000_000_000_000_000;

fn ether(milli: u128) -> U256 {
    U256::from(milli * ETHER / 1000)
}

/// The real anvil binary from the npm install (node_modules/.bin/anvil is a node wrapper, which
/// would leave the binary running when killed).
fn anvil_binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = root.join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if !bin.is_file() {
        panic!(
            "anvil is not installed ({} is missing): run `scripts/install-tools` at the repository \
             root (it installs anvil/forge/cast from npm into node_modules)",
            bin.display()
        );
    }
    bin
}

/// A running anvil, killed (and reaped) on drop, even if the test panics.
struct Anvil {
    child: Child,
    url: String,
}

impl Anvil {
    fn spawn() -> Anvil {
        let mut child = Command::new(anvil_binary())
            // Port 0: the OS picks a free port; anvil prints it.
            .args(["--port", "0", "--host", "127.0.0.1", "--accounts", "6"])
            .args(["--balance", "10000", "--chain-id", "31337"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start anvil");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Read the listening address, then keep draining anvil's request log so it never blocks.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if std::env::var_os("IVM_ANVIL_LOG").is_some() {
                    eprintln!("anvil: {line}");
                }
                if let Some(addr) = line.trim().strip_prefix("Listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.trim().to_string());
                    }
                }
            }
        });
        let mut anvil = Anvil { child, url: String::new() };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => anvil.url = format!("http://{addr}"),
            Err(_) => {
                let status = anvil.child.try_wait().ok().flatten();
                panic!("anvil did not report a listening address within 30 s (exit status: {status:?})");
            }
        }
        anvil
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wei paid in gas by a transaction.
fn fee(receipt: &TransactionReceipt) -> U256 {
    U256::from(receipt.gas_used) * U256::from(receipt.effective_gas_price)
}

fn expect_revert<T: std::fmt::Debug>(result: Result<T, ClientError>, needle: &str) {
    match result {
        Err(ClientError::Reverted { reason, .. }) => {
            assert!(reason.contains(needle), "revert reason {reason:?} lacks {needle:?}")
        }
        other => panic!("expected a revert containing {needle:?}, got {other:?}"),
    }
}

async fn increase_time(client: &Client, seconds: u64) {
    let p = client.provider();
    let _: serde_json::Value = p.raw_request("evm_increaseTime".into(), (seconds,)).await.unwrap();
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
}

#[test]
fn anvil_end_to_end() {
    let started = Instant::now();
    let anvil = Anvil::spawn();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario(&anvil.url));
    drop(anvil);
    eprintln!("anvil end-to-end: {:.1?}", started.elapsed());
}

async fn scenario(url: &str) {
    eprintln!("[anvil test] connecting to {url}");
    let mut clients = Vec::new();
    for key in DEV_KEYS {
        clients.push(Client::connect(url, key).await.unwrap());
    }
    let [deployer, relayer, operator, arbiter, challenger, user] = &clients[..] else {
        unreachable!()
    };
    // The keys are anvil's funded dev accounts.
    let accounts: Vec<Address> = deployer.provider().get_accounts().await.unwrap();
    assert_eq!(accounts, clients.iter().map(Client::address).collect::<Vec<_>>());
    let operator_key = signing_key_from_hex(DEV_KEYS[2]).unwrap();
    let offchain_signer_key = signing_key_from_hex(DEV_KEYS[5]).unwrap();
    assert_eq!(address_of(&operator_key), operator.address());

    // ----- deploy -----
    eprintln!("[anvil test] deploy");
    let params = DisputeParameters {
        challengeWindow: 600,
        arbiterTimeout: 600,
        withdrawalDelay: 600,
        challengeBond: ether(100),
        challengerReward: ether(500),
        minOperatorBond: ether(1000),
    };
    let config = DeployConfig {
        owner: deployer.address(),
        relayer: relayer.address(),
        operator: operator.address(),
        arbiter: arbiter.address(),
        dispute_parameters: params.clone(),
        consumer_owner: deployer.address(),
        consumer_offchain_signer: user.address(),
        consumer_initial_max_nonce: 0,
    };
    let d = deploy(deployer, &config).await.unwrap();
    assert_eq!(d.chain_id, 31337);
    let (jm, consumer) = (d.job_manager, d.consumer);
    assert_eq!(deployer.dispute_parameters(jm).await.unwrap(), params);
    assert_eq!(
        deployer.view(consumer, &ExampleConsumer::getOffchainSignerCall {}).await.unwrap(),
        user.address()
    );

    // ----- onchain job: consumer requests -> JobCreated -----
    eprintln!("[anvil test] onchain job: consumer requests -> JobCreated");
    let program_id = Bytes::from(vec![0xab; 32]);
    let input = Bytes::from(81u64.to_le_bytes().to_vec());
    let max_cycles = 1_000_000u64;
    assert_eq!(user.consumer_next_nonce(consumer).await.unwrap(), 1);
    let (job1, receipt) =
        user.request_job(consumer, program_id.clone(), input.clone(), max_cycles).await.unwrap();
    assert_eq!(job1, job_id(1, consumer));
    let created = receipt_event::<JobManager::JobCreated>(&receipt, jm).unwrap();
    assert_eq!(created.jobID, job1);
    assert_eq!(created.nonce, 1);
    assert_eq!(created.consumer, consumer);
    assert_eq!(created.maxCycles, max_cycles);
    assert_eq!(created.programID, program_id);
    assert_eq!(created.onchainInput, input);
    let meta = user.job_metadata(jm, job1).await.unwrap();
    assert_eq!(meta.status, JOB_STATE_PENDING);
    assert_eq!(meta.consumer, consumer);

    // The operator signs, the relayer sends.
    let output = Bytes::from(9u64.to_le_bytes().to_vec());
    let result =
        ResultWithMetadata::new(job1, &input, max_cycles, program_id.clone(), output.clone())
            .encode();
    let sig = sign_eip191(&operator_key, &result).unwrap();
    // No bond yet: results are refused.
    expect_revert(relayer.submit_result(jm, result.clone(), sig.to_vec()).await, "bond");
    let receipt =
        deployer.deposit_operator_bond(jm, operator.address(), ether(2000)).await.unwrap();
    let deposited = receipt_event::<JobManager::OperatorBondDeposited>(&receipt, jm).unwrap();
    assert_eq!(
        (deposited.operator, deposited.from, deposited.amount, deposited.newBond),
        (operator.address(), deployer.address(), ether(2000), ether(2000))
    );
    assert_eq!(user.operator_bond(jm, operator.address()).await.unwrap().amount, ether(2000));
    // Only the relayer may submit; only the operator's signature counts.
    expect_revert(operator.submit_result(jm, result.clone(), sig.to_vec()).await, "relayer");
    let wrong_sig = sign_eip191(&offchain_signer_key, &result).unwrap();
    expect_revert(
        relayer.submit_result(jm, result.clone(), wrong_sig.to_vec()).await,
        "JobManager.submitResult",
    );
    let receipt = relayer.submit_result(jm, result.clone(), sig.to_vec()).await.unwrap();
    let completed = receipt_event::<JobManager::JobCompleted>(&receipt, jm).unwrap();
    assert_eq!((completed.jobID, &completed.result), (job1, &output));
    let recorded = receipt_event::<JobManager::ResultRecorded>(&receipt, jm).unwrap();
    assert_eq!(recorded.operator, operator.address());
    assert_eq!(recorded.resultHash, ivm_contracts::alloy_primitives::keccak256(&output));
    let received = receipt_event::<ExampleConsumer::ResultReceived>(&receipt, consumer).unwrap();
    assert_eq!((received.jobID, &received.result), (job1, &output));
    // The consumer callback stored the result on chain.
    assert_eq!(user.consumer_result(consumer, job1).await.unwrap(), Some(output.clone()));
    assert_eq!(user.job_metadata(jm, job1).await.unwrap().status, JOB_STATE_COMPLETED);
    assert!(!user.is_final(jm, job1).await.unwrap());
    // Replaying the same result fails.
    expect_revert(relayer.submit_result(jm, result, sig.to_vec()).await, "JobManager.submitResult");

    // ----- offchain job: request signed by the consumer's offchain signer -----
    eprintln!("[anvil test] offchain job: request signed by the consumer's offchain signer");
    let nonce = user.consumer_next_nonce(consumer).await.unwrap();
    assert_eq!(nonce, 2);
    let offchain_input = b"offchain input bytes".to_vec();
    let request = OffchainJobRequest::new(
        nonce,
        max_cycles,
        consumer,
        program_id.clone(),
        Bytes::from_static(b"onchain"),
        &offchain_input,
    );
    let job2 = request.job_id();
    let request_bytes = request.encode();
    let request_sig = sign_eip191(&offchain_signer_key, &request_bytes).unwrap();
    let output2 = Bytes::from_static(b"offchain output");
    // The offchain input goes on chain in blobs (JobManager refuses it without them).
    let sidecar = ivm_contracts::da::sidecar(&offchain_input).unwrap().unwrap();
    let blob_hashes = ivm_contracts::da::versioned_hashes(&sidecar);
    let result2 =
        OffchainResultWithMetadata::for_request(&request, output2.clone(), blob_hashes.clone())
            .encode();
    let result2_sig = sign_eip191(&operator_key, &result2).unwrap();
    // Relayer-only (InfinityVM lets anyone call it).
    expect_revert(
        user.submit_result_for_offchain_job(
            jm,
            result2.clone(),
            result2_sig.to_vec(),
            request_bytes.clone(),
            request_sig.to_vec(),
            &offchain_input,
        )
        .await,
        "relayer",
    );
    // A gas estimate holds only for the block it was made against. Job 1's result set the
    // operator's latest challenge deadline in the latest block, so an estimate against that block
    // skips rewriting it; a block in a later second does rewrite it. The bare estimate runs out of
    // gas there (a wasted relay transaction); the client's margin covers it.
    let tx = TransactionRequest::default().with_from(relayer.address()).with_to(jm).with_input(
        JobManager::submitResultForOffchainJobCall {
            offchainResultWithMetadata: result2.clone().into(),
            signatureOnResult: result2_sig.to_vec().into(),
            jobRequest: request_bytes.clone().into(),
            signatureOnRequest: request_sig.to_vec().into(),
        }
        .abi_encode(),
    );
    let tx = tx.with_blob_sidecar(sidecar);
    let estimate =
        relayer.provider().estimate_gas(tx.clone()).block(BlockId::latest()).await.unwrap();
    let send_later = |gas: u64| {
        let tx = tx.clone().with_gas_limit(gas);
        async move {
            let later = user.block_timestamp().await.unwrap() + 30;
            let _: serde_json::Value = user
                .provider()
                .raw_request("evm_setNextBlockTimestamp".into(), (later,))
                .await
                .unwrap();
            let pending = relayer.provider().send_transaction(tx).await.unwrap();
            pending.get_receipt().await.unwrap()
        }
    };
    let bare = send_later(estimate).await;
    assert!(
        !bare.status(),
        "the bare estimate ({estimate} gas) was expected to run out of gas in a later block"
    );
    let receipt = send_later(gas_with_margin(estimate)).await;
    assert!(receipt.status(), "the estimate with margin reverted");
    assert!(receipt_events::<JobManager::JobCreated>(&receipt, jm).unwrap().is_empty());
    assert_eq!(receipt_event::<JobManager::JobCompleted>(&receipt, jm).unwrap().jobID, job2);
    assert_eq!(user.consumer_result(consumer, job2).await.unwrap(), Some(output2.clone()));
    let meta = user.job_metadata(jm, job2).await.unwrap();
    assert_eq!((meta.status, meta.consumer), (JOB_STATE_COMPLETED, consumer));
    // The blobs are recorded, and the input reads back from them (anvil_getBlobByHash).
    assert_eq!(user.job_blob_hashes(jm, job2).await.unwrap(), blob_hashes);
    let input_hash = ivm_contracts::alloy_primitives::keccak256(&offchain_input);
    assert_eq!(user.bytes_from_blobs(&blob_hashes, input_hash).await.unwrap(), offchain_input);
    assert_ne!(
        user.view(consumer, &ExampleConsumer::getOffchainInputHashForJobCall { jobID: job2 })
            .await
            .unwrap(),
        EMPTY_INPUT_HASH
    );

    // ----- challenge 1 (on the onchain job): fraud proven -----
    eprintln!("[anvil test] challenge 1 (on the onchain job): fraud proven");
    let proof = Bytes::from(vec![0x5a; 300]);
    let claimed = Bytes::from(10u64.to_le_bytes().to_vec());
    // The bond must be exact, and the claim must differ from the posted output.
    expect_revert(
        challenger
            .challenge(
                jm,
                job1,
                &ClaimedOutcome::Output(claimed.clone().to_vec()),
                proof.clone(),
                ether(50),
            )
            .await,
        "bond",
    );
    expect_revert(
        challenger
            .challenge(
                jm,
                job1,
                &ClaimedOutcome::Output(output.clone().to_vec()),
                proof.clone(),
                ether(100),
            )
            .await,
        "JobManager.challenge",
    );
    let challenger_before = user.balance(challenger.address()).await.unwrap();
    let jm_before = user.balance(jm).await.unwrap();
    assert_eq!(jm_before, ether(2000));
    let (c1, receipt) = challenger
        .challenge(
            jm,
            job1,
            &ClaimedOutcome::Output(claimed.clone().to_vec()),
            proof.clone(),
            ether(100),
        )
        .await
        .unwrap();
    let mut challenger_fees = fee(&receipt);
    let filed = receipt_event::<JobManager::ChallengeFiled>(&receipt, jm).unwrap();
    assert_eq!(
        (filed.challengeID, filed.jobID, filed.challenger, filed.bond),
        (c1, job1, challenger.address(), ether(100))
    );
    // The claim and the full proof are published.
    assert_eq!(
        (filed.claimedOutcome, &filed.claimedOutput, &filed.proof),
        (ClaimedOutcome::Output(vec![]).code(), &claimed, &proof)
    );
    let c = user.get_challenge(jm, c1).await.unwrap();
    assert_eq!(c.status, CHALLENGE_OPEN);
    assert_eq!(c.proofHash, ivm_contracts::alloy_primitives::keccak256(&proof));
    assert_eq!(user.balance(jm).await.unwrap(), ether(2100));
    // A second challenge on the same job is accepted while the first is open — here the
    // operator's own junk claim, the way it would try to hold the job's challenges hostage.
    let (junk, _) = operator
        .challenge(jm, job1, &ClaimedOutcome::Panicked, Bytes::from(vec![0u8]), ether(100))
        .await
        .unwrap();
    assert_eq!(user.result_record(jm, job1).await.unwrap().openChallenges, 2);
    // Only the arbiter resolves.
    expect_revert(user.resolve_challenge(jm, c1, true).await, "arbiter");

    let receipt = arbiter.resolve_challenge(jm, c1, true).await.unwrap();
    let resolved = receipt_event::<JobManager::ChallengeResolved>(&receipt, jm).unwrap();
    assert_eq!((resolved.challengeID, resolved.jobID, resolved.fraudProven), (c1, job1, true));
    let slashed = receipt_event::<JobManager::OperatorSlashed>(&receipt, jm).unwrap();
    assert_eq!((slashed.operator, slashed.amount), (operator.address(), ether(500)));
    let overturned = receipt_event::<JobManager::JobOverturned>(&receipt, jm).unwrap();
    assert_eq!(overturned.claimedOutputHash, ivm_contracts::alloy_primitives::keccak256(&claimed));
    let notified = receipt_event::<JobManager::ConsumerNotified>(&receipt, jm).unwrap();
    assert_eq!((notified.consumer, notified.success), (consumer, true));
    assert!(user.consumer_overturned(consumer, job1).await.unwrap());
    assert_eq!(user.job_metadata(jm, job1).await.unwrap().status, JOB_STATE_OVERTURNED);
    assert_eq!(user.get_challenge(jm, c1).await.unwrap().status, CHALLENGE_UPHELD);
    // Challenger: bond back + reward from the operator's bond.
    assert_eq!(user.claimable(jm, challenger.address()).await.unwrap(), ether(600));
    assert_eq!(user.operator_bond(jm, operator.address()).await.unwrap().amount, ether(1500));
    let receipt = challenger.withdraw_payout(jm, challenger.address()).await.unwrap();
    challenger_fees += fee(&receipt);
    assert_eq!(
        user.balance(challenger.address()).await.unwrap(),
        challenger_before + ether(500) - challenger_fees
    );
    assert_eq!(user.claimable(jm, challenger.address()).await.unwrap(), U256::ZERO);
    // The operator's junk challenge, still open when the job was overturned, is only refunded
    // (anyone may close it at once); the operator was slashed once.
    let receipt = user.reclaim_challenge_bond(jm, junk).await.unwrap();
    let refunded = receipt_event::<JobManager::ChallengeRefunded>(&receipt, jm).unwrap();
    assert_eq!((refunded.challengeID, refunded.jobID), (junk, job1));
    assert_eq!(user.get_challenge(jm, junk).await.unwrap().status, CHALLENGE_REFUNDED);
    assert_eq!(user.result_record(jm, job1).await.unwrap().openChallenges, 0);
    operator.withdraw_payout(jm, operator.address()).await.unwrap();
    assert_eq!(user.balance(jm).await.unwrap(), ether(1500));

    // ----- challenge 2 (on the offchain job, claiming a panic): not proven -----
    eprintln!("[anvil test] challenge 2 (on the offchain job, claiming a panic): not proven");
    let challenger_before = user.balance(challenger.address()).await.unwrap();
    let (c2, receipt) = challenger
        .challenge(jm, job2, &ClaimedOutcome::Panicked, proof.clone(), ether(100))
        .await
        .unwrap();
    let challenger_fees = fee(&receipt);
    assert_ne!(c2, c1);
    let receipt = arbiter.resolve_challenge(jm, c2, false).await.unwrap();
    let resolved = receipt_event::<JobManager::ChallengeResolved>(&receipt, jm).unwrap();
    assert_eq!((resolved.challengeID, resolved.fraudProven), (c2, false));
    assert!(receipt_events::<JobManager::JobOverturned>(&receipt, jm).unwrap().is_empty());
    let burned = receipt_event::<JobManager::ChallengeBondBurned>(&receipt, jm).unwrap();
    assert_eq!((burned.challengeID, burned.amount), (c2, ether(100)));
    assert!(receipt_events::<JobManager::PayoutCredited>(&receipt, jm).unwrap().is_empty());
    assert_eq!(user.get_challenge(jm, c2).await.unwrap().status, CHALLENGE_REJECTED);
    assert_eq!(user.job_metadata(jm, job2).await.unwrap().status, JOB_STATE_COMPLETED);
    assert!(!user.consumer_overturned(consumer, job2).await.unwrap());
    // The challenger's bond is burned: kept by JobManager for good, paid to nobody (paying it
    // to the operator would let the operator challenge itself for free).
    assert_eq!(
        user.balance(challenger.address()).await.unwrap(),
        challenger_before - ether(100) - challenger_fees
    );
    assert_eq!(user.claimable(jm, challenger.address()).await.unwrap(), U256::ZERO);
    assert_eq!(user.claimable(jm, operator.address()).await.unwrap(), U256::ZERO);
    assert_eq!(user.operator_bond(jm, operator.address()).await.unwrap().amount, ether(1500));
    assert_eq!(user.balance(jm).await.unwrap(), ether(1600));

    // ----- finality after the window -----
    eprintln!("[anvil test] finality after the window");
    assert!(!user.is_final(jm, job2).await.unwrap());
    increase_time(user, 601).await;
    assert!(user.is_final(jm, job2).await.unwrap());
    assert!(!user.is_final(jm, job1).await.unwrap(), "an overturned job is never final");
    expect_revert(
        challenger.challenge(jm, job2, &ClaimedOutcome::Panicked, proof.clone(), ether(100)).await,
        "JobManager.challenge",
    );

    // ----- events from the chain's logs -----
    eprintln!("[anvil test] events from the chain's logs");
    let from = d.deploy_block;
    let created = user.events::<JobManager::JobCreated>(jm, from).await.unwrap();
    assert_eq!(created.iter().map(|(e, _)| e.jobID).collect::<Vec<B256>>(), vec![job1]);
    let completed = user.events::<JobManager::JobCompleted>(jm, from).await.unwrap();
    assert_eq!(completed.iter().map(|(e, _)| e.jobID).collect::<Vec<_>>(), vec![job1, job2]);
    let filed = user.events::<JobManager::ChallengeFiled>(jm, from).await.unwrap();
    assert_eq!(filed.iter().map(|(e, _)| e.challengeID).collect::<Vec<_>>(), vec![c1, junk, c2]);
    assert!(filed.iter().filter(|(e, _)| e.challengeID != junk).all(|(e, _)| e.proof == proof));
    let resolved = user.events::<JobManager::ChallengeResolved>(jm, from).await.unwrap();
    assert_eq!(
        resolved.iter().map(|(e, _)| (e.challengeID, e.fraudProven)).collect::<Vec<_>>(),
        vec![(c1, true), (c2, false)]
    );
    let received = user.events::<ExampleConsumer::ResultReceived>(consumer, from).await.unwrap();
    assert_eq!(received.len(), 2);
}
