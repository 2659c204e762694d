//! `ivm prove` and `ivm verify` on the real binary with real guest ELFs. Each proof takes
//! tens of seconds, so every test makes at most one and checks as much as it can against it.
use std::{
    path::{Path, PathBuf},
    process::Output,
};

use assert_cmd::Command;
use serde_json::Value;

fn ivm() -> Command {
    let mut cmd = Command::cargo_bin("ivm").unwrap();
    for var in ["IVM_JSON", "IVM_MAX_CYCLES", "IVM_PROJECT", "IVM_MEMORY_LIMIT", "IVM_PROOF_SYSTEM"]
    {
        cmd.env_remove(var);
    }
    cmd
}

fn run(args: &[&str], cwd: &Path) -> Output {
    ivm().args(args).current_dir(cwd).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout_json(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}", stderr(out))
    })
}

/// Copies guest-example ELFs (and their `.program-id` files) into a fresh project directory,
/// so a concurrent `ivm build --path guest-examples` cannot swap them mid-test.
fn project_with(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest-examples/target/ivm");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("target/ivm");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(tmp.path().join("ivm.toml"), "[project]\nname = \"proofs\"\n").unwrap();
    for name in names {
        for ext in ["elf", "program-id"] {
            let from = src.join(format!("{name}.{ext}"));
            std::fs::copy(&from, out.join(format!("{name}.{ext}"))).unwrap_or_else(|e| {
                panic!("{}: {e} (run scripts/setup to build the guest examples)", from.display())
            });
        }
    }
    let elf = out.clone();
    (tmp, elf)
}

fn uint256(n: u64) -> String {
    format!("0x{n:064x}")
}

