//! The size of a run's proof, known before proving: how many rows its trace has, and what
//! proving it costs on the 2-core benchmark machine (docs/benchmarks.md).
use ivm_vm::Inputs;

use crate::bytecode_fields::log_rows_for;
use crate::isa::Bytecode;

use super::{preprocess_for_prover, ProveError};

/// The trace of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceShape {
    pub cycles: u64,
    /// Rows the run expands into (instructions plus their virtual sequences).
    pub rows: usize,
    /// The padded trace: `2^log_rows` rows, at least one of them padding.
    pub log_rows: usize,
}

impl TraceShape {
    fn of_rows(cycles: u64, rows: usize) -> Self {
        TraceShape { cycles, rows, log_rows: log_rows_for(rows) }
    }

    /// Peak prover memory, erring high (measured on fibonacci: 0.34 GiB at 2^10 rows, 1.96 GiB
    /// at 2^18, 7.69 GiB at 2^20).
    pub fn estimated_memory_bytes(&self) -> u64 {
        (320u64 << 20) + (7_600u64 << self.log_rows)
    }

    /// Proving time on 2 cores, roughly (1.6 s at 2^10 rows, 33 s at 2^18, 114 s at 2^20).
    pub fn estimated_seconds(&self) -> u64 {
        2 + self.rows as u64 / 9_000
    }
}

/// The [`TraceShape`] of a run, from one pass of the VM that keeps no trace (each step
/// counts its virtual sequence's length), so sizing a proof costs no memory. A run that
/// faults also has the faulting instruction's rows (counted as the longest sequence).
pub fn trace_shape(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
) -> Result<TraceShape, ProveError> {
    struct Counter<'a> {
        bytecode: &'a Bytecode,
        rows: usize,
    }
    impl ivm_vm::Tracer for Counter<'_> {
        const ENABLED: bool = true;
        fn record(&mut self, step: ivm_vm::Step) {
            if let Some(wi) = self.bytecode.word_index(step.pc) {
                self.rows += self.bytecode.rows[self.bytecode.starts[wi]].seq_len as usize;
            }
        }
    }
    let pre = preprocess_for_prover(elf)?;
    let mut counter = Counter { bytecode: &pre.bytecode, rows: 0 };
    let exec = ivm_vm::run(&pre.program, Inputs { onchain, offchain }, max_cycles, &mut counter)?;
    let faulting = match &exec.exit {
        ivm_vm::Exit::Fault(f) if !matches!(f.kind, ivm_vm::FaultKind::CycleLimit(_)) => {
            longest_sequence(&pre.bytecode) as usize
        }
        _ => 0,
    };
    Ok(TraceShape::of_rows(exec.cycles, counter.rows + faulting))
}

/// The [`TraceShape`] a challenger must plan for to prove any run of `elf` within
/// `max_cycles`: [`ROWS_PER_CYCLE_ALLOWANCE`] rows per cycle — the allowance
/// [`max_provable_cycles`] sizes the provability bound with. A run that executes long virtual
/// sequences (division, sub-word stores) on most cycles can exceed it, up to
/// [`longest_virtual_sequence`] rows per cycle.
pub fn worst_case_shape(elf: &[u8], max_cycles: u64) -> Result<TraceShape, ProveError> {
    preprocess_for_prover(elf)?;
    let rows = max_cycles.saturating_mul(ROWS_PER_CYCLE_ALLOWANCE).min(1 << 40) as usize;
    Ok(TraceShape::of_rows(max_cycles, rows))
}

/// The most rows one instruction of `elf` can expand into (its longest virtual sequence): the
/// strict upper bound of rows per cycle.
pub fn longest_virtual_sequence(elf: &[u8]) -> Result<u64, ProveError> {
    Ok(longest_sequence(&preprocess_for_prover(elf)?.bytecode))
}

fn longest_sequence(bytecode: &Bytecode) -> u64 {
    bytecode.rows.iter().map(|r| r.seq_len as u64).max().unwrap_or(1).max(1)
}

/// Rows per cycle allowed for virtual sequences when sizing [`max_provable_cycles`]: the
/// benchmark programs expand by 1.0–1.1 rows per cycle; division-heavy code by more.
pub const ROWS_PER_CYCLE_ALLOWANCE: u64 = 2;

/// A provability bound for `memory_bytes` of RAM: the largest run (in cycles) whose trace, at
/// [`ROWS_PER_CYCLE_ALLOWANCE`] rows per cycle, this prover's memory estimate fits. What
/// `ivm devnet` sets as `JobManager.maxJobCycles`.
pub fn max_provable_cycles(memory_bytes: u64) -> u64 {
    let fits = |log_rows: usize| {
        TraceShape { cycles: 0, rows: 0, log_rows }.estimated_memory_bytes() <= memory_bytes
    };
    let log_rows = (1..=super::witness::MAX_LOG_ROWS).take_while(|&k| fits(k)).last().unwrap_or(1);
    ((1u64 << log_rows) / ROWS_PER_CYCLE_ALLOWANCE).max(1)
}
