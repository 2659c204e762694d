//! The bytecode fields: what every trace row reads from the ELF-derived bytecode table (the
//! instruction's pc, registers, immediate, flags and lookup table), as columns `BC` …
//! `NUM_BC_FIELDS − 1` of the CPU (`v2::cpu` adds its own after them), and the trace-size
//! rules shared by the prover and the shape estimates.
use ark_ff::{One, Zero};

use crate::field::Fr;
use crate::isa::tables::{Kind, NUM_KINDS, NUM_TABLES};
use crate::isa::{Bytecode, BytecodeRow};

// ---- column layout ---------------------------------------------------------------------

pub const BC: usize = 0;
pub const PC: usize = 1;
pub const RS1: usize = 2;
pub const RS2: usize = 3;
pub const RD: usize = 4;
pub const IMM: usize = 5;
pub const SIMM: usize = 6;
/// The 15 circuit flags, in [`FLAG_NAMES`] order.
pub const FLAGS: usize = 7;
pub const NUM_FLAGS: usize = 15;
pub const FLAG_NAMES: [&str; NUM_FLAGS] = [
    "x_rs1",
    "x_pc",
    "x_advice",
    "y_rs2",
    "y_imm",
    "write_lookup",
    "write_pc4",
    "write_ram",
    "load",
    "store",
    "branch",
    "jump",
    "assert",
    "padding",
    "invalid",
];
pub(crate) const X_RS1: usize = FLAGS;
pub(crate) const X_PC: usize = FLAGS + 1;
pub(crate) const X_ADVICE: usize = FLAGS + 2;
pub(crate) const Y_RS2: usize = FLAGS + 3;
pub(crate) const Y_IMM: usize = FLAGS + 4;
pub(crate) const W_LOOKUP: usize = FLAGS + 5;
pub(crate) const W_PC4: usize = FLAGS + 6;
pub(crate) const W_RAM: usize = FLAGS + 7;
pub(crate) const LOAD: usize = FLAGS + 8;
pub(crate) const STORE: usize = FLAGS + 9;
pub(crate) const BRANCH: usize = FLAGS + 10;
pub(crate) const JUMP: usize = FLAGS + 11;
pub(crate) const ASSERT: usize = FLAGS + 12;
pub const PADDING: usize = FLAGS + 13;
pub(crate) const INVALID: usize = FLAGS + 14;
/// First row of a real instruction (`seq_index = 0`, not padding).
pub const FIRST: usize = FLAGS + NUM_FLAGS;
/// Inside a virtual sequence (not its last row).
pub const INSEQ: usize = FIRST + 1;
/// One-hot table flags.
pub const TABLE_FLAGS: usize = INSEQ + 1;
/// Number of bytecode fields (the columns every CPU layout starts with).
pub const NUM_BC_FIELDS: usize = TABLE_FLAGS + NUM_TABLES;

/// log2 of the universal subtable memory size: kinds (padded to a power of two) × 2^16 cells.
pub const LOG_K_LOOKUP: usize = NUM_KINDS.next_power_of_two().trailing_zeros() as usize + 16;

/// Cell index of `(kind, a, b)` in the subtable memory.
pub fn cell(kind: Kind, a: u8, b: u8) -> usize {
    (kind.index() << 16) | ((a as usize) << 8) | b as usize
}

/// log2 of the padded trace for `rows` real rows: at least one padding row, so the last real
/// row's successor is padding.
pub fn log_rows_for(rows: usize) -> usize {
    (rows + 1).next_power_of_two().trailing_zeros().max(1) as usize
}

// ---- bytecode fields --------------------------------------------------------------------

/// The bytecode fields of one table entry (columns `0..NUM_BC_FIELDS`), as small integers
/// (SIMM as a field element).
pub fn bytecode_fields(row: &BytecodeRow) -> [Fr; NUM_BC_FIELDS] {
    let f = row.flags();
    let mut v = [Fr::zero(); NUM_BC_FIELDS];
    v[BC] = Fr::from(row.address as u64);
    v[PC] = Fr::from(row.pc as u64);
    v[RS1] = Fr::from(row.rs1 as u64);
    v[RS2] = Fr::from(row.rs2 as u64);
    v[RD] = Fr::from(row.rd as u64);
    v[IMM] = Fr::from(row.imm as u64);
    v[SIMM] = row.imm_signed_fr();
    let bits = [
        f.x_rs1,
        f.x_pc,
        f.x_advice,
        f.y_rs2,
        f.y_imm,
        f.write_lookup,
        f.write_pc4,
        f.write_ram,
        f.load,
        f.store,
        f.branch,
        f.jump,
        f.assert,
        f.padding,
        f.invalid,
    ];
    // Bits as the constants 0 and 1 (a conversion from u64 costs a field multiplication, and
    // the verifier builds this for every entry).
    let bit = |b: bool| if b { Fr::one() } else { Fr::zero() };
    for (i, b) in bits.into_iter().enumerate() {
        v[FLAGS + i] = bit(b);
    }
    v[FIRST] = bit(row.seq_index == 0 && !f.padding);
    v[INSEQ] = bit(!f.padding && !row.is_last_in_seq());
    if let Some(t) = f.table {
        v[TABLE_FLAGS + t.index()] = Fr::one();
    }
    v
}

pub fn bytecode_log_k(bytecode: &Bytecode) -> usize {
    bytecode.rows.len().next_power_of_two().trailing_zeros().max(1) as usize
}
