//! Rows of the proof: the virtual ISA, the bytecode table and the expansion of a VM trace.
//!
//! The VM trace ([`ivm_vm::trace::Step`], one per retired RV32IM instruction) is expanded into
//! **rows**, one per executed *virtual instruction* ([`VOp`]). Most instructions are one row;
//! DIV/DIVU/REM/REMU, MULH/MULHSU, LB/LBU/LH/LHU and SB/SH are *virtual sequences* that use
//! the virtual registers 32..63 for temporaries (see [`seq`]). The **bytecode table**
//! ([`bytecode`]) lists every virtual instruction of every text word, sequences in
//! consecutive entries; row 0 is the padding no-op. [`expand`] turns a trace into rows
//! pointing into that table, using the same [`seq::sequence`] function.
//!
//! # Per-row equations (what the CPU constraints must enforce)
//!
//! Notation for row `i`: `B = bytecode.rows[bc]` (its `pc, rs1, rs2, rd, imm, seq_index,
//! seq_len`), `F = B.flags()` (the **effective** flags: the op's [`VOp::flags`] with the
//! rd-write flags cleared when `rd = 0`), the row's `rs1_val, rs2_val, rd_old, rd_new,
//! advice`, lookup `(x, y, out)` and RAM access `(addr, before, after)`. All equations are
//! over the field; machine wrap-around only happens inside lookups. At most one of each
//! group of flags is set (`x_*`; `y_*`; `write_*`; `load/store`; `branch/jump`).
//!
//! 1. **Registers** (memory checking, K = 64): `rs1_val = reg[B.rs1]`, `rs2_val = reg[B.rs2]`,
//!    `rd_old = reg[B.rd]` before the row; afterwards `reg[B.rd] = rd_new`. Unused register
//!    fields are 0 (x0). Every register starts at 0 (also 32..63). x0 is never changed
//!    (guaranteed by E5 since `B.rd = 0` clears the write flags).
//! 2. **Lookup operands**: `x = F.x_rs1·rs1_val + F.x_pc·pc + F.x_advice·advice`,
//!    `y = F.y_rs2·rs2_val + F.y_imm·imm` (imm as the unsigned 32-bit pattern).
//! 3. **Lookup**: `out = F.table(x, y)` via Lasso: the slot kinds are
//!    [`tables::slot_kinds`]`(F.table)`, the slot bytes satisfy every equation of
//!    [`tables::binding`]`(F.table)`, and `out = `[`tables::combine`]`(F.table, slot values)`.
//!    With no table (`F.table = None`): `out = 0`, slot kinds all `Zero` (bytes 0).
//! 4. **Assertions**: `F.assert ⇒ out = 1`.
//! 5. **rd**: `rd_new = rd_old + F.write_lookup·(out − rd_old) + F.write_pc4·(pc + 4 − rd_old) +
//!    F.write_ram·(ram_before − rd_old)`; with no write flag `rd_new = rd_old`.
//!    (Advice rows write the lookup output, whose `x` is the advice: `ADD(advice, 0)` range-
//!    checks it into 32 bits.)
//! 6. **RAM** (word-addressed): `F.load ∨ F.store ⇒ ram_addr = out` (the lookup is
//!    `ADD(rs1_val, imm)`, so the address wraps like the VM's); `F.load ⇒ ram_after =
//!    ram_before`; `F.store ⇒ ram_after = rs2_val`. The RAM address must be a multiple of 4:
//!    this is **required** of the RAM address decomposition (`ram_addr = base + 4·index`,
//!    index range-checked); plain LW/SW rely on it for alignment (the VM faults on misaligned
//!    words). Sub-word sequences always access aligned words. Rows without load/store do no
//!    RAM access (the memory module's dummy access).
//! 7. **Control flow** (`bc` is the row's bytecode index, the "virtual pc"):
//!    * row 0 of the trace has `bc = bytecode.entry`;
//!    * `F.invalid` never holds (entries of undecodable words, EBREAK: constraint `invalid = 0`);
//!    * `F.padding ⇒` the next row is padding too (padding rows are only at the end);
//!    * not padding and `seq_index + 1 < seq_len` (inside a sequence): `next.bc = bc + 1`;
//!    * not padding, `seq_index + 1 = seq_len` (last row of an instruction), next row not
//!      padding: `next.seq_index = 0` and `next.pc = F.jump·out + F.branch·(out·(pc + simm) +
//!      (1 − out)·(pc + 4)) + (1 − F.jump − F.branch)·(pc + 4)`, with `simm = imm as i32`
//!      (signed, [`BytecodeRow::imm_signed`]). Every pc has exactly one entry with
//!      `seq_index = 0`, so this pins `next.bc`: sequences can only be entered at their first
//!      row and run consecutively.
//!    * Branch/jump ops only occur as single-row sequences.
//! 8. **Cycles**: the number of rows with `seq_index = 0` and not padding equals the retired
//!    instruction count.
//!
//! [`check::Checker`] is a reference interpreter implementing exactly these rules; the tests
//! run it on every expansion.

