//! A hung chain (issue: the node under attack and faults). The node talks to anvil through a
//! proxy that can freeze (hold every byte, as an RPC endpoint that stops answering). While it
//! is frozen, `submit_job` answers UNAVAILABLE promptly and `/health` says the chain is
//! degraded; when it thaws, both recover by themselves and a job goes through to the chain.
mod support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ivm_api::routes;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const RPC_TIMEOUT: Duration = Duration::from_secs(1);

/// A TCP proxy to `upstream` that forwards nothing while `frozen` is set.
async fn freezable_proxy(upstream: String) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let frozen = Arc::new(AtomicBool::new(false));
    let flag = frozen.clone();
    let upstream = upstream.trim_start_matches("http://").to_string();
    tokio::spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            let server = TcpStream::connect(&upstream).await.unwrap();
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            tokio::spawn(pump(cr, sw, flag.clone()));
            tokio::spawn(pump(sr, cw, flag.clone()));
        }
    });
    (url, frozen)
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    frozen: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while frozen.load(SeqCst) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn health(gw: &Gateway) -> (u16, serde_json::Value) {
    let (status, body) = gw.get("/health").await;
    (status, serde_json::from_slice(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_rpc_endpoint_degrades_the_node_promptly_and_it_recovers() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let (proxy, frozen) = freezable_proxy(anvil.url.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &proxy, &dir.path().join("node.redb"));
    config.rpc_timeout = RPC_TIMEOUT;
    let node = ivm_node::start(config).await.unwrap();
    let gw = Gateway::new(node.url());
    let elf = guest_elf("fibonacci");
    assert_eq!(gw.submit_program(&elf).await.0, 200);
    let (status, h) = health(&gw).await;
    assert_eq!((status, &h["status"], &h["chain"]["ok"]), (200, &"ok".into(), &true.into()), "{h}");
    assert_eq!(h["executors"]["stalled"], false, "{h}");

    // Frozen: /health degrades within a probe and the RPC timeout.
    frozen.store(true, SeqCst);
    let started = Instant::now();
    let h = loop {
        let (status, h) = health(&gw).await;
        if status == 503 {
            break h;
        }
        assert!(started.elapsed() < 4 * RPC_TIMEOUT, "/health still ok with a frozen chain: {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((&h["status"], &h["chain"]["ok"]), (&"degraded".into(), &false.into()), "{h}");
    assert!(h["chain"]["error"].as_str().is_some(), "{h}");

    // submit_job answers UNAVAILABLE at once, not after the RPC timeout.
    let nonce = 1_000;
    let (req, request) = submit_job_body(
        chain.consumer,
        nonce,
        &program_id(&elf),
        &abi_u256(10),
        b"",
        1_000_000,
        USER,
    );
    let asked = Instant::now();
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert!(asked.elapsed() < RPC_TIMEOUT / 2, "took {:?}", asked.elapsed());
    assert_eq!(body["grpc_code"], 14, "{status} {body}");

    // Thawed: both recover by themselves, and the job goes through to the chain.
    frozen.store(false, SeqCst);
    let started = Instant::now();
    loop {
        let (status, h) = health(&gw).await;
        if status == 200 {
            assert_eq!(h["chain"]["ok"], true, "{h}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "/health did not recover: {h}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = gw.post(routes::SUBMIT_JOB, &req).await;
    assert_eq!(status, 200, "{body}");
    let job = gw.wait_terminal(&request.job_id().0, Duration::from_secs(30)).await;
    assert_eq!(status_of(&job), ivm_api::JobStatusType::Relayed as i32, "{job:?}");
    node.shutdown().await;
}
