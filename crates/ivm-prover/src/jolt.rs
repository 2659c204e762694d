//! The whole proof: `prove(elf, inputs) → (statement, proof)` and
//! `verify(elf, statement, proof)`.
//!
//! Stages, in transcript order (prover and verifier run the same sequence):
//! 1. preamble: domain, statement, layout header, shapes, final control words, final registers;
//! 2. commitments to every committed column and the four final-state polynomials;
//! 3. Spartan over the CPU constraints (`cpu`, `spartan`);
//! 4. the lookup-output sumcheck (`lookup`);
//! 5. the I/O check on the final RAM (`ram`);
//! 6. memory checking (`memory`, `gkr`): bytecode, registers, RAM and the subtable memory;
//! 7. batched openings (`opening`), one Dory proof per polynomial size.
//!
//! The verifier derives the program ID, bytecode table, initial memory, layout, constraints,
//! tables and every shape from the ELF and the statement; the proof contributes only
//! commitments, sumcheck messages, claimed evaluations, products and Dory proofs.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ark_ff::{One, Zero};
use ivm_vm::{Inputs, Program, ProgramId};

use crate::codec::{DecodeError, Reader, Writer};
use crate::cpu::{self, Witness, NUM_BC_FIELDS, NUM_COLS, NUM_COMMITTED, ROWIDX};
use crate::field::Fr;
use crate::gkr::{self, GrandProductProof};
use crate::isa::{self, tables::Kind, tables::NUM_KINDS, Bytecode};
use crate::lookup::{self, LookupOutputProof};
use crate::memory::{fingerprint, index_mle, Tuple};
use crate::opening::{self, BatchOpeningProof, OpeningClaim};
use crate::pcs::{
    CommitmentScheme, Dory, DoryCommitment, DoryProverSetup, DoryVerifierSetup, DORY_SEED,
};
use crate::poly::{eq_eval, eq_table, DenseMle};
use crate::ram::{FinalControl, IoExpectation, RamLayout, RamPermissions};
use crate::spartan::{self, SpartanProof};
use crate::statement::Statement;
use crate::sumcheck::{self, CompositeSumcheck, SumcheckProof};
use crate::transcript::Transcript;

/// Transcript domain separator.
pub const DOMAIN: &[u8] = b"ivm/jolt-rv32im/v1";
/// Number of fingerprint challenges (the longest tuple: bytecode fields + counter).
const NUM_GAMMAS: usize = NUM_BC_FIELDS + 1;

/// The phases `prove` reports, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Execute,
    Witness,
    Commit,
    Constraints,
    Lookups,
    Memory,
    Openings,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Execute,
        Phase::Witness,
        Phase::Commit,
        Phase::Constraints,
        Phase::Lookups,
        Phase::Memory,
        Phase::Openings,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Phase::Execute => "execute and trace",
            Phase::Witness => "build witness",
            Phase::Commit => "commit",
            Phase::Constraints => "prove constraints (Spartan)",
            Phase::Lookups => "prove lookups (Lasso)",
            Phase::Memory => "memory checking (grand products)",
            Phase::Openings => "open commitments (Dory)",
        }
    }
}