pub mod check;
pub mod seq;
pub mod tables;

use std::collections::HashMap;

use ivm_vm::{
    decode::{decode, Instr},
    elf::Program,
    trace::Step,
};

pub use tables::{LookupQuery, Table};

use crate::field::{fr_i64, Fr};

/// Virtual opcodes. Every op has fixed [`Flags`] ([`VOp::flags`]) and at most one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VOp {
    /// Row 0 of the bytecode table; fills the trace up to a power of two.
    Padding,
    /// ECALL, FENCE: pc + 4, nothing else.
    Nop,
    /// Undecodable word or EBREAK: can never execute.
    Invalid,
    // register-register ALU: rd ← table(rs1, rs2)
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Mul,
    Mulhu,
    // register-immediate ALU: rd ← table(rs1, imm)
    AddI,
    SllI,
    SltI,
    SltuI,
    XorI,
    SrlI,
    SraI,
    OrI,
    AndI,
    /// rd ← ADD(0, imm).
    Lui,
    /// rd ← ADD(pc, imm).
    Auipc,
    /// next pc ← ADD(pc, imm); rd ← pc + 4.
    Jal,
    /// next pc ← JALR_TARGET(rs1, imm); rd ← pc + 4.
    Jalr,
    // branches: next pc ← pc + simm if table(rs1, rs2) = 1
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    /// rd ← RAM[ADD(rs1, imm)] (aligned word).
    Lw,
    /// RAM[ADD(rs1, imm)] ← rs2 (aligned word).
    Sw,
    /// rd ← ADD(advice, 0): untrusted 32-bit advice.
    Advice,
    /// rd ← MOVSIGN(rs1).
    MovSign,
    /// rd ← NEGIF(rs1, rs2).
    NegIf,
    /// assert rs1 == rs2.
    AssertEq,
    /// assert rs1 >=u rs2.
    AssertGeu,
    /// assert rs1·rs2 < 2^32.
    AssertMulNoOverflow,
    /// assert rs1 != 0 or rs2 == 0xFFFF_FFFF.
    AssertValidDiv0,
    /// assert rs1 + imm is even.
    AssertAlign2,
}

impl VOp {
    /// Every op.
    pub const ALL: [VOp; 44] = [
        VOp::Padding,
        VOp::Nop,
        VOp::Invalid,
        VOp::Add,
        VOp::Sub,
        VOp::Sll,
        VOp::Slt,
        VOp::Sltu,
        VOp::Xor,
        VOp::Srl,
        VOp::Sra,
        VOp::Or,
        VOp::And,
        VOp::Mul,
        VOp::Mulhu,
        VOp::AddI,
        VOp::SllI,
        VOp::SltI,
        VOp::SltuI,
        VOp::XorI,
        VOp::SrlI,
        VOp::SraI,
        VOp::OrI,
        VOp::AndI,
        VOp::Lui,
        VOp::Auipc,
        VOp::Jal,
        VOp::Jalr,
        VOp::Beq,
        VOp::Bne,
        VOp::Blt,
        VOp::Bge,
        VOp::Bltu,
        VOp::Bgeu,
        VOp::Lw,
        VOp::Sw,
        VOp::Advice,
        VOp::MovSign,
        VOp::NegIf,
        VOp::AssertEq,
        VOp::AssertGeu,
        VOp::AssertMulNoOverflow,
        VOp::AssertValidDiv0,
        VOp::AssertAlign2,
    ];

