//! std guests (`std = true` in ivm.toml): `ivm build` compiles guest-examples-std for
//! riscv32im-risc0-zkvm-elf with the pinned nightly and -Zbuild-std, and the run behaves as the
//! SDK documents: the output equals the native twin's (HashMap, BTreeMap, String formatting,
//! Vec, bincode 1.x), `println!`/`eprintln!` reach the host's stderr, a panic and an error from
//! `main` are `panicked` (exit 4, `--json`), `std::process::exit` is a fault (exit 6), and a std
//! run proves and verifies. `ivm new --std` scaffolds a project that builds and runs, with the
//! same program ID in another directory.
//!
//! Needs the std toolchain (scripts/setup installs it: the nightly in
//! guest-examples-std/rust-toolchain.toml with rust-src).
mod devnet_support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use devnet_support::{json, repo, stderr};

/// The real `ivm` in `dir` (the user's environment kept out, as in the other CLI tests).
fn ivm(args: &[&str], dir: &Path) -> Output {
    let out = devnet_support::ivm()
        .args(args)
        .current_dir(dir)
        .env_remove("RUSTUP_TOOLCHAIN")
        .output()
        .expect("run ivm");
    eprintln!(
        "$ ivm {}\n  exit {:?}\n  stderr: {}",
        args.join(" "),
        out.status.code(),
        stderr(&out).trim()
    );
    out
}

/// Builds guest-examples-std once; its ELF and program ID.
fn built() -> &'static (PathBuf, String) {
    static BUILT: OnceLock<(PathBuf, String)> = OnceLock::new();
    BUILT.get_or_init(|| build_in(&repo().join("guest-examples-std")))
}

fn build_in(project: &Path) -> (PathBuf, String) {
    let out = ivm(&["build", "--locked", "--path", project.to_str().unwrap()], &repo());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let elf = project.join("target/ivm/std-demo.elf");
    let id = std::fs::read_to_string(project.join("target/ivm/std-demo.program-id")).unwrap();
    (elf, id.trim().to_string())
}

fn input(mode: u8, text: &str) -> String {
    let mut bytes = vec![mode];
    bytes.extend_from_slice(text.as_bytes());
    format!("0x{}", hex::encode(bytes))
}

const TEXT: &str = "the quick brown fox jumps over the lazy dog the end";

fn execute(mode: u8) -> Output {
    let (elf, _) = built();
    ivm(&["execute", elf.to_str().unwrap(), "--input-hex", &input(mode, TEXT), "--json"], &repo())
}

#[test]
fn a_std_guest_computes_what_its_native_twin_computes() {
    let out = execute(0);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["status"], "ok");
    let output = hex::decode(doc["output"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(output, std_demo::output(TEXT), "guest and native agree byte for byte");
    let summary: std_demo::Summary = bincode::deserialize(&output).unwrap();
    assert_eq!((summary.words, summary.distinct), (11, 9));
    assert_eq!(summary.top[0], ("the".to_string(), 3));
}

#[test]
fn println_and_eprintln_reach_the_host_stderr() {
    let out = execute(3);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("to stdout: {TEXT}")), "{err}");
    // eprintln! writes a line in pieces; the host still gets one line.
    assert!(err.contains(&format!("to stderr: {} bytes", TEXT.len())), "{err}");
}

#[test]
fn a_std_panic_is_panicked_like_a_no_std_one() {
    let out = execute(1);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["status"], "panicked");
    let message = doc["message"].as_str().unwrap();
    assert!(message.contains("asked to panic: the quick"), "{message}");

    // main returning Err: std prints the error, the run is panicked.
    let out = execute(9);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(json(&out)["message"].as_str().unwrap().contains("main exited with code 1"));
    assert!(stderr(&out).contains("mode 9 is not known"), "{}", stderr(&out));
}

#[test]
fn process_exit_ends_the_run_as_a_fault() {
    let out = execute(2);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let doc = json(&out);
    assert!(doc["message"].as_str().unwrap().contains("illegal instruction"), "{doc}");
}

#[test]
fn a_std_run_proves_and_verifies() {
    let (elf, _) = built();
    let tmp = tempfile::tempdir().unwrap();
    let elf = elf.to_str().unwrap();
    for (mode, outcome) in [(0u8, "halted"), (1, "panicked")] {
        let proof = tmp.path().join(format!("{mode}.proof"));
        let proof = proof.to_str().unwrap();
        let text = if mode == 0 { "a b a" } else { "x" };
        let out = ivm(&["prove", elf, "--input-hex", &input(mode, text), "-o", proof], &repo());
        assert_eq!(out.status.code(), Some(if mode == 0 { 0 } else { 4 }), "{}", stderr(&out));
        let out = ivm(&["verify", proof, "--elf", elf, "--json"], &repo());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let st = &json(&out)["statement"];
        assert_eq!(st["outcome"], outcome, "{st}");
        if mode == 0 {
            let output = hex::decode(st["output"].as_str().unwrap().trim_start_matches("0x"));
            assert_eq!(output.unwrap(), std_demo::output(text));
        }
    }
}

/// `ivm new --std` in a directory; the built program's ID.
fn new_std_project(parent: &Path) -> (PathBuf, String) {
    let project = parent.join("sq");
    let out =
        ivm(&["new", "--std", "--template", "bare", "--yes", project.to_str().unwrap()], parent);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(project.join("ivm.toml")).unwrap();
    assert!(manifest.contains("std = true"), "{manifest}");
    let out = ivm(&["build"], &project);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = std::fs::read_to_string(project.join("target/ivm/sq.program-id")).unwrap();
    (project, id.trim().to_string())
}

#[test]
fn ivm_new_std_builds_runs_and_has_the_same_program_id_anywhere() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (project, id) = new_std_project(a.path());
    let n = format!("0x{:064x}", 144);
    let out = ivm(&["execute", "--input-hex", &n, "--json"], &project);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let output = json(&out)["output"].as_str().unwrap().to_string();
    assert_eq!(output, format!("0x{:064x}{:064x}", 144, 12), "abi.encode(n, floor(sqrt(n)))");
    // The same project in another directory: the same program ID.
    let (_, other) = new_std_project(b.path());
    assert_eq!(other, id, "same sources, same toolchain: same program ID");
}
