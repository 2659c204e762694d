//! The v2 prover: commit, then the stages in order (docs/prover-architecture.md §3), then one opening.
use rayon::prelude::*;

use super::bytecode::{self, BytecodeStage};
use super::chunks::{self, Hamming};
use super::cpu::{self, FIRST_COMMITTED, NUM_COLS};
use super::lookups::LookupWitness;
use super::polys::{Chunked, Claims, Polys};
use super::proof::{transcript, Proof};
use super::ram::{FinalCheck, Remapped};
use super::ram_proof::{self, RamStage, RamWitness};
use super::registers::{self, RegisterWitness};
use super::slot_split;
use super::witness::Witness;
use super::{initial_memory, preprocess_for_prover, run_with, Claim, ProveError};
use crate::bytecode_fields::{LOAD, STORE};
use crate::claim_reduction;
use crate::columns::{Column, Stored};
use crate::field::Fr;
use crate::isa::Row;
use crate::joint_opening::{self, Layout, Source};
use crate::onehot::OneHot;
use crate::preprocess::{prover_setup, Preprocessed};
use crate::spartan;
use crate::statement::Statement;

/// The phases of [`prove`], in order (for progress reports and benchmarks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Execute,
    Commit,
    Constraints,
    Memory,
    Lookups,
    OneHot,
    Openings,
    Dory,
}

impl Phase {
    pub const ALL: [Phase; 8] = [
        Phase::Execute,
        Phase::Commit,
        Phase::Constraints,
        Phase::Memory,
        Phase::Lookups,
        Phase::OneHot,
        Phase::Openings,
        Phase::Dory,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Execute => "execute, trace and build the witness",
            Phase::Commit => "commit",
            Phase::Constraints => "prove constraints (Spartan)",
            Phase::Memory => "bytecode, registers and RAM (Shout, Twist)",
            Phase::Lookups => "instruction lookups (Shout)",
            Phase::OneHot => "one-hot chunks (virtualization, Hamming, booleanity)",
            Phase::Openings => "reduce every claim to one point",
            Phase::Dory => "open the commitments (one Dory proof)",
        }
    }
}

/// Prove a run of `elf` on the inputs (at most `max_cycles` instructions).
pub fn prove(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
) -> Result<(Statement, Proof), ProveError> {
    prove_with(elf, onchain, offchain, max_cycles, &mut |_| (), &|_| ())
}

/// [`prove`] with the expanded rows changed by `tamper` first: a cheating prover, for tests.
pub fn prove_tampered(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    tamper: &dyn Fn(&mut Vec<Row>),
) -> Result<(Statement, Proof), ProveError> {
    prove_with(elf, onchain, offchain, max_cycles, &mut |_| (), &|c| tamper(&mut c.rows))
}

/// [`prove`] of a claim changed by `cheat` (statement, rows, faulting row): a cheating
/// prover, for tests.
pub fn prove_claiming(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    cheat: &dyn Fn(&mut Claim),
) -> Result<(Statement, Proof), ProveError> {
    prove_with(elf, onchain, offchain, max_cycles, &mut |_| (), cheat)
}

/// [`prove`], reporting each phase as it starts (`cheat`: see [`prove_claiming`]).
pub fn prove_with(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    progress: &mut dyn FnMut(Phase),
    cheat: &dyn Fn(&mut Claim),
) -> Result<(Statement, Proof), ProveError> {
    progress(Phase::Execute);
    let pre = preprocess_for_prover(elf)?;
    let (st, w) = run_with(&pre, onchain, offchain, max_cycles, cheat)?;
    let initial = initial_memory(&pre, onchain, offchain);
    Ok((st.clone(), prove_witness(&pre, &st, &initial, w, progress)))
}

/// [`prove`] from a witness changed by `tamper` after it was built: a cheating prover that
/// commits memory traces or one-hot matrices other than the run's, for tests.
pub fn prove_witness_tampered(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    tamper: &dyn Fn(&mut Witness),
) -> Result<(Statement, Proof), ProveError> {
    let pre = preprocess_for_prover(elf)?;
    let (st, mut w) = run_with(&pre, onchain, offchain, max_cycles, &|_| ())?;
    tamper(&mut w);
    let initial = initial_memory(&pre, onchain, offchain);
    Ok((st.clone(), prove_witness(&pre, &st, &initial, w, &mut |_| ())))
}

/// The committed polynomials but the lookup chunks' slot groups, which are rebuilt from the
/// lookup chunks after the one-hot stage (`prove_witness`).
struct Committed {
    /// CPU columns `FIRST_COMMITTED..NUM_COLS`, as narrow as their values allow
    /// (`u32`, `i64` or field elements: `Stored::set`).
    columns: Vec<Stored>,
    /// The register and RAM increments (signed).
    inc_registers: Vec<i64>,
    inc_ram: Vec<i64>,
    /// The bytecode and RAM chunks.
    chunks: Vec<OneHot>,
}

