//! Gas of filing a challenge on anvil, per proof: starts `ivm devnet` (anvil, the contracts, an
//! honest node), and for each proof file given, completes a fresh onchain job (fibonacci, run
//! and relayed by the node) and files a challenge against it carrying that proof — once in the
//! transaction's EIP-4844 blobs (`challengeWithProofInBlobs`, what `ivm challenge file` sends by
//! default) and once in calldata (`challenge`, `--proof-in-calldata`). Prints a Markdown table
//! (docs/benchmarks.md). `JobManager` does not verify the proof (the arbiters do), so the gas is
//! that of carrying and recording these bytes, whatever statement they prove.
//!
//! `cargo bench --bench challenge_gas -- <proof file>…` (proof files from
//! `bench_prove … --out FILE`, or `ivm prove -o FILE`).
#[path = "../tests/devnet_support/mod.rs"]
mod devnet_support;

use std::time::{Duration, Instant};

use devnet_support::Devnet;
use ivm_contracts::alloy_primitives::{Address, B256};
use ivm_contracts::client::Client;
use ivm_contracts::{ClaimedOutcome, JOB_STATE_COMPLETED};

/// Requests fibonacci(10) through the example consumer and waits until the node's result is on
/// chain.
async fn completed_job(user: &Client, jm: Address, consumer: Address, program: &[u8]) -> B256 {
    let mut input = vec![0u8; 32];
    input[31] = 10;
    let (job, _) = user
        .request_job(consumer, program.to_vec(), input, 1_000_000)
        .await
        .expect("request a job");
    let started = Instant::now();
    while user.job_metadata(jm, job).await.expect("job metadata").status != JOB_STATE_COMPLETED {
        assert!(started.elapsed() < Duration::from_secs(60), "job {job} not completed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    job
}

#[tokio::main]
async fn main() {
    let files: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    assert!(!files.is_empty(), "usage: cargo bench --bench challenge_gas -- <proof file>…");
    let devnet = Devnet::start();
    let url = devnet.profile["rpcUrl"].as_str().expect("rpcUrl").to_string();
    let (jm, consumer) = (devnet.contract("jobManager"), devnet.contract("consumer"));
    let user = Client::connect(&url, &devnet.dev_key(7)).await.unwrap();
    let challenger = Client::connect(&url, &devnet.dev_key(8)).await.unwrap();
    let program = hex::decode(devnet.program_id("fibonacci").trim_start_matches("0x")).unwrap();
    let bond = challenger.dispute_parameters(jm).await.unwrap().challengeBond;
    let claim = ClaimedOutcome::Panicked;

    // One challenge first, so that every measured one finds the contract past its first
    // challenge (counters already non-zero), as on a chain in use.
    let job = completed_job(&user, jm, consumer, &program).await;
    challenger.challenge(jm, job, &claim, vec![1u8; 32], bond).await.expect("warm-up challenge");

    println!("## Filing a challenge (`cargo bench --bench challenge_gas`)\n");
    println!(
        "| proof | bytes | in blobs: gas | blobs | blob gas | in calldata: gas | gas per byte |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for file in &files {
        let proof = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let job = completed_job(&user, jm, consumer, &program).await;
        let (_, blobs) = challenger
            .challenge_with_proof_in_blobs(jm, job, &claim, &proof, bond)
            .await
            .expect("challenge with the proof in blobs");
        let job = completed_job(&user, jm, consumer, &program).await;
        let (_, calldata) = challenger
            .challenge(jm, job, &claim, proof.clone(), bond)
            .await
            .expect("challenge with the proof in calldata");
        let blob_gas = blobs.blob_gas_used.unwrap_or(0);
        let name = std::path::Path::new(file).file_name().unwrap().to_string_lossy();
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.1} |",
            proof.len(),
            blobs.gas_used,
            blob_gas / (1 << 17),
            blob_gas,
            calldata.gas_used,
            calldata.gas_used as f64 / proof.len() as f64
        );
    }
}
