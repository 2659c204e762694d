//! `ivm devnet --json` as a child process and helpers to drive the real `ivm` binary, shared by
//! tests/e2e_network.rs, tests/challenge.rs and the devnet benchmarks (benches/node.rs,
//! benches/challenge_gas.rs).
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

use ivm_contracts::{alloy_primitives::Address, client::Client};
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn ivm() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ivm"));
    // Keep the user's environment out of the test.
    for var in [
        "IVM_NETWORK",
        "IVM_NODE_URL",
        "IVM_RPC_URL",
        "IVM_PRIVATE_KEY",
        "IVM_KEYSTORE",
        "IVM_JSON",
        "IVM_PROFILE_DIR",
    ] {
        c.env_remove(var);
    }
    c.current_dir(repo());
    c
}

pub fn run(args: &[&str]) -> Output {
    let out = ivm().args(args).output().expect("run ivm");
    eprintln!(
        "$ ivm {}\n  exit {:?}\n  stderr: {}",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    out
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}): {}", String::from_utf8_lossy(&out.stdout))
    })
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The example ELF `name`, building the examples once if needed.
pub fn example(name: &str) -> PathBuf {
    let elf = repo().join("guest-examples/target/ivm").join(format!("{name}.elf"));
    if !elf.is_file() {
        let out = run(&["build", "--path", "guest-examples"]);
        assert_eq!(code(&out), 0, "building guest-examples failed");
    }
    assert!(elf.is_file(), "{} missing", elf.display());
    elf
}

pub fn uint256(n: u128) -> String {
    format!("0x{n:064x}")
}

/// `ivm devnet --json` as a child process; SIGTERM + wait on drop.
pub struct Devnet {
    child: Child,
    pub profile: Value,
    dir: tempfile::TempDir,
    stderr_rx: mpsc::Receiver<String>,
}

impl Devnet {
    pub fn start() -> Devnet {
        Devnet::start_with(&[])
    }

    /// `ivm devnet` with extra flags (e.g. the practice mode's `--dishonest`).
    pub fn start_with(extra: &[&str]) -> Devnet {
        let dir = tempfile::tempdir().unwrap();
        let mut child = ivm()
            .args(["devnet", "--json", "--port", "0", "--node-port", "0", "--profile-dir"])
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ivm devnet");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (err_tx, stderr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("devnet: {line}");
                let _ = err_tx.send(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(180))
            .expect("devnet printed its profile within 180 s");
        let profile: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("devnet --json is not JSON ({e}): {line:?}"));
        Devnet { child, profile, dir, stderr_rx }
    }

    pub fn dir(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    pub fn program_id(&self, name: &str) -> String {
        self.profile["programs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("devnet did not submit {name}"))["programId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A contract's address from the profile (`jobManager`, `consumer`).
    pub fn contract(&self, name: &str) -> Address {
        self.profile["contracts"][name].as_str().unwrap().parse().unwrap()
    }

    /// Dev account `i`'s private key.
    pub fn dev_key(&self, i: usize) -> String {
        self.profile["devAccounts"][i]["privateKey"].as_str().unwrap().to_string()
    }

    /// `ivm <args> --profile-dir <dir>`.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--profile-dir", self.dir()]);
        run(&all)
    }

    pub fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "devnet exited with {status}");
        let lines: Vec<String> = self.stderr_rx.try_iter().collect();
        lines
    }
}

impl Drop for Devnet {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            let _ = self.child.wait();
        }
    }
}

pub fn executed_output(elf: &Path, args: &[&str]) -> String {
    let mut all = vec!["execute", elf.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(code(&out), 0);
    json(&out)["output"].as_str().unwrap().to_string()
}

/// The result `ExampleConsumer` stored on chain for `job_id` (hex).
pub fn onchain_result(rpc: &str, consumer: &str, job_id: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        // Any key works for views.
        let client = Client::connect(
            rpc,
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        )
        .await
        .unwrap();
        let consumer: Address = consumer.parse().unwrap();
        let id = job_id.parse().unwrap();
        client.consumer_result(consumer, id).await.unwrap().map(|b| format!("0x{}", hex::encode(b)))
    })
}
