//! Test support shared by the node tests (this crate's and the root `tests/node*.rs`): a real
//! anvil, the contracts deployed with separate role keys, guest ELFs and gateway HTTP helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ivm_contracts::alloy_primitives::{Address, Bytes, U256};
use ivm_contracts::client::Client;
use ivm_contracts::deploy::{deploy, dev_dispute_parameters, DeployConfig};
use ivm_contracts::k256::ecdsa::SigningKey;
use ivm_contracts::{sign_eip191, signing_key_from_hex, OffchainJobRequest};

/// anvil's dev keys 0-5 (mnemonic "test test ... junk").
pub const DEV_KEYS: [&str; 6] = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
];
pub const DEPLOYER: usize = 0;
pub const RELAYER: usize = 1;
pub const OPERATOR: usize = 2;
pub const ARBITER: usize = 3;
/// The ExampleConsumer's offchain signer, and the user requesting onchain jobs.
pub const USER: usize = 4;
/// A key the consumer does not accept.
pub const STRANGER: usize = 5;

pub fn repo_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // This file is used from the root package and from crates/ivm-node.
    if here.join("crates/ivm-node").is_dir() {
        here
    } else {
        here.join("../..")
    }
}

/// A guest example ELF built by `scripts/setup`.
pub fn guest_elf(name: &str) -> Vec<u8> {
    let path = repo_root().join(format!("guest-examples/target/ivm/{name}.elf"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): build the guest examples once with `cargo run --release -- build --path guest-examples` (scripts/setup does this)",
            path.display()
        )
    })
}

pub fn program_id(elf: &[u8]) -> [u8; 32] {
    ivm_vm::ProgramId::of(&ivm_vm::Program::load(elf).unwrap()).0
}

/// A running anvil, killed and reaped on drop.
pub struct Anvil {
    child: Child,
    pub url: String,
}