#[test]
fn fibonacci_proves_verifies_and_rejects_tampering() {
    let (tmp, elves) = project_with(&["fibonacci", "panic"]);
    let dir = tmp.path();
    let fib = elves.join("fibonacci.elf");
    let fib_s = fib.to_str().unwrap();
    let panic_elf = elves.join("panic.elf");
    let proof = dir.join("fib.proof");
    let proof_s = proof.to_str().unwrap();

    let out = run(&["prove", fib_s, "--input-hex", &uint256(10), "-o", proof_s, "--json"], dir);
    assert_eq!(code(&out), 0, "prove failed: {}", stderr(&out));
    let report = stdout_json(&out);
    let err = stderr(&out);
    assert!(err.contains("Estimate") && err.contains("[8/8]"), "progress on stderr:\n{err}");
    assert!(err.contains("on 2 cores"), "a time estimate beside the memory one:\n{err}");
    assert!(
        err.contains("[1/8] execute, trace and build the witness"),
        "phases numbered from 1:\n{err}"
    );
    assert_eq!(err.matches("Done").count(), 8, "each phase says when it is done:\n{err}");
    let st = &report["statement"];
    let expected_output = format!("0x{:064x}{:064x}", 10, 55);
    assert_eq!(st["output"], expected_output.as_str());
    assert_eq!(st["onchainInput"], uint256(10).as_str());
    assert_eq!(st["offchainInput"], "0x");
    assert_eq!(st["panicked"], false);
    assert!(st["cycles"].as_u64().unwrap() > 100);
    let program_id =
        std::fs::read_to_string(elves.join("fibonacci.program-id")).unwrap().trim().to_owned();
    assert_eq!(st["programId"], program_id.as_str());
    let bytes = std::fs::read(&proof).unwrap();
    assert_eq!(report["proofSizeBytes"].as_u64().unwrap(), bytes.len() as u64);
    assert!(report["peakMemoryBytes"].as_u64().unwrap() > 1 << 20);
    assert!(report["proveSeconds"].as_f64().unwrap() > 0.0);
    assert_eq!(report["phases"].as_array().unwrap().len(), 8);
    assert_eq!(report["proofSystem"], "jolt-rv32im-dory/2.3");
    assert!(report["estimatedMemoryBytes"].as_u64().unwrap() >= 320 << 20);

    // Valid against its ELF: exit 0 and the same statement.
    let out = run(&["verify", proof_s, "--elf", fib_s, "--json"], dir);
    assert_eq!(code(&out), 0, "verify failed: {}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["valid"], true);
    assert_eq!(v["statement"], report["statement"]);

    // Human output names the statement.
    let out = run(&["verify", proof_s, "--elf", fib_s, "--expect-output", &expected_output], dir);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("valid") && text.contains(&program_id) && text.contains("output matches"),
        "{text}"
    );

    // No flags inside the project: the built program the statement names.
    let out = run(&["verify", proof_s, "--json"], dir);
    assert_eq!(code(&out), 0, "verify with no flags: {}", stderr(&out));
    assert_eq!(stdout_json(&out)["elf"].as_str().unwrap(), fib_s);

    // By program ID, among the project's built programs (cwd inside the project).
    let out = run(&["verify", proof_s, "--program-id", &program_id], dir);
    assert_eq!(code(&out), 0, "verify --program-id: {}", stderr(&out));
    let unknown = uint256(5);
    let out =
        run(&["verify", proof_s, "--program-id", &unknown, "--path", dir.to_str().unwrap()], dir);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("no built program with ID"), "{}", stderr(&out));

    // A wrong expected output: distinct exit code, the proof itself still valid.
    let out =
        run(&["verify", proof_s, "--elf", fib_s, "--expect-output", &uint256(55), "--json"], dir);
    assert_eq!(code(&out), 12, "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(
        (v["valid"].clone(), v["outputMatches"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
    assert!(stderr(&out).contains("not the expected"), "{}", stderr(&out));

    // Another program's ELF: rejected (8), saying why.
    let out = run(&["verify", proof_s, "--elf", panic_elf.to_str().unwrap(), "--json"], dir);
    assert_eq!(code(&out), 8, "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["valid"], false);
    assert!(stderr(&out).contains("program ID"), "{}", stderr(&out));

    // Flipped bytes: one in the statement's output, one in the proof body.
    let len_at = body_len_at(&bytes);
    let body_len = u32::from_le_bytes(bytes[len_at..len_at + 4].try_into().unwrap()) as usize;
    let body_at = len_at + 4;
    assert_eq!(body_at + body_len, bytes.len());
    // The output's last byte sits before the panic bit (1) and the cycles (8).
    for (what, at) in [("statement output", len_at - 9 - 1), ("proof body", body_at + body_len / 2)]
    {
        let mut bad = bytes.clone();
        bad[at] ^= 0x01;
        let path = dir.join("flipped.proof");
        std::fs::write(&path, &bad).unwrap();
        let out = run(&["verify", path.to_str().unwrap(), "--elf", fib_s], dir);
        assert_eq!(
            code(&out),
            8,
            "flipped byte in the {what} (offset {at}) not rejected: {}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("proof rejected"), "{}", stderr(&out));
    }

    // Truncated: a clear error without reading further.
    let path = dir.join("truncated.proof");
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let out = run(&["verify", path.to_str().unwrap(), "--elf", fib_s], dir);
    assert_eq!(code(&out), 8);
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));

    // Not a proof file at all: invalid input.
    let out = run(&["verify", fib_s, "--elf", fib_s], dir);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("not an ivm proof file"), "{}", stderr(&out));
}

/// Offset of the body length prefix: header, then the statement (32-byte ID, three
/// length-prefixed byte strings, panic bit, cycles).
fn body_len_at(bytes: &[u8]) -> usize {
    let sys_len = u32::from_le_bytes(bytes[10..14].try_into().unwrap()) as usize;
    let mut at = 14 + sys_len + 32;
    for _ in 0..3 {
        let n = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + n;
    }
    at + 1 + 8
}

#[test]
fn panicking_guest_proves_and_verifies_as_panicked() {
    let (tmp, elves) = project_with(&["panic"]);
    let dir = tmp.path();
    let elf = elves.join("panic.elf");
    let elf_s = elf.to_str().unwrap();
    let input = format!("0x01{}", hex_of(b"boom"));
    let out = run(&["prove", elf_s, "--input-hex", &input, "-o", "panic.proof", "--json"], dir);
    assert_eq!(code(&out), 4, "a panicking run proves, exit 4 as in execute: {}", stderr(&out));
    assert_eq!(stdout_json(&out)["statement"]["panicked"], true);
    assert!(stderr(&out).contains("panicked"), "{}", stderr(&out));

    let out = run(&["verify", "panic.proof", "--elf", elf_s], dir);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("panicked") && text.contains(&input), "{text}");
    let out = run(&["verify", "panic.proof", "--elf", elf_s, "--json"], dir);
    assert_eq!(code(&out), 0);
    let v = stdout_json(&out);
    assert_eq!(v["statement"]["panicked"], true);
    assert_eq!(v["statement"]["onchainInput"], input.as_str());
}

