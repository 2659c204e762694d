//! One prover benchmark run in a fresh process (so peak memory is this run's):
//! `bench_prove <fibonacci|sha256|clob> <log2 trace rows>` proves the longest run that fits the
//! trace and prints one JSON line with cycles, rows, prove time, cycles/second, peak RSS, proof
//! size (`proof_bytes`: the proof body; `file_bytes`: the proof file with its statement, whose
//! inputs and output grow with the run) and verify time. `--out FILE` (after the two
//! arguments) keeps the proof file, e.g. for `benches/challenge_gas.rs`.
//! `scripts/bench-prover` runs the matrix and formats the table in docs/benchmarks.md.
//! `BENCH_STOP_AT="<phase name>"` exits as that phase starts: under `heaptrack`, what is
//! still allocated then ("leaked") is what the phase starts with.
use std::time::Instant;

use ivm_prover::statement::Statement;

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup first)"))
}

/// The highest RSS since the last [`reset_peak`] (Linux's `VmHWM`).
fn peak_rss_bytes() -> u64 {
    status_bytes("VmHWM:")
}

/// The highest RSS of the whole run so far (phase peaks are reset as phases start).
static RUN_PEAK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Start measuring a new peak (`/proc/self/clear_refs`: "5" resets `VmHWM` to the current
/// RSS), keeping the run's maximum.
fn reset_peak() {
    RUN_PEAK.fetch_max(peak_rss_bytes(), std::sync::atomic::Ordering::Relaxed);
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn run_peak_bytes() -> u64 {
    RUN_PEAK.load(std::sync::atomic::Ordering::Relaxed).max(peak_rss_bytes())
}

/// A memory line of /proc/self/status, in bytes.
fn status_bytes(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A run's inputs: onchain and offchain.
type Inputs = (Vec<u8>, Vec<u8>);

/// Trace rows of a run: instructions plus virtual sequences, before padding.
fn rows(elf: &[u8], (onchain, offchain): &Inputs) -> u64 {
    ivm_prover::v2::trace_shape(elf, onchain, offchain, u64::MAX).expect("trace").rows as u64
}

/// The largest input whose trace fits `2^log_rows` rows (with the one padding row the
/// constraints need), found by bisection on the expanded trace.
fn input_for(program: &str, elf: &[u8], log_rows: u32) -> Inputs {
    let fits = |input: &Inputs| rows(elf, input) < 1u64 << log_rows;
    let make = |k: u64| -> Inputs {
        match program {
            "fibonacci" => {
                let mut v = vec![0u8; 32];
                v[24..].copy_from_slice(&k.to_be_bytes());
                (v, Vec::new())
            }
            "sha256" => (vec![0x61; k as usize], Vec::new()),
            // k limit orders on an empty book, buys and sells around one price so that about
            // half of them match (InfinityVM's stateful-app framing, `clob::encode_inputs`).
            "clob" => {
                let orders: Vec<clob::Order> = (0..k)
                    .map(|i| {
                        let side = if i % 2 == 0 { clob::Side::Buy } else { clob::Side::Sell };
                        let (price, quantity) = (100 + (i * 7) % 13, 1 + i % 5);
                        clob::Order {
                            action: clob::Action::Limit { side, price, quantity },
                            id: i + 1,
                        }
                    })
                    .collect();
                clob::encode_inputs(&clob::ClobState::default(), &orders)
            }
            other => panic!("unknown program {other}"),
        }
    };
    let (mut lo, mut hi) = (0u64, 1u64);
    while fits(&make(hi)) {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if fits(&make(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    make(lo)
}

/// Per phase on stderr: when it starts, the peak RSS of the phase before it, and the
/// current RSS.
/// Also the process's CPU time so far (user + system): against the wall clock it shows how
/// well a phase uses the cores.
fn report_phase(start: Instant, name: &str) {
    let mib = |b: u64| b >> 20;
    eprintln!(
        "{:>7.2}s  cpu {:>7.2}s  peak {:>5} MiB  rss {:>5} MiB  → {name}",
        start.elapsed().as_secs_f64(),
        cpu_seconds(),
        mib(peak_rss_bytes()),
        mib(status_bytes("VmRSS:")),
    );
    reset_peak();
}

/// User plus system CPU time of this process, from /proc/self/stat (fields 14 and 15, in
/// clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Prove and verify through the proof file (what a verifier receives): the statement, the
/// file's bytes, the proof body's size (the file without the statement, whose inputs and
/// output are the job's own data), the padded rows, the verify time.
fn prove_and_verify(
    elf: &[u8],
    input: &Inputs,
    start: Instant,
) -> (Statement, Vec<u8>, usize, u64, f64) {
    let stop = std::env::var("BENCH_STOP_AT").ok();
    let mut on_phase = |p: ivm_prover::v2::Phase| {
        report_phase(start, p.name());
        if stop.as_deref() == Some(p.name()) {
            std::process::exit(0);
        }
    };
    let (st, bytes) =
        ivm_prover::prove_file(elf, &input.0, &input.1, u64::MAX, &mut on_phase).expect("prove");
    report_phase(start, "(done)");
    let verify = Instant::now();
    ivm_prover::verify_file(elf, &bytes).expect("verify");
    let file = ivm_prover::ProofFile::from_bytes(&bytes).expect("a proof file");
    let rows = 1u64 << file.proof_bytes[0]; // the body starts with log2 of the rows
    (st, bytes, file.proof_bytes.len(), rows, verify.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let program = args.get(1).map(String::as_str).unwrap_or("fibonacci");
    let log_rows: u32 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(14);
    let elf = elf(program);
    let input = input_for(program, &elf, log_rows);
    let start = Instant::now();
    let (st, bytes, proof_bytes, rows, verify_s) = prove_and_verify(&elf, &input, start);
    let prove_s = start.elapsed().as_secs_f64() - verify_s;
    // `--out FILE`: keep the proof file (benches/challenge_gas.rs files it on anvil).
    if let Some(i) = args.iter().position(|a| a == "--out") {
        let out = args.get(i + 1).expect("--out takes a file");
        std::fs::write(out, &bytes).unwrap_or_else(|e| panic!("writing {out}: {e}"));
    }
    println!(
        "{{\"program\":\"{program}\",\"cycles\":{},\"rows\":{rows},\"prove_s\":{prove_s:.2},\"cycles_per_s\":{:.0},\"peak_rss_mib\":{},\"proof_bytes\":{proof_bytes},\"file_bytes\":{},\"verify_s\":{verify_s:.3}}}",
        st.cycles,
        st.cycles as f64 / prove_s,
        run_peak_bytes() >> 20,
        bytes.len()
    );
}
