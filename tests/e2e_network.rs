//! End to end on real parts: `ivm devnet --json` (a real anvil, the real contracts, the real node
//! over HTTP) driven by the real `ivm` binary: offchain and onchain jobs from submission to the
//! consumer's stored result on chain, compared with `ivm execute`; `watch`, `job status|result|
//! list`, `program submit`, keystore keys; failures and exit codes.
//!
//! Needs anvil (`scripts/install-tools`) and the example ELFs (built here with
//! `ivm build --path guest-examples` if missing).
mod devnet_support;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use devnet_support::*;

#[test]
fn devnet_jobs_end_to_end() {
    let fib_elf = example("fibonacci");
    let sqrt_elf = example("square-root");
    let keccak_elf = example("keccak");
    example("panic");
    let net = Devnet::start();
    let p = &net.profile;
    let rpc = p["rpcUrl"].as_str().unwrap().to_string();
    let consumer = p["contracts"]["consumer"].as_str().unwrap().to_string();
    assert_eq!(p["chainId"], 31337);
    assert!(Path::new(p["profilePath"].as_str().unwrap()).is_file());
    let fib = net.program_id("fibonacci");

    // Offchain job, signed with dev account 0 (the consumer's offchain signer), waited for.
    let input = uint256(20);
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &fib,
        "--input-hex",
        &input,
        "--dev-account",
        "0",
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let sub = json(&out);
    assert_eq!(sub["kind"], "offchain");
    assert_eq!(sub["result"]["status"], "relayed");
    let off_id = sub["jobId"].as_str().unwrap().to_string();
    let expected = executed_output(&fib_elf, &["--input-hex", &input]);
    assert_eq!(sub["result"]["output"], expected.as_str());
    assert_eq!(onchain_result(&rpc, &consumer, &off_id).as_deref(), Some(expected.as_str()));

    // Onchain job through ExampleConsumer.requestJob; the node picks it up from JobCreated.
    let input = uint256(1 << 80);
    let sqrt = net.program_id("square-root");
    let out = net.run(&[
        "job",
        "submit",
        "--onchain",
        "--program-id",
        &sqrt,
        "--input-hex",
        &input,
        "--dev-account",
        "4",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let sub = json(&out);
    assert_eq!(sub["kind"], "onchain");
    assert!(sub["txHash"].as_str().unwrap().starts_with("0x"));
    let on_id = sub["jobId"].as_str().unwrap().to_string();

    // Offchain job with an offchain input, key from an encrypted keystore (made by cast).
    let ks_dir = tempfile::tempdir().unwrap();
    let cast = repo().join("node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    let status = Command::new(&cast)
        .args([
            "wallet",
            "import",
            "k0",
            "--private-key",
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "--keystore-dir",
        ])
        .arg(ks_dir.path())
        .args(["--unsafe-password", "secret pw"])
        .stdout(Stdio::null())
        .status()
        .expect("cast wallet import");
    assert!(status.success());
    let pw = ks_dir.path().join("pw.txt");
    std::fs::write(&pw, "secret pw\n").unwrap();
    let ks = ks_dir.path().join("k0");
    let kec = net.program_id("keccak");
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &kec,
        "--input-hex",
        "0x0102",
        "--offchain-input-hex",
        "0xdeadbeef",
        "--keystore",
        ks.to_str().unwrap(),
        "--password-file",
        pw.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let kec_id = json(&out)["jobId"].as_str().unwrap().to_string();
    assert!(
        !stderr(&out).contains("secret pw")
            && !String::from_utf8_lossy(&out.stdout).contains("ac0974bec")
    );

    // Watch both until relayed: exit 0, one JSON document.
    let out = net.run(&["watch", &on_id, &kec_id, "--timeout", "120", "--json"]);
    assert_eq!(code(&out), 0);
    let w = json(&out);
    assert!(w["jobs"].as_array().unwrap().iter().all(|j| j["status"] == "relayed"), "{w}");
    let expected = executed_output(&sqrt_elf, &["--input-hex", &input]);
    assert_eq!(w["jobs"][0]["output"], expected.as_str());
    assert_eq!(onchain_result(&rpc, &consumer, &on_id).as_deref(), Some(expected.as_str()));
    let expected = executed_output(
        &keccak_elf,
        &["--input-hex", "0x0102", "--offchain-input-hex", "0xdeadbeef"],
    );
    assert_eq!(w["jobs"][1]["output"], expected.as_str());
    assert_eq!(onchain_result(&rpc, &consumer, &kec_id).as_deref(), Some(expected.as_str()));

    // A challenger re-executes the honest job: the offchain input comes from the node by its
    // hash (checked), and the posted result is correct. Bytes that do not hash to the job's
    // offchain input hash are refused.
    let keccak_arg = keccak_elf.to_str().unwrap();
    let out = net.run(&["challenge", "check", "--job", &kec_id, keccak_arg, "--json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let check = json(&out);
    assert_eq!(check["verdict"], "correct");
    assert_eq!(check["correct"]["output"], expected.as_str());
    let out = net.run(&[
        "challenge",
        "check",
        "--job",
        &kec_id,
        keccak_arg,
        "--offchain-input-hex",
        "0xdeadbeee",
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("hashes to"), "{}", stderr(&out));

    // status / result (decoded) / list / program submit (idempotent).
    let out = net.run(&["job", "status", &off_id, "--json"]);
    assert_eq!(code(&out), 0);
    let s = json(&out);
    assert_eq!(s["status"], "relayed");
    assert_eq!(s["kind"], "offchain");
    assert!(s["relayTxHash"].as_str().unwrap().starts_with("0x"));
    let out = net.run(&["job", "result", &off_id, "--output-abi", "(uint256,uint64)", "--json"]);
    assert_eq!(code(&out), 0);
    assert_eq!(json(&out)["decoded"], serde_json::json!(["20", "6765"]));
    let out =
        net.run(&["job", "result", &off_id, "--output-abi", "(uint256 n, uint64 fib)", "--json"]);
    assert_eq!(
        json(&out)["decoded"],
        serde_json::json!(["20", "6765"]),
        "names as cast takes them"
    );
    let out = net.run(&["job", "result", &off_id, "--output-abi", "(uint256,uint64)"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("6765"));
    let out = net.run(&["job", "list", "--consumer", &consumer, "--json"]);
    assert_eq!(code(&out), 0);
    assert!(json(&out)["pendingJobs"].is_array());
    let out = net.run(&["program", "submit", fib_elf.to_str().unwrap(), "--json"]);
    assert_eq!(code(&out), 0);
    let ps = json(&out);
    assert_eq!(ps["programs"][0]["submitted"], false);
    assert_eq!(ps["programs"][0]["programId"], fib.as_str());

    // A panicking guest: the job fails, watch and result exit 9.
    let panic_id = net.program_id("panic");
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &panic_id,
        "--input-hex",
        "0x01626f6f6d",
        "--dev-account",
        "0",
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 9, "{}", String::from_utf8_lossy(&out.stdout));
    let failed = json(&out);
    assert_eq!(failed["result"]["status"], "failed");
    let fid = failed["jobId"].as_str().unwrap();
    assert_eq!(code(&net.run(&["watch", fid, "--timeout", "5"])), 9);
    assert_eq!(code(&net.run(&["job", "result", fid])), 9);
    let failed_nonce = failed["nonce"].as_u64().unwrap();

    // An onchain job now: the consumer's contract gives it the failed job's nonce (that job
    // never reached the chain), so it takes the same job ID. The CLI says so, and --wait follows
    // the onchain job it created, not the old failure.
    let out = net.run(&[
        "job",
        "submit",
        "--onchain",
        "--program-id",
        &fib,
        "--input-hex",
        &uint256(10),
        "--dev-account",
        "0",
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let on = json(&out);
    assert_eq!(on["nonce"], failed_nonce, "the consumer reused the failed job's nonce");
    assert_eq!(on["jobId"], fid);
    assert_eq!(on["result"]["status"], "relayed", "{on}");
    assert!(stderr(&out).contains("takes the same job ID"), "{}", stderr(&out));
    let out = net.run(&["job", "result", fid, "--output-abi", "(uint256,uint64)", "--json"]);
    assert_eq!(json(&out)["decoded"], serde_json::json!(["10", "55"]));

    // Job IDs are never reused by offchain jobs: another panicking job fails at the next nonce,
    // then a new job without --nonce skips it, and the failed record keeps its own request.
    let submit_panic = |extra: &[&str]| {
        let mut a = vec!["job", "submit", "--program-id", &panic_id, "--input-hex", "0x01626f6f6d"];
        a.extend_from_slice(&["--dev-account", "0", "--wait", "--json"]);
        a.extend_from_slice(extra);
        net.run(&a)
    };
    let out = submit_panic(&[]);
    assert_eq!(code(&out), 9);
    let failed2 = json(&out);
    let (fid2, n2) = (failed2["jobId"].as_str().unwrap(), failed2["nonce"].as_u64().unwrap());
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &fib,
        "--input-hex",
        &uint256(7),
        "--dev-account",
        "0",
        "--wait",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let next = json(&out);
    assert!(next["nonce"].as_u64().unwrap() > n2, "a new job skips the failed job's nonce");
    assert_ne!(next["jobId"], fid2);
    let out = net.run(&["job", "status", fid2, "--json"]);
    let s = json(&out);
    assert_eq!(s["status"], "failed", "the failed job's record is kept: {s}");
    assert_eq!(s["programId"], panic_id.as_str());
    // Forcing the failed job's nonce for another request is refused, naming the fix.
    let n2s = n2.to_string();
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &fib,
        "--input-hex",
        &uint256(8),
        "--nonce",
        &n2s,
        "--dev-account",
        "0",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("stays bound to its request"), "{}", stderr(&out));
    // Resubmitting the very same request stays idempotent (same job ID, same record).
    let out = submit_panic(&["--nonce", &n2s]);
    assert_eq!(json(&out)["jobId"], fid2);

    // A job nobody submitted: neither the node nor JobManager knows it, so watch says so
    // after a short grace instead of waiting out its timeout.
    let nobody = format!("0x{}", "ab".repeat(32));
    let started = std::time::Instant::now();
    let out = net.run(&["watch", &nobody, "--timeout", "120"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("unknown to the node"), "{}", stderr(&out));
    assert!(started.elapsed().as_secs() < 60, "did not wait out the timeout");
    // Without a network profile there is no chain to ask: it waits, then times out (exit 10).
    let no_profile = tempfile::tempdir().unwrap();
    let node_url = net.profile["nodeUrl"].as_str().unwrap();
    let out = run(&[
        "watch",
        &nobody,
        "--timeout",
        "1",
        "--json",
        "--node-url",
        node_url,
        "--profile-dir",
        no_profile.path().to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 10, "{}", stderr(&out));
    assert_eq!(json(&out)["jobs"][0]["status"], "timeout");

    // The devnet's provability bound: what this machine can prove; larger jobs are refused
    // before anything is signed or sent (the node and JobManager refuse them too).
    let bound = net.profile["maxJobCycles"].as_u64().expect("the devnet reports its bound");
    assert!(bound >= 1 << 16, "{bound}");
    let over = (bound + 1).to_string();
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &fib,
        "--input-hex",
        &uint256(5),
        "--max-cycles",
        &over,
        "--dev-account",
        "0",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("maxJobCycles"), "{}", stderr(&out));

    // An onchain job for a program the node lacks is refused before anything is sent.
    let unknown = format!("0x{}", "5a".repeat(32));
    let out =
        net.run(&["job", "submit", "--onchain", "--program-id", &unknown, "--dev-account", "4"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("does not have program"), "{}", stderr(&out));
    assert!(stderr(&out).contains("ivm program submit"), "{}", stderr(&out));

    // Bad inputs against the live devnet.
    let out = net.run(&["job", "submit", "--program-id", "0xzz", "--dev-account", "0"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("--program-id"), "{}", stderr(&out));
    let out = net.run(&["job", "submit", "--program-id", &fib]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no signing key"), "{}", stderr(&out));
    let out = net.run(&["job", "submit", "--program-id", &fib, "--dev-account", "42"]);
    assert_eq!(code(&out), 3);
    let out = net.run(&["job", "submit", "--program-id", &fib, "--private-key", "0x1234"]);
    assert_eq!(code(&out), 3);
    assert!(!stderr(&out).contains("1234"), "the key must not be echoed: {}", stderr(&out));
    // A request signed by a key the consumer does not accept: the node rejects it.
    let out = net.run(&[
        "job",
        "submit",
        "--program-id",
        &fib,
        "--input-hex",
        &uint256(3),
        "--dev-account",
        "5",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let out = net.run(&["job", "status", &format!("0x{}", "cd".repeat(32))]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("unknown to the node"), "{}", stderr(&out));
    assert!(stderr(&out).contains("and to JobManager"), "{}", stderr(&out));
    let out = net.run(&["job", "status", "0x1234"]);
    assert_eq!(code(&out), 3);
    let out = net.run(&["job", "status", &off_id, "--node-url", "http://127.0.0.1:1"]);
    assert_eq!(code(&out), 7);
    assert!(stderr(&out).contains("cannot reach the coprocessor node"));

    // Ctrl-C / SIGTERM: clean shutdown, said on stderr, profile removed.
    let profile_path = PathBuf::from(net.profile["profilePath"].as_str().unwrap());
    let lines = net.stop();
    assert!(lines.iter().any(|l| l.contains("devnet stopped")), "{lines:?}");
    assert!(!profile_path.exists());
}

#[test]
fn network_commands_reject_bad_input_without_a_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // Unknown profile.
    let out = run(&[
        "job",
        "status",
        &format!("0x{}", "00".repeat(32)),
        "--network",
        "nosuch",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("unknown network profile \"nosuch\""), "{}", stderr(&out));
    // A job ID that is not hex is named as such, not as an odd number of digits.
    let out = run(&["watch", "xyz", "--node-url", "http://127.0.0.1:1"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("\"xyz\" is not a job ID"), "{}", stderr(&out));
    // No profile and no URL.
    let out = run(&[
        "job",
        "list",
        "--consumer",
        "0x0000000000000000000000000000000000000001",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("ivm devnet"));
    // Bad program ID / address / job ID.
    let out = run(&[
        "job",
        "submit",
        "--program-id",
        "0x12",
        "--node-url",
        "http://127.0.0.1:1",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("32 bytes"));
    let out = run(&[
        "job",
        "list",
        "--consumer",
        "0xnope",
        "--node-url",
        "http://127.0.0.1:1",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    let out = run(&["watch", "xyz", "--node-url", "http://127.0.0.1:1", "--profile-dir", d]);
    assert_eq!(code(&out), 3);
    // --dev-account without a devnet profile.
    let out = run(&[
        "job",
        "submit",
        "--program-id",
        &format!("0x{}", "11".repeat(32)),
        "--consumer",
        "0x0000000000000000000000000000000000000001",
        "--node-url",
        "http://127.0.0.1:1",
        "--dev-account",
        "0",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("devnet profile"));
    // Bad ABI type.
    let out = run(&[
        "job",
        "result",
        &format!("0x{}", "00".repeat(32)),
        "--output-abi",
        "(uint257",
        "--node-url",
        "http://127.0.0.1:1",
        "--profile-dir",
        d,
    ]);
    assert_eq!(code(&out), 3);
    // A missing anvil binary.
    let out = run(&["devnet", "--anvil", "/nonexistent/anvil", "--profile-dir", d]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("--anvil /nonexistent/anvil"), "{}", stderr(&out));
    // Unreachable node: network error.
    let out = run(&[
        "job",
        "status",
        &format!("0x{}", "00".repeat(32)),
        "--node-url",
        "http://127.0.0.1:1",
        "--profile-dir",
        d,
        "--json",
    ]);
    assert_eq!(code(&out), 7);
    assert!(out.stdout.is_empty());
}
