//! `ivm prove`: a Jolt proof of a run, written as a proof file (`ivm_prover::proof_file`).
use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ivm_prover::{
    statement::{Outcome as StatementOutcome, Statement},
    v2::{Phase, ProveError, TraceShape},
};
use ivm_vm::{Exit, FaultKind, Inputs, DEFAULT_MAX_CYCLES};
use serde::Serialize;

use crate::{
    cli::{JsonFlag, ProgramSelect},
    exit::{coded, invalid_input, Code, Outcome},
    input::{to_hex, InputArgs, InputBytes},
    ui,
};

#[derive(Debug, Args)]
pub struct ProveArgs {
    #[command(flatten)]
    pub target: ProgramSelect,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Refuse runs longer than this many instructions (as `ivm execute`).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CYCLES, env = "IVM_MAX_CYCLES")]
    pub max_cycles: u64,
    /// Where to write the proof file (default: `<program>.proof` in the current directory).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub memory: MemoryArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// Proves the run, reporting phases as `(index, count, name)`.
fn prove(
    elf: &[u8],
    inputs: &InputBytes,
    max_cycles: u64,
    progress: &mut Progress,
) -> Result<(Statement, Vec<u8>)> {
    let (on, off) = (&inputs.onchain, &inputs.offchain);
    let index = |p: Phase| Phase::ALL.iter().position(|&q| q == p).unwrap_or(0);
    ivm_prover::prove_file(elf, on, off, max_cycles, &mut |p| {
        progress.phase(index(p), Phase::ALL.len(), p.name())
    })
    .map_err(prove_error)
}

/// Estimated peak memory and seconds on 2 cores for a run of this shape.
pub fn estimate(shape: &TraceShape) -> (u64, u64) {
    (shape.estimated_memory_bytes(), shape.estimated_seconds())
}

/// How much memory the prover may use (shared with `ivm challenge file`).
#[derive(Debug, Args, Clone, Default)]
pub struct MemoryArgs {
    /// Prove even when the memory estimate exceeds this machine's RAM.
    #[arg(long)]
    pub force: bool,
    /// The memory the prover may use, e.g. `8G` or `512M` (default: the machine's RAM, or the
    /// cgroup limit when lower).
    #[arg(long, value_name = "SIZE", env = "IVM_MEMORY_LIMIT", value_parser = parse_memory)]
    pub memory_limit: Option<u64>,
}

/// A statement as JSON (shared with `ivm verify`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementJson {
    pub program_id: String,
    pub onchain_input: String,
    pub offchain_input: String,
    pub output: String,
    /// `halted`, `panicked`, `out_of_cycles` or `faulted`.
    pub outcome: &'static str,
    /// Kept for readers of the first format: `outcome == "panicked"`.
    pub panicked: bool,
    /// The faulting instruction, for `outcome == "faulted"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultJson>,
    pub cycles: u64,
}

#[derive(Serialize)]
pub struct FaultJson {
    /// `invalid_instruction`, `memory_access`, `misaligned_access`, …
    pub class: &'static str,
    pub pc: String,
}

impl From<&Statement> for StatementJson {
    fn from(s: &Statement) -> Self {
        let fault = match s.outcome {
            StatementOutcome::Faulted { class, pc } => {
                Some(FaultJson { class: class.name(), pc: format!("{pc:#010x}") })
            }
            _ => None,
        };
        StatementJson {
            program_id: to_hex(&s.program_id),
            onchain_input: to_hex(&s.onchain_input),
            offchain_input: to_hex(&s.offchain_input),
            output: to_hex(&s.output),
            outcome: s.outcome.name(),
            panicked: s.outcome == StatementOutcome::Panicked,
            fault,
            cycles: s.cycles,
        }
    }
}

/// The statement's outcome as the status line of the human output.
pub fn status_line(s: &StatementJson) -> String {
    match (s.outcome, &s.fault) {
        ("halted", _) => console::style("ok").green().bold().to_string(),
        (_, Some(f)) => {
            format!("{} ({} at pc {})", console::style("faulted").red().bold(), f.class, f.pc)
        }
        (other, None) => console::style(other).red().bold().to_string(),
    }
}

/// The `--json` document.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    statement: StatementJson,
    proof: PathBuf,
    proof_size_bytes: u64,
    proof_system: &'static str,
    prove_seconds: f64,
    phases: Vec<PhaseTime>,
    /// Peak resident memory of this process (VmHWM), when the OS reports it.
    peak_memory_bytes: Option<u64>,
    estimated_memory_bytes: u64,
    /// The padded trace length (a power of two).
    trace_rows: u64,
}

#[derive(Serialize)]
pub struct PhaseTime {
    name: &'static str,
    seconds: f64,
}

