//! The rows of the instruction a run faulted on. The VM retires no step for it, so the prover
//! executes its virtual sequence from the registers and memory the retired steps left, up to
//! the first row whose fault condition holds (`cpu`'s outcome constraints check that row):
//! * an invalid instruction: its one `Invalid` row;
//! * a memory access: the load or store of a word without the permission (a faulting store
//!   writes nothing);
//! * a misaligned access: the `AssertAlign2` row whose assertion fails (halfwords), or the
//!   load or store of a word at a misaligned address;
//! * a misaligned jump: the JAL, or the taken branch, whose target (fixed by the ELF) is not a
//!   multiple of 4, or the JALR whose target is not;
//! * a pc outside the text: no row of its own — the retired instruction before it is the
//!   faulting row, its successor's address the statement's pc.
//!
//! An output-length overflow has no faulting row either: the run halted, and the final check
//! shows the length word above the maximum.
//!
//! [`check_statement`] is the verifier's half: what the ELF must say about the statement's pc.
use std::collections::BTreeMap;

use ivm_vm::Instr;

use crate::isa::tables::Table;
use crate::isa::{execute_row, seq, Bytecode, RamAccess, Row, VOp};
use crate::ram::{RamLayout, RamPermissions};
use crate::statement::FaultClass;

/// Why the faulting instruction has no provable faulting row.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FaultRowError {
    #[error("pc {0:#010x} is not in the program text")]
    PcOutsideText(u32),
    #[error(
        "the {class} fault at pc {pc:#010x} does not fit the program: {reason}",
        class = .0.name(), pc = .1, reason = .2
    )]
    NotProvable(FaultClass, u32, &'static str),
}

/// What the ELF must say about a fault statement's pc for its class to be provable: a JALR, or
/// a JAL or branch with a misaligned target; an aligned address outside the text; for an
/// output overflow nothing (the constraints tie the pc to the terminating store); for the
/// other classes that the pc is in the text (the constraints check the rest).
pub fn check_statement(bytecode: &Bytecode, class: FaultClass, pc: u32) -> Result<(), String> {
    let instr = bytecode.word_index(pc).map(|i| bytecode.instrs[i]);
    match (class, instr) {
        (FaultClass::PcOutOfText, None) if pc % 4 == 0 => Ok(()),
        (FaultClass::PcOutOfText, _) => {
            Err(format!("pc {pc:#010x} is an aligned address in the text, or misaligned"))
        }
        (FaultClass::MisalignedJump, Some(Instr::Jal { imm, .. } | Instr::Branch { imm, .. }))
            if pc.wrapping_add(imm) % 4 != 0 =>
        {
            Ok(())
        }
        (FaultClass::MisalignedJump, Some(Instr::Jalr { .. })) => Ok(()),
        (FaultClass::MisalignedJump, _) => Err(format!(
            "the instruction at pc {pc:#010x} is not a JALR, nor a JAL or branch with a \
             misaligned target"
        )),
        (FaultClass::OutputOverflow, _) => Ok(()),
        (_, None) => Err(format!("pc {pc:#010x} is not in the program text")),
        (_, Some(_)) => Ok(()),
    }
}

/// The memory a faulting instruction sees: the initial words with every retired step's write.
pub struct FaultContext<'a> {
    pub bytecode: &'a Bytecode,
    pub layout: &'a RamLayout,
    pub perms: &'a RamPermissions,
    /// Word values by aligned byte address (missing words are 0).
    pub memory: BTreeMap<u32, u32>,
}

impl FaultContext<'_> {
    /// `[readable, writable]` of the word at `addr` (nothing outside the program's memory).
    fn permissions(&self, addr: u32) -> [bool; 2] {
        match self.layout.index(addr) {
            Some(i) => {
                let [r, w, _] = self.perms.at(i);
                [r, w]
            }
            None => [false, false],
        }
    }

    fn faults(&self, class: FaultClass, op: VOp, row: &Row) -> bool {
        let f = op.flags();
        match class {
            FaultClass::InvalidInstruction => op == VOp::Invalid,
            FaultClass::MemoryAccess => match row.ram {
                Some(a) => {
                    let [r, w] = self.permissions(a.addr);
                    (f.load && !r) || (f.store && !w)
                }
                None => false,
            },
            FaultClass::MisalignedAccess => match row.lookup.table {
                Some(Table::Align2) => row.lookup.out == 0,
                Some(Table::WordAddr) => row.lookup.x.wrapping_add(row.lookup.y) % 4 != 0,
                _ => false,
            },
            FaultClass::MisalignedJump => f.jump || (f.branch && row.lookup.out == 1),
            FaultClass::PcOutOfText | FaultClass::OutputOverflow => false,
        }
    }

    /// The rows to append to the retired ones (`last`: the last of those) for a fault of
    /// `class` at `pc`, from `regs`: the faulting instruction's rows up to its faulting row,
    /// or none when the faulting row is `last` (a pc outside the text). Not for an output
    /// overflow, which has no faulting row.
    pub fn rows(
        &self,
        class: FaultClass,
        pc: u32,
        regs: &mut [u32; 64],
        last: Option<&Row>,
    ) -> Result<Vec<Row>, FaultRowError> {
        let not_provable = |why| FaultRowError::NotProvable(class, pc, why);
        check_statement(self.bytecode, class, pc).map_err(|_| match class {
            FaultClass::PcOutOfText | FaultClass::MisalignedJump => {
                not_provable("the instruction there cannot fault so")
            }
            _ => FaultRowError::PcOutsideText(pc),
        })?;
        if class == FaultClass::PcOutOfText {
            // The last retired row ends an instruction that completed (no failed assertion,
            // no invalid one): it is the faulting row.
            return match last {
                Some(_) => Ok(Vec::new()),
                None => Err(not_provable("no instruction ran before it")),
            };
        }
        let wi = self.bytecode.word_index(pc).ok_or(FaultRowError::PcOutsideText(pc))?;
        let instr = self.bytecode.instrs[wi];
        let (r1, r2) = crate::isa::operand_regs(instr);
        let mut advice = seq::advice(instr, regs[r1 as usize], regs[r2 as usize]).into_iter();
        let start = self.bytecode.starts[wi];
        let len = self.bytecode.rows[start].seq_len as usize;
        let mut memory = self.memory.clone();
        let mut rows = Vec::new();
        for bc in &self.bytecode.rows[start..start + len] {
            let a = if bc.op == VOp::Advice { advice.next().unwrap_or(0) } else { 0 };
            let mut ram = |addr: u32, write: Option<u32>| -> Result<u32, String> {
                let word = memory.entry(addr & !3).or_insert(0);
                if let Some(w) = write {
                    *word = w;
                }
                Ok(*word)
            };
            let mut row = execute_row(bc, regs, &mut ram, a).expect("memory reads never fail");
            if self.faults(class, bc.op, &row) {
                if let Some(a) = row.ram {
                    row.ram = Some(RamAccess { after: a.before, ..a });
                }
                rows.push(row);
                return Ok(rows);
            }
            rows.push(row);
        }
        Err(not_provable("no row of the instruction meets the fault's condition"))
    }
}