impl Committed {
    /// Moves the committed columns out of the witness (Spartan reads them back through
    /// [`Committed::columns`]): a row-sized vector is never held twice.
    fn new(polys: &Polys, w: &mut Witness) -> Self {
        let columns = std::mem::take(&mut w.committed);
        let mut chunks = polys.bytecode.split(&w.bytecode);
        chunks.extend(polys.ram.split(w.ram.reads()));
        Committed {
            columns,
            inc_registers: w.registers.signed_increments(),
            inc_ram: w.ram.signed_increments(),
            chunks,
        }
    }

    /// Every committed polynomial, in `Polys` order, with the lookup chunks' slot `groups`.
    fn sources<'a>(&'a self, groups: &'a [Vec<OneHot>]) -> Vec<Source<'a>> {
        let columns = self.columns.iter().map(|c| match c {
            Stored::Field(p) => Source::Dense(p),
            Stored::Small(v) => Source::Small(v),
            Stored::Wide(v) => Source::Wide(v),
        });
        let incs = [&self.inc_registers, &self.inc_ram].into_iter().map(|v| Source::Wide(v));
        let chunks = self.chunks.iter().chain(groups.iter().flatten());
        columns.chain(incs).chain(chunks.map(Source::OneHot)).collect()
    }

    /// Every CPU column, in column order: the virtual ones from the witness, the committed
    /// ones from here.
    fn columns<'a>(&'a self, w: &'a Witness) -> Vec<Column<'a>> {
        let mut cols = w.columns();
        cols.truncate(FIRST_COMMITTED);
        cols.extend(self.columns.iter().map(Stored::column));
        cols
    }

    /// The chunks of the bytecode or RAM matrix `m`.
    fn of(&self, polys: &Polys, m: Chunked) -> &[OneHot] {
        assert_ne!(m, Chunked::Lookups, "lookup chunks are rebuilt where needed");
        let start = polys.chunk(m, 0) - polys.chunk(Chunked::Bytecode, 0);
        &self.chunks[start..start + polys.chunking(m).d()]
    }
}

fn prove_witness(
    pre: &Preprocessed,
    st: &Statement,
    initial: &std::collections::BTreeMap<u32, u32>,
    w: Witness,
    progress: &mut dyn FnMut(Phase),
) -> Proof {
    crate::memory::return_large_blocks_when_freed();
    progress(Phase::Commit);
    let log_rows = w.log_rows;
    let polys = Polys::new(log_rows, pre.log_k_bc, w.map.log_k());
    let layout = Layout::new(polys.layout_vars());
    let setup = prover_setup(layout.num_vars());
    let mut w = w;
    let committed = Committed::new(&polys, &mut w);
    let (commitments, hints) = commit_all(&setup, layout, &polys, &committed, &w.lookups);
    let mut t = transcript(pre, st, log_rows, w.map.pages(), &w.control, &commitments);

    progress(Phase::Constraints);
    let r1cs = cpu::constraints(st.outcome);
    let (spartan, sp) = spartan::prove(&r1cs, &committed.columns(&w), &mut t);
    // Every later claim on a stored virtual column is proven from other witness parts
    // (memory traces, the lookup matrix): free them before the rest of the proof.
    w.small = Vec::new();
    let mut claims = Claims::default();
    for c in FIRST_COMMITTED..NUM_COLS {
        claims.commit(polys.column(c), sp.point.clone(), sp.evals[c]);
    }
    progress(Phase::Memory);
    let fields = &w.fields;
    let shifted = r1cs.shifted_columns();
    let stage = BytecodeStage {
        fields,
        spartan: &sp,
        shifted: &shifted,
        entry: pre.bytecode.entry,
        cycles: super::verifier::instructions_started(st),
    };
    // Read checks of the fetch matrix the stages need, proven together after the lookups.
    let mut fetch_checks = Vec::new();
    bytecode::prove(&stage, &mut fetch_checks, &mut t);

    let (r, evals) = (&sp.point, &sp.evals);
    let regs = RegisterWitness {
        trace: &w.registers,
        inc: Column::Wide(&committed.inc_registers),
        rdnew: committed.columns[polys.column(cpu::RDNEW)].column(),
    };
    let registers =
        registers::prove(&polys, fields, r, &regs, &mut claims, &mut fetch_checks, &mut t);

    let final_check = FinalCheck::new(&pre.ram, st, &w.control);
    let ram_stage = RamStage {
        ram: Remapped { layout: &pre.ram, map: &w.map },
        perms: &pre.perms,
        initial,
        final_check: &final_check,
    };
    let inc = Column::Wide(&committed.inc_ram);
    let ram_w = RamWitness { trace: &w.ram, inc, final_memory: &w.ram_final };
    let ram = ram_proof::prove(&ram_stage, &polys, r, &ram_w, &mut claims, &mut t);
    progress(Phase::Lookups);
    let lookup_w = LookupWitness { cells: &w.lookups, fields };
    let lookups = super::lookups::prove(r, &lookup_w, &mut claims, &mut fetch_checks, &mut t);
    let fetches = bytecode::prove_fetches(&w.bytecode, &fetch_checks, &mut claims, &mut t);
    drop(fetch_checks);

    progress(Phase::OneHot);
    // From here on the lookup matrix is its chunks (bytes per row, not a `u32`).
    let lookup_chunks: Vec<OneHot> =
        (0..polys.lookups.d()).map(|i| operand_chunk(&polys, &w.lookups, i)).collect();
    drop(w.lookups);
    let mut lookup_claims = Vec::new();
    let chunks = hamming_points(r, evals, &mut t).map(|(m, h)| {
        let of = if m == Chunked::Lookups { &lookup_chunks } else { committed.of(&polys, m) };
        let (proof, out) = chunks::prove(&polys, m, of, &h, &mut claims, &mut t);
        match m {
            Chunked::Lookups => lookup_claims = out,
            _ => chunks::commit_claims(&polys, m, out, &mut claims),
        }
        proof
    });
    // Each chunk is freed once its slot groups are built.
    let groups: Vec<Vec<OneHot>> =
        lookup_chunks.into_iter().map(|c| slot_split::groups_of(&c)).collect();
    let lookup_groups = slot_split::prove(&polys, &groups, lookup_claims, &mut claims, &mut t);
    progress(Phase::Openings);
    let openings = claim_reduction::prove(
        &setup,
        layout,
        &committed.sources(&groups),
        &commitments,
        hints,
        &claims.committed,
        &mut t,
        &mut || progress(Phase::Dory),
    );
    Proof {
        log_rows: log_rows as u8,
        pages: w.map.pages().to_vec(),
        control: w.control,
        commitments,
        spartan,
        registers,
        ram,
        lookups,
        fetches,
        chunks,
        lookup_groups,
        openings,
    }
}

