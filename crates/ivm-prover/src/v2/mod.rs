//! Prover v2: Jolt's Twist and Shout design on ivm's toolkit (docs/prover-v2.md).
//!
//! Built beside v1 (`crate::jolt`), which `ivm prove` uses until v2 is complete and faster.
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
pub mod lookups;
pub mod polys;
pub mod proof;
pub mod prover;
pub mod ram;
pub mod ram_proof;
pub mod registers;
pub mod slot_split;
pub mod verifier;
pub mod witness;

pub use proof::Proof;
pub use prover::{prove, prove_tampered, prove_with, prove_witness_tampered, Phase};
pub use verifier::{verify, VerifyError};

use std::collections::BTreeMap;

use ivm_vm::Inputs;

use crate::isa;
use crate::jolt::{preprocess, Preprocessed, VerifyError as V1VerifyError};
use crate::statement::Statement;
use witness::{Witness, WitnessError};

/// Transcript domain separator of v2 proofs.
pub const DOMAIN: &[u8] = b"ivm/jolt-rv32im-dory/2";

/// Why no proof could be produced.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("invalid input: {0}")]
    Input(#[from] ivm_vm::InputError),
    #[error("the guest faulted ({0}); only runs that terminate or panic can be proven")]
    Fault(ivm_vm::Fault),
    #[error("{0}")]
    Isa(#[from] isa::IsaError),
    #[error("{0}")]
    Witness(#[from] WitnessError),
}

pub(crate) fn preprocess_for_prover(elf: &[u8]) -> Result<Preprocessed, ProveError> {
    preprocess(elf).map_err(|e| match e {
        V1VerifyError::Elf(e) => ProveError::Elf(e),
        V1VerifyError::Isa(e) => ProveError::Isa(e),
        other => unreachable!("preprocessing only fails on the ELF: {other}"),
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

/// Run `elf` on the inputs (at most `max_cycles` instructions) and build the v2 witness.
/// `tamper` may change the expanded rows first (tests of cheating provers).
pub fn run(
    elf: &[u8],
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    tamper: &dyn Fn(&mut Vec<isa::Row>),
) -> Result<(Statement, Witness), ProveError> {
    run_with(&preprocess_for_prover(elf)?, onchain, offchain, max_cycles, tamper)
}

/// [`run`] for an ELF already preprocessed.
pub(crate) fn run_with(
    pre: &Preprocessed,
    onchain: &[u8],
    offchain: &[u8],
    max_cycles: u64,
    tamper: &dyn Fn(&mut Vec<isa::Row>),
) -> Result<(Statement, Witness), ProveError> {
    let (exec, steps) = ivm_vm::trace(&pre.program, Inputs { onchain, offchain }, max_cycles)?;
    let statement =
        Statement::of_run(pre.program_id, onchain, offchain, &exec).map_err(ProveError::Fault)?;
    let mut rows = isa::expand(&pre.bytecode, &steps)?;
    drop(steps);
    tamper(&mut rows);
    let initial = initial_memory(pre, onchain, offchain);
    let w = witness::build(pre, &rows, &initial, exec.output.len())?;
    Ok((statement, w))
}