    /// The fixed circuit flags of this op (rd-write flags as if `rd != 0`).
    pub fn flags(self) -> Flags {
        use Table as T;
        let none = Flags::NONE;
        let rr = |t: Table| Flags {
            table: Some(t),
            x_rs1: true,
            y_rs2: true,
            write_lookup: true,
            ..Flags::NONE
        };
        let ri = |t: Table| Flags {
            table: Some(t),
            x_rs1: true,
            y_imm: true,
            write_lookup: true,
            ..Flags::NONE
        };
        let br = |t: Table| Flags {
            table: Some(t),
            x_rs1: true,
            y_rs2: true,
            branch: true,
            ..Flags::NONE
        };
        let assert_rr = |t: Table| Flags {
            table: Some(t),
            x_rs1: true,
            y_rs2: true,
            assert: true,
            ..Flags::NONE
        };
        match self {
            VOp::Padding => Flags { padding: true, ..none },
            VOp::Nop => none,
            VOp::Invalid => Flags { invalid: true, ..none },
            VOp::Add => rr(T::Add),
            VOp::Sub => rr(T::Sub),
            VOp::Sll => rr(T::Sll),
            VOp::Slt => rr(T::Slt),
            VOp::Sltu => rr(T::Sltu),
            VOp::Xor => rr(T::Xor),
            VOp::Srl => rr(T::Srl),
            VOp::Sra => rr(T::Sra),
            VOp::Or => rr(T::Or),
            VOp::And => rr(T::And),
            VOp::Mul => rr(T::Mul),
            VOp::Mulhu => rr(T::Mulhu),
            VOp::NegIf => rr(T::NegIf),
            VOp::AddI => ri(T::Add),
            VOp::SllI => ri(T::Sll),
            VOp::SltI => ri(T::Slt),
            VOp::SltuI => ri(T::Sltu),
            VOp::XorI => ri(T::Xor),
            VOp::SrlI => ri(T::Srl),
            VOp::SraI => ri(T::Sra),
            VOp::OrI => ri(T::Or),
            VOp::AndI => ri(T::And),
            VOp::MovSign => ri(T::MovSign),
            VOp::Lui => Flags { table: Some(T::Add), y_imm: true, write_lookup: true, ..none },
            VOp::Auipc => {
                Flags { table: Some(T::Add), x_pc: true, y_imm: true, write_lookup: true, ..none }
            }
            VOp::Jal => Flags {
                table: Some(T::Add),
                x_pc: true,
                y_imm: true,
                write_pc4: true,
                jump: true,
                ..none
            },
            VOp::Jalr => Flags {
                table: Some(T::JalrTarget),
                x_rs1: true,
                y_imm: true,
                write_pc4: true,
                jump: true,
                ..none
            },
            VOp::Beq => br(T::Eq),
            VOp::Bne => br(T::Ne),
            VOp::Blt => br(T::Slt),
            VOp::Bge => br(T::Ge),
            VOp::Bltu => br(T::Sltu),
            VOp::Bgeu => br(T::Geu),
            VOp::Lw => Flags {
                table: Some(T::WordAddr),
                x_rs1: true,
                y_imm: true,
                write_ram: true,
                load: true,
                ..none
            },
            VOp::Sw => {
                Flags { table: Some(T::WordAddr), x_rs1: true, y_imm: true, store: true, ..none }
            }
            VOp::Advice => Flags {
                table: Some(T::Add),
                x_advice: true,
                y_imm: true,
                write_lookup: true,
                ..none
            },
            VOp::AssertEq => assert_rr(T::Eq),
            VOp::AssertGeu => assert_rr(T::Geu),
            VOp::AssertMulNoOverflow => assert_rr(T::MulNoOverflow),
            VOp::AssertValidDiv0 => assert_rr(T::ValidDiv0),
            VOp::AssertAlign2 => {
                Flags { table: Some(T::Align2), x_rs1: true, y_imm: true, assert: true, ..none }
            }
        }
    }
}

