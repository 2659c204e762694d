//! Log floods (issue: the node under attack and faults). Every relay of ten jobs fails the
//! same way on every attempt (the relayer account has no ether left); the node keeps
//! retrying, but its log carries one such line per window, not one per attempt.
mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ivm_api::routes;
use ivm_contracts::alloy_primitives::U256;
use ivm_contracts::client::alloy_provider::Provider;
use support::*;

/// The log, captured (the test installs the global subscriber).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_relay_failures_are_logged_once_per_window() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .init();

    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.max_relay_backoff = Duration::from_millis(500);
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);

    // The relayer cannot pay for gas any more: every attempt fails, none reverts.
    let provider = chain.user.provider();
    let _: serde_json::Value =
        provider.raw_request("anvil_setBalance".into(), (chain.relayer, U256::ZERO)).await.unwrap();
    for nonce in 1..=10u64 {
        let (req, _) = submit_job_body(
            chain.consumer,
            nonce,
            &program_id(&elf),
            &abi_u256(nonce),
            b"",
            1_000_000,
            USER,
        );
        assert_eq!(gw.post(routes::SUBMIT_JOB, &req).await.0, 200);
    }
    // Let the relayer fail for a while: every job several times.
    let started = Instant::now();
    let errors = loop {
        let (_, metrics) = gw.get("/metrics").await;
        let metrics = String::from_utf8(metrics).unwrap();
        let errors: u64 = metrics
            .lines()
            .find(|l| l.starts_with("ivm_node_relay_errors_total "))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap();
        if errors >= 30 {
            break errors;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "only {errors} relay errors");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines = log.lines().filter(|l| l.contains("relay failed")).count();
    assert!(lines <= 2, "{errors} failed attempts logged as {lines} lines:\n{log}");
    assert!(lines >= 1, "the failure is logged at least once:\n{log}");
    node.shutdown().await;
}
