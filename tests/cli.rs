//! Integration tests of the real `ivm` binary: new → build → execute for both templates,
//! reproducible program IDs, `--json` purity and exit codes.
use std::{path::Path, process::Output};

use assert_cmd::Command;
use serde_json::Value;

fn ivm() -> Command {
    let mut cmd = Command::cargo_bin("ivm").unwrap();
    cmd.env_remove("IVM_JSON").env_remove("IVM_MAX_CYCLES").env_remove("IVM_PROJECT");
    cmd
}

fn run(args: &[&str], cwd: &Path) -> Output {
    ivm().args(args).current_dir(cwd).output().unwrap()
}

fn stdout_json(out: &Output) -> Value {
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn uint256(n: u128) -> String {
    format!("0x{n:064x}")
}

/// Creates and builds a project from `template`; returns (dir guard, project path, build JSON).
fn new_and_build(template: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join(name);
    let out = run(&["new", project.to_str().unwrap(), "--template", template, "--yes"], tmp.path());
    assert!(out.status.success(), "ivm new failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "ivm new must not print on stdout");
    let out = run(&["build", "--locked", "--json"], &project);
    assert!(out.status.success(), "ivm build failed: {}", String::from_utf8_lossy(&out.stderr));
    let json = stdout_json(&out);
    (tmp, project, json)
}

fn expected_sqrt_output(n: u128, root: u128) -> String {
    format!("0x{n:064x}{root:064x}")
}

#[test]
fn bare_template_new_build_execute() {
    let (_tmp, project, build) = new_and_build("bare", "hello");
    for file in [
        "ivm.toml",
        "Cargo.toml",
        "Cargo.lock",
        ".gitignore",
        "rust-toolchain.toml",
        "README.md",
        "programs/hello/Cargo.toml",
        "programs/hello/src/main.rs",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    assert!(!project.join("contracts").exists(), "bare template has no contracts");

    let programs = build["programs"].as_array().unwrap();
    assert_eq!(programs.len(), 1);
    let p = &programs[0];
    assert_eq!(p["name"], "hello");
    let elf = p["elf"].as_str().unwrap();
    assert!(Path::new(elf).is_file());
    assert!(p["sizeBytes"].as_u64().unwrap() > 0);
    let id = p["programId"].as_str().unwrap();
    assert!(id.starts_with("0x") && id.len() == 66);
    let id_file = std::fs::read_to_string(Path::new(elf).with_extension("program-id")).unwrap();
    assert_eq!(id_file.trim(), id);

    // Run from the project (builds, then executes) and from the ELF: same result.
    let out = run(&["execute", "--input-hex", &uint256(144), "--json"], &project);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = stdout_json(&out);
    assert_eq!(report["status"], "ok");
    assert_eq!(report["output"], expected_sqrt_output(144, 12));
    assert_eq!(report["programId"], id);
    assert!(report["cycles"].as_u64().unwrap() > 0);
    assert!(report["regions"]["isqrt"].as_u64().unwrap() > 0);

    let out = run(&["execute", elf, "--input-hex", &uint256(1 << 100), "--json"], &project);
    assert_eq!(stdout_json(&out)["output"], expected_sqrt_output(1 << 100, 1 << 50));

    // `ivm program-id` agrees with the build.
    let out = run(&["program-id", elf], &project);
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), id);
}

#[test]
fn app_template_new_build_execute() {
    let (_tmp, project, build) = new_and_build("app", "myapp");
    for file in [
        "contracts/src/SquareRootConsumer.sol",
        "contracts/test/SquareRootConsumer.t.sol",
        ".github/workflows/ci.yml",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    assert_eq!(build["programs"][0]["name"], "myapp");
    let out = run(
        &["execute", "--path", project.to_str().unwrap(), "--input-hex", &uint256(99)],
        Path::new("/"),
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("status   ok"), "{text}");
    assert!(text.contains(&expected_sqrt_output(99, 9)), "{text}");

    // The generated CI workflow installs this ivm (the `ivm` crate on crates.io is another
    // program), pinned to this version, and its program job's commands pass here with this
    // build of ivm on PATH (the install itself needs the network).
    let workflow = std::fs::read_to_string(project.join(".github/workflows/ci.yml")).unwrap();
    let pin =
        format!("cargo install --locked ivm-toolchain --version ={}", env!("CARGO_PKG_VERSION"));
    assert!(workflow.contains(&pin), "{workflow}");
    assert!(!workflow.contains("cargo install --locked ivm "), "{workflow}");
    let program_job = workflow.split("\n  contracts:").next().unwrap();
    let commands: Vec<&str> = program_job
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- run: "))
        .filter(|c| !c.starts_with("cargo install"))
        .collect();
    assert!(commands.len() >= 3, "{commands:?}");
    let bin_dir = assert_cmd::cargo::cargo_bin("ivm").parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    for c in commands {
        let out = std::process::Command::new("bash")
            .args(["-c", c])
            .current_dir(&project)
            .env("PATH", &path)
            .env_remove("IVM_JSON")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "workflow step `{c}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn program_id_is_reproducible_across_directories() {
    let (_a, pa, ba) = new_and_build("bare", "repro");
    let tmp = tempfile::tempdir().unwrap();
    let nested = tmp.path().join("some/deeper/place");
    std::fs::create_dir_all(&nested).unwrap();
    let pb = nested.join("repro");
    assert!(run(&["new", pb.to_str().unwrap(), "--template", "bare", "--yes"], &nested)
        .status
        .success());
    let out = run(&["build", "--json", "--out-dir", tmp.path().join("out").to_str().unwrap()], &pb);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bb = stdout_json(&out);
    assert_ne!(pa, pb);
    assert_eq!(ba["programs"][0]["programId"], bb["programs"][0]["programId"]);
    assert!(bb["programs"][0]["elf"]
        .as_str()
        .unwrap()
        .starts_with(tmp.path().join("out").canonicalize().unwrap().to_str().unwrap()));
}

#[test]
fn exit_codes() {
    let (_tmp, project, build) = new_and_build("bare", "codes");
    let elf = build["programs"][0]["elf"].as_str().unwrap().to_owned();

    // Guest panic (input of the wrong length): 4, with the message.
    let out = run(&["execute", &elf, "--input-hex", "0x01", "--json"], &project);
    assert_eq!(out.status.code(), Some(4));
    let report = stdout_json(&out);
    assert_eq!(report["status"], "panicked");
    assert!(
        report["message"].as_str().unwrap().contains("onchain input: expected abi.encode(uint256)"),
        "{report}"
    );

    // Cycle limit: 5.
    let out = run(
        &["execute", &elf, "--input-hex", &uint256(144), "--max-cycles", "10", "--json"],
        &project,
    );
    assert_eq!(out.status.code(), Some(5));
    let report = stdout_json(&out);
    assert_eq!(report["status"], "cycle_limit");
    assert_eq!(report["cycles"], 10);

    // Invalid hex and an invalid ELF: 3, with stdout empty.
    let out = run(&["execute", &elf, "--input-hex", "0xzz"], &project);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input-hex"));
    let junk = project.join("junk.elf");
    std::fs::write(&junk, b"definitely not an ELF").unwrap();
    let out = run(&["execute", junk.to_str().unwrap(), "--json"], &project);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an ELF"));
    let out = run(&["program-id", junk.to_str().unwrap()], &project);
    assert_eq!(out.status.code(), Some(3));

    // Input larger than the layout allows: 3.
    let big = project.join("big.bin");
    std::fs::write(&big, vec![0u8; (1 << 20) + 1]).unwrap();
    let out = run(&["execute", &elf, "--input-file", big.to_str().unwrap()], &project);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_input"));

    // Usage error: 2.
    assert_eq!(run(&["execute", "--no-such-flag"], &project).status.code(), Some(2));
}

#[test]
fn new_refuses_bad_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = tmp.path().join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("file.txt"), "x").unwrap();
    let out = run(&["new", taken.to_str().unwrap(), "--yes"], tmp.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an empty directory"));
    assert_eq!(
        std::fs::read_dir(&taken).unwrap().count(),
        1,
        "nothing written into a non-empty directory"
    );

    let out = run(&["new", tmp.path().join("9lives").to_str().unwrap(), "--yes"], tmp.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid program name"));
    assert!(!tmp.path().join("9lives").exists());

    let out = run(
        &["new", tmp.path().join("ok").to_str().unwrap(), "--name", "std", "--yes"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn build_outside_a_project_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["build"], tmp.path());
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ivm new"));
}

#[test]
fn layout_from_ivm_toml_changes_limits_and_program_id() {
    let (_tmp, project, build) = new_and_build("bare", "sized");
    let manifest = project.join("ivm.toml");
    let text =
        std::fs::read_to_string(&manifest).unwrap().replace("max_input = \"1M\"", "max_input = 64");
    std::fs::write(&manifest, text).unwrap();
    let out = run(&["build", "--json"], &project);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rebuilt = stdout_json(&out);
    assert_ne!(rebuilt["programs"][0]["programId"], build["programs"][0]["programId"]);
    let elf = rebuilt["programs"][0]["elf"].as_str().unwrap();
    let out = run(&["execute", elf, "--input-hex", &format!("0x{}", "00".repeat(65))], &project);
    assert_eq!(out.status.code(), Some(3));

    // Errors name the line and the value the way it was written, never Rust Debug text.
    for (text, needle) in [
        ("[layout]\nheap_size = \"lots\"\n", "line 2: [layout] heap_size = \"lots\" is not a size"),
        (
            "[layout]\n\nmax_output = 100\n",
            "line 3: [layout] max_output = 100 is not a multiple of 16",
        ),
        (
            "[layout]\nstack_size = \"512M\"\n",
            "line 2: [layout] stack_size = \"512M\" is over the limit",
        ),
    ] {
        std::fs::write(&manifest, text).unwrap();
        let out = run(&["build"], &project);
        assert_eq!(out.status.code(), Some(3));
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains(needle), "{err}");
        assert!(!err.contains("Text(") && !err.contains("Unaligned("), "{err}");
    }
}

#[test]
fn version_names_the_abi_and_completions_work() {
    let out = ivm().arg("--version").output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("IVM-RV32 v1"));
    let out = ivm().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("ivm"));
}

/// A toolchain without the RISC-V target: `ivm build` names the command to run. Uses the
/// machine's nightly toolchain when it exists and lacks the target (skipped otherwise, to
/// avoid downloading a toolchain in a test).
#[test]
fn missing_target_names_the_fix() {
    let nightly_lacks_target = std::process::Command::new("rustup")
        .args(["+nightly", "target", "list", "--installed"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| {
            !String::from_utf8_lossy(&o.stdout).contains("riscv32im-unknown-none-elf")
        });
    if !nightly_lacks_target {
        eprintln!("skipped: no nightly toolchain without the RISC-V target");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("nt");
    assert!(run(&["new", project.to_str().unwrap(), "--template", "bare", "--yes"], tmp.path())
        .status
        .success());
    std::fs::write(project.join("rust-toolchain.toml"), "[toolchain]\nchannel = \"nightly\"\n")
        .unwrap();
    let out = run(&["build", "--json"], &project);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("rustup target add riscv32im-unknown-none-elf"));
}

/// `ivm … | head`: a reader that goes away ends ivm quietly (SIGPIPE, as other Unix tools),
/// never with a panic and exit 101.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let bin = assert_cmd::cargo::cargo_bin("ivm");
    let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-examples/target/ivm/fibonacci.elf");
    let input = uint256(5);
    for args in [vec!["completions", "bash"], vec!["execute", elf, "--input-hex", &input]] {
        let mut child = std::process::Command::new(&bin)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader is gone before ivm writes
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            out.status.success() || out.status.signal() == Some(SIGPIPE),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}

/// SIGPIPE's number on Linux and macOS.
const SIGPIPE: i32 = 13;

/// `IVM_JSON` takes the usual boolean spellings.
#[test]
fn ivm_json_accepts_boolish_values() {
    let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-examples/target/ivm/fibonacci.elf");
    for (value, json) in [("1", true), ("yes", true), ("true", true), ("0", false), ("no", false)] {
        let out = ivm()
            .env("IVM_JSON", value)
            .args(["execute", elf, "--input-hex", &uint256(5)])
            .output()
            .unwrap();
        assert!(out.status.success(), "IVM_JSON={value}: {}", String::from_utf8_lossy(&out.stderr));
        let is_json = serde_json::from_slice::<Value>(&out.stdout).is_ok();
        assert_eq!(is_json, json, "IVM_JSON={value}");
    }
}

/// A run that passes locally but would run out of cycles as a job says so (on stderr).
#[test]
fn execute_warns_when_a_job_would_run_out_of_cycles() {
    let elf = concat!(env!("CARGO_MANIFEST_DIR"), "/guest-examples/target/ivm/fibonacci.elf");
    let out = ivm().args(["execute", elf, "--input-hex", &uint256(1_000_000)]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("jobs default to 10,000,000"), "{stderr}");
    let out = ivm().args(["execute", elf, "--input-hex", &uint256(1_000)]).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("jobs default to"));
}

/// Selection errors name the input and the fix, with exit 3: an unknown `--program` lists
/// the project's programs (cargo's own error was exit 1), a missing ELF is like a missing
/// input file, and a host (64-bit) binary is called what it is.
#[test]
fn program_selection_errors_name_the_fix() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("guest-examples");
    let out = run(&["execute", "--program", "nosuch"], &examples);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("no program named 'nosuch'"), "{err}");
    assert!(err.contains("fibonacci") && err.contains("sha256"), "{err}");

    let out = ivm().args(["execute", "/nonexistent/prog.elf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read ELF /nonexistent/prog.elf"));

    let host = std::env::current_exe().unwrap();
    let out = ivm().args(["execute", host.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("64-bit ELF") && !err.contains("not an ELF file"), "{err}");
}

/// A guest whose output overflows `max_output` panics at its own `commit` call, not inside the
/// SDK (`#[track_caller]`).
#[test]
fn an_overflowing_commit_names_the_guests_line() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("big");
    let out = run(&["new", project.to_str().unwrap(), "--template", "bare", "--yes"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(
        project.join("programs/big/src/main.rs"),
        "#![no_std]\n#![no_main]\n\nivm_guest::entry!(main);\n\nfn main() {\n    let chunk = [7u8; 4096];\n    loop {\n        ivm_guest::commit(&chunk);\n    }\n}\n",
    )
    .unwrap();
    let out = run(&["build", "--locked"], &project);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["execute", "--json"], &project);
    assert_eq!(out.status.code(), Some(4), "a panic: {}", String::from_utf8_lossy(&out.stderr));
    let report = stdout_json(&out);
    let message = report["message"].as_str().unwrap();
    assert!(message.contains("exceeds max_output"), "{message}");
    assert!(message.contains("src/main.rs:9"), "the guest's own line: {message}");
    assert!(!message.contains("ivm-guest"), "{message}");
}