/// Circuit flags of a virtual instruction (plain data; see the module docs for the equations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flags {
    /// The lookup table of this op (`None`: no lookup, `out = 0`).
    pub table: Option<Table>,
    /// Lookup `x = rs1_val`.
    pub x_rs1: bool,
    /// Lookup `x = pc` (the real RV32 pc of the instruction).
    pub x_pc: bool,
    /// Lookup `x = advice`.
    pub x_advice: bool,
    /// Lookup `y = rs2_val`. (If neither `x_*` is set, `x = 0`; likewise `y`.)
    pub y_rs2: bool,
    /// Lookup `y = imm`.
    pub y_imm: bool,
    /// `rd_new = out`.
    pub write_lookup: bool,
    /// `rd_new = pc + 4` (JAL, JALR).
    pub write_pc4: bool,
    /// `rd_new = ram_before` (LW).
    pub write_ram: bool,
    /// RAM word read at `out`; unchanged.
    pub load: bool,
    /// RAM word at `out` becomes `rs2_val`.
    pub store: bool,
    /// Next pc = `pc + simm` if `out = 1` else `pc + 4`.
    pub branch: bool,
    /// Next pc = `out` (JAL, JALR).
    pub jump: bool,
    /// `out = 1` is required.
    pub assert: bool,
    /// Padding row (bytecode row 0 only).
    pub padding: bool,
    /// Must never execute.
    pub invalid: bool,
}

impl Flags {
    /// All false, no table.
    pub const NONE: Flags = Flags {
        table: None,
        x_rs1: false,
        x_pc: false,
        x_advice: false,
        y_rs2: false,
        y_imm: false,
        write_lookup: false,
        write_pc4: false,
        write_ram: false,
        load: false,
        store: false,
        branch: false,
        jump: false,
        assert: false,
        padding: false,
        invalid: false,
    };

    /// Writes some value to `rd`.
    pub fn writes_rd(&self) -> bool {
        self.write_lookup || self.write_pc4 || self.write_ram
    }
}

/// One entry of the expanded bytecode table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BytecodeRow {
    /// Index in the table (row 0 = the padding no-op).
    pub address: usize,
    /// Real RV32 pc of the instruction it comes from (0 for padding).
    pub pc: u32,
    pub op: VOp,
    /// Register fields, 0..64; 0 when unused; `rd = 0` when nothing is written.
    pub rs1: u8,
    pub rs2: u8,
    pub rd: u8,
    /// Immediate as a u32 (two's complement); 0 when unused.
    pub imm: u32,
    /// Position in the virtual sequence (0 for plain instructions).
    pub seq_index: u8,
    /// Length of the virtual sequence (1 for plain instructions).
    pub seq_len: u8,
}

impl BytecodeRow {
    /// The effective flags: [`VOp::flags`] with the rd-write flags cleared when `rd = 0`.
    pub fn flags(&self) -> Flags {
        let mut f = self.op.flags();
        if self.rd == 0 {
            f.write_lookup = false;
            f.write_pc4 = false;
            f.write_ram = false;
        }
        f
    }

    /// `imm` as a signed value (branch offsets).
    pub fn imm_signed(&self) -> i64 {
        self.imm as i32 as i64
    }

    /// `imm` as a signed field element.
    pub fn imm_signed_fr(&self) -> Fr {
        fr_i64(self.imm_signed())
    }

    /// The last row of its instruction's sequence.
    pub fn is_last_in_seq(&self) -> bool {
        self.seq_index + 1 == self.seq_len
    }
}