pub fn run(args: ProveArgs) -> Outcome {
    let elf_path = args.target.elf_path("prove")?;
    let (program, program_id) = super::program_id::load_elf(&elf_path)?;
    let elf =
        std::fs::read(&elf_path).with_context(|| format!("reading ELF {}", elf_path.display()))?;
    let inputs = args.inputs.read()?;
    let out = match &args.out {
        Some(p) => p.clone(),
        None => PathBuf::from(format!(
            "{}.proof",
            elf_path.file_stem().and_then(|s| s.to_str()).unwrap_or("program")
        )),
    };

    // A fast run first: faults are reported without tracing, and the cycle count sizes the proof.
    let spinner = ui::spinner(format!("executing {}", elf_path.display()));
    let exec = ivm_vm::execute(
        &program,
        Inputs { onchain: &inputs.onchain, offchain: &inputs.offchain },
        args.max_cycles,
    )
    .map_err(|e| invalid_input(e.to_string()))?;
    spinner.finish_and_clear();
    match &exec.exit {
        Exit::Halted => {}
        Exit::Panicked { message } => ui::status(
            "Panicked",
            format!(
                "the guest panicked ({}); proving the panicking run",
                message.as_deref().unwrap_or("no message")
            ),
        ),
        Exit::Fault(f) => {
            let what = if matches!(f.kind, FaultKind::CycleLimit(_)) {
                "Out of cycles"
            } else {
                "Faulted"
            };
            ui::status(what, format!("{f}; proving the run up to there"));
        }
    }

    let max_log = ivm_prover::v2::witness::MAX_LOG_ROWS;
    if exec.cycles >= 1 << max_log {
        return Err(invalid_input(format!(
            "the run has {} cycles but the prover supports traces of at most 2^{max_log} rows: prove a shorter run (smaller input, or split the work across jobs)",
            ui::thousands(exec.cycles)
        )));
    }
    let proving = Proving::OwnRun;
    let proved = prove_run(&elf, &inputs, args.max_cycles, &args.memory, proving)?;
    proved.save(&out)?;
    let (statement, bytes) = (proved.statement, proved.bytes);
    debug_assert_eq!(statement.program_id, program_id.0);
    let peak = peak_memory();
    let code = outcome_code(statement.outcome);

    let report = Report {
        statement: StatementJson::from(&statement),
        proof: out,
        proof_size_bytes: bytes.len() as u64,
        proof_system: ivm_prover::proof_file::PROOF_SYSTEM,
        prove_seconds: proved.seconds,
        phases: proved.phases,
        peak_memory_bytes: peak,
        estimated_memory_bytes: proved.shape.estimated_memory_bytes(),
        trace_rows: 1 << proved.shape.log_rows,
    };
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_human(&report);
    }
    Ok(code)
}

/// The exit code of a proven run: `ivm execute`'s for the same outcome (the proof is written
/// whatever the outcome).
fn outcome_code(outcome: StatementOutcome) -> Code {
    match outcome {
        StatementOutcome::Halted => Code::Ok,
        StatementOutcome::Panicked => Code::GuestPanic,
        StatementOutcome::OutOfCycles => Code::CycleLimit,
        StatementOutcome::Faulted { .. } => Code::GuestFault,
    }
}

/// A proof made by [`prove_run`].
pub struct ProvedRun {
    pub statement: Statement,
    /// The proof file.
    pub bytes: Vec<u8>,
    pub phases: Vec<PhaseTime>,
    pub seconds: f64,
    pub shape: TraceShape,
}

impl ProvedRun {
    /// Writes the proof file to `out` (atomically) and says so on stderr.
    pub fn save(&self, out: &Path) -> Result<()> {
        write_atomically(out, &self.bytes)?;
        ui::status(
            "Proved",
            format!(
                "{} cycles in {:.1}s → {} ({} bytes)",
                ui::thousands(self.statement.cycles),
                self.seconds,
                out.display(),
                ui::thousands(self.bytes.len() as u64)
            ),
        );
        Ok(())
    }
}

/// Whose run is proven: the advice for a run too large differs. A developer can prove a
/// shorter run of their own program; a challenger must prove the job's run as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proving {
    OwnRun,
    Challenge,
}

impl Proving {
    fn too_large_advice(self) -> &'static str {
        match self {
            Proving::OwnRun => "prove a shorter run (smaller input, or split the work across jobs), use a machine with more memory, or pass --force to try anyway",
            Proving::Challenge => "the job's run is fixed, so use a machine with more memory (or raise --memory-limit), or pass --force to try anyway; `ivm challenge check` shows each job's worst case before it is needed",
        }
    }
}

