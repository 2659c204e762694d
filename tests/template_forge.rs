//! `ivm new --template app` writes a consumer contract that compiles against ivm's contracts and
//! passes its forge test with the generated project's own commands (`npm install`, then
//! `scripts/forge test`), offline: the packages `npm install` would fetch are linked from this
//! repository's install (`scripts/install-tools`), and forge compiles with solcjs through the
//! project's `scripts/solc`.
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
    // What `npm install` does in the generated project (its package.json pins forge, solc and
    // OpenZeppelin), from the repository's install: the same packages, linked.
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(contracts.join("package.json")).unwrap())
            .unwrap();
    for dep in ["@foundry-rs/forge", "solc", "@openzeppelin/contracts"] {
        assert!(package["devDependencies"][dep].is_string(), "package.json lacks {dep}");
    }
    let modules = contracts.join("node_modules");
    std::fs::create_dir_all(modules.join("@openzeppelin")).unwrap();
    std::os::unix::fs::symlink(&openzeppelin, modules.join("@openzeppelin/contracts")).unwrap();
    std::os::unix::fs::symlink(root.join("node_modules/solc"), modules.join("solc")).unwrap();
    std::os::unix::fs::symlink(root.join("node_modules/@foundry-rs"), modules.join("@foundry-rs"))
        .unwrap();

    // The README's command, as written: no --use, no network (foundry.toml: solc =
    // scripts/solc, offline).
    let forge_test = || {
        std::process::Command::new(contracts.join("scripts/forge"))
            .current_dir(&contracts)
            .arg("test")
            .output()
            .expect("cannot run scripts/forge")
    };
    let out = forge_test();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "forge test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test_storesOperatorSignedRoot"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");

    // And it can say no: a failing test fails the command.
    std::fs::write(
        contracts.join("test/Fails.t.sol"),
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.28;\n\ncontract FailsTest {\n    function test_fails() public pure {\n        require(false, \"deliberate\");\n    }\n}\n",
    )
    .unwrap();
    let out = forge_test();
    assert!(!out.status.success(), "a failing test must fail scripts/forge test");
}