/// The expanded bytecode table of a program.
#[derive(Clone, Debug)]
pub struct Bytecode {
    pub rows: Vec<BytecodeRow>,
    /// Table index of the first row of the ELF entry instruction.
    pub entry: usize,
    /// Address of text word 0.
    pub text_base: u32,
    /// For text word `i` (pc = text_base + 4i): table index of its first row.
    pub starts: Vec<usize>,
    /// For text word `i`: its decoded instruction.
    pub instrs: Vec<Instr>,
}

impl Bytecode {
    /// Text word index of `pc`, if `pc` is in the text.
    pub fn word_index(&self, pc: u32) -> Option<usize> {
        let off = pc.checked_sub(self.text_base)?;
        if off % 4 != 0 {
            return None;
        }
        let i = (off / 4) as usize;
        (i < self.instrs.len()).then_some(i)
    }

    /// Table index of the first row of the instruction at `pc`.
    pub fn start_of(&self, pc: u32) -> Option<usize> {
        self.word_index(pc).map(|i| self.starts[i])
    }
}

/// A RAM access of a row (word granular).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RamAccess {
    /// Aligned byte address.
    pub addr: u32,
    pub before: u32,
    pub after: u32,
}

/// One executed virtual instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// Bytecode table index.
    pub bc: usize,
    pub rs1_val: u32,
    pub rs2_val: u32,
    /// Value of rd before the row; `rd_new = rd_old` when nothing is written.
    pub rd_old: u32,
    pub rd_new: u32,
    pub ram: Option<RamAccess>,
    /// Untrusted advice (DIV/REM quotient and remainder), else 0.
    pub advice: u32,
    pub lookup: LookupQuery,
}

impl Row {
    /// A padding row (bytecode entry 0, all zero).
    pub fn padding() -> Row {
        Row {
            bc: 0,
            rs1_val: 0,
            rs2_val: 0,
            rd_old: 0,
            rd_new: 0,
            ram: None,
            advice: 0,
            lookup: LookupQuery { table: None, x: 0, y: 0, out: 0 },
        }
    }
}

/// Why a bytecode table or an expansion could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IsaError {
    #[error("program has no executable segment")]
    NoText,
    #[error("entry {0:#010x} is not in the text")]
    EntryOutsideText(u32),
    #[error("step {step}: pc {pc:#010x} is not in the text")]
    PcOutsideText { step: usize, pc: u32 },
    #[error("step {step}: instruction {got:?} differs from the bytecode's {expected:?}")]
    InstrMismatch { step: usize, expected: Instr, got: Instr },
    #[error("step {step}: instruction {instr:?} cannot be executed in a proof")]
    Invalid { step: usize, instr: Instr },
    #[error("step {step}: trace inconsistent with the virtual execution: {what}")]
    TraceMismatch { step: usize, what: String },
}

/// Builds the bytecode table from the executable segments of `program` (re-decoding their
/// words exactly as the VM's loader does: one table start per text word, from the lowest
/// executable address; gaps and undecodable words become [`VOp::Invalid`] entries).
pub fn bytecode(program: &Program) -> Result<Bytecode, IsaError> {
    let (text_base, instrs) = decode_text(program).ok_or(IsaError::NoText)?;
    let mut rows = vec![BytecodeRow {
        address: 0,
        pc: 0,
        op: VOp::Padding,
        rs1: 0,
        rs2: 0,
        rd: 0,
        imm: 0,
        seq_index: 0,
        seq_len: 1,
    }];
    let mut starts = Vec::with_capacity(instrs.len());
    for (i, instr) in instrs.iter().enumerate() {
        let pc = text_base + 4 * i as u32;
        let seq = seq::sequence(*instr);
        starts.push(rows.len());
        let len = seq.len() as u8;
        for (k, v) in seq.into_iter().enumerate() {
            rows.push(BytecodeRow {
                address: rows.len(),
                pc,
                op: v.op,
                rs1: v.rs1,
                rs2: v.rs2,
                rd: v.rd,
                imm: v.imm,
                seq_index: k as u8,
                seq_len: len,
            });
        }
    }
    let bc = Bytecode { rows, entry: 0, text_base, starts, instrs };
    let entry = bc.start_of(program.entry).ok_or(IsaError::EntryOutsideText(program.entry))?;
    Ok(Bytecode { entry, ..bc })
}

