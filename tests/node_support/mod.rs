//! `ivm node` as a real subprocess (the binary under test), for tests/node*.rs.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::support::{Chain, DEV_KEYS, OPERATOR, RELAYER};

pub struct NodeProcess {
    child: Child,
    pub url: String,
    /// Set if a private key ever appeared on the node's stderr.
    pub leaked_key: Arc<AtomicBool>,
    /// Every line the node wrote to stderr so far.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl NodeProcess {
    /// Starts `ivm node` on a free port with the operator/relayer keys in the environment and
    /// waits for its "listening on" line. `db`: a redb file or a PostgreSQL URL.
    pub fn spawn(chain: &Chain, db: impl AsRef<OsStr>, extra: &[&str]) -> NodeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ivm"))
            .arg("node")
            .args(["--listen", "127.0.0.1:0", "--rpc-url", &chain.url])
            .arg("--db")
            .arg(db)
            .args(["--job-manager", &chain.job_manager.to_string(), "--poll-ms", "100"])
            .args(extra)
            .env("IVM_OPERATOR_KEY", DEV_KEYS[OPERATOR])
            .env("IVM_RELAYER_KEY", DEV_KEYS[RELAYER])
            .env("IVM_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start ivm node");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let leaked_key = Arc::new(AtomicBool::new(false));
        let leaked = leaked_key.clone();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        let secrets: Vec<String> = [OPERATOR, RELAYER]
            .iter()
            .map(|&i| DEV_KEYS[i].trim_start_matches("0x").to_string())
            .collect();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[node] {line}");
                lines.lock().unwrap().push(line.clone());
                if secrets.iter().any(|s| line.contains(s.as_str())) {
                    leaked.store(true, Ordering::SeqCst);
                }
                if let Some(url) = line.split("ivm node listening on ").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(url.trim().to_string());
                    }
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("ivm node did not report its address within 60 s: {:?}", child.wait());
            }
        };
        NodeProcess { child, url, leaked_key, log }
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// The lines of its log that contain `needle`.
    pub fn log_lines(&self, needle: &str) -> Vec<String> {
        self.log.lock().unwrap().iter().filter(|l| l.contains(needle)).cloned().collect()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `scenario` with the URL of a fresh anvil, on a two-worker runtime.
pub fn on_anvil<F: std::future::Future<Output = ()>>(scenario: impl FnOnce(String) -> F) {
    let anvil = crate::support::Anvil::spawn();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario(anvil.url.clone()));
}

/// On chain, each of `expected` (job ID, output) is COMPLETED with its output and has exactly
/// one `JobCompleted`, and every transaction the relayer sent carried results (none wasted on a
/// duplicate relay or a revert). Jobs may share a transaction (batched relays).
pub async fn assert_relayed_exactly_once(
    chain: &crate::support::Chain,
    expected: &[(ivm_contracts::alloy_primitives::B256, Vec<u8>)],
) {
    use ivm_contracts::client::alloy_provider::Provider;
    for (id, output) in expected {
        let meta = chain.user.job_metadata(chain.job_manager, *id).await.unwrap();
        assert_eq!(meta.status, ivm_contracts::JOB_STATE_COMPLETED, "job {id}");
        let result = chain.user.consumer_result(chain.consumer, *id).await.unwrap();
        assert_eq!(result.unwrap().to_vec(), *output, "job {id}");
    }
    let completed = chain
        .user
        .events::<ivm_contracts::bindings::JobManager::JobCompleted>(chain.job_manager, 0)
        .await
        .unwrap();
    let mut per_job = std::collections::HashMap::new();
    let mut relay_txs = std::collections::HashSet::new();
    for (event, log) in &completed {
        *per_job.entry(event.jobID).or_insert(0usize) += 1;
        relay_txs.insert(log.transaction_hash.expect("a mined log"));
    }
    assert_eq!(per_job.len(), expected.len());
    assert!(per_job.values().all(|&n| n == 1), "{per_job:?}");
    let sent = chain.user.provider().get_transaction_count(chain.relayer).await.unwrap();
    assert_eq!(sent, relay_txs.len() as u64, "relay transactions that carried no result");
    assert!(sent <= expected.len() as u64);
}
