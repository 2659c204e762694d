//! The app template's own loop on `ivm devnet`, as its contracts/README.md tells it: build and
//! submit the program, deploy the consumer with the template's forge script, request an
//! onchain job with the other script, submit an offchain job with `ivm job submit`, and see
//! `receiveResult` store both roots. Real anvil, node, forge and cast.
mod devnet_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use devnet_support::*;

/// The real Foundry binary `tool` (scripts/foundry-bin).
fn foundry(tool: &str) -> PathBuf {
    let out = Command::new(repo().join("scripts/foundry-bin")).arg(tool).output().unwrap();
    assert!(out.status.success(), "{tool} is not installed: run scripts/install-tools");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// What `npm install` puts in the generated contracts/node_modules, linked from this
/// repository's install.
fn link_node_modules(contracts: &Path) {
    let modules = contracts.join("node_modules");
    std::fs::create_dir_all(modules.join("@openzeppelin")).unwrap();
    let root = repo().join("node_modules");
    std::os::unix::fs::symlink(
        root.join("@openzeppelin/contracts"),
        modules.join("@openzeppelin/contracts"),
    )
    .unwrap();
    std::os::unix::fs::symlink(root.join("solc"), modules.join("solc")).unwrap();
    std::os::unix::fs::symlink(root.join("@foundry-rs"), modules.join("@foundry-rs")).unwrap();
}

/// `scripts/forge script <script> --broadcast` in `contracts` with `env`.
fn forge_script(contracts: &Path, script: &str, rpc: &str, key: &str, env: &[(&str, &str)]) {
    let out = Command::new(contracts.join("scripts/forge"))
        .current_dir(contracts)
        .args(["script", script, "--rpc-url", rpc, "--private-key", key, "--broadcast"])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "forge script {script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `rootOf(n)` on the consumer, once it is set (polling; the node relays asynchronously).
fn wait_root(rpc: &str, consumer: &str, n: u64) -> u64 {
    let started = Instant::now();
    loop {
        let has = Command::new(foundry("cast"))
            .args(["call", consumer, "hasRoot(uint256)(bool)", &n.to_string(), "--rpc-url", rpc])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&has.stdout).trim() == "true" {
            let root = Command::new(foundry("cast"))
                .args([
                    "call",
                    consumer,
                    "rootOf(uint256)(uint256)",
                    &n.to_string(),
                    "--rpc-url",
                    rpc,
                ])
                .output()
                .unwrap();
            return String::from_utf8_lossy(&root.stdout).trim().parse().unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(90), "no root for {n} after 90 s");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn the_app_template_runs_on_a_devnet() {
    let net = Devnet::start();
    let p = &net.profile;
    let rpc = p["rpcUrl"].as_str().unwrap().to_string();
    let job_manager = p["contracts"]["jobManager"].as_str().unwrap().to_string();
    let key = p["devAccounts"][0]["privateKey"].as_str().unwrap().to_string();
    let signer = p["devAccounts"][0]["address"].as_str().unwrap().to_string();

    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("sqrt-app");
    let out = run(&[
        "new",
        "--template",
        "app",
        "--yes",
        "--name",
        "sqrt_app",
        project.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Build the program and give it to the devnet's node.
    let out = net.run(&["program", "submit", "--path", project.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let program_id = json(&out)["programs"][0]["programId"].as_str().unwrap().to_string();

    // Deploy the consumer with the template's script.
    let contracts = project.join("contracts");
    link_node_modules(&contracts);
    let env = [
        ("JOB_MANAGER", job_manager.as_str()),
        ("OFFCHAIN_SIGNER", signer.as_str()),
        ("PROGRAM_ID", program_id.as_str()),
    ];
    forge_script(&contracts, "script/Deploy.s.sol", &rpc, &key, &env);
    let broadcast: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(contracts.join("broadcast/Deploy.s.sol/31337/run-latest.json"))
            .unwrap(),
    )
    .unwrap();
    let consumer = broadcast["transactions"][0]["contractAddress"].as_str().unwrap().to_string();

    // An onchain job, requested with the other script.
    let env = [("CONSUMER", consumer.as_str()), ("N", "49")];
    forge_script(&contracts, "script/RequestSquareRoot.s.sol", &rpc, &key, &env);
    assert_eq!(wait_root(&rpc, &consumer, 49), 7);

    // An offchain job, signed by the consumer's offchain signer.
    let out = net.run(&[
        "job",
        "submit",
        "--consumer",
        &consumer,
        "--program-id",
        &program_id,
        "--input-hex",
        &uint256(50),
        "--dev-account",
        "0",
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(wait_root(&rpc, &consumer, 50), 7);
}
