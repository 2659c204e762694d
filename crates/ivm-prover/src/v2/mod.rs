//! Prover v2: Jolt's Twist and Shout design on ivm's toolkit (docs/prover-architecture.md).
//!
//! A newcomer's map: [`witness`] (a run's columns, one-hot addresses and memory traces) →
//! [`prover`] (commit, then the stages in transcript order) ↔ [`verifier`] (the same order,
//! everything derived from the ELF and the statement). The stages, each a `prove`/`verify`
//! pair: [`cpu`] (constraints, proven by Spartan), [`bytecode`], [`registers`], [`ram_proof`]
//! (over [`ram`]'s remapped pages), [`lookups`], [`chunks`] (ra virtualization, Hamming
//! weights, booleanity) and [`slot_split`]; [`polys`] names every committed polynomial and its
//! size; [`proof`] and [`codec`] are the proof and its encoding.

pub mod bytecode;
pub mod chunks;
pub mod codec;
pub mod cpu;
pub mod fault;
pub mod lookups;
pub mod polys;
pub mod proof;
pub mod prover;
pub mod ram;
pub mod ram_proof;
pub mod registers;
pub mod shape;
pub mod slot_split;
pub mod verifier;
pub mod witness;

pub use proof::Proof;
pub use prover::{
    prove, prove_claiming, prove_tampered, prove_with, prove_witness_tampered, Phase,
};
pub use shape::{trace_shape, TraceShape};
pub use verifier::{verify, VerifyError};

use std::collections::BTreeMap;

use ivm_vm::Inputs;

use crate::isa;
use crate::preprocess::{preprocess, PreprocessError, Preprocessed};
use crate::statement::{Outcome, Statement};
use witness::{Witness, WitnessError};

/// Transcript domain separator of v2 proofs.
pub const DOMAIN: &[u8] = b"ivm/jolt-rv32im-dory/2.3";

/// Why no proof could be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("invalid input: {0}")]
    Input(#[from] ivm_vm::InputError),
    #[error("the guest faulted ({0}): {1}")]
    Fault(ivm_vm::Fault, fault::FaultRowError),
    #[error("{0}")]
    Isa(#[from] isa::IsaError),
    #[error("{0}")]
    Witness(#[from] WitnessError),
}

pub(crate) fn preprocess_for_prover(elf: &[u8]) -> Result<Preprocessed, ProveError> {
    preprocess(elf).map_err(|e| match e {
        PreprocessError::Elf(e) => ProveError::Elf(e),
        PreprocessError::Isa(e) => ProveError::Isa(e),
    })
}

/// The initial memory by byte address (non-zero words): the ELF image, both inputs and their
/// length words.
pub(crate) fn initial_memory(
    pre: &Preprocessed,
    onchain: &[u8],
    offchain: &[u8],
) -> BTreeMap<u32, u32> {
    pre.ram
        .initial_words(&pre.program, onchain, offchain)
        .into_iter()
        .map(|(i, w)| (pre.ram.address(i), w))
        .collect()
}

/// What the prover claims before it builds the witness: the statement, the expanded rows and
/// which of them faults. Tests of cheating provers change it (see [`run`]).
pub struct Claim {
    pub statement: Statement,
    pub rows: Vec<isa::Row>,
    pub fault_row: Option<usize>,
}

/// Run `elf` on the inputs (at most `max_cycles` instructions) and build the v2 witness.
/// `cheat` may change the claim first (tests of cheating provers).
pub fn run(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    cheat: &dyn Fn(&mut Claim),
) -> Result<(Statement, Witness), ProveError> {
    run_with(&preprocess_for_prover(elf)?, onchain, offchain, max_cycles, cheat)
}

/// [`run`] for an ELF already preprocessed.
pub(crate) fn run_with(
    pre: &Preprocessed,
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    cheat: &dyn Fn(&mut Claim),
) -> Result<(Statement, Witness), ProveError> {
    let (exec, steps) = ivm_vm::trace(&pre.program, Inputs { onchain, offchain }, max_cycles)?;
    let statement = Statement::of_run(pre.program_id, onchain, offchain, &exec);
    let initial = initial_memory(pre, onchain, offchain);
    let mut regs = [0u32; 64];
    let mut rows = isa::expand_from(&pre.bytecode, &steps, &mut regs)?;
    let mut fault_row = None;
    if let (Outcome::Faulted { class, pc }, ivm_vm::Exit::Fault(f)) =
        (statement.outcome, &exec.exit)
    {
        // An output overflow ends with the terminating store: no faulting row.
        if class == crate::statement::FaultClass::OutputOverflow {
            return finish(pre, Claim { statement, rows, fault_row: None }, &initial, cheat);
        }
        let ctx = fault::FaultContext {
            bytecode: &pre.bytecode,
            layout: &pre.ram,
            perms: &pre.perms,
            memory: memory_after(&initial, &steps),
        };
        let faulting = ctx
            .rows(class, pc, &mut regs, rows.last())
            .map_err(|e| ProveError::Fault(f.clone(), e))?;
        rows.extend(faulting);
        fault_row = Some(rows.len() - 1);
    }
    drop(steps);
    finish(pre, Claim { statement, rows, fault_row }, &initial, cheat)
}

/// The witness of a claim, after `cheat` may change it.
fn finish(
    pre: &Preprocessed,
    mut claim: Claim,
    initial: &BTreeMap<u32, u32>,
    cheat: &dyn Fn(&mut Claim),
) -> Result<(Statement, Witness), ProveError> {
    cheat(&mut claim);
    let Claim { statement, rows, fault_row } = claim;
    let w = witness::build(pre, &rows, fault_row, initial, statement.output.len())?;
    Ok((statement, w))
}

/// The memory words (by aligned byte address) after the retired steps.
fn memory_after(initial: &BTreeMap<u32, u32>, steps: &[ivm_vm::trace::Step]) -> BTreeMap<u32, u32> {
    let mut memory = initial.clone();
    for m in steps.iter().filter_map(|s| s.mem) {
        memory.insert(m.addr, m.after);
    }
    memory
}
