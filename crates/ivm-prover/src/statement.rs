//! What a proof proves: the public statement, its encoding and its transcript absorption.
use crate::codec::{DecodeError, Reader, Writer};
use crate::transcript::Transcript;

/// "Program `program_id` run on these inputs retires `cycles` instructions, has committed this
/// output and ends this way."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The IVM program ID (docs/guest-abi.md); the verifier recomputes it from the ELF.
    pub program_id: [u8; 32],
    pub onchain_input: Vec<u8>,
    pub offchain_input: Vec<u8>,
    /// The committed output bytes.
    pub output: Vec<u8>,
    /// How the run ended (the output is whatever the guest committed until then).
    pub outcome: Outcome,
    /// Retired RV32IM instructions, counting the final store (DESIGN.md §3). For
    /// [`Outcome::OutOfCycles`] the cycle limit; for [`Outcome::Faulted`] the instructions
    /// retired before the faulting one.
    pub cycles: u64,
}

/// How a run ends. Encoded as one tag byte (0 and 1 are v1's panic bit), then, for a fault,
/// its class and pc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest wrote the termination word.
    Halted,
    /// The guest wrote the panic word.
    Panicked,
    /// The run retired `cycles` instructions without ending.
    OutOfCycles,
    /// The instruction at `pc` faulted.
    Faulted { class: FaultClass, pc: u32 },
}

/// What a proof of a fault shows about the faulting instruction (coarser than
/// [`ivm_vm::FaultKind`], whose details follow from the ELF and the registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultClass {
    /// An undecodable word or EBREAK.
    InvalidInstruction = 1,
    /// A load or store of a word it may not read or write (unmapped, stack guard, past the
    /// heap, read-only).
    MemoryAccess = 2,
    /// A halfword or word access at an address not a multiple of its size.
    MisalignedAccess = 3,
    /// A jump or taken branch to an address not a multiple of 4.
    MisalignedJump = 4,
    /// The next instruction's address is outside the text.
    PcOutOfText = 5,
    /// The output length word exceeds the output region when the run ends.
    OutputOverflow = 6,
}

impl FaultClass {
    pub const ALL: [FaultClass; 6] = [
        FaultClass::InvalidInstruction,
        FaultClass::MemoryAccess,
        FaultClass::MisalignedAccess,
        FaultClass::MisalignedJump,
        FaultClass::PcOutOfText,
        FaultClass::OutputOverflow,
    ];

    /// The class of a VM fault; `None` for the cycle limit (an outcome of its own).
    pub fn of(kind: &ivm_vm::FaultKind) -> Option<FaultClass> {
        use ivm_vm::FaultKind as K;
        Some(match kind {
            K::CycleLimit(_) => return None,
            K::IllegalInstruction(_) | K::Breakpoint => FaultClass::InvalidInstruction,
            K::UnmappedRead(_)
            | K::UnmappedWrite(_)
            | K::WriteToReadOnly(_)
            | K::StackOverflow(_)
            | K::HeapOverflow(_) => FaultClass::MemoryAccess,
            K::MisalignedAccess { .. } => FaultClass::MisalignedAccess,
            K::MisalignedJump(_) => FaultClass::MisalignedJump,
            K::PcOutOfText => FaultClass::PcOutOfText,
            K::OutputOverflow { .. } => FaultClass::OutputOverflow,
        })
    }

    /// The name used in JSON output and messages.
    pub fn name(self) -> &'static str {
        match self {
            FaultClass::InvalidInstruction => "invalid_instruction",
            FaultClass::MemoryAccess => "memory_access",
            FaultClass::MisalignedAccess => "misaligned_access",
            FaultClass::MisalignedJump => "misaligned_jump",
            FaultClass::PcOutOfText => "pc_out_of_text",
            FaultClass::OutputOverflow => "output_overflow",
        }
    }
}

