//! What both sides of a proof derive from the ELF alone, and the Dory setups they share.
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ivm_vm::{Program, ProgramId};

use crate::bytecode_fields;
use crate::isa::{self, Bytecode};
use crate::pcs::{DoryProverSetup, DoryVerifierSetup, DORY_SEED};
use crate::ram::{RamLayout, RamPermissions};

/// Why an ELF cannot be proven or verified against.
#[derive(Debug, thiserror::Error)]
pub enum PreprocessError {
    #[error("invalid ELF: {0}")]
    Elf(#[from] ivm_vm::LoadError),
    #[error("{0}")]
    Isa(#[from] isa::IsaError),
}

/// What both sides derive from the ELF.
pub(crate) struct Preprocessed {
    pub(crate) program: Program,
    pub(crate) program_id: [u8; 32],
    pub(crate) bytecode: Bytecode,
    pub(crate) ram: RamLayout,
    pub(crate) perms: RamPermissions,
    pub(crate) log_k_bc: usize,
}

pub(crate) fn preprocess(elf: &[u8]) -> Result<Preprocessed, PreprocessError> {
    let program = Program::load(elf)?;
    let program_id = ProgramId::of(&program).0;
    let bytecode = isa::bytecode(&program)?;
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let log_k_bc = bytecode_fields::bytecode_log_k(&bytecode);
    Ok(Preprocessed { program, program_id, bytecode, ram, perms, log_k_bc })
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
