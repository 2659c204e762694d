//! The v2 verifier. Everything it checks against is derived from the ELF and the statement:
//! the constraints, the bytecode table, the initial memory and permissions over the proof's
//! page list (itself checked against the layout), the final words, every polynomial's size.
use super::bytecode::{self, BytecodeStage};
use super::chunks::{self, ChunkError};
use super::cpu::{self, FIRST_COMMITTED, NUM_COLS};
use super::polys::{Chunked, Claims, Polys};
use super::proof::{transcript, Proof};
use super::ram::{check_pages, FinalCheck, Remapped};
use super::ram_proof::{self, RamError, RamStage};
use super::registers::{self, RegistersError};
use super::slot_split;
use super::witness::MAX_LOG_ROWS;
use super::{initial_memory, prover::hamming_points};
use crate::claim_reduction::{self, OpeningError};
use crate::joint_opening::Layout;
use crate::preprocess::{preprocess, verifier_setup, PreprocessError, Preprocessed};
use crate::spartan::{self, SpartanError};
use crate::statement::{Mismatch, Outcome, Statement};
use crate::sumcheck::SumcheckError;

/// Why a v2 proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("the statement's program ID {statement} is not the ELF's ({elf})")]
    ProgramId { statement: String, elf: String },
    #[error("{0}")]
    Isa(#[from] crate::isa::IsaError),
    #[error("proof shape rejected: {0}")]
    Shape(String),
    #[error("constraint proof (Spartan): {0}")]
    Spartan(#[from] SpartanError),
    #[error("bytecode: {0}")]
    Bytecode(SumcheckError),
    #[error("{0}")]
    Registers(#[from] RegistersError),
    #[error("{0}")]
    Ram(#[from] RamError),
    #[error("lookups: {0}")]
    Lookups(SumcheckError),
    #[error("one-hot chunks: {0}")]
    Chunks(#[from] ChunkError),
    #[error("{0}")]
    SlotGroups(#[from] slot_split::SlotSplitError),
    #[error("{0}")]
    Openings(#[from] OpeningError),
}

pub(crate) fn preprocess_for_verifier(elf: &[u8]) -> Result<Preprocessed, VerifyError> {
    preprocess(elf).map_err(|e| match e {
        PreprocessError::Elf(e) => VerifyError::Elf(e),
        PreprocessError::Isa(e) => VerifyError::Isa(e),
    })
}

/// The statement fits the program's layout and the proof's shape.
fn check_statement(pre: &Preprocessed, st: &Statement, proof: &Proof) -> Result<(), VerifyError> {
    st.check_program(&pre.program_id, &pre.program).map_err(|m| match m {
        Mismatch::ProgramId(statement, elf) => VerifyError::ProgramId { statement, elf },
        Mismatch::Layout => {
            VerifyError::Shape("statement inputs or output exceed the layout".into())
        }
    })?;
    if let Outcome::Faulted { class, pc } = st.outcome {
        super::fault::check_statement(&pre.bytecode, class, pc).map_err(|e| {
            VerifyError::Shape(format!("the statement's fault ({}): {e}", st.outcome))
        })?;
    }
    let log_rows = proof.log_rows as usize;
    let started = instructions_started(st);
    if !(1..=MAX_LOG_ROWS).contains(&log_rows) || started >= 1u64 << log_rows {
        return Err(VerifyError::Shape(format!(
            "{started} instructions in 2^{log_rows} rows (at most 2^{MAX_LOG_ROWS} rows)",
        )));
    }
    let max_output = pre.program.layout.sizes.max_output;
    if !proof.control.consistent(st.outcome, st.output.len(), max_output) {
        return Err(VerifyError::Shape(
            "the final control words contradict the statement's outcome or output".into(),
        ));
    }
    Ok(())
}

/// The instructions whose first row is in the trace: the retired ones, and the faulting one
/// (none for a pc outside the text, whose faulting row is the last retired instruction's,
/// nor for an output overflow, found after the last retired instruction).
pub(crate) fn instructions_started(st: &Statement) -> u64 {
    use crate::statement::FaultClass::{OutputOverflow, PcOutOfText};
    match st.outcome {
        Outcome::Faulted { class: PcOutOfText | OutputOverflow, .. } => st.cycles,
        Outcome::Faulted { .. } => st.cycles + 1,
        _ => st.cycles,
    }
}

pub fn verify(elf: &[u8], st: &Statement, proof: &Proof) -> Result<(), VerifyError> {
    verify_with(&preprocess_for_verifier(elf)?, st, proof)
}

/// [`verify`] for an ELF already preprocessed.
pub(crate) fn verify_with(
    pre: &Preprocessed,
    st: &Statement,
    proof: &Proof,
) -> Result<(), VerifyError> {
    check_statement(pre, st, proof)?;
    let log_rows = proof.log_rows as usize;
    let map = check_pages(&pre.ram, proof.pages.clone(), st).map_err(VerifyError::Shape)?;
    let polys = Polys::new(log_rows, pre.log_k_bc, map.log_k());
    if proof.commitments.len() != polys.count() {
        return Err(VerifyError::Shape(format!(
            "{} commitments, the proof's shape has {}",
            proof.commitments.len(),
            polys.count()
        )));
    }
    let mut t = transcript(pre, st, log_rows, map.pages(), &proof.control, &proof.commitments);

    let r1cs = cpu::constraints(st.outcome);
    let sp = spartan::verify(&r1cs, log_rows, &proof.spartan, &mut t)?;
    let mut claims = Claims::default();
    for c in FIRST_COMMITTED..NUM_COLS {
        claims.commit(polys.column(c), sp.point.clone(), sp.evals[c]);
    }
    let fields = bytecode::fields_table(&pre.bytecode, pre.log_k_bc);
    let shifted = r1cs.shifted_columns();
    let stage = BytecodeStage {
        fields: &fields,
        spartan: &sp,
        shifted: &shifted,
        entry: pre.bytecode.entry,
        cycles: instructions_started(st),
    };
    let mut fetch_checks = Vec::new();
    bytecode::verify(&stage, &mut fetch_checks, &mut t);
    let (r, evals) = (&sp.point, &sp.evals);
    let regs = &proof.registers;
    registers::verify(&polys, &fields, evals, r, regs, &mut claims, &mut fetch_checks, &mut t)?;

    let initial = initial_memory(pre, &st.onchain_input, &st.offchain_input);
    let final_check = FinalCheck::new(&pre.ram, st, &proof.control);
    let ram_stage = RamStage {
        ram: Remapped { layout: &pre.ram, map: &map },
        perms: &pre.perms,
        initial: &initial,
        final_check: &final_check,
    };
    ram_proof::verify(&ram_stage, &polys, evals, r, &proof.ram, &mut claims, &mut t)?;
    super::lookups::verify(evals, r, &proof.lookups, &mut claims, &mut fetch_checks, &mut t)
        .map_err(VerifyError::Lookups)?;
    bytecode::verify_fetches(&fields, &fetch_checks, &proof.fetches, &mut claims, &mut t)
        .map_err(VerifyError::Bytecode)?;
    drop(fetch_checks);
    let mut lookup_claims = Vec::new();
    for ((m, h), p) in hamming_points(r, evals, &mut t).into_iter().zip(&proof.chunks) {
        let out = chunks::verify(&polys, m, &h, p, &mut claims, &mut t)?;
        match m {
            Chunked::Lookups => lookup_claims = out,
            _ => chunks::commit_claims(&polys, m, out, &mut claims),
        }
    }
    slot_split::verify(&polys, lookup_claims, &proof.lookup_groups, &mut claims, &mut t)?;

    let layout = Layout::new(polys.layout_vars());
    let setup = verifier_setup(layout.num_vars());
    claim_reduction::verify(
        &setup,
        layout,
        &proof.commitments,
        &polys.sizes(),
        &claims.committed,
        &proof.openings,
        &mut t,
    )?;
    Ok(())
}