impl Anvil {
    pub fn spawn() -> Anvil {
        let bin = repo_root().join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        assert!(
            bin.is_file(),
            "anvil is not installed ({} is missing): run scripts/install-tools",
            bin.display()
        );
        let mut child = Command::new(bin)
            .args(["--port", "0", "--host", "127.0.0.1", "--accounts", "6"])
            .args(["--balance", "10000", "--chain-id", "31337"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start anvil");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.trim().strip_prefix("Listening on ") {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr.trim().to_string());
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("anvil did not print its address within 30 s");
        Anvil { child, url: format!("http://{addr}") }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Contracts deployed on an anvil with one key per role.
pub struct Chain {
    pub url: String,
    pub deployer: Client,
    pub user: Client,
    pub job_manager: Address,
    pub consumer: Address,
    pub relayer: Address,
    pub operator: Address,
    pub deploy_block: u64,
}

pub fn key(i: usize) -> SigningKey {
    signing_key_from_hex(DEV_KEYS[i]).unwrap()
}

pub fn address(i: usize) -> Address {
    ivm_contracts::address_of(&key(i))
}

impl Chain {
    /// Deploys JobManager + ExampleConsumer (offchain signer = [`USER`]).
    pub async fn deploy(url: &str, bond: bool) -> Chain {
        let deployer = Client::connect(url, DEV_KEYS[DEPLOYER]).await.unwrap();
        let user = Client::connect(url, DEV_KEYS[USER]).await.unwrap();
        let config = DeployConfig {
            owner: address(DEPLOYER),
            relayer: address(RELAYER),
            operator: address(OPERATOR),
            arbiter: address(ARBITER),
            dispute_parameters: dev_dispute_parameters(),
            consumer_owner: address(DEPLOYER),
            consumer_offchain_signer: address(USER),
            consumer_initial_max_nonce: 0,
        };
        let d = deploy(&deployer, &config).await.unwrap();
        let chain = Chain {
            url: url.to_string(),
            deployer,
            user,
            job_manager: d.job_manager,
            consumer: d.consumer,
            relayer: address(RELAYER),
            operator: address(OPERATOR),
            deploy_block: d.deploy_block,
        };
        if bond {
            chain.deposit_bond().await;
        }
        chain
    }

    /// Deposits 2 ether of operator bond (the minimum is 1).
    pub async fn deposit_bond(&self) {
        self.deployer
            .deposit_operator_bond(
                self.job_manager,
                self.operator,
                U256::from(2_000_000_000_000_000_000u128),
            )
            .await
            .unwrap();
    }
}

/// A signed `submit_job` body for the consumer (signed by `signer`).
pub fn submit_job_body(
    consumer: Address,
    nonce: u64,
    program_id: &[u8],
    onchain_input: &[u8],
    offchain_input: &[u8],
    max_cycles: u64,
    signer: usize,
) -> (ivm_api::SubmitJobRequest, OffchainJobRequest) {
    let request = OffchainJobRequest::new(
        nonce,
        max_cycles,
        consumer,
        Bytes::from(program_id.to_vec()),
        Bytes::from(onchain_input.to_vec()),
        offchain_input,
    );
    let bytes = request.encode();
    let signature = sign_eip191(&key(signer), &bytes).unwrap();
    (
        ivm_api::SubmitJobRequest {
            request: bytes,
            signature: signature.to_vec(),
            offchain_input: offchain_input.to_vec(),
            relay_strategy: 0,
        },
        request,
    )
}

/// `abi.encode(uint256 n)`.
pub fn abi_u256(n: u64) -> Vec<u8> {
    let mut w = vec![0u8; 32];
    w[24..].copy_from_slice(&n.to_be_bytes());
    w
}

/// The gateway over HTTP.
pub struct Gateway {
    pub base: String,
    http: reqwest::Client,
}

impl Gateway {
    pub fn new(base: impl Into<String>) -> Gateway {
        Gateway { base: base.into(), http: reqwest::Client::new() }
    }

    /// POSTs a raw body; returns the status and the body parsed as JSON (or a string).
    pub async fn post_raw(&self, route: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}{route}", self.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, value)
    }

    pub async fn post<T: serde::Serialize>(
        &self,
        route: &str,
        body: &T,
    ) -> (u16, serde_json::Value) {
        self.post_raw(route, serde_json::to_vec(body).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> (u16, Vec<u8>) {
        let resp = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
    }

    pub async fn submit_program(&self, elf: &[u8]) -> (u16, serde_json::Value) {
        let req = ivm_api::SubmitProgramRequest {
            program_elf: elf.to_vec(),
            program_id: program_id(elf).to_vec(),
            vm_type: ivm_api::VmType::JoltRv32im as i32,
        };
        self.post(ivm_api::routes::SUBMIT_PROGRAM, &req).await
    }

    /// The job as the node reports it (None if unknown).
    pub async fn job(&self, id: &[u8]) -> Option<ivm_api::JobResult> {
        let (status, body) = self
            .post(ivm_api::routes::GET_RESULT, &ivm_api::GetResultRequest { job_id: id.to_vec() })
            .await;
        if status != 200 {
            return None;
        }
        let resp: ivm_api::GetResultResponse = serde_json::from_value(body).unwrap();
        resp.job_result
    }

    /// Waits until the job reaches a terminal state (RELAYED or FAILED).
    pub async fn wait_terminal(&self, id: &[u8], timeout: Duration) -> ivm_api::JobResult {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(job) = self.job(id).await {
                let s = job.status.as_ref().map_or(0, |s| s.status);
                if s == ivm_api::JobStatusType::Relayed as i32
                    || s == ivm_api::JobStatusType::Failed as i32
                {
                    return job;
                }
                if Instant::now() > deadline {
                    panic!("job 0x{} not terminal after {timeout:?}: {job:?}", hex::encode(id));
                }
            } else if Instant::now() > deadline {
                panic!("job 0x{} unknown after {timeout:?}", hex::encode(id));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub fn status_of(job: &ivm_api::JobResult) -> i32 {
    job.status.as_ref().map_or(0, |s| s.status)
}

/// A node configuration for `chain` through `rpc_url` (the chain's own URL, or a proxy in
/// front of it) on `db`: a free local port and a 100 ms poll, defaults otherwise.
pub fn node_config(
    chain: &Chain,
    rpc_url: &str,
    db: impl Into<ivm_node::StoreLocation>,
) -> ivm_node::NodeConfig {
    let mut c = ivm_node::NodeConfig::new(
        db,
        rpc_url.to_string(),
        chain.job_manager,
        ivm_node::SecretKey::new(DEV_KEYS[OPERATOR]),
        ivm_node::SecretKey::new(DEV_KEYS[RELAYER]),
    );
    c.listen = "127.0.0.1:0".parse().unwrap();
    c.poll_interval = Duration::from_millis(100);
    c
}

/// A new, empty PostgreSQL database for one test, on the server `IVM_TEST_POSTGRES` names (a
/// `postgres://` URL whose user may create databases; `scripts/test` starts one and sets it).
pub fn postgres_db() -> String {
    let server = std::env::var("IVM_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "IVM_TEST_POSTGRES is not set: these tests need a PostgreSQL server. Run them with \
             `bash scripts/test` (which starts one), or start one and set \
             IVM_TEST_POSTGRES=postgres://user:password@127.0.0.1:5432/postgres"
        )
    });
    // On a thread of its own: callers may be inside a runtime already.
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(ivm_node::store::create_scratch_database(&server, "ivm_test"))
    })
    .join()
    .unwrap()
    .unwrap_or_else(|e| panic!("cannot create a test database: {e:#}"))
}