impl Outcome {
    /// The name used in JSON output and messages (`halted`, `panicked`, `out_of_cycles`,
    /// `faulted`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Halted => "halted",
            Outcome::Panicked => "panicked",
            Outcome::OutOfCycles => "out_of_cycles",
            Outcome::Faulted { .. } => "faulted",
        }
    }

    fn tag(self) -> u8 {
        match self {
            Outcome::Halted => 0,
            Outcome::Panicked => 1,
            Outcome::OutOfCycles => 2,
            Outcome::Faulted { .. } => 3,
        }
    }

    /// Whether the run ended by writing a control word (halted or panicked).
    pub fn ended(self) -> bool {
        matches!(self, Outcome::Halted | Outcome::Panicked)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Faulted { class, pc } => {
                write!(f, "faulted ({}) at pc {pc:#010x}", class.name())
            }
            other => f.write_str(other.name()),
        }
    }
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
        // Tags 0 and 1 are absorbed exactly as v1's panic bit was.
        t.append_u64(b"panicked", self.outcome.tag() as u64);
        if let Outcome::Faulted { class, pc } = self.outcome {
            t.append_u64(b"fault_class", class as u64);
            t.append_u64(b"fault_pc", u64::from(pc));
        }
        t.append_u64(b"cycles", self.cycles);
    }

    pub fn write(&self, w: &mut Writer) {
        w.buf.extend_from_slice(&self.program_id);
        w.bytes(&self.onchain_input);
        w.bytes(&self.offchain_input);
        w.bytes(&self.output);
        w.u8(self.outcome.tag());
        if let Outcome::Faulted { class, pc } = self.outcome {
            w.u8(class as u8);
            w.buf.extend_from_slice(&pc.to_le_bytes());
        }
        w.u64(self.cycles);
    }

    pub fn read(r: &mut Reader, limits: StatementLimits) -> Result<Self, DecodeError> {
        let program_id = r.take(32, "program ID")?.try_into().unwrap();
        let onchain_input = r.bytes(limits.max_input, "onchain input")?;
        let offchain_input = r.bytes(limits.max_offchain_input, "offchain input")?;
        let output = r.bytes(limits.max_output, "output")?;
        let outcome = match r.u8("outcome")? {
            0 => Outcome::Halted,
            1 => Outcome::Panicked,
            2 => Outcome::OutOfCycles,
            3 => {
                let c = r.u8("fault class")?;
                let class = FaultClass::ALL
                    .into_iter()
                    .find(|k| *k as u8 == c)
                    .ok_or_else(|| DecodeError(format!("unknown fault class {c}")))?;
                let pc = u32::from_le_bytes(r.take(4, "fault pc")?.try_into().unwrap());
                Outcome::Faulted { class, pc }
            }
            b => return Err(DecodeError(format!("outcome must be 0 to 3, got {b}"))),
        };
        let cycles = r.u64("cycles")?;
        Ok(Statement { program_id, onchain_input, offchain_input, output, outcome, cycles })
    }
}

/// Why a statement does not belong to a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The statement names another program: `(statement's ID, ELF's ID)` in hex.
    ProgramId(String, String),
    /// Inputs or output larger than the program's layout allows.
    Layout,
}

impl Statement {
    /// The statement of a run, however it ended.
    pub fn of_run(
        program_id: [u8; 32],
        onchain: &[u8],
        offchain: &[u8],
        exec: &ivm_vm::Execution,
    ) -> Self {
        let outcome = match &exec.exit {
            ivm_vm::Exit::Halted => Outcome::Halted,
            ivm_vm::Exit::Panicked { .. } => Outcome::Panicked,
            ivm_vm::Exit::Fault(f) => match FaultClass::of(&f.kind) {
                None => Outcome::OutOfCycles,
                Some(class) => Outcome::Faulted { class, pc: f.pc },
            },
        };
        Statement {
            program_id,
            onchain_input: onchain.to_vec(),
            offchain_input: offchain.to_vec(),
            output: exec.output.clone(),
            outcome,
            cycles: exec.cycles,
        }
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