/// Why no proof could be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("invalid input: {0}")]
    Input(#[from] ivm_vm::InputError),
    #[error("the guest faulted ({0}); proof system v1 proves only runs that terminate or panic")]
    Fault(ivm_vm::Fault),
    #[error("{0}")]
    Isa(#[from] isa::IsaError),
    #[error("{0}")]
    Witness(#[from] cpu::WitnessError),
}

/// Why a proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("the statement's program ID {statement} is not the ELF's ({elf})")]
    ProgramId { statement: String, elf: String },
    #[error("{0}")]
    Isa(#[from] isa::IsaError),
    #[error("proof shape rejected: {0}")]
    Shape(String),
    #[error("constraint proof (Spartan): {0}")]
    Spartan(#[from] spartan::SpartanError),
    #[error("lookup-output proof: {0}")]
    Lookup(sumcheck::SumcheckError),
    #[error("output check: {0}")]
    Io(String),
    #[error("memory checking ({0}): {1}")]
    Gkr(&'static str, gkr::GkrError),
    #[error("memory checking: {0}")]
    Memory(String),
    #[error("openings ({0}): {1}")]
    Opening(&'static str, opening::OpeningError),
}

impl From<crate::statement::Mismatch> for VerifyError {
    fn from(m: crate::statement::Mismatch) -> Self {
        match m {
            crate::statement::Mismatch::ProgramId(statement, elf) => {
                VerifyError::ProgramId { statement, elf }
            }
            crate::statement::Mismatch::Layout => {
                VerifyError::Shape("statement inputs or output exceed the program's layout".into())
            }
        }
    }
}

/// Grand products with the evaluations that justify their leaf claims.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryProof {
    pub products: Vec<Fr>,
    pub gkr: GrandProductProof,
    pub evals: Vec<Fr>,
}

/// The proof body.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    pub log_rows: u8,
    pub log_k_ram: u8,
    pub control: FinalControl,
    pub reg_final_val: Vec<u32>,
    pub reg_final_ts: Vec<u64>,
    /// `NUM_COMMITTED` column commitments, then bytecode counts, RAM values, RAM timestamps,
    /// subtable counts.
    pub commitments: Vec<DoryCommitment>,
    pub spartan: SpartanProof,
    pub lookup: LookupOutputProof,
    pub io: SumcheckProof,
    pub io_final_eval: Fr,
    pub mem_rows: MemoryProof,
    pub mem_bc: MemoryProof,
    pub mem_ram: MemoryProof,
    pub mem_lk: MemoryProof,
    pub open_rows: BatchOpeningProof,
    /// Every final-state polynomial, zero-padded to `table_vars` variables, in one opening.
    pub open_tables: BatchOpeningProof,
}

/// Final-state polynomials: bytecode counts, RAM values, RAM timestamps, then one subtable
/// read-count polynomial per kind (2^16 cells each: kinds are separate tables so that their
/// opening costs a 2^16 Dory proof rather than one over all kinds).
const NUM_FINAL_POLYS: usize = 3 + NUM_KINDS;
const C_BC: usize = NUM_COMMITTED;
const C_RAM_VAL: usize = NUM_COMMITTED + 1;
const C_RAM_TS: usize = NUM_COMMITTED + 2;
const C_LK: usize = NUM_COMMITTED + 3;
/// Variables of one subtable.
const LOG_SUBTABLE: usize = 16;

/// The number of variables all final-state polynomials are padded to (one Dory opening).
fn table_vars(log_k_bc: usize, log_k_ram: usize) -> usize {
    log_k_bc.max(log_k_ram).max(LOG_SUBTABLE)
}

/// A point of a `point.len()`-variable polynomial, as a point of its zero-padded extension to
/// `vars` variables (the padding is in the most significant variables).
fn padded_point(point: &[Fr], vars: usize) -> Vec<Fr> {
    let mut p = vec![Fr::zero(); vars - point.len()];
    p.extend_from_slice(point);
    p
}

/// Claims on the final-state polynomials (indices relative to `C_BC`), at padded points.
#[allow(clippy::too_many_arguments)]
fn table_claims(
    vars: usize,
    bc_point: &[Fr],
    bc_eval: Fr,
    ram_point: &[Fr],
    ram_evals: &[Fr],
    io_point: &[Fr],
    io_eval: Fr,
    lk_point: &[Fr],
    lk_evals: &[Fr],
) -> Vec<OpeningClaim> {
    let mut v = vec![
        OpeningClaim { poly: 0, point: padded_point(bc_point, vars), eval: bc_eval },
        OpeningClaim {
            poly: C_RAM_VAL - C_BC,
            point: padded_point(ram_point, vars),
            eval: ram_evals[0],
        },
        OpeningClaim {
            poly: C_RAM_TS - C_BC,
            point: padded_point(ram_point, vars),
            eval: ram_evals[1],
        },
        OpeningClaim { poly: C_RAM_VAL - C_BC, point: padded_point(io_point, vars), eval: io_eval },
    ];
    for (k, &e) in lk_evals.iter().enumerate() {
        v.push(OpeningClaim {
            poly: C_LK - C_BC + k,
            point: padded_point(lk_point, vars),
            eval: e,
        });
    }
    v
}

/// Dory prover setups, cached per process (deterministic, so caching is only about time).
pub(crate) fn prover_setup(max_num_vars: usize) -> Arc<DoryProverSetup> {
    static CACHE: SetupCache<DoryProverSetup> = OnceLock::new();
    cached(&CACHE, max_num_vars, || DoryProverSetup::new(DORY_SEED, max_num_vars))
}

/// Dory verifier setups: cut from the one compiled into the binary (no generation).
pub(crate) fn verifier_setup(max_num_vars: usize) -> Arc<DoryVerifierSetup> {
    static CACHE: SetupCache<DoryVerifierSetup> = OnceLock::new();
    cached(&CACHE, max_num_vars, || DoryVerifierSetup::standard(max_num_vars))
}

type SetupCache<T> = OnceLock<Mutex<HashMap<usize, Arc<T>>>>;

fn cached<T>(cache: &SetupCache<T>, max_num_vars: usize, make: impl FnOnce() -> T) -> Arc<T> {
    let mut c = cache.get_or_init(Default::default).lock().unwrap();
    c.entry(max_num_vars).or_insert_with(|| Arc::new(make())).clone()
}

// ---- shared pieces ------------------------------------------------------------------------

/// What both sides derive from the ELF.
pub(crate) struct Preprocessed {
    pub(crate) program: Program,
    pub(crate) program_id: [u8; 32],
    pub(crate) bytecode: Bytecode,
    pub(crate) ram: RamLayout,
    pub(crate) perms: RamPermissions,
    pub(crate) log_k_bc: usize,
}

pub(crate) fn preprocess(elf: &[u8]) -> Result<Preprocessed, VerifyError> {
    let program = Program::load(elf)?;
    let program_id = ProgramId::of(&program).0;
    let bytecode = isa::bytecode(&program)?;
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let log_k_bc = cpu::bytecode_log_k(&bytecode);
    Ok(Preprocessed { program, program_id, bytecode, ram, perms, log_k_bc })
}

/// [`preprocess`] with the prover's error type.
fn preprocess_for_prover(elf: &[u8]) -> Result<Preprocessed, ProveError> {
    preprocess(elf).map_err(|e| match e {
        VerifyError::Elf(e) => ProveError::Elf(e),
        VerifyError::Isa(e) => ProveError::Isa(e),
        other => unreachable!("preprocessing only fails on the ELF: {other}"),
    })
}

fn absorb_preamble(
    t: &mut Transcript,
    pre: &Preprocessed,
    st: &Statement,
    proof_shape: (usize, usize),
    control: &FinalControl,
    regs: (&[u32], &[u64]),
) {
    st.absorb(t);
    let words: Vec<u8> =
        pre.program.layout.to_words().iter().flat_map(|w| w.to_le_bytes()).collect();
    t.append_bytes(b"layout", &words);
    t.append_u64(b"log_rows", proof_shape.0 as u64);
    t.append_u64(b"log_k_ram", proof_shape.1 as u64);
    t.append_u64(b"log_k_bc", pre.log_k_bc as u64);
    t.append_u64(b"panic_word", control.panic_word as u64);
    t.append_u64(b"termination_word", control.termination_word as u64);
    t.append_u64(b"output_tail", control.output_tail as u64);
    let regs_bytes: Vec<u8> = regs
        .0
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .chain(regs.1.iter().flat_map(|v| v.to_le_bytes()))
        .collect();
    t.append_bytes(b"final_registers", &regs_bytes);
}

/// The columns whose evaluations justify the row-sized leaf claims (all tuple columns but ROWIDX).
fn row_tuple_columns(tuples: &[(Tuple, Tuple)]) -> Vec<usize> {
    let mut v: Vec<usize> = tuples
        .iter()
        .flat_map(|(r, w)| r.polys().into_iter().chain(w.polys()))
        .filter(|&c| c != ROWIDX)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// All row-sized tuples in instance order: (read, write) per access.
fn row_tuples() -> Vec<(Tuple, Tuple)> {
    let mut v = vec![cpu::bytecode_tuples()];
    v.extend(cpu::register_tuples());
    v.push(cpu::ram_tuples());
    v.extend(cpu::lookup_tuples());
    v
}

/// Index ranges of each memory's tuples in `row_tuples()`.
const T_BC: std::ops::Range<usize> = 0..1;
const T_REG: std::ops::Range<usize> = 1..4;
const T_RAM: std::ops::Range<usize> = 4..5;
// lookups: 5..

/// The bytecode table's fingerprints without the counter: `Σ_j γ^j field_j − τ`.
fn bytecode_fingerprints(pre: &Preprocessed, gammas: &[Fr], tau: Fr) -> Vec<Fr> {
    cpu::bytecode_table(&pre.bytecode, pre.log_k_bc)
        .iter()
        .map(|f| fingerprint(f, gammas, tau))
        .collect()
}

/// Subtable `kind`'s cells `(kind, a, b, value)` fingerprinted without the counter (prover).
fn lookup_fingerprints(kind: usize, gammas: &[Fr], tau: Fr) -> Vec<Fr> {
    let k = Fr::from(kind as u64);
    (0..1usize << LOG_SUBTABLE)
        .map(|idx| {
            let (a, b) = ((idx >> 8) as u8, idx as u8);
            let fields =
                [k, Fr::from(a as u64), Fr::from(b as u64), Fr::from(Kind::ALL[kind].eval(a, b))];
            fingerprint(&fields, gammas, tau)
        })
        .collect()
}

/// The same, as an MLE at a point (verifier side, closed form).
fn lookup_fingerprint_at(kind: usize, point: &[Fr], gammas: &[Fr], tau: Fr) -> Fr {
    let (ra, rb) = (&point[..8], &point[8..]);
    let fields = [Fr::from(kind as u64), index_mle(ra), index_mle(rb), Kind::ALL[kind].mle(ra, rb)];
    fingerprint(&fields, gammas, tau)
}

fn register_products(vals: &[u32], ts: &[u64], gammas: &[Fr], tau: Fr) -> (Fr, Fr) {
    let mut init = Fr::one();
    let mut fin = Fr::one();
    for r in 0..64 {
        init *= fingerprint(&[Fr::from(r as u64), Fr::zero(), Fr::zero()], gammas, tau);
        fin *= fingerprint(
            &[Fr::from(r as u64), Fr::from(vals[r] as u64), Fr::from(ts[r])],
            gammas,
            tau,
        );
    }
    (init, fin)
}

/// Checks `Init · Writes = Reads · Final` for every memory from the grand products.
fn check_products(
    rows: &[Fr],
    bc: &[Fr],
    ram: &[Fr],
    lk: &[Fr],
    reg: (Fr, Fr),
) -> Result<(), VerifyError> {
    let rw = |range: std::ops::Range<usize>| -> (Fr, Fr) {
        let reads = range.clone().map(|i| rows[2 * i]).product();
        let writes = range.map(|i| rows[2 * i + 1]).product();
        (reads, writes)
    };
    let n_tuples = rows.len() / 2;
    let checks = [
        ("bytecode", rw(T_BC), (bc[0], bc[1])),
        ("registers", rw(T_REG), reg),
        ("RAM", rw(T_RAM), (ram[0], ram[1])),
        (
            "lookups",
            rw(T_RAM.end..n_tuples),
            (lk.iter().step_by(2).product(), lk.iter().skip(1).step_by(2).product()),
        ),
    ];
    for (name, (reads, writes), (init, fin)) in checks {
        if init * writes != reads * fin {
            return Err(VerifyError::Memory(format!(
                "{name}: the multiset of reads and writes does not match"
            )));
        }
    }
    if rows.iter().chain(bc).chain(ram).chain(lk).any(|p| p.is_zero()) {
        return Err(VerifyError::Memory("a grand product is zero".into()));
    }
    Ok(())
}

// ---- prover -------------------------------------------------------------------------------

/// Proves a run of `elf` on the inputs (at most `max_cycles` instructions).
pub fn prove(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    progress: &mut dyn FnMut(Phase),
) -> Result<(Statement, Proof), ProveError> {
    prove_tampered(elf, onchain, offchain, max_cycles, progress, &|_| ())
}

/// The size of a run's proof, known before proving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceShape {
    pub cycles: u64,
    /// Rows the run expands into (instructions plus their virtual sequences).
    pub rows: usize,
    /// The padded trace: `2^log_rows` rows, at least one of them padding.
    pub log_rows: usize,
    /// The RAM window: `2^log_k_ram` words.
    pub log_k_ram: usize,
    /// Size of the final-state polynomials (RAM window, bytecode, subtables): `2^table_vars`.
    pub table_vars: usize,
}

impl TraceShape {
    /// Peak prover memory, erring high: ~6 KiB per padded row (the ~130 witness columns of
    /// 32-byte field elements plus the polynomials being bound or fingerprinted) and ~1.1 KiB
    /// per word of the final-state tables, plus a base. Calibrated on the 2-core benchmark
    /// machine (docs/benchmarks.md: 2^20 rows with the default 2^20-word RAM window peak at
    /// 6.9–7.25 GiB from run to run, estimated 7.5 GiB).
    pub fn estimated_memory_bytes(&self) -> u64 {
        (384u64 << 20) + (6144u64 << self.log_rows) + (1152u64 << self.table_vars)
    }
}

/// The [`TraceShape`] of a run, from one pass of the VM that keeps no trace (each step
/// counts its virtual sequence's length and RAM word), so sizing a proof costs no memory.
/// Faults are not reported here; [`prove`] reports them.
pub fn trace_shape(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
) -> Result<TraceShape, ProveError> {
    struct Counter<'a> {
        bytecode: &'a Bytecode,
        ram: &'a RamLayout,
        rows: usize,
        max_index: usize,
    }
    impl ivm_vm::Tracer for Counter<'_> {
        const ENABLED: bool = true;
        fn record(&mut self, step: ivm_vm::Step) {
            if let Some(wi) = self.bytecode.word_index(step.pc) {
                self.rows += self.bytecode.rows[self.bytecode.starts[wi]].seq_len as usize;
            }
            if let Some(i) = step.mem.and_then(|m| self.ram.index(m.addr)) {
                self.max_index = self.max_index.max(i);
            }
        }
    }
    let pre = preprocess_for_prover(elf)?;
    let init_max = pre
        .ram
        .initial_words(&pre.program, onchain, offchain)
        .iter()
        .map(|w| w.0)
        .max()
        .unwrap_or(0);
    let mut counter =
        Counter { bytecode: &pre.bytecode, ram: &pre.ram, rows: 0, max_index: init_max };
    let exec = ivm_vm::run(&pre.program, Inputs { onchain, offchain }, max_cycles, &mut counter)?;
    let log_k_ram = pre.ram.log_k_for(counter.max_index);
    Ok(TraceShape {
        cycles: exec.cycles,
        rows: counter.rows,
        log_rows: cpu::log_rows_for(counter.rows),
        log_k_ram,
        table_vars: table_vars(pre.log_k_bc, log_k_ram),
    })
}

/// The [`TraceShape`] a challenger must plan for to prove any run of `elf` within
/// `max_cycles`: [`ROWS_PER_CYCLE_ALLOWANCE`] rows per cycle — the allowance
/// [`max_provable_cycles`] sizes the provability bound with — and the RAM window up to the top
/// of the stack (every run touches its stack; a run that reaches high into its heap needs a
/// larger window). A run that executes long virtual sequences (division, sub-word stores) on
/// most cycles can exceed the rows, up to [`longest_virtual_sequence`] per cycle.
pub fn worst_case_shape(elf: &[u8], max_cycles: u64) -> Result<TraceShape, ProveError> {
    let pre = preprocess_for_prover(elf)?;
    let rows = max_cycles.saturating_mul(ROWS_PER_CYCLE_ALLOWANCE).min(1 << 40) as usize;
    let stack_top = pre.ram.index(pre.program.layout.stack_top - 4).unwrap_or(0);
    let log_k_ram = pre.ram.log_k_for(stack_top);
    Ok(TraceShape {
        cycles: max_cycles,
        rows,
        log_rows: cpu::log_rows_for(rows),
        log_k_ram,
        table_vars: table_vars(pre.log_k_bc, log_k_ram),
    })
}

/// The most rows one instruction of `elf` can expand into (its longest virtual sequence): the
/// strict upper bound of rows per cycle.
pub fn longest_virtual_sequence(elf: &[u8]) -> Result<u64, ProveError> {
    let pre = preprocess_for_prover(elf)?;
    Ok(pre.bytecode.rows.iter().map(|r| r.seq_len as u64).max().unwrap_or(1).max(1))
}

/// Rows per cycle allowed for virtual sequences when sizing [`max_provable_cycles`]: the
/// benchmark programs expand by 1.0–1.1 rows per cycle; division-heavy code by more.
pub const ROWS_PER_CYCLE_ALLOWANCE: u64 = 2;

/// A provability bound for `memory_bytes` of RAM: the largest run (in cycles) whose trace,
/// at [`ROWS_PER_CYCLE_ALLOWANCE`] rows per cycle and the default 2^20-word RAM window, this
/// prover's memory estimate fits. What `ivm devnet` sets as `JobManager.maxJobCycles`.
pub fn max_provable_cycles(memory_bytes: u64) -> u64 {
    let fits = |log_rows: usize| {
        TraceShape { cycles: 0, rows: 0, log_rows, log_k_ram: 20, table_vars: 20 }
            .estimated_memory_bytes()
            <= memory_bytes
    };
    let log_rows = (1..=40).take_while(|&k| fits(k)).last().unwrap_or(1);
    ((1u64 << log_rows) / ROWS_PER_CYCLE_ALLOWANCE).max(1)
}

/// [`prove`] with a hook that may corrupt the expanded rows before the witness is built: the
/// soundness tests use it to play a cheating prover. Not for production use.
#[doc(hidden)]
pub fn prove_tampered(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    progress: &mut dyn FnMut(Phase),
    tamper: &dyn Fn(&mut Vec<isa::Row>),
) -> Result<(Statement, Proof), ProveError> {
    prove_with(elf, onchain, offchain, max_cycles, progress, tamper, ivm_vm::trace)
}

/// [`prove`] of the run the VM would have on flat memory, where nothing faults on
/// permissions: a cheating prover for the soundness tests (such a run must not verify).
#[doc(hidden)]
pub fn prove_permissive(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
) -> Result<(Statement, Proof), ProveError> {
    prove_with(
        elf,
        onchain,
        offchain,
        max_cycles,
        &mut |_| (),
        &|_| (),
        ivm_vm::exec::trace_permissive,
    )
}

type TraceFn = fn(
    &Program,
    Inputs<'_>,
    u64,
) -> Result<(ivm_vm::Execution, Vec<ivm_vm::Step>), ivm_vm::InputError>;

fn prove_with(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    progress: &mut dyn FnMut(Phase),
    tamper: &dyn Fn(&mut Vec<isa::Row>),
    trace: TraceFn,
) -> Result<(Statement, Proof), ProveError> {
    progress(Phase::Execute);
    let pre = preprocess_for_prover(elf)?;
    let (exec, steps) = trace(&pre.program, Inputs { onchain, offchain }, max_cycles)?;
    if let ivm_vm::Exit::Fault(f) = &exec.exit {
        return Err(ProveError::Fault(f.clone()));
    }
    let statement = Statement::of_run(pre.program_id, onchain, offchain, &exec);

    progress(Phase::Witness);
    let mut rows = isa::expand(&pre.bytecode, &steps)?;
    drop(steps);
    tamper(&mut rows);
    let init_words = pre.ram.initial_words(&pre.program, onchain, offchain);
    let w = cpu::build_witness(&pre.bytecode, &rows, &pre.ram, &pre.perms, &init_words)?;
    drop(rows);
    let control = final_control(&pre.ram, &w, exec.output.len());
    let proof = prove_witness(&pre, &statement, w, control, progress);
    Ok((statement, proof))
}

fn final_control(ram: &RamLayout, w: &Witness, output_len: usize) -> FinalControl {
    let word = |addr: u32| -> u32 {
        let v = w.ram_final_val[ram.index(addr).unwrap()];
        crate::field::fr_to_u64(&v).unwrap() as u32
    };
    let tail = if output_len % 4 == 0 {
        0
    } else {
        word(ram.output_base + 4 * (output_len / 4) as u32) >> (8 * (output_len % 4))
    };
    FinalControl {
        panic_word: word(ivm_abi::PANIC_ADDR),
        termination_word: word(ivm_abi::TERMINATION_ADDR),
        output_tail: tail,
    }
}

/// The multilinear extensions of many same-length columns at one point (the values
/// `DenseMle::evaluate` gives): one shared `eq(point, ·)` table, then per column (in
/// parallel) `Σ_x eq[x]·col[x]` with zero entries skipped and one-entries added.
fn evaluate_columns<'a>(cols: impl Iterator<Item = &'a [Fr]>, point: &[Fr]) -> Vec<Fr> {
    use rayon::prelude::*;
    let cols: Vec<&[Fr]> = cols.collect();
    let eq = eq_table(point);
    cols.par_iter()
        .map(|col| {
            assert_eq!(col.len(), eq.len(), "column length must be 2^|point|");
            let mut acc = Fr::zero();
            for (e, v) in eq.iter().zip(col.iter()) {
                if v.is_zero() {
                } else if v.is_one() {
                    acc += e;
                } else {
                    acc += *e * v;
                }
            }
            acc
        })
        .collect()
}

