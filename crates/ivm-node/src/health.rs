//! What `GET /health` reports: whether the chain answers and whether the executors make
//! progress. A probe asks the RPC endpoint for the block number every poll interval (each
//! call bounded by `--rpc-timeout`); the gateway refuses chain-dependent work at once with
//! UNAVAILABLE while the last probe failed, instead of waiting for a frozen endpoint.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ivm_contracts::client::alloy_provider::Provider;
use serde::Serialize;

use crate::Shared;

/// Executors count as stalled when all are busy, jobs wait, and none finished for this long.
pub const EXECUTOR_STALL: Duration = Duration::from_secs(60);

/// The chain probe's last result, and the executors' last progress.
#[derive(Debug)]
pub struct Health {
    chain: Mutex<ChainProbe>,
    /// The chain's head as the probe last saw it: the relayer reads receipts once per new
    /// block instead of polling each transaction.
    head: tokio::sync::watch::Sender<u64>,
    started: Instant,
    /// Milliseconds since `started` when an execution last finished.
    last_execution_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct ChainProbe {
    /// `None` until the first failure: the node connected at start.
    error: Option<String>,
    block: Option<u64>,
    last_ok: Option<Instant>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    pub ok: bool,
    pub block_number: Option<u64>,
    pub last_ok_seconds_ago: Option<u64>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorReport {
    pub running: u64,
    pub total: u64,
    pub queued: u64,
    /// All busy with jobs waiting, and none finished for [`EXECUTOR_STALL`].
    pub stalled: bool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            chain: Mutex::new(ChainProbe::default()),
            head: tokio::sync::watch::Sender::new(0),
            started: Instant::now(),
            last_execution_ms: AtomicU64::new(0),
        }
    }
}

impl Health {
    /// The last probe's error, if the chain did not answer it.
    pub fn chain_error(&self) -> Option<String> {
        self.chain.lock().unwrap().error.clone()
    }

    /// Follows the chain head the probe sees (a new value on every new block).
    pub fn watch_head(&self) -> tokio::sync::watch::Receiver<u64> {
        self.head.subscribe()
    }

    pub fn execution_finished(&self) {
        self.last_execution_ms.store(self.started.elapsed().as_millis() as u64, Relaxed);
    }

    fn record(&self, result: Result<u64, String>) {
        let mut probe = self.chain.lock().unwrap();
        match result {
            Ok(block) => {
                if probe.error.take().is_some() {
                    tracing::info!(block, "the chain answers again");
                }
                probe.block = Some(block);
                probe.last_ok = Some(Instant::now());
                self.head.send_if_modified(|head| std::mem::replace(head, block) != block);
            }
            Err(e) => {
                if probe.error.is_none() {
                    tracing::warn!("the chain does not answer: {e}");
                }
                probe.error = Some(e);
            }
        }
    }

    pub fn chain_report(&self) -> ChainReport {
        let probe = self.chain.lock().unwrap();
        ChainReport {
            ok: probe.error.is_none(),
            block_number: probe.block,
            last_ok_seconds_ago: probe.last_ok.map(|t| t.elapsed().as_secs()),
            error: probe.error.clone(),
        }
    }

    pub(crate) fn executor_report(&self, shared: &Shared) -> ExecutorReport {
        let running = shared.metrics.executions_running.load(Relaxed);
        let queued = shared.metrics.jobs_queued.load(Relaxed);
        let total = shared.config.executors as u64;
        let idle_ms = (self.started.elapsed().as_millis() as u64)
            .saturating_sub(self.last_execution_ms.load(Relaxed));
        let stalled =
            running >= total && queued > 0 && idle_ms >= EXECUTOR_STALL.as_millis() as u64;
        ExecutorReport { running, total, queued, stalled }
    }
}

/// Probes the chain every poll interval (at least every 100 ms, at most every 2 s) until
/// shutdown.
pub(crate) async fn run(shared: Arc<Shared>) {
    let every =
        shared.config.poll_interval.clamp(Duration::from_millis(100), Duration::from_secs(2));
    loop {
        let result = shared.chain.provider().get_block_number().await.map_err(|e| e.to_string());
        shared.health.record(result);
        tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            _ = tokio::time::sleep(every) => {}
        }
    }
}
