//! `ivm new --template app` writes a consumer contract that compiles against ivm's contracts and
//! passes its forge test. Uses forge and OpenZeppelin from `scripts/install-tools` (node_modules)
//! and the repository's solcjs wrapper `scripts/solc`, so nothing is downloaded.
use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn require(path: &Path, what: &str) {
    assert!(
        path.exists(),
        "{what} is not installed ({} is missing): run `scripts/install-tools` at the repository root",
        path.display()
    );
}

#[test]
fn app_template_contracts_pass_forge_test() {
    let root = repo();
    let forge = root.join("node_modules/@foundry-rs/forge-linux-amd64/bin/forge");
    let openzeppelin = root.join("node_modules/@openzeppelin/contracts");
    require(&forge, "forge");
    require(&openzeppelin, "@openzeppelin/contracts");

    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("sqrt-app");
    Command::cargo_bin("ivm")
        .unwrap()
        .args(["new", "--template", "app", "--yes", "--name", "sqrt_app"])
        .arg(&project)
        .assert()
        .success();
    let contracts = project.join("contracts");
    // ivm's own sources, as embedded in the binary.
    for file in ["Consumer.sol", "SingleOffchainSigner.sol", "JobManager.sol", "IJobManager.sol"] {
        let written = std::fs::read_to_string(contracts.join("lib/ivm").join(file)).unwrap();
        let source = std::fs::read_to_string(root.join("contracts/src").join(file)).unwrap();
        assert_eq!(written, source, "lib/ivm/{file} differs from contracts/src/{file}");
    }
    // What `npm install` does in the generated project, from the repository's install.
    let modules = contracts.join("node_modules/@openzeppelin");
    std::fs::create_dir_all(&modules).unwrap();
    std::os::unix::fs::symlink(&openzeppelin, modules.join("contracts")).unwrap();

    let out = std::process::Command::new(&forge)
        .current_dir(&contracts)
        .arg("test")
        .arg("--use")
        .arg(root.join("scripts/solc"))
        .arg("--offline")
        .output()
        .expect("cannot run forge");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "forge test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test_storesOperatorSignedRoot"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}