fn prove_witness(
    pre: &Preprocessed,
    st: &Statement,
    mut w: Witness,
    control: FinalControl,
    progress: &mut dyn FnMut(Phase),
) -> Proof {
    let log_rows = w.log_rows;
    let log_k_ram = w.log_k_ram;
    let mut t = Transcript::new(DOMAIN);
    absorb_preamble(
        &mut t,
        pre,
        st,
        (log_rows, log_k_ram),
        &control,
        (&w.reg_final_val, &w.reg_final_ts),
    );

    progress(Phase::Commit);
    let max_vars = log_rows.max(log_k_ram).max(pre.log_k_bc).max(LOG_SUBTABLE);
    let setup = prover_setup(max_vars);
    let lk_final_cnt: Vec<Vec<Fr>> =
        w.lk_final_cnt.chunks(1 << LOG_SUBTABLE).take(NUM_KINDS).map(|c| c.to_vec()).collect();
    w.lk_final_cnt = Vec::new();
    let mut commitments = Vec::with_capacity(NUM_COMMITTED + NUM_FINAL_POLYS);
    let mut hints = Vec::with_capacity(NUM_COMMITTED + NUM_FINAL_POLYS);
    let mut commit = |v: &mut Vec<Fr>| {
        let m = DenseMle::new(std::mem::take(v));
        let (c, h) = Dory::commit(&setup, &m);
        *v = m.into_evals();
        commitments.push(c);
        hints.push(h);
    };
    for c in 0..NUM_COMMITTED {
        commit(&mut w.cols[c]);
    }
    // Final-state polynomials, zero-padded to one size so that one Dory proof opens them all.
    let tv = table_vars(pre.log_k_bc, log_k_ram);
    let pad = |v: &Vec<Fr>| {
        let mut p = v.clone();
        p.resize(1 << tv, Fr::zero());
        p
    };
    let mut tables: Vec<Vec<Fr>> =
        vec![pad(&w.bc_final_cnt), pad(&w.ram_final_val), pad(&w.ram_final_ts)];
    tables.extend(lk_final_cnt.iter().map(pad));
    for c in tables.iter_mut() {
        commit(c);
    }
    for c in &commitments {
        t.append_bytes(b"commitment", &c.to_bytes());
    }

    progress(Phase::Constraints);
    let r1cs = cpu::constraints(pre.ram.io_base);
    let (spartan_proof, sp) = spartan::prove(&r1cs, &w.cols, &mut t);

    progress(Phase::Lookups);
    let flags: Vec<&[Fr]> =
        (0..isa::tables::NUM_TABLES).map(|i| w.cols[cpu::TABLE_FLAGS + i].as_slice()).collect();
    let slots: Vec<&[Fr]> =
        (0..isa::tables::SLOTS).map(|s| w.cols[cpu::slot_e(s)].as_slice()).collect();
    let (lookup_proof, lk) = lookup::prove(&flags, &slots, &w.cols[cpu::LKOUT], &mut t);

    // I/O check: Σ_x eq(ρ,x)·mask(x)·(final(x) − expected(x)) = 0.
    let io =
        IoExpectation::new(&pre.ram, &st.onchain_input, &st.offchain_input, &st.output, control);
    let rho = t.challenge_scalars(b"io/rho", log_k_ram);
    let io_polys = vec![
        DenseMle::new(eq_table(&rho)),
        DenseMle::new(io.mask_table(log_k_ram)),
        DenseMle::new(w.ram_final_val.clone()),
        DenseMle::new(io.expected_table(log_k_ram)),
    ];
    let mut io_sc = CompositeSumcheck::new(io_polys, 3, |v: &[Fr]| v[0] * v[1] * (v[2] - v[3]));
    let io_claim = io_sc.claim();
    let (io_proof, io_point) = sumcheck::prove(&mut io_sc, io_claim, &mut t);
    let io_final_eval = io_sc.final_evals()[2];
    t.append_scalar(b"io/final_eval", &io_final_eval);

    progress(Phase::Memory);
    let gammas = t.challenge_powers(b"mem/gamma", NUM_GAMMAS);
    let tau = t.challenge_scalar(b"mem/tau");
    // Row-sized instances.
    let tuples = row_tuples();
    let polys: Vec<&[Fr]> = w.cols.iter().map(|c| c.as_slice()).collect();
    let n = 1usize << log_rows;
    // 2 leaf vectors per tuple, recomputed from the columns rather than kept next to the tree.
    let leaf = |j: usize| {
        let (r, wr) = &tuples[j / 2];
        if j % 2 == 0 { r } else { wr }.leaves(&polys, n, &gammas, tau)
    };
    let (products, gkr_proof, row_point, _) =
        gkr::prove_recomputing(2 * tuples.len(), &leaf, &mut t);
    let row_cols = row_tuple_columns(&tuples);
    let row_evals: Vec<Fr> =
        evaluate_columns(row_cols.iter().map(|&c| w.cols[c].as_slice()), &row_point);
    t.append_scalars(b"mem/row_evals", &row_evals);
    let mem_rows = MemoryProof { products, gkr: gkr_proof, evals: row_evals };

    // Bytecode table.
    let bc_fp = bytecode_fingerprints(pre, &gammas, tau);
    let cnt_g = gammas[NUM_BC_FIELDS];
    let bc_final: Vec<Fr> =
        bc_fp.iter().zip(&w.bc_final_cnt).map(|(f, c)| *f + cnt_g * c).collect();
    let (products, gkr_proof, bc_point, _) = gkr::prove(vec![bc_fp, bc_final], &mut t);
    let bc_eval = DenseMle::new(w.bc_final_cnt.clone()).evaluate(&bc_point);
    t.append_scalars(b"mem/bc_evals", &[bc_eval]);
    let mem_bc = MemoryProof { products, gkr: gkr_proof, evals: vec![bc_eval] };

    // RAM.
    let k_ram = 1usize << log_k_ram;
    let [perm_r, perm_w, ctrl] = pre.perms.tables(log_k_ram);
    let ram_leaf = |i: usize, val: Fr, ts: Fr| {
        fingerprint(&[Fr::from(i as u64), val, ts, perm_r[i], perm_w[i], ctrl[i]], &gammas, tau)
    };
    let ram_init: Vec<Fr> =
        (0..k_ram).map(|i| ram_leaf(i, Fr::from(w.ram_init[i] as u64), Fr::zero())).collect();
    let ram_final: Vec<Fr> =
        (0..k_ram).map(|i| ram_leaf(i, w.ram_final_val[i], w.ram_final_ts[i])).collect();
    drop((perm_r, perm_w, ctrl));
    let (products, gkr_proof, ram_point, _) = gkr::prove(vec![ram_init, ram_final], &mut t);
    let ram_evals = vec![
        DenseMle::new(w.ram_final_val.clone()).evaluate(&ram_point),
        DenseMle::new(w.ram_final_ts.clone()).evaluate(&ram_point),
    ];
    t.append_scalars(b"mem/ram_evals", &ram_evals);
    let mem_ram = MemoryProof { products, gkr: gkr_proof, evals: ram_evals };

    // Subtable memory: init and final of every kind.
    let cnt_g = gammas[4];
    let mut lk_leaves = Vec::with_capacity(2 * NUM_KINDS);
    for (k, cnt) in lk_final_cnt.iter().enumerate() {
        let fp = lookup_fingerprints(k, &gammas, tau);
        let fin: Vec<Fr> = fp.iter().zip(cnt).map(|(f, c)| *f + cnt_g * c).collect();
        lk_leaves.push(fp);
        lk_leaves.push(fin);
    }
    let (products, gkr_proof, lk_point, _) = gkr::prove(lk_leaves, &mut t);
    let lk_evals: Vec<Fr> = evaluate_columns(lk_final_cnt.iter().map(|c| c.as_slice()), &lk_point);
    t.append_scalars(b"mem/lk_evals", &lk_evals);
    let mem_lk = MemoryProof { products, gkr: gkr_proof, evals: lk_evals };

    progress(Phase::Openings);
    let claims = OpeningClaims::collect(
        log_rows,
        &r1cs.shifted_columns(),
        &sp,
        &lk,
        (&row_point, &row_cols, &mem_rows.evals),
        pre.bytecode.entry,
        st.cycles,
    );
    let row_polys: Vec<DenseMle> = w.cols.drain(..NUM_COMMITTED).map(DenseMle::new).collect();
    let row_refs: Vec<&DenseMle> = row_polys.iter().collect();
    let open_rows = opening::prove(
        &setup,
        &row_refs,
        &commitments[..NUM_COMMITTED],
        &hints[..NUM_COMMITTED],
        &claims.rows,
        &mut t,
    );
    drop(row_polys);
    let claims = table_claims(
        tv,
        &bc_point,
        mem_bc.evals[0],
        &ram_point,
        &mem_ram.evals,
        &io_point,
        io_final_eval,
        &lk_point,
        &mem_lk.evals,
    );
    drop(lk_final_cnt);
    let table_polys: Vec<DenseMle> = tables.into_iter().map(DenseMle::new).collect();
    let table_refs: Vec<&DenseMle> = table_polys.iter().collect();
    let open_tables =
        opening::prove(&setup, &table_refs, &commitments[C_BC..], &hints[C_BC..], &claims, &mut t);

    Proof {
        log_rows: log_rows as u8,
        log_k_ram: log_k_ram as u8,
        control,
        reg_final_val: w.reg_final_val.to_vec(),
        reg_final_ts: w.reg_final_ts.to_vec(),
        commitments,
        spartan: spartan_proof,
        lookup: lookup_proof,
        io: io_proof,
        io_final_eval,
        mem_rows,
        mem_bc,
        mem_ram,
        mem_lk,
        open_rows,
        open_tables,
    }
}