/// Sizes the proof of a run, checks that it fits in memory (printing the estimate), and proves
/// it with the phase display.
pub fn prove_run(
    elf: &[u8],
    inputs: &InputBytes,
    max_cycles: u64,
    memory: &MemoryArgs,
    proving: Proving,
) -> Result<ProvedRun> {
    let shape = size_run(elf, inputs, max_cycles)?;
    prove_sized_run(elf, inputs, max_cycles, shape, memory, proving)
}

/// The trace shape of the run (executes it once, without keeping a trace).
pub fn size_run(elf: &[u8], inputs: &InputBytes, max_cycles: u64) -> Result<TraceShape> {
    let spinner = ui::spinner("sizing the proof");
    let shape = ivm_prover::v2::trace_shape(elf, &inputs.onchain, &inputs.offchain, max_cycles)
        .map_err(prove_error)?;
    spinner.finish_and_clear();
    Ok(shape)
}

/// [`prove_run`] of a run already sized by [`size_run`].
pub fn prove_sized_run(
    elf: &[u8],
    inputs: &InputBytes,
    max_cycles: u64,
    shape: TraceShape,
    memory: &MemoryArgs,
    proving: Proving,
) -> Result<ProvedRun> {
    check_memory(&shape, estimate(&shape), memory, proving)?;

    let start = Instant::now();
    let mut progress = Progress::new();
    let proved = prove(elf, inputs, max_cycles, &mut progress);
    let phases = progress.finish();
    let (statement, bytes) = proved?;
    Ok(ProvedRun { statement, bytes, phases, seconds: start.elapsed().as_secs_f64(), shape })
}

fn prove_error(e: ProveError) -> anyhow::Error {
    match e {
        ProveError::Elf(_) | ProveError::Input(_) => invalid_input(e.to_string()),
        // A fault this version cannot prove (docs/prover-architecture.md, "Outcomes").
        ProveError::Fault(..) => coded(Code::GuestFault, e.to_string()),
        other => anyhow::Error::new(other).context("proving failed"),
    }
}

fn print_human(r: &Report) {
    let s = &r.statement;
    println!("status    {}", status_line(s));
    println!("cycles    {}", ui::thousands(s.cycles));
    println!("output    {}", s.output);
    println!("program   {}", s.program_id);
    println!(
        "proof     {} ({} bytes, {})",
        r.proof.display(),
        ui::thousands(r.proof_size_bytes),
        r.proof_system
    );
    println!("time      {:.1}s", r.prove_seconds);
    if let Some(peak) = r.peak_memory_bytes {
        println!("peak mem  {}", gib(peak));
    }
}

// ---- memory check ---------------------------------------------------------------------

const GIB: u64 = 1 << 30;

/// Prints the estimate (`(bytes, seconds)`) and refuses a run that does not fit in memory.
fn check_memory(
    shape: &TraceShape,
    (estimate, seconds): (u64, u64),
    memory: &MemoryArgs,
    proving: Proving,
) -> Result<()> {
    let force = memory.force;
    let log_rows = shape.log_rows;
    let max_log = ivm_prover::v2::witness::MAX_LOG_ROWS;
    let available = meminfo().1;
    let (limit, what) = memory_limit(memory);
    let machine = match limit {
        Some(l) => {
            format!(", {what} is {} ({} available)", gib(l), available.map_or("?".into(), gib))
        }
        None => String::new(),
    };
    ui::status(
        "Estimate",
        format!(
            "{} cycles → {} rows (2^{log_rows}), ~{} of memory{machine}, ~{} on 2 cores",
            ui::thousands(shape.cycles),
            ui::thousands(shape.rows as u64),
            gib(estimate),
            duration(seconds)
        ),
    );
    if log_rows > max_log {
        return Err(invalid_input(format!(
            "the run has {} cycles ({} trace rows) but the prover supports at most 2^{max_log} rows: prove a shorter run (smaller input, or split the work across jobs)",
            ui::thousands(shape.cycles),
            ui::thousands(shape.rows as u64)
        )));
    }
    match limit {
        Some(l) if estimate > l => {
            let msg = format!(
                "proving this run needs an estimated {} but {what} is {}: {}",
                gib(estimate),
                gib(l),
                proving.too_large_advice()
            );
            if force {
                ui::warn(format!("{msg} (--force: proving anyway)"));
            } else {
                return Err(coded(Code::InsufficientMemory, msg));
            }
        }
        Some(_) if available.is_some_and(|a| estimate > a) => ui::warn(format!(
            "the estimate ({}) exceeds the memory available now ({}): other processes may be pushed into swap",
            gib(estimate),
            gib(available.unwrap_or(0))
        )),
        None => ui::warn("cannot read /proc/meminfo: the memory check is skipped"),
        _ => {}
    }
    Ok(())
}