fn decode_text(program: &Program) -> Option<(u32, Vec<Instr>)> {
    let exec: Vec<_> = program.segments.iter().filter(|s| s.is_executable()).collect();
    let base = exec.first()?.vaddr & !3;
    let end = exec.iter().map(|s| s.end() as u64).max()?;
    let n = ((end - base as u64).div_ceil(4)) as usize;
    let mut code = vec![Instr::Illegal { word: 0 }; n];
    for s in exec {
        let mut bytes = vec![0u8; (s.vaddr - base) as usize % 4];
        bytes.extend_from_slice(&s.data);
        bytes.resize(bytes.len() + (s.memsz as usize - s.data.len()), 0);
        let first = ((s.vaddr - base) / 4) as usize;
        for (i, chunk) in bytes.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            code[first + i] = decode(u32::from_le_bytes(w));
        }
    }
    Some((base, code))
}

/// Executes one bytecode entry honestly on `regs` (64 registers) with the given RAM word
/// reader and advice; returns the row. Shared by [`expand`] and tests that build cheating
/// rows (with wrong advice).
pub fn execute_row(
    bc: &BytecodeRow,
    regs: &mut [u32; 64],
    ram: &mut dyn FnMut(u32, Option<u32>) -> Result<u32, String>,
    advice: u32,
) -> Result<Row, String> {
    let f = bc.flags();
    let rs1_val = regs[bc.rs1 as usize];
    let rs2_val = regs[bc.rs2 as usize];
    let rd_old = regs[bc.rd as usize];
    let x = if f.x_rs1 {
        rs1_val
    } else if f.x_pc {
        bc.pc
    } else if f.x_advice {
        advice
    } else {
        0
    };
    let y = if f.y_rs2 {
        rs2_val
    } else if f.y_imm {
        bc.imm
    } else {
        0
    };
    let lookup = LookupQuery::new(f.table, x, y);
    let out = lookup.out;
    let ram_access = if f.load || f.store {
        let before = ram(out, None)?;
        let after = if f.store { rs2_val } else { before };
        if f.store {
            ram(out, Some(after))?;
        }
        Some(RamAccess { addr: out, before, after })
    } else {
        None
    };
    let rd_new = if f.write_lookup {
        out
    } else if f.write_pc4 {
        bc.pc.wrapping_add(4)
    } else if f.write_ram {
        ram_access.expect("write_ram implies load").before
    } else {
        rd_old
    };
    regs[bc.rd as usize] = rd_new;
    let advice = if f.x_advice { advice } else { 0 };
    Ok(Row { bc: bc.address, rs1_val, rs2_val, rd_old, rd_new, ram: ram_access, advice, lookup })
}

/// Expands a VM trace (from the program start) into rows of `bytecode`. Checks on the way that
/// the virtual execution reproduces every step exactly (registers, next pc, memory word).
pub fn expand(bytecode: &Bytecode, steps: &[Step]) -> Result<Vec<Row>, IsaError> {
    expand_from(bytecode, steps, &mut [0u32; 64])
}