/// The opening claims on the row-sized columns (shared by prover and verifier).
struct OpeningClaims {
    rows: Vec<OpeningClaim>,
}

impl OpeningClaims {
    fn collect(
        log_rows: usize,
        shifted: &[usize],
        sp: &spartan::SpartanClaims,
        lk: &lookup::LookupOutputClaims,
        mem: (&[Fr], &[usize], &[Fr]),
        entry: usize,
        cycles: u64,
    ) -> Self {
        let mut rows = Vec::new();
        for c in 0..NUM_COMMITTED {
            rows.push(OpeningClaim { poly: c, point: sp.point.clone(), eval: sp.evals[c] });
        }
        for (i, &c) in shifted.iter().enumerate() {
            rows.push(OpeningClaim {
                poly: c,
                point: sp.shift_point.clone(),
                eval: sp.shift_evals[i],
            });
        }
        for t in 0..isa::tables::NUM_TABLES {
            rows.push(OpeningClaim {
                poly: cpu::TABLE_FLAGS + t,
                point: lk.point.clone(),
                eval: lk.flag_evals[t],
            });
        }
        for s in 0..isa::tables::SLOTS {
            rows.push(OpeningClaim {
                poly: cpu::slot_e(s),
                point: lk.point.clone(),
                eval: lk.slot_evals[s],
            });
        }
        rows.push(OpeningClaim { poly: cpu::LKOUT, point: lk.point.clone(), eval: lk.out_eval });
        let (point, cols, evals) = mem;
        for (&c, &e) in cols.iter().zip(evals) {
            rows.push(OpeningClaim { poly: c, point: point.to_vec(), eval: e });
        }
        // Row 0 starts at the entry; the first-row flags sum to the cycle count
        // (Σ_x f(x) = 2^n · f(½, …, ½)).
        rows.push(OpeningClaim {
            poly: cpu::BC,
            point: vec![Fr::zero(); log_rows],
            eval: Fr::from(entry as u64),
        });
        let half = Fr::from(2u64).inverse_or_zero();
        let scale = Fr::from(1u64 << log_rows).inverse_or_zero();
        rows.push(OpeningClaim {
            poly: cpu::FIRST,
            point: vec![half; log_rows],
            eval: Fr::from(cycles) * scale,
        });
        OpeningClaims { rows }
    }
}

