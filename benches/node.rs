//! Node throughput benchmark on a real devnet: starts `ivm devnet` (anvil, contracts, the node
//! in-process), submits N small offchain jobs (fibonacci n=10, signed requests over HTTP, C in
//! flight, or offered at a fixed rate), waits until every job is relayed on chain (one
//! `GET /v1/jobs?state=relayed` every 100 ms, with the node's RELAYED times), and reports
//! jobs/second and submit → relayed latency percentiles. Prints a Markdown table.
//!
//! `cargo bench --bench node -- [--jobs N] [--concurrency C] [--executors E] [--rate R]
//! [--block-time S] [--relays-in-flight N] [--relay-batch N] [--gas-limit G]
//! [--db postgres://…]` (or
//! `scripts/bench-node`).
#[path = "../tests/devnet_support/mod.rs"]
mod devnet_support;

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use devnet_support::Devnet;
use ivm::node_client::NodeClient;
use ivm_api::{RelayStrategy, SubmitJobRequest};
use ivm_contracts::{sign_eip191, signing_key_from_hex, OffchainJobRequest};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let jobs = arg(&args, "--jobs", 200);
    let concurrency = arg(&args, "--concurrency", 16).max(1);
    let executors = arg(&args, "--executors", 2).max(1);
    // Offered load in jobs/second (0: as fast as `concurrency` allows).
    let rate = arg(&args, "--rate", 0);
    // Seconds between blocks (0: anvil's automine, a block per transaction).
    let block_time = arg(&args, "--block-time", 0);
    let in_flight = arg(&args, "--relays-in-flight", 64).max(1);
    let relay_batch = arg(&args, "--relay-batch", 32).max(1);

    let root = env!("CARGO_MANIFEST_DIR");
    let elf = format!("{root}/guest-examples/target/ivm/fibonacci.elf");
    assert!(
        std::path::Path::new(&elf).is_file(),
        "{elf} missing: run `ivm build --path guest-examples` first"
    );
    let mut devnet_args: Vec<String> = vec![
        "--executors".into(),
        executors.to_string(),
        "--max-relays-in-flight".into(),
        in_flight.to_string(),
        "--max-relay-batch".into(),
        relay_batch.to_string(),
    ];
    if block_time > 0 {
        devnet_args.extend(["--block-time".into(), block_time.to_string()]);
    }
    // `--db postgres://…`: the node on PostgreSQL instead of its redb file.
    let db = args.iter().position(|a| a == "--db").and_then(|i| args.get(i + 1)).cloned();
    if let Some(db) = &db {
        devnet_args.extend(["--db".into(), db.clone()]);
    }
    let gas_limit = arg(&args, "--gas-limit", 0);
    if gas_limit > 0 {
        devnet_args.extend(["--gas-limit".into(), gas_limit.to_string()]);
    }
    let devnet = Devnet::start_with(&devnet_args.iter().map(String::as_str).collect::<Vec<_>>());
    let node_url = devnet.profile["nodeUrl"].as_str().unwrap().to_string();
    let consumer = devnet.contract("consumer");
    let program_id = hex::decode(devnet.program_id("fibonacci").trim_start_matches("0x")).unwrap();
    // Dev account 0 is the example consumer's offchain signer.
    let key = signing_key_from_hex(&devnet.dev_key(0)).unwrap();

    let mut input = vec![0u8; 32];
    input[31] = 10;
    let requests: Vec<SubmitJobRequest> = (1..=jobs as u64)
        .map(|nonce| {
            let req = OffchainJobRequest::new(
                nonce,
                1_000_000,
                consumer,
                program_id.clone(),
                input.clone(),
                &[],
            );
            let encoded = req.encode();
            let signature = sign_eip191(&key, &encoded).unwrap().to_vec();
            SubmitJobRequest {
                request: encoded,
                signature,
                offchain_input: Vec::new(),
                relay_strategy: RelayStrategy::Unordered as i32,
            }
        })
        .collect();

    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let node = Arc::new(NodeClient::new(&node_url).unwrap());
    // The node stamps RELAYED with the unix time; submissions are timed against the same clock.
    let start_instant = Instant::now();
    let unix_start_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
            as u64;
    let (submitted, relayed_at, submit_window) = rt.block_on(async move {
        // Submit with `concurrency` requests in flight.
        let start = Instant::now();
        let sem = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut handles = Vec::new();
        for (i, req) in requests.into_iter().enumerate() {
            if rate > 0 {
                tokio::time::sleep_until(
                    (start + Duration::from_secs_f64(i as f64 / rate as f64)).into(),
                )
                .await;
            }
            let permit = sem.clone().acquire_owned().await.unwrap();
            let node = node.clone();
            handles.push(tokio::spawn(async move {
                let sent = Instant::now();
                let resp = node.submit_job(&req).await.expect("submit_job");
                drop(permit);
                let id: [u8; 32] = resp.job_id.try_into().unwrap();
                (id, sent)
            }));
        }
        let mut submitted = Vec::new();
        for h in handles {
            submitted.push(h.await.unwrap());
        }
        let submit_window = start.elapsed();
        // Every 100 ms, one request for the relayed jobs with the node's own RELAYED time
        // (`GET /v1/jobs`): polling each open job would load the 2-core machine the node runs on.
        let deadline = Instant::now() + Duration::from_secs(600);
        let query = |state: &str| ivm_api::operator::JobListQuery {
            state: Some(state.to_string()),
            limit: Some(10_000),
            ..Default::default()
        };
        let relayed_at: HashMap<String, (u64, u64)> = loop {
            assert!(Instant::now() < deadline, "jobs not relayed within 10 minutes");
            let failed = node.jobs(&query("failed")).await.unwrap();
            assert_eq!(failed.matching, 0, "a job failed: {:?}", failed.jobs.first());
            let relayed = node.jobs(&query("relayed")).await.unwrap();
            if relayed.matching as usize >= submitted.len() {
                break relayed
                    .jobs
                    .into_iter()
                    .map(|j| {
                        let relayed = j.relayed_at_ms.expect("a relayed job has its time");
                        let done = j.done_at_ms.expect("a relayed job was executed");
                        (j.job_id, (done, relayed))
                    })
                    .collect();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        (submitted, relayed_at, submit_window)
    });

    let sent_ms = |t: &Instant| unix_start_ms + t.duration_since(start_instant).as_millis() as u64;
    let lat_ms: Vec<u64> = submitted
        .iter()
        .map(|(id, sent)| {
            let (_, relayed) = relayed_at[&format!("0x{}", hex::encode(id))];
            relayed.saturating_sub(sent_ms(sent))
        })
        .collect();
    let first_sent = submitted.iter().map(|(_, t)| sent_ms(t)).min().unwrap();
    let last_relay = relayed_at.values().map(|(_, r)| *r).max().unwrap();
    // When the executors were done: if this is far ahead of the last relay, relaying is the bound.
    let last_done = relayed_at.values().map(|(d, _)| *d).max().unwrap();
    let executed = Duration::from_millis(last_done.saturating_sub(first_sent));
    let total = Duration::from_millis(last_relay.saturating_sub(first_sent));
    let mut lat: Vec<Duration> = lat_ms.into_iter().map(Duration::from_millis).collect();
    lat.sort();
    println!("## Node (`cargo bench --bench node`)\n");
    let offered = if rate > 0 {
        format!("offered at {rate} jobs/s")
    } else {
        format!("{concurrency} submissions in flight")
    };
    println!(
        "{jobs} offchain fibonacci(10) jobs, {offered}, {executors} executors, {in_flight} relays in flight (up to {relay_batch} jobs each), store {}, {}, 1 confirmation\n",
        if db.is_some() { "PostgreSQL" } else { "redb" },
        if block_time > 0 { format!("anvil with a block every {block_time} s") } else { "anvil automine (a block per transaction)".to_string() }
    );
    println!("| submitted in | accepted jobs/s | all executed in | all relayed in | relayed jobs/s | latency p50 | p90 | p99 | max |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.0} | {} | {} | {:.1} | {} | {} | {} | {} |",
        ms(submit_window),
        jobs as f64 / submit_window.as_secs_f64(),
        ms(executed),
        ms(total),
        jobs as f64 / total.as_secs_f64(),
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.9)),
        ms(percentile(&lat, 0.99)),
        ms(*lat.last().unwrap()),
    );
}