/// [`expand`] from the registers `regs` (64: architectural, then virtual), which it leaves as
/// the last row left them.
pub fn expand_from(
    bytecode: &Bytecode,
    steps: &[Step],
    regs: &mut [u32; 64],
) -> Result<Vec<Row>, IsaError> {
    let mut rows = Vec::with_capacity(steps.len() + steps.len() / 4);
    for (si, step) in steps.iter().enumerate() {
        let mismatch = |what: String| IsaError::TraceMismatch { step: si, what };
        let wi = bytecode
            .word_index(step.pc)
            .ok_or(IsaError::PcOutsideText { step: si, pc: step.pc })?;
        let expected = bytecode.instrs[wi];
        if expected != step.instr {
            return Err(IsaError::InstrMismatch { step: si, expected, got: step.instr });
        }
        let start = bytecode.starts[wi];
        let first = &bytecode.rows[start];
        if first.op == VOp::Invalid {
            return Err(IsaError::Invalid { step: si, instr: step.instr });
        }
        let (r1, r2) = operand_regs(step.instr);
        if regs[r1 as usize] != step.rs1_val || regs[r2 as usize] != step.rs2_val {
            return Err(mismatch(format!(
                "operands ({:#x}, {:#x}) but registers hold ({:#x}, {:#x})",
                step.rs1_val, step.rs2_val, regs[r1 as usize], regs[r2 as usize]
            )));
        }
        let mut advice = seq::advice(step.instr, step.rs1_val, step.rs2_val).into_iter();
        // The word this instruction may touch: (addr, current value).
        let mut word: Option<(u32, u32)> = step.mem.map(|m| (m.addr, m.before));
        let mut ram = |addr: u32, write: Option<u32>| -> Result<u32, String> {
            match &mut word {
                Some((a, v)) if *a == addr => {
                    if let Some(w) = write {
                        *v = w;
                    }
                    Ok(*v)
                }
                _ => Err(format!("RAM access at {addr:#010x} not reported by the step")),
            }
        };
        let len = first.seq_len as usize;
        let mut last = None;
        for bc in &bytecode.rows[start..start + len] {
            let a = if bc.op == VOp::Advice { advice.next().unwrap_or(0) } else { 0 };
            let row = execute_row(bc, regs, &mut ram, a).map_err(&mismatch)?;
            rows.push(row);
            last = Some((bc, row));
        }
        let (bc, row) = last.expect("sequences are non-empty");
        let f = bc.flags();
        let next_pc = if f.jump {
            row.lookup.out
        } else if f.branch && row.lookup.out == 1 {
            bc.pc.wrapping_add(bc.imm)
        } else {
            bc.pc.wrapping_add(4)
        };
        if next_pc != step.next_pc {
            return Err(mismatch(format!(
                "next pc {next_pc:#010x}, trace says {:#010x}",
                step.next_pc
            )));
        }
        let rd = dest_reg(step.instr);
        if rd != 0 && regs[rd as usize] != step.rd_val {
            return Err(mismatch(format!(
                "rd = {:#x}, trace says {:#x}",
                regs[rd as usize], step.rd_val
            )));
        }
        if let (Some(m), Some((_, v))) = (step.mem, word) {
            if v != m.after {
                return Err(mismatch(format!("memory word {v:#x}, trace says {:#x}", m.after)));
            }
        }
    }
    Ok(rows)
}

/// Register operands read by `instr` (x0 when unused), as the VM reports them in a Step.
pub fn operand_regs(instr: Instr) -> (u8, u8) {
    match instr {
        Instr::Jalr { rs1, .. } | Instr::Load { rs1, .. } | Instr::OpImm { rs1, .. } => (rs1, 0),
        Instr::Branch { rs1, rs2, .. }
        | Instr::Store { rs1, rs2, .. }
        | Instr::Op { rs1, rs2, .. } => (rs1, rs2),
        _ => (0, 0),
    }
}

/// Architectural destination register of `instr` (0 if none).
pub fn dest_reg(instr: Instr) -> u8 {
    match instr {
        Instr::Lui { rd, .. }
        | Instr::Auipc { rd, .. }
        | Instr::Jal { rd, .. }
        | Instr::Jalr { rd, .. }
        | Instr::Load { rd, .. }
        | Instr::OpImm { rd, .. }
        | Instr::Op { rd, .. } => rd,
        _ => 0,
    }
}

/// Lookup from `(pc, seq_index = 0)` to table index, built from the rows alone.
pub fn instruction_starts(bytecode: &Bytecode) -> HashMap<u32, usize> {
    bytecode
        .rows
        .iter()
        .filter(|r| r.op != VOp::Padding && r.seq_index == 0)
        .map(|r| (r.pc, r.address))
        .collect()
}