trait InverseOrZero {
    fn inverse_or_zero(&self) -> Fr;
}
impl InverseOrZero for Fr {
    fn inverse_or_zero(&self) -> Fr {
        ark_ff::Field::inverse(self).unwrap_or_default()
    }
}

// ---- verifier -----------------------------------------------------------------------------

/// Verifies `proof` for `statement` against the ELF.
pub fn verify(elf: &[u8], st: &Statement, proof: &Proof) -> Result<(), VerifyError> {
    let pre = preprocess(elf)?;
    st.check_program(&pre.program_id, &pre.program).map_err(VerifyError::from)?;
    let log_rows = proof.log_rows as usize;
    let log_k_ram = proof.log_k_ram as usize;
    check_shape(&pre, st, log_rows, log_k_ram)?;
    if !st.outcome.ended() {
        return Err(VerifyError::Shape(format!(
            "a {} proof states how a run ended; this one claims {}",
            crate::proof_file::PROOF_SYSTEM,
            st.outcome
        )));
    }
    if !proof.control.consistent(st.outcome, st.output.len()) {
        return Err(VerifyError::Io(
            "the final control words contradict the statement's outcome or output".into(),
        ));
    }
    if proof.reg_final_val.len() != 64
        || proof.reg_final_ts.len() != 64
        || proof.commitments.len() != NUM_COMMITTED + NUM_FINAL_POLYS
    {
        return Err(VerifyError::Shape("wrong number of registers or commitments".into()));
    }
    if proof.reg_final_val[0] != 0 {
        return Err(VerifyError::Memory("x0 must end as 0".into()));
    }

    let mut t = Transcript::new(DOMAIN);
    absorb_preamble(
        &mut t,
        &pre,
        st,
        (log_rows, log_k_ram),
        &proof.control,
        (&proof.reg_final_val, &proof.reg_final_ts),
    );
    for c in &proof.commitments {
        t.append_bytes(b"commitment", &c.to_bytes());
    }

    // Constraints.
    let r1cs = cpu::constraints(pre.ram.io_base);
    let sp = spartan::verify(&r1cs, log_rows, &proof.spartan, &mut t)?;
    if sp.evals[ROWIDX] != index_mle(&sp.point) {
        return Err(VerifyError::Shape(
            "the row-index column is public and was misreported".into(),
        ));
    }
    let shifted = r1cs.shifted_columns();
    if shifted.contains(&ROWIDX) {
        unreachable!("ROWIDX is never shifted");
    }

    // Lookups.
    let lk = lookup::verify(log_rows, &proof.lookup, &mut t).map_err(VerifyError::Lookup)?;

    // I/O.
    let io = IoExpectation::new(
        &pre.ram,
        &st.onchain_input,
        &st.offchain_input,
        &st.output,
        proof.control,
    );
    let rho = t.challenge_scalars(b"io/rho", log_k_ram);
    let (io_final, io_point) = sumcheck::verify(Fr::zero(), log_k_ram, 3, &proof.io, &mut t)
        .map_err(|e| VerifyError::Io(e.to_string()))?;
    let expected = eq_eval(&rho, &io_point)
        * io.mask_mle(&io_point)
        * (proof.io_final_eval - io.expected_mle(&io_point));
    if expected != io_final {
        return Err(VerifyError::Io(
            "final RAM does not hold the statement's inputs, output and control words".into(),
        ));
    }
    t.append_scalar(b"io/final_eval", &proof.io_final_eval);

    // Memory checking.
    let gammas = t.challenge_powers(b"mem/gamma", NUM_GAMMAS);
    let tau = t.challenge_scalar(b"mem/tau");
    let tuples = row_tuples();
    let n_inst = 2 * tuples.len();
    if proof.mem_rows.products.len() != n_inst {
        return Err(VerifyError::Shape("wrong number of row grand products".into()));
    }
    let (row_point, leaf_claims) =
        gkr::verify(log_rows, &proof.mem_rows.products, &proof.mem_rows.gkr, &mut t)
            .map_err(|e| VerifyError::Gkr("rows", e))?;
    let row_cols = row_tuple_columns(&tuples);
    if proof.mem_rows.evals.len() != row_cols.len() {
        return Err(VerifyError::Shape("wrong number of row evaluations".into()));
    }
    let mut values = vec![Fr::zero(); NUM_COLS];
    for (&c, &e) in row_cols.iter().zip(&proof.mem_rows.evals) {
        values[c] = e;
    }
    values[ROWIDX] = index_mle(&row_point);
    for (i, (r, w)) in tuples.iter().enumerate() {
        if r.leaf_at(&values, &gammas, tau) != leaf_claims[2 * i]
            || w.leaf_at(&values, &gammas, tau) != leaf_claims[2 * i + 1]
        {
            return Err(VerifyError::Memory(format!(
                "row tuple {i}: leaf claims do not match the column evaluations"
            )));
        }
    }
    t.append_scalars(b"mem/row_evals", &proof.mem_rows.evals);

    let table_side = |name: &'static str,
                      log_k: usize,
                      m: &MemoryProof,
                      n_evals: usize,
                      t: &mut Transcript|
     -> Result<(Vec<Fr>, Vec<Fr>), VerifyError> {
        if m.products.len() != 2 || m.evals.len() != n_evals {
            return Err(VerifyError::Shape(format!(
                "{name}: wrong number of products or evaluations"
            )));
        }
        let (point, claims) =
            gkr::verify(log_k, &m.products, &m.gkr, t).map_err(|e| VerifyError::Gkr(name, e))?;
        Ok((point, claims))
    };
    // Bytecode.
    let (bc_point, claims) = table_side("bytecode", pre.log_k_bc, &proof.mem_bc, 1, &mut t)?;
    let bc_fp = DenseMle::new(bytecode_fingerprints(&pre, &gammas, tau)).evaluate(&bc_point);
    if claims[0] != bc_fp || claims[1] != bc_fp + gammas[NUM_BC_FIELDS] * proof.mem_bc.evals[0] {
        return Err(VerifyError::Memory("bytecode table leaf claims do not match".into()));
    }
    t.append_scalars(b"mem/bc_evals", &proof.mem_bc.evals);
    // RAM.
    let (ram_point, claims) = table_side("RAM", log_k_ram, &proof.mem_ram, 2, &mut t)?;
    let init_words: Vec<(usize, Fr)> = pre
        .ram
        .initial_words(&pre.program, &st.onchain_input, &st.offchain_input)
        .into_iter()
        .map(|(i, v)| (i, Fr::from(v as u64)))
        .collect();
    let idx = index_mle(&ram_point);
    let [perm_r, perm_w, ctrl] = pre.perms.mles(&ram_point);
    let init_leaf = fingerprint(
        &[idx, crate::ram::sparse_mle(&init_words, &ram_point), Fr::zero(), perm_r, perm_w, ctrl],
        &gammas,
        tau,
    );
    let final_leaf = fingerprint(
        &[idx, proof.mem_ram.evals[0], proof.mem_ram.evals[1], perm_r, perm_w, ctrl],
        &gammas,
        tau,
    );
    if claims[0] != init_leaf || claims[1] != final_leaf {
        return Err(VerifyError::Memory(
            "RAM leaf claims do not match the initial image or the final state".into(),
        ));
    }
    t.append_scalars(b"mem/ram_evals", &proof.mem_ram.evals);
    // Subtables.
    if proof.mem_lk.products.len() != 2 * NUM_KINDS || proof.mem_lk.evals.len() != NUM_KINDS {
        return Err(VerifyError::Shape(
            "subtables: wrong number of products or evaluations".into(),
        ));
    }
    let (lk_point, claims) =
        gkr::verify(LOG_SUBTABLE, &proof.mem_lk.products, &proof.mem_lk.gkr, &mut t)
            .map_err(|e| VerifyError::Gkr("subtables", e))?;
    for k in 0..NUM_KINDS {
        let fp = lookup_fingerprint_at(k, &lk_point, &gammas, tau);
        if claims[2 * k] != fp || claims[2 * k + 1] != fp + gammas[4] * proof.mem_lk.evals[k] {
            return Err(VerifyError::Memory(format!(
                "subtable {:?}: leaf claims do not match",
                Kind::ALL[k]
            )));
        }
    }
    t.append_scalars(b"mem/lk_evals", &proof.mem_lk.evals);
    let reg = register_products(&proof.reg_final_val, &proof.reg_final_ts, &gammas, tau);
    check_products(
        &proof.mem_rows.products,
        &proof.mem_bc.products,
        &proof.mem_ram.products,
        &proof.mem_lk.products,
        reg,
    )?;

    // Openings.
    let max_vars = log_rows.max(log_k_ram).max(pre.log_k_bc).max(LOG_SUBTABLE);
    let vs = verifier_setup(max_vars);
    let vs: &DoryVerifierSetup = &vs;
    let claims = OpeningClaims::collect(
        log_rows,
        &shifted,
        &sp,
        &lk,
        (&row_point, &row_cols, &proof.mem_rows.evals),
        pre.bytecode.entry,
        st.cycles,
    );
    let c = &proof.commitments;
    opening::verify(vs, log_rows, &c[..NUM_COMMITTED], &claims.rows, &proof.open_rows, &mut t)
        .map_err(|e| VerifyError::Opening("columns", e))?;
    let tv = table_vars(pre.log_k_bc, log_k_ram);
    let claims = table_claims(
        tv,
        &bc_point,
        proof.mem_bc.evals[0],
        &ram_point,
        &proof.mem_ram.evals,
        &io_point,
        proof.io_final_eval,
        &lk_point,
        &proof.mem_lk.evals,
    );
    opening::verify(vs, tv, &c[C_BC..], &claims, &proof.open_tables, &mut t)
        .map_err(|e| VerifyError::Opening("final state", e))?;
    Ok(())
}

