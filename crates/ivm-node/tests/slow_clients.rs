//! Slow and idle clients (issue: the node under attack). With short limits, connections that
//! send half a header, nothing at all, half a body, or sit idle after a request are closed;
//! more connections than the cap wait instead of exhausting the node; and the node keeps
//! answering `/health` throughout and afterwards.
mod support;

use std::time::{Duration, Instant};

use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
const BODY_TIMEOUT: Duration = Duration::from_secs(1);
const MAX_CONNECTIONS: usize = 48;

/// Reads until the server closes the connection (or `limit` passes); returns what it sent and
/// whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, false),
        }
    }
}

async fn health_within(url: &str, limit: Duration) -> bool {
    let client = reqwest::Client::new();
    let req = client.get(format!("{url}/health")).send();
    matches!(tokio::time::timeout(limit, req).await, Ok(Ok(r)) if r.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off_and_the_node_keeps_serving() {
    let anvil = Anvil::spawn();
    let chain = Chain::deploy(&anvil.url, true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = node_config(&chain, &chain.url, &dir.path().join("node.redb"));
    config.http_header_timeout = HEADER_TIMEOUT;
    config.http_body_timeout = BODY_TIMEOUT;
    config.max_connections = MAX_CONNECTIONS;
    let node = ivm_node::start(config).await.unwrap();
    let url = node.url();
    let addr = node.addr();

    // Twice the cap: half a header, nothing, and idle after one request, in turn.
    let mut attackers = Vec::new();
    for i in 0..2 * MAX_CONNECTIONS {
        let mut s = TcpStream::connect(addr).await.unwrap();
        match i % 3 {
            0 => s.write_all(b"POST /v1/coprocessor_node/submit_job HTTP/1.1\r\nHost: x\r\n").await,
            1 => Ok(()),
            _ => s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await,
        }
        .unwrap();
        attackers.push((i % 3, s));
    }
    // The node still answers, at worst once the attackers' timeouts free a slot.
    assert!(health_within(&url, 4 * HEADER_TIMEOUT).await, "/health during the attack");

    // Every attacking connection is closed by the node; the idle keep-alive one after its
    // answer.
    for (kind, s) in &mut attackers {
        let (got, closed) = read_until_closed(s, 6 * HEADER_TIMEOUT).await;
        assert!(closed, "a connection of kind {kind} stayed open");
        if *kind == 2 {
            assert!(got.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&got));
        }
    }

    // Half a body: 408 with DEADLINE_EXCEEDED once the body timeout passes.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /v1/coprocessor_node/submit_job HTTP/1.1\r\nHost: x\r\n\
          Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"request\":",
    )
    .await
    .unwrap();
    let started = Instant::now();
    let (got, closed) = read_until_closed(&mut s, 4 * BODY_TIMEOUT).await;
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"grpc_code\":4"), "{text}");
    assert!(closed, "the connection stays open after a timed-out body");
    assert!(started.elapsed() >= BODY_TIMEOUT);

    // The cap was hit and counted; nothing is left open; the node serves as before.
    let gw = Gateway::new(url.clone());
    let (status, metrics) = gw.get("/metrics").await;
    assert_eq!(status, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    let value = |name: &str| -> u64 {
        let line = metrics.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap();
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(value("ivm_node_http_connection_limit_reached_total") >= 1, "{metrics}");
    assert!(value("ivm_node_http_connections_open") <= 2, "{metrics}");
    assert!(health_within(&url, Duration::from_secs(1)).await, "/health after the attack");
    let (status, body) = gw.submit_program(&guest_elf("fibonacci")).await;
    assert_eq!(status, 200, "{body}");
    node.shutdown().await;
}