/// The memory the prover may use and where that figure comes from (`--memory-limit`, the
/// container's limit or the machine's RAM; `None` if unknown).
pub fn memory_limit(memory: &MemoryArgs) -> (Option<u64>, &'static str) {
    match (memory.memory_limit, meminfo().0, cgroup_limit()) {
        (Some(l), _, _) => (Some(l), "--memory-limit"),
        (None, Some(t), Some(c)) if c < t => (Some(c), "this container's memory limit"),
        (None, t, _) => (t, "this machine's RAM"),
    }
}

/// A cgroup v2 memory limit (`memory.max`), when one is set.
fn cgroup_limit() -> Option<u64> {
    std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?.trim().parse().ok()
}

/// `8G`, `512M`, `1048576K` or plain bytes.
fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'K' | 'k')) => (&t[..i], 10),
        Some((i, 'M' | 'm')) => (&t[..i], 20),
        Some((i, 'G' | 'g')) => (&t[..i], 30),
        Some((i, 'T' | 't')) => (&t[..i], 40),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a size: use bytes or a K/M/G/T suffix (e.g. 8G)"))?;
    n.checked_mul(1 << shift).ok_or_else(|| format!("{s:?} is too large"))
}

/// `(MemTotal, MemAvailable)` in bytes.
pub(crate) fn meminfo() -> (Option<u64>, Option<u64>) {
    let Ok(text) = std::fs::read_to_string("/proc/meminfo") else { return (None, None) };
    (kib_field(&text, "MemTotal:"), kib_field(&text, "MemAvailable:"))
}

/// Peak resident memory of this process (`VmHWM`), in bytes.
fn peak_memory() -> Option<u64> {
    kib_field(&std::fs::read_to_string("/proc/self/status").ok()?, "VmHWM:")
}

/// A `Name:   1234 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// `42 s`, `3 min 5 s`.
fn duration(seconds: u64) -> String {
    if seconds < 60 {
        format!("{seconds} s")
    } else {
        format!("{} min {} s", seconds / 60, seconds % 60)
    }
}

pub(crate) fn gib(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{:.1} GiB", bytes as f64 / GIB as f64)
    } else {
        format!("{} MiB", bytes.div_ceil(1 << 20))
    }
}

// ---- progress -----------------------------------------------------------------------------

/// The phase display: an indicatif bar on a terminal, one status line per phase otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    current: Option<(&'static str, Instant)>,
    times: Vec<PhaseTime>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let pb = ProgressBar::new(0);
            pb.set_style(
                ProgressStyle::with_template("{spinner:.green} [{pos}/{len}] {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            pb.enable_steady_tick(Duration::from_millis(100));
            pb
        });
        Progress { bar, current: None, times: Vec::new() }
    }

    /// Phase `index` (from 0) of `count` starts.
    fn phase(&mut self, index: usize, count: usize, name: &'static str) {
        self.close_current();
        let index = index + 1;
        match &self.bar {
            // The same "[i/n] phase" numbering on a terminal and off one.
            Some(pb) => {
                pb.set_length(count as u64);
                pb.set_position(index as u64);
                pb.set_message(name);
            }
            None => ui::status("Proving", format!("[{index}/{count}] {name}")),
        }
        self.current = Some((name, Instant::now()));
    }

    fn close_current(&mut self) {
        if let Some((name, at)) = self.current.take() {
            let took = at.elapsed();
            let done = format!("{name} ({:.1}s)", took.as_secs_f64());
            match &self.bar {
                Some(pb) => {
                    pb.println(format!("{:>12} {done}", console::style("Done").green().bold()));
                    // Nothing is shown as running between phases.
                    pb.set_message("");
                }
                None => ui::status("Done", done),
            }
            self.times.push(PhaseTime { name, seconds: took.as_secs_f64() });
        }
    }

    fn finish(mut self) -> Vec<PhaseTime> {
        self.close_current();
        if let Some(pb) = self.bar.take() {
            pb.finish_and_clear();
        }
        self.times
    }
}

/// Writes `<path>.tmp`, then renames it over `path`: a failed run never leaves half a proof.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("8G"), Ok(8 << 30));
        assert_eq!(parse_memory("512m"), Ok(512 << 20));
        assert_eq!(parse_memory("4096"), Ok(4096));
        assert!(parse_memory("lots").is_err());
        assert!(parse_memory("99999999999T").is_err());
    }

    #[test]
    fn kib_fields() {
        let t = "MemTotal:       24684084 kB\nMemAvailable:   23017512 kB\n";
        assert_eq!(kib_field(t, "MemTotal:"), Some(24684084 * 1024));
        assert_eq!(kib_field(t, "VmHWM:"), None);
    }
}