fn check_shape(
    pre: &Preprocessed,
    st: &Statement,
    log_rows: usize,
    log_k_ram: usize,
) -> Result<(), VerifyError> {
    if log_rows == 0 || log_rows > cpu::MAX_LOG_ROWS {
        return Err(VerifyError::Shape(format!(
            "2^{log_rows} rows is outside [2, 2^{}]",
            cpu::MAX_LOG_ROWS
        )));
    }
    if st.cycles >= 1u64 << log_rows {
        return Err(VerifyError::Shape(format!(
            "{} cycles do not fit 2^{log_rows} rows",
            st.cycles
        )));
    }
    let init_max = pre
        .ram
        .initial_words(&pre.program, &st.onchain_input, &st.offchain_input)
        .iter()
        .map(|w| w.0)
        .max()
        .unwrap_or(0);
    let min_k = pre.ram.log_k_for(init_max);
    if log_k_ram < min_k || log_k_ram > pre.ram.max_log_k() {
        return Err(VerifyError::Shape(format!(
            "RAM size 2^{log_k_ram} is outside [2^{min_k}, 2^{}]",
            pre.ram.max_log_k()
        )));
    }
    Ok(())
}

// ---- encoding -----------------------------------------------------------------------------

/// Upper bound on an encoded commitment (a compressed `G_T` element is 384 bytes).
pub(crate) const MAX_COMMITMENT_BYTES: usize = 1024;

