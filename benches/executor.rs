//! Executor benchmark: cycles/second of the IVM executor on the guest examples, and the
//! slowdown against the same Rust code compiled natively, measured in one run.
//!
//! `cargo bench --bench executor` (or `scripts/bench`). Prints a Markdown table.
use std::time::{Duration, Instant};

use ivm::{guest_build, project::Project};
use ivm_vm::{Exit, Inputs, Program};

struct Case {
    program: &'static str,
    label: String,
    onchain: Vec<u8>,
    offchain: Vec<u8>,
    native: fn(&[u8], &[u8]) -> Vec<u8>,
}

fn uint256(n: u64) -> Vec<u8> {
    let mut v = vec![0u8; 24];
    v.extend_from_slice(&n.to_be_bytes());
    v
}

/// Best of `reps` wall-clock runs.
fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        last = Some(r);
    }
    (best, last.expect("reps > 0"))
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("guest-examples");
    let project = Project::locate(Some(&root)).expect("guest-examples project");
    let built = guest_build::build(&project, &Default::default()).expect("build guest examples");
    let elf = |name: &str| {
        let b = built.iter().find(|b| b.name == name).unwrap_or_else(|| panic!("{name} not built"));
        Program::load(&std::fs::read(&b.elf).unwrap()).unwrap()
    };

    let data: Vec<u8> =
        (0..1_000_000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
    let cases = vec![
        Case {
            program: "fibonacci",
            label: "fibonacci n=20M".into(),
            onchain: uint256(20_000_000),
            offchain: vec![],
            native: |on, _| fibonacci::run(on),
        },
        Case {
            program: "sha256",
            label: "sha256 1 MB".into(),
            onchain: data.clone(),
            offchain: vec![],
            native: |on, off| sha256::run(on, off),
        },
        Case {
            program: "keccak",
            label: "keccak 1 MB".into(),
            onchain: data.clone(),
            offchain: vec![],
            native: |on, off| keccak::run(on, off),
        },
    ];

    println!("| workload | cycles | executor time | executor Mcycles/s | native time | slowdown vs native |");
    println!("|---|---:|---:|---:|---:|---:|");
    for case in cases {
        let program = elf(case.program);
        let inputs = Inputs { onchain: &case.onchain, offchain: &case.offchain };
        let (vm_time, exec) = best(3, || ivm_vm::execute(&program, inputs, u64::MAX).unwrap());
        assert_eq!(exec.exit, Exit::Halted, "{}", case.label);
        let (native_time, out) = best(5, || {
            (case.native)(std::hint::black_box(&case.onchain), std::hint::black_box(&case.offchain))
        });
        assert_eq!(out, exec.output, "{}: VM and native outputs differ", case.label);
        let mcps = exec.cycles as f64 / vm_time.as_secs_f64() / 1e6;
        println!(
            "| {} | {} | {:.1} ms | {:.0} | {:.2} ms | {:.0}x |",
            case.label,
            exec.cycles,
            vm_time.as_secs_f64() * 1e3,
            mcps,
            native_time.as_secs_f64() * 1e3,
            vm_time.as_secs_f64() / native_time.as_secs_f64()
        );
    }
}
