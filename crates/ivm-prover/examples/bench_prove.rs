//! One prover benchmark run in a fresh process (so peak memory is this run's):
//! `bench_prove <fibonacci|sha256> <log2 target cycles>` prints one JSON line with cycles,
//! rows, prove time, cycles/second, peak RSS, proof size and verify time.
//! `scripts/bench-prover` runs the matrix and formats the table in docs/benchmarks.md.
use std::time::Instant;

use ivm_prover::codec::{Reader, Writer};
use ivm_prover::jolt::{self, Proof};
use ivm_vm::{Inputs, Program};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup first)"))
}

fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn cycles(elf: &[u8], onchain: &[u8]) -> u64 {
    let p = Program::load(elf).unwrap();
    ivm_vm::execute(&p, Inputs { onchain, offchain: &[] }, u64::MAX).unwrap().cycles
}

/// An input that makes `program` run about `target` cycles (found by bisection on the VM).
fn input_for(program: &str, elf: &[u8], target: u64) -> Vec<u8> {
    let make = |k: u64| -> Vec<u8> {
        match program {
            "fibonacci" => {
                let mut v = vec![0u8; 32];
                v[24..].copy_from_slice(&k.to_be_bytes());
                v
            }
            "sha256" => vec![0x61; k as usize],
            other => panic!("unknown program {other}"),
        }
    };
    let (mut lo, mut hi) = (0u64, 1u64);
    while cycles(elf, &make(hi)) < target {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if cycles(elf, &make(mid)) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    make(lo)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let program = args.get(1).map(String::as_str).unwrap_or("fibonacci");
    let log_cycles: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(14);
    let elf = elf(program);
    // Aim a little below 2^k so the padded trace is not pushed to the next power of two by
    // the virtual-instruction expansion more than necessary.
    let input = input_for(program, &elf, (1u64 << log_cycles) * 3 / 4);
    let start = Instant::now();
    let (st, proof) = jolt::prove(&elf, &input, &[], u64::MAX, &mut |_| ()).expect("prove");
    let prove_s = start.elapsed().as_secs_f64();
    let mut w = Writer::new();
    proof.write(&mut w);
    let bytes = w.finish();
    let start = Instant::now();
    let mut r = Reader::new(&bytes);
    let decoded = Proof::read(&mut r, &elf).expect("decode");
    jolt::verify(&elf, &st, &decoded).expect("verify");
    let verify_s = start.elapsed().as_secs_f64();
    println!(
        "{{\"program\":\"{program}\",\"cycles\":{},\"rows\":{},\"prove_s\":{prove_s:.2},\"cycles_per_s\":{:.0},\"peak_rss_mib\":{},\"proof_bytes\":{},\"verify_s\":{verify_s:.3}}}",
        st.cycles,
        1u64 << proof.log_rows,
        st.cycles as f64 / prove_s,
        peak_rss_bytes() >> 20,
        bytes.len()
    );
}