/// A fault and a run out of cycles are proven and verified with their outcome; a version-1
/// proof file is refused by name.
#[test]
fn faults_and_runs_out_of_cycles_prove() {
    let (tmp, elves) = project_with(&["faults"]);
    let dir = tmp.path();
    let elf = elves.join("faults.elf");
    let elf_s = elf.to_str().unwrap();

    // Mode 1 reads address 0: proven, exit 6 as in execute.
    let args = ["prove", elf_s, "--input-hex", "0x01", "-o", "f.proof"];
    let out = run(&[&args[..], &["--json"]].concat(), dir);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert!(dir.join("f.proof").exists());
    let report = stdout_json(&out);
    assert_eq!(report["proofSystem"], "jolt-rv32im-dory/2.3");
    let st = &report["statement"];
    assert_eq!(st["outcome"], "faulted");
    assert_eq!(st["fault"]["class"], "memory_access");
    assert!(st["fault"]["pc"].as_str().unwrap().starts_with("0x8"), "{st}");
    assert!(stderr(&out).contains("read of unmapped address 0x00000000"), "{}", stderr(&out));
    let out = run(&["verify", "f.proof", "--elf", elf_s, "--json"], dir);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["statement"], *st);
    let out = run(&["verify", "f.proof", "--elf", elf_s], dir);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("faulted (memory_access at pc 0x8"), "{text}");

    // Mode 7 loops forever: proven out of cycles, exit 5 as in execute.
    let args = ["prove", elf_s, "--input-hex", "0x07", "--max-cycles", "2000", "-o", "o.proof"];
    let out = run(&[&args[..], &["--json"]].concat(), dir);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    let st = stdout_json(&out)["statement"].clone();
    assert_eq!(
        (st["outcome"].as_str(), st["cycles"].as_u64()),
        (Some("out_of_cycles"), Some(2000))
    );
    let out = run(&["verify", "o.proof", "--elf", elf_s, "--json"], dir);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["statement"]["outcome"], "out_of_cycles");

    // The same proof in prover v1's file format (version 1): refused by name, exit 3.
    let mut v1 = std::fs::read(dir.join("o.proof")).unwrap();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    std::fs::write(dir.join("v1.proof"), v1).unwrap();
    let out = run(&["verify", "v1.proof", "--elf", elf_s], dir);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("format version 1"), "{}", stderr(&out));
    assert!(stderr(&out).contains("jolt-rv32im-dory/1"), "{}", stderr(&out));

    // A JALR to address 2 (mode 10): a misaligned jump, proven.
    let out = run(&["prove", elf_s, "--input-hex", "0x0a", "-o", "j.proof", "--json"], dir);
    assert_eq!(code(&out), 6, "{}", stderr(&out));
    assert_eq!(stdout_json(&out)["statement"]["fault"]["class"], "misaligned_jump");
    let out = run(&["verify", "j.proof", "--elf", elf_s], dir);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Refusals that happen before any proving: fast.
#[test]
fn prove_and_verify_refusals() {
    let (tmp, elves) = project_with(&["fibonacci"]);
    let dir = tmp.path();
    let fib = elves.join("fibonacci.elf");
    let fib_s = fib.to_str().unwrap();
    let n = uint256(10);

    // Not enough memory: exit 11 with advice, before proving.
    let out = run(
        &["prove", fib_s, "--input-hex", &n, "--memory-limit", "256M", "-o", "x.proof", "--json"],
        dir,
    );
    assert_eq!(code(&out), 11, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("--force") && err.contains("shorter run"), "{err}");
    assert!(!dir.join("x.proof").exists());

    // Bad ELF: invalid input.
    std::fs::write(dir.join("junk.elf"), b"not an elf").unwrap();
    let out = run(&["prove", "junk.elf", "-o", "x.proof"], dir);
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    // A missing proof file, bad hex, no program named outside a project: invalid input.
    let out = run(&["verify", "x.proof"], dir);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot read proof file"), "{}", stderr(&out));
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("y.proof"), b"IVMPROOF").unwrap();
    let out = run(&["verify", "y.proof"], elsewhere.path());
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("--elf FILE"), "{}", stderr(&out));
    let out = run(&["verify", "x.proof", "--elf", fib_s, "--expect-output", "0xzz"], dir);
    assert_eq!(code(&out), 3);
    let out = run(&["verify", "missing.proof", "--elf", fib_s], dir);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("missing.proof"), "{}", stderr(&out));
    std::fs::write(dir.join("junk.proof"), b"IVMPROOF").unwrap();
    let out = run(&["verify", "junk.proof", "--program-id", "0x1234"], dir);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("32 bytes"), "{}", stderr(&out));
}