/// The commitments of every committed polynomial, in `Polys` order, with their opening
/// hints. The lookup chunks' slot groups are built and committed one chunk at a time (all
/// of them are ~0.2 GB at `2^20` rows).
fn commit_all(
    setup: &crate::pcs::DoryProverSetup,
    layout: Layout,
    polys: &Polys,
    committed: &Committed,
    lookups: &OneHot,
) -> (Vec<crate::pcs::DoryCommitment>, Vec<Vec<dory_pcs::backends::arkworks::ArkG1>>) {
    let commit = |sources: Vec<Source>| -> Vec<_> {
        sources.par_iter().map(|s| joint_opening::commit(setup, layout, *s)).collect()
    };
    let mut all = commit(committed.sources(&[]));
    let chunking = polys.chunking(Chunked::Lookups);
    for i in 0..chunking.d() {
        let groups = chunk_groups(polys, lookups, i);
        all.extend(commit(groups.iter().map(Source::OneHot).collect()));
    }
    // Nothing after the commitments pairs with the prepared generators (~70 MB).
    setup.release_prepared_generators();
    all.into_iter().unzip()
}

/// The committed slot groups of lookup chunk `i`.
fn chunk_groups(polys: &Polys, lookups: &OneHot, i: usize) -> Vec<OneHot> {
    slot_split::groups_of(&operand_chunk(polys, lookups, i))
}

/// Chunk `i` of the lookup slots' operand addresses, from the witness's cells `(kind, a, b)`.
fn operand_chunk(polys: &Polys, cells: &OneHot, i: usize) -> OneHot {
    let address = |j: usize| super::lookups::operands(cells.addrs().get(j));
    polys.chunking(Chunked::Lookups).split_one_by(i, cells.log_t(), address)
}

/// Where each chunked matrix's Hamming weights are checked: bytecode (every row fetches) at
/// the chunk stage's own cycle point; RAM (rows with a load or store) at Spartan's point and
/// the lookup slots (the slots their tables use) at Spartan's point extended by a fresh slot
/// point, where the verifier knows the flags.
pub(super) fn hamming_points(
    r: &[Fr],
    evals: &[Fr],
    t: &mut crate::transcript::Transcript,
) -> [(Chunked, Hamming); 3] {
    let s = t.challenge_scalars(b"v2/chunks/slot", super::witness::LOG_SLOT_ROWS);
    let used = super::lookups::used_at(evals, &s);
    [
        (Chunked::Bytecode, Hamming::One),
        (Chunked::Ram, Hamming::Flag { point: r.to_vec(), flag: evals[LOAD] + evals[STORE] }),
        (Chunked::Lookups, Hamming::Flag { point: [r, &s].concat(), flag: used }),
    ]
}
