//! What a proof proves: the public statement, its encoding and its transcript absorption.
use crate::codec::{DecodeError, Reader, Writer};
use crate::transcript::Transcript;

/// "Program `program_id` run on these inputs retires `cycles` instructions and ends with this
/// output, panicking or not."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The IVM program ID (docs/guest-abi.md); the verifier recomputes it from the ELF.
    pub program_id: [u8; 32],
    pub onchain_input: Vec<u8>,
    pub offchain_input: Vec<u8>,
    /// The committed output bytes.
    pub output: Vec<u8>,
    /// The guest wrote the panic word (the output is then whatever it committed before).
    pub panicked: bool,
    /// Retired RV32IM instructions, counting the final store (DESIGN.md §3).
    pub cycles: u64,
}

/// Bounds for decoding a statement: the layout's maximum sizes.
#[derive(Clone, Copy, Debug)]
pub struct StatementLimits {
    pub max_input: usize,
    pub max_offchain_input: usize,
    pub max_output: usize,
}

impl StatementLimits {
    /// The ABI's hard cap on any region (used before the ELF is known).
    pub const ABI_MAX: StatementLimits = StatementLimits {
        max_input: ivm_abi::MAX_REGION_SIZE as usize,
        max_offchain_input: ivm_abi::MAX_REGION_SIZE as usize,
        max_output: ivm_abi::MAX_REGION_SIZE as usize,
    };
}

impl Statement {
    /// Absorbs every public value, in a fixed order, with lengths.
    pub fn absorb(&self, t: &mut Transcript) {
        t.append_bytes(b"program_id", &self.program_id);
        t.append_bytes(b"onchain_input", &self.onchain_input);
        t.append_bytes(b"offchain_input", &self.offchain_input);
        t.append_bytes(b"output", &self.output);
        t.append_u64(b"panicked", self.panicked as u64);
        t.append_u64(b"cycles", self.cycles);
    }

    pub fn write(&self, w: &mut Writer) {
        w.buf.extend_from_slice(&self.program_id);
        w.bytes(&self.onchain_input);
        w.bytes(&self.offchain_input);
        w.bytes(&self.output);
        w.u8(self.panicked as u8);
        w.u64(self.cycles);
    }

    pub fn read(r: &mut Reader, limits: StatementLimits) -> Result<Self, DecodeError> {
        let program_id = r.take(32, "program ID")?.try_into().unwrap();
        let onchain_input = r.bytes(limits.max_input, "onchain input")?;
        let offchain_input = r.bytes(limits.max_offchain_input, "offchain input")?;
        let output = r.bytes(limits.max_output, "output")?;
        let panicked = match r.u8("panic bit")? {
            0 => false,
            1 => true,
            b => return Err(DecodeError(format!("panic bit must be 0 or 1, got {b}"))),
        };
        let cycles = r.u64("cycles")?;
        Ok(Statement { program_id, onchain_input, offchain_input, output, panicked, cycles })
    }
}

/// Why a statement does not belong to a program (shared by the v1 and v2 verifiers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The statement names another program: `(statement's ID, ELF's ID)` in hex.
    ProgramId(String, String),
    /// Inputs or output larger than the program's layout allows.
    Layout,
}

impl Statement {
    /// The statement of a run that ended (terminated or panicked), or the fault that ended it.
    pub fn of_run(
        program_id: [u8; 32],
        onchain: &[u8],
        offchain: &[u8],
        exec: &ivm_vm::Execution,
    ) -> Result<Self, ivm_vm::Fault> {
        let panicked = match &exec.exit {
            ivm_vm::Exit::Halted => false,
            ivm_vm::Exit::Panicked { .. } => true,
            ivm_vm::Exit::Fault(f) => return Err(f.clone()),
        };
        Ok(Statement {
            program_id,
            onchain_input: onchain.to_vec(),
            offchain_input: offchain.to_vec(),
            output: exec.output.clone(),
            panicked,
            cycles: exec.cycles,
        })
    }

    /// Whether the statement is about `program` (its ID and layout).
    pub fn check_program(
        &self,
        program_id: &[u8; 32],
        program: &ivm_vm::Program,
    ) -> Result<(), Mismatch> {
        if *program_id != self.program_id {
            let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
            return Err(Mismatch::ProgramId(hex(&self.program_id), hex(program_id)));
        }
        let sizes = program.layout.sizes;
        if self.onchain_input.len() > sizes.max_input as usize
            || self.offchain_input.len() > sizes.max_offchain_input as usize
            || self.output.len() > sizes.max_output as usize
        {
            return Err(Mismatch::Layout);
        }
        Ok(())
    }
}