impl MemoryProof {
    fn write(&self, w: &mut Writer) {
        w.frs(&self.products);
        self.gkr.write(w);
        w.frs(&self.evals);
    }
    fn read(
        r: &mut Reader,
        num_vars: usize,
        instances: usize,
        evals: usize,
    ) -> Result<Self, DecodeError> {
        Ok(MemoryProof {
            products: r.frs_exact(instances, "grand products")?,
            gkr: GrandProductProof::read(r, num_vars, instances)?,
            evals: r.frs_exact(evals, "memory evaluations")?,
        })
    }
}

impl Proof {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.log_rows);
        w.u8(self.log_k_ram);
        w.u32(self.control.panic_word);
        w.u32(self.control.termination_word);
        w.u32(self.control.output_tail);
        for v in &self.reg_final_val {
            w.u32(*v);
        }
        for v in &self.reg_final_ts {
            w.u64(*v);
        }
        for c in &self.commitments {
            w.bytes(&c.to_bytes());
        }
        self.spartan.write(w);
        self.lookup.write(w);
        w.sumcheck(&self.io);
        w.fr(&self.io_final_eval);
        self.mem_rows.write(w);
        self.mem_bc.write(w);
        self.mem_ram.write(w);
        self.mem_lk.write(w);
        self.open_rows.write(w);
        self.open_tables.write(w);
    }

    /// Decodes a proof for `elf`'s program: every length comes from the ELF and the policy.
    pub fn read(r: &mut Reader, elf: &[u8]) -> Result<Self, VerifyError> {
        let pre = preprocess(elf)?;
        Self::read_with(r, &pre).map_err(|e| VerifyError::Shape(e.to_string()))
    }

    fn read_with(r: &mut Reader, pre: &Preprocessed) -> Result<Self, DecodeError> {
        let log_rows = r.u8("log_rows")?;
        let log_k_ram = r.u8("log_k_ram")?;
        if log_rows == 0 || log_rows as usize > cpu::MAX_LOG_ROWS {
            return Err(DecodeError(format!(
                "log_rows {log_rows} outside [1, {}]",
                cpu::MAX_LOG_ROWS
            )));
        }
        if log_k_ram as usize > pre.ram.max_log_k() || log_k_ram == 0 {
            return Err(DecodeError(format!(
                "log_k_ram {log_k_ram} outside [1, {}]",
                pre.ram.max_log_k()
            )));
        }
        let (lr, lkr) = (log_rows as usize, log_k_ram as usize);
        let control = FinalControl {
            panic_word: r.u32("panic word")?,
            termination_word: r.u32("termination word")?,
            output_tail: r.u32("output tail")?,
        };
        let reg_final_val = (0..64).map(|_| r.u32("final register")).collect::<Result<_, _>>()?;
        let reg_final_ts =
            (0..64).map(|_| r.u64("final register timestamp")).collect::<Result<_, _>>()?;
        let commitments = (0..NUM_COMMITTED + NUM_FINAL_POLYS)
            .map(|_| {
                let b = r.bytes(MAX_COMMITMENT_BYTES, "commitment")?;
                DoryCommitment::from_bytes(&b).map_err(|e| DecodeError(format!("commitment: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let r1cs = cpu::constraints(pre.ram.io_base);
        let spartan = SpartanProof::read(r, &r1cs, lr)?;
        let lookup = LookupOutputProof::read(r, lr)?;
        let io = r.sumcheck(lkr, 3, "I/O sumcheck")?;
        let io_final_eval = r.fr("I/O evaluation")?;
        let tuples = row_tuples();
        let mem_rows =
            MemoryProof::read(r, lr, 2 * tuples.len(), row_tuple_columns(&tuples).len())?;
        let mem_bc = MemoryProof::read(r, pre.log_k_bc, 2, 1)?;
        let mem_ram = MemoryProof::read(r, lkr, 2, 2)?;
        let mem_lk = MemoryProof::read(r, LOG_SUBTABLE, 2 * NUM_KINDS, NUM_KINDS)?;
        let n_row_opened = NUM_COMMITTED; // every committed column gets a Spartan claim
        let open_rows = BatchOpeningProof::read(r, lr, n_row_opened)?;
        let open_tables =
            BatchOpeningProof::read(r, table_vars(pre.log_k_bc, lkr), NUM_FINAL_POLYS)?;
        Ok(Proof {
            log_rows,
            log_k_ram,
            control,
            reg_final_val,
            reg_final_ts,
            commitments,
            spartan,
            lookup,
            io,
            io_final_eval,
            mem_rows,
            mem_bc,
            mem_ram,
            mem_lk,
            open_rows,
            open_tables,
        })
    }
}
