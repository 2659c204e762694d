//! The CPU: the per-row witness columns, how they are filled from the expanded trace, and
//! the uniform constraints that tie them together (the equations of `isa`'s module docs).
//!
//! Column groups (one committed polynomial each, `T = 2^log_rows` rows):
//! * **bytecode fields** (`BC` … the table flags): what the row reads from the bytecode
//!   table; memory checking ties them to the table the verifier builds from the ELF;
//! * register values and read timestamps, RAM index/values/read timestamp;
//! * lookup operands, product, output, and per slot: bytes `a, b`, value `e`, read counter;
//! * timestamp range-check slots (`Range16` reads: two per memory access);
//! * auxiliary products that keep every constraint rank one.
//!
//! `ROWIDX` (= the row number) is a column of the R1CS but is public: never committed, its
//! evaluations are computed by the verifier.
use ark_ff::Zero;

use crate::field::{fr_i64, Fr};
use crate::isa::tables::{
    binding, slot_kinds, BindEq, Kind, Operand, Side, Table, NUM_KINDS, NUM_TABLES, SLOTS,
};
use crate::isa::{Bytecode, BytecodeRow, Row};
use crate::memory::{Lin, Tuple};
use crate::r1cs::{Constraint, Lc, UniformR1cs};
use crate::ram::{RamLayout, RamPermissions};

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
/// Number of bytecode fields (all columns before [`BC_CNT`]).
pub const NUM_BC_FIELDS: usize = TABLE_FLAGS + NUM_TABLES;

pub const BC_CNT: usize = NUM_BC_FIELDS;
pub const RS1V: usize = BC_CNT + 1;
pub const RS2V: usize = BC_CNT + 2;
pub const RDOLD: usize = BC_CNT + 3;
pub const RDNEW: usize = BC_CNT + 4;
pub const ADVICE: usize = BC_CNT + 5;
pub const LX: usize = BC_CNT + 6;
pub const LY: usize = BC_CNT + 7;
pub const PROD: usize = BC_CNT + 8;
pub const LKOUT: usize = BC_CNT + 9;
const SLOT_BASE: usize = BC_CNT + 10;
pub const fn slot_a(s: usize) -> usize {
    SLOT_BASE + 4 * s
}
pub const fn slot_b(s: usize) -> usize {
    SLOT_BASE + 4 * s + 1
}
pub const fn slot_e(s: usize) -> usize {
    SLOT_BASE + 4 * s + 2
}
pub const fn slot_cnt(s: usize) -> usize {
    SLOT_BASE + 4 * s + 3
}
pub const TS_RS1: usize = SLOT_BASE + 4 * SLOTS;
pub const TS_RS2: usize = TS_RS1 + 1;
pub const TS_RD: usize = TS_RS1 + 2;
pub const RAMIDX: usize = TS_RS1 + 3;
pub const RAMOLD: usize = TS_RS1 + 4;
pub const RAMNEW: usize = TS_RS1 + 5;
pub const TS_RAM: usize = TS_RS1 + 6;
/// Range-check slots: 4 accesses (rs1, rs2, rd, RAM) × 2 halves (low, high 16 bits).
pub const NUM_RANGE_SLOTS: usize = 8;
const RANGE_BASE: usize = TS_RS1 + 7;
pub const fn range_a(k: usize) -> usize {
    RANGE_BASE + 3 * k
}
pub const fn range_b(k: usize) -> usize {
    RANGE_BASE + 3 * k + 1
}
pub const fn range_cnt(k: usize) -> usize {
    RANGE_BASE + 3 * k + 2
}
/// `branch · out`.
pub const BRT: usize = RANGE_BASE + 3 * NUM_RANGE_SLOTS;
/// `jump · (out − pc − 4)`.
pub const JMP: usize = BRT + 1;
/// `BRT · (simm − 4)`.
pub const BRK: usize = BRT + 2;
/// `(1 − INSEQ − PADDING) · (1 − next.PADDING)`: a real row whose successor starts a new
/// instruction.
pub const LNP: usize = BRT + 3;
/// Termination detection (the VM stops at the store that makes the panic or termination
/// word non-zero; the trace must end exactly there): `IS_CTRL` is the accessed word's
/// control bit (1 on the panic and termination words; `ram::RamPermissions`, tied to the
/// word by memory checking like the permission bits), `STORE_CTRL = STORE · IS_CTRL`,
/// `CTRL_VAL = STORE_CTRL · RAMNEW`, and `TERM = [CTRL_VAL ≠ 0]` with inverse `INV_VAL`
/// (`TERM = CTRL_VAL · INV_VAL`, `CTRL_VAL · (1 − TERM) = 0`). Gating by the control bit
/// keeps `INV_VAL` zero on all rows but the terminating store: no dense column of inverses.
pub const IS_CTRL: usize = BRT + 4;
pub const STORE_CTRL: usize = BRT + 5;
pub const CTRL_VAL: usize = BRT + 6;
pub const INV_VAL: usize = BRT + 7;
pub const TERM: usize = BRT + 8;
/// The permission bits of the accessed RAM word (`ram::RamPermissions`): readable and
/// writable. Loads need `PERM_R`, stores `PERM_W`; memory checking ties both to the word.
pub const PERM_R: usize = BRT + 9;
pub const PERM_W: usize = BRT + 10;
/// The row number (public, not committed).
pub const ROWIDX: usize = BRT + 11;
pub const NUM_COLS: usize = ROWIDX + 1;
/// Committed columns are `0..NUM_COMMITTED` (everything but `ROWIDX`).
pub const NUM_COMMITTED: usize = ROWIDX;

/// log2 of the universal subtable memory size: kinds (padded to a power of two) × 2^16 cells.
pub const LOG_K_LOOKUP: usize = NUM_KINDS.next_power_of_two().trailing_zeros() as usize + 16;

/// Cell index of `(kind, a, b)` in the subtable memory.
pub fn cell(kind: Kind, a: u8, b: u8) -> usize {
    (kind.index() << 16) | ((a as usize) << 8) | b as usize
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
    for (i, b) in bits.into_iter().enumerate() {
        v[FLAGS + i] = Fr::from(b as u64);
    }
    v[FIRST] = Fr::from((row.seq_index == 0 && !f.padding) as u64);
    v[INSEQ] = Fr::from((!f.padding && !row.is_last_in_seq()) as u64);
    if let Some(t) = f.table {
        v[TABLE_FLAGS + t.index()] = Fr::from(1u64);
    }
    v
}

/// The bytecode table padded to `2^log_k` entries (extra entries: address only, all flags 0).
pub fn bytecode_table(bytecode: &Bytecode, log_k: usize) -> Vec<[Fr; NUM_BC_FIELDS]> {
    let mut t: Vec<[Fr; NUM_BC_FIELDS]> = bytecode.rows.iter().map(bytecode_fields).collect();
    for i in t.len()..1 << log_k {
        let mut v = [Fr::zero(); NUM_BC_FIELDS];
        v[BC] = Fr::from(i as u64);
        t.push(v);
    }
    t
}

pub fn bytecode_log_k(bytecode: &Bytecode) -> usize {
    bytecode.rows.len().next_power_of_two().trailing_zeros().max(1) as usize
}

// ---- witness -----------------------------------------------------------------------------

/// Everything the prover commits to, plus the final states the memory argument needs.
pub struct Witness {
    pub log_rows: usize,
    /// `NUM_COLS` columns of `2^log_rows` rows (ROWIDX included).
    pub cols: Vec<Vec<Fr>>,
    pub log_k_bc: usize,
    pub bc_final_cnt: Vec<Fr>,
    pub log_k_ram: usize,
    pub ram_final_val: Vec<Fr>,
    pub ram_final_ts: Vec<Fr>,
    pub ram_init: Vec<u32>,
    pub lk_final_cnt: Vec<Fr>,
    pub reg_final_val: [u32; 64],
    pub reg_final_ts: [u64; 64],
}

/// Why a witness cannot be built (the trace does not fit the proof's limits).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("RAM address {0:#x} is outside the provable window")]
    RamAddress(u32),
    #[error("{0} rows exceed the maximum of 2^{1}")]
    TooManyRows(usize, usize),
}

/// Maximum rows (2^MAX_LOG_ROWS); timestamps `4·row + 3` then stay below 2^32.
pub const MAX_LOG_ROWS: usize = 24;

/// log2 of the padded trace for `rows` real rows: at least one padding row, so the last real
/// row's successor is padding.
pub fn log_rows_for(rows: usize) -> usize {
    (rows + 1).next_power_of_two().trailing_zeros().max(1) as usize
}

/// Builds the witness from the expanded rows. `ram_init` is the initial memory (sparse).
pub fn build_witness(
    bytecode: &Bytecode,
    rows: &[Row],
    ram: &RamLayout,
    perms: &RamPermissions,
    ram_init: &[(usize, u32)],
) -> Result<Witness, WitnessError> {
    let log_rows = log_rows_for(rows.len());
    if log_rows > MAX_LOG_ROWS {
        return Err(WitnessError::TooManyRows(rows.len(), MAX_LOG_ROWS));
    }
    let t = 1usize << log_rows;
    let mut max_index = 0usize;
    for r in rows {
        if let Some(a) = r.ram {
            max_index = max_index.max(ram.index(a.addr).ok_or(WitnessError::RamAddress(a.addr))?);
        }
    }
    for &(i, _) in ram_init {
        max_index = max_index.max(i);
    }
    let log_k_ram = ram.log_k_for(max_index);
    let k_ram = 1usize << log_k_ram;
    let log_k_bc = bytecode_log_k(bytecode);

    let mut ram_val = vec![0u32; k_ram];
    for &(i, v) in ram_init {
        ram_val[i] = v;
    }
    let ram_init_dense = ram_val.clone();
    let mut ram_ts = vec![0u64; k_ram];
    let mut reg_val = [0u32; 64];
    let mut reg_ts = [0u64; 64];
    let mut bc_cnt = vec![0u64; 1 << log_k_bc];
    let mut lk_cnt = vec![0u64; 1 << LOG_K_LOOKUP];

    let mut cols = vec![vec![Fr::zero(); t]; NUM_COLS];
    let padding = Row::padding();
    let bc_fields: Vec<[Fr; NUM_BC_FIELDS]> = bytecode.rows.iter().map(bytecode_fields).collect();
    for i in 0..t {
        let row = rows.get(i).unwrap_or(&padding);
        let entry = &bytecode.rows[row.bc];
        let f = entry.flags();
        let set = |cols: &mut Vec<Vec<Fr>>, c: usize, v: u64| cols[c][i] = Fr::from(v);
        for (c, v) in bc_fields[row.bc].iter().enumerate() {
            cols[c][i] = *v;
        }
        set(&mut cols, BC_CNT, bc_cnt[row.bc]);
        bc_cnt[row.bc] += 1;

        // Registers (timestamps 4i+1, 4i+2, 4i+3; 0 = initial).
        let now = 4 * i as u64;
        let mut diffs = [0u64; 4];
        for (k, (reg, ts_col, val)) in [
            (entry.rs1, TS_RS1, row.rs1_val),
            (entry.rs2, TS_RS2, row.rs2_val),
            (entry.rd, TS_RD, row.rd_old),
        ]
        .into_iter()
        .enumerate()
        {
            let r = reg as usize;
            // A dishonest row (tests) may claim another value: the memory argument rejects it.
            let _ = val;
            set(&mut cols, ts_col, reg_ts[r]);
            diffs[k] = now + k as u64 + 1 - reg_ts[r] - 1;
            reg_ts[r] = now + k as u64 + 1;
        }
        reg_val[entry.rd as usize] = row.rd_new;
        set(&mut cols, RS1V, row.rs1_val as u64);
        set(&mut cols, RS2V, row.rs2_val as u64);
        set(&mut cols, RDOLD, row.rd_old as u64);
        set(&mut cols, RDNEW, row.rd_new as u64);
        set(&mut cols, ADVICE, row.advice as u64);

        // Lookup.
        let q = &row.lookup;
        set(&mut cols, LX, q.x as u64);
        set(&mut cols, LY, q.y as u64);
        cols[PROD][i] = Fr::from(q.x as u64) * Fr::from(q.y as u64);
        set(&mut cols, LKOUT, q.out as u64);
        for (s, (kind, a, b)) in q.slots().into_iter().enumerate() {
            set(&mut cols, slot_a(s), a as u64);
            set(&mut cols, slot_b(s), b as u64);
            set(&mut cols, slot_e(s), kind.eval(a, b));
            let c = cell(kind, a, b);
            set(&mut cols, slot_cnt(s), lk_cnt[c]);
            lk_cnt[c] += 1;
        }

        // RAM: one access per row (word 0 re-written unchanged when the row has none).
        let (idx, before, after) = match row.ram {
            Some(a) => (ram.index(a.addr).expect("checked above"), a.before, a.after),
            None => (0, ram_val[0], ram_val[0]),
        };
        set(&mut cols, RAMIDX, idx as u64);
        set(&mut cols, RAMOLD, before as u64);
        set(&mut cols, RAMNEW, after as u64);
        set(&mut cols, TS_RAM, ram_ts[idx]);
        let [readable, writable, control] = perms.at(idx);
        set(&mut cols, PERM_R, readable as u64);
        set(&mut cols, PERM_W, writable as u64);
        set(&mut cols, IS_CTRL, control as u64);
        diffs[3] = i as u64 + 1 - ram_ts[idx] - 1;
        ram_ts[idx] = i as u64 + 1;
        ram_val[idx] = after;

        // Timestamp range checks: diff = lo + 2^16·hi, each half a Range16 read.
        for (k, d) in diffs.into_iter().enumerate() {
            for (h, half) in [(d & 0xffff) as u16, (d >> 16) as u16].into_iter().enumerate() {
                let (a, b) = ((half >> 8) as u8, half as u8);
                let slot = 2 * k + h;
                set(&mut cols, range_a(slot), a as u64);
                set(&mut cols, range_b(slot), b as u64);
                let c = cell(Kind::Range16, a, b);
                set(&mut cols, range_cnt(slot), lk_cnt[c]);
                lk_cnt[c] += 1;
            }
        }

        // Auxiliary products.
        let out = Fr::from(q.out as u64);
        let brt = if f.branch { out } else { Fr::zero() };
        cols[BRT][i] = brt;
        if f.jump {
            cols[JMP][i] = out - Fr::from(entry.pc as u64 + 4);
        }
        cols[BRK][i] = brt * (entry.imm_signed_fr() - Fr::from(4u64));
        set(&mut cols, ROWIDX, i as u64);
    }
    // Termination detection (IS_CTRL is set with the RAM access above).
    #[allow(clippy::needless_range_loop)] // columns are indexed by row across many vectors
    for i in 0..t {
        let store_ctrl = cols[STORE][i] * cols[IS_CTRL][i];
        cols[STORE_CTRL][i] = store_ctrl;
        let ctrl_val = store_ctrl * cols[RAMNEW][i];
        cols[CTRL_VAL][i] = ctrl_val;
        if !ctrl_val.is_zero() {
            cols[INV_VAL][i] = ark_ff::Field::inverse(&ctrl_val).expect("non-zero");
            cols[TERM][i] = Fr::from(1u64);
        }
    }
    // LNP needs the next row.
    for i in 0..t {
        let next_pad = if i + 1 < t { cols[PADDING][i + 1] } else { Fr::zero() };
        cols[LNP][i] =
            (Fr::from(1u64) - cols[INSEQ][i] - cols[PADDING][i]) * (Fr::from(1u64) - next_pad);
    }
    Ok(Witness {
        log_rows,
        cols,
        log_k_bc,
        bc_final_cnt: bc_cnt.into_iter().map(Fr::from).collect(),
        log_k_ram,
        ram_final_val: ram_val.iter().map(|&v| Fr::from(v as u64)).collect(),
        ram_final_ts: ram_ts.into_iter().map(Fr::from).collect(),
        ram_init: ram_init_dense,
        lk_final_cnt: lk_cnt.into_iter().map(Fr::from).collect(),
        reg_final_val: reg_val,
        reg_final_ts: reg_ts,
    })
}

// ---- constraints -------------------------------------------------------------------------

fn col(j: usize) -> Lc {
    Lc::col(j)
}

fn one() -> Lc {
    Lc::one()
}

/// The operand a binding equation decomposes, as a combination of this row's columns.
fn operand_lc(op: Operand) -> Lc {
    match op {
        Operand::Zero => Lc::zero(),
        Operand::X => col(LX),
        Operand::Y => col(LY),
        Operand::Sum => col(LX) + col(LY),
        Operand::Diff => col(LX) - col(LY) + Lc::constant_fr(Fr::from(1u64 << 32)),
        Operand::Product => col(PROD),
    }
}

fn binding_lc(eq: &BindEq) -> Lc {
    let mut lc = operand_lc(eq.operand);
    for t in &eq.terms {
        let c = match t.side {
            Side::A => slot_a(t.slot),
            Side::B => slot_b(t.slot),
        };
        lc -= col(c) * fr_i64(t.coeff);
    }
    lc
}

/// The CPU constraints for a program whose RAM window starts at `io_base`.
pub fn constraints(io_base: u32) -> UniformR1cs {
    let mut r = UniformR1cs::new(NUM_COLS);
    let f = col;
    // Operands.
    r.push(Constraint::eq_if(f(X_RS1), f(LX), f(RS1V)));
    r.push(Constraint::eq_if(f(X_PC), f(LX), f(PC)));
    r.push(Constraint::eq_if(f(X_ADVICE), f(LX), f(ADVICE)));
    r.push(Constraint::eq_if(one() - f(X_RS1) - f(X_PC) - f(X_ADVICE), f(LX), Lc::zero()));
    r.push(Constraint::eq_if(f(Y_RS2), f(LY), f(RS2V)));
    r.push(Constraint::eq_if(f(Y_IMM), f(LY), f(IMM)));
    r.push(Constraint::eq_if(one() - f(Y_RS2) - f(Y_IMM), f(LY), Lc::zero()));
    r.push(Constraint::new(f(LX), f(LY), f(PROD)));

    // Operand bindings, one constraint per distinct equation gated by the tables using it.
    let mut eqs: Vec<(BindEq, Vec<Table>)> = Vec::new();
    for t in Table::ALL {
        for e in binding(t).eqs {
            match eqs.iter_mut().find(|(x, _)| *x == e) {
                Some((_, ts)) => ts.push(t),
                None => eqs.push((e, vec![t])),
            }
        }
    }
    for (e, ts) in &eqs {
        let gate = ts.iter().fold(Lc::zero(), |acc, t| acc + f(TABLE_FLAGS + t.index()));
        r.push(Constraint::eq_if(gate, binding_lc(e), Lc::zero()));
    }

    // Assertions, rd, RAM.
    r.push(Constraint::eq_if(f(ASSERT), f(LKOUT), Lc::constant(1)));
    r.push(Constraint::eq_if(f(W_LOOKUP), f(RDNEW), f(LKOUT)));
    r.push(Constraint::eq_if(f(W_PC4), f(RDNEW), f(PC) + 4));
    r.push(Constraint::eq_if(f(W_RAM), f(RDNEW), f(RAMOLD)));
    r.push(Constraint::eq_if(one() - f(W_LOOKUP) - f(W_PC4) - f(W_RAM), f(RDNEW), f(RDOLD)));
    r.push(Constraint::eq_if(f(LOAD) + f(STORE), f(RAMIDX) * 4 + io_base as i64, f(LKOUT)));
    r.push(Constraint::eq_if(one() - f(LOAD) - f(STORE), f(RAMIDX), Lc::zero()));
    r.push(Constraint::eq_if(one() - f(STORE), f(RAMNEW), f(RAMOLD)));
    r.push(Constraint::eq_if(f(STORE), f(RAMNEW), f(RS2V)));
    // Permissions: what the VM would fault on cannot be proven.
    r.push(Constraint::eq_if(f(LOAD), f(PERM_R), one()));
    r.push(Constraint::eq_if(f(STORE), f(PERM_W), one()));

    // Timestamp range checks: write_ts − read_ts − 1 = lo + 2^16·hi.
    let half = |k: usize| f(range_a(k)) * 256 + f(range_b(k));
    let accesses = [(TS_RS1, 4, 1), (TS_RS2, 4, 2), (TS_RD, 4, 3), (TS_RAM, 1, 1)];
    for (k, (ts, mul, add)) in accesses.into_iter().enumerate() {
        r.push(Constraint::eq(
            f(ROWIDX) * mul + (add - 1) - f(ts),
            half(2 * k) + half(2 * k + 1) * (1 << 16),
        ));
    }

    // Control flow.
    r.push(Constraint::eq(f(INVALID), Lc::zero()));
    r.push(Constraint::eq_if(f(PADDING), Lc::next(BC), Lc::zero()));
    r.push(Constraint::eq_if(f(INSEQ), Lc::next(BC), f(BC) + 1));
    r.push(Constraint::new(f(BRANCH), f(LKOUT), f(BRT)));
    r.push(Constraint::new(f(JUMP), f(LKOUT) - f(PC) - 4, f(JMP)));
    r.push(Constraint::new(f(BRT), f(SIMM) - 4, f(BRK)));
    r.push(Constraint::new(one() - f(INSEQ) - f(PADDING), one() - Lc::next(PADDING), f(LNP)));
    r.push(Constraint::eq_if(f(LNP), Lc::next(PC), f(PC) + 4 + f(JMP) + f(BRK)));
    r.push(Constraint::eq_if(f(LNP), Lc::next(FIRST), Lc::constant(1)));

    // Termination: the trace ends exactly after the first store that makes the panic or
    // termination word non-zero (TERM ⇒ next row is padding; a real row that is not TERM is
    // followed by a real row).
    r.push(Constraint::new(f(STORE), f(IS_CTRL), f(STORE_CTRL)));
    r.push(Constraint::new(f(STORE_CTRL), f(RAMNEW), f(CTRL_VAL)));
    r.push(Constraint::new(f(CTRL_VAL), f(INV_VAL), f(TERM)));
    r.push(Constraint::new(f(CTRL_VAL), one() - f(TERM), Lc::zero()));
    r.push(Constraint::new(f(TERM), one() - Lc::next(PADDING), Lc::zero()));
    r.push(Constraint::new(one() - f(PADDING) - f(TERM), Lc::next(PADDING), Lc::zero()));
    r
}

// ---- memory-checking tuples ----------------------------------------------------------------

/// Polynomials the T-sized tuples refer to: the `NUM_COLS` columns (ROWIDX last).
/// Register accesses: `(reg, value, ts)`.
pub fn register_tuples() -> Vec<(Tuple, Tuple)> {
    let four_i = |add: u64| Lin { terms: vec![(ROWIDX, Fr::from(4u64))], constant: Fr::from(add) };
    vec![
        (
            Tuple(vec![Lin::poly(RS1), Lin::poly(RS1V), Lin::poly(TS_RS1)]),
            Tuple(vec![Lin::poly(RS1), Lin::poly(RS1V), four_i(1)]),
        ),
        (
            Tuple(vec![Lin::poly(RS2), Lin::poly(RS2V), Lin::poly(TS_RS2)]),
            Tuple(vec![Lin::poly(RS2), Lin::poly(RS2V), four_i(2)]),
        ),
        (
            Tuple(vec![Lin::poly(RD), Lin::poly(RDOLD), Lin::poly(TS_RD)]),
            Tuple(vec![Lin::poly(RD), Lin::poly(RDNEW), four_i(3)]),
        ),
    ]
}

/// RAM access: `(index, value, ts, readable, writable, control)`.
pub fn ram_tuples() -> (Tuple, Tuple) {
    let perms = [Lin::poly(PERM_R), Lin::poly(PERM_W), Lin::poly(IS_CTRL)];
    let read = [Lin::poly(RAMIDX), Lin::poly(RAMOLD), Lin::poly(TS_RAM)];
    let write = [Lin::poly(RAMIDX), Lin::poly(RAMNEW), Lin::poly_plus(ROWIDX, 1)];
    (
        Tuple(read.into_iter().chain(perms.clone()).collect()),
        Tuple(write.into_iter().chain(perms).collect()),
    )
}

/// Bytecode read: every bytecode field, then the counter.
pub fn bytecode_tuples() -> (Tuple, Tuple) {
    let mut read: Vec<Lin> = (0..NUM_BC_FIELDS).map(Lin::poly).collect();
    let mut write = read.clone();
    read.push(Lin::poly(BC_CNT));
    write.push(Lin::poly_plus(BC_CNT, 1));
    (Tuple(read), Tuple(write))
}

/// Subtable reads `(kind, a, b, value, counter)`: the instruction slots (kind from the table
/// flags) and the range slots (kind `Range16`, value `256a + b`).
pub fn lookup_tuples() -> Vec<(Tuple, Tuple)> {
    let mut v = Vec::new();
    for s in 0..SLOTS {
        let kind = Lin {
            terms: Table::ALL
                .iter()
                .map(|t| (TABLE_FLAGS + t.index(), Fr::from(slot_kinds(*t)[s].index() as u64)))
                .filter(|(_, c)| !c.is_zero())
                .collect(),
            constant: Fr::zero(),
        };
        let fields = vec![kind, Lin::poly(slot_a(s)), Lin::poly(slot_b(s)), Lin::poly(slot_e(s))];
        let mut read = fields.clone();
        read.push(Lin::poly(slot_cnt(s)));
        let mut write = fields;
        write.push(Lin::poly_plus(slot_cnt(s), 1));
        v.push((Tuple(read), Tuple(write)));
    }
    for k in 0..NUM_RANGE_SLOTS {
        let fields = vec![
            Lin::constant(Fr::from(Kind::Range16.index() as u64)),
            Lin::poly(range_a(k)),
            Lin::poly(range_b(k)),
            Lin::sum(&[(range_a(k), 256), (range_b(k), 1)]),
        ];
        let mut read = fields.clone();
        read.push(Lin::poly(range_cnt(k)));
        let mut write = fields;
        write.push(Lin::poly_plus(range_cnt(k), 1));
        v.push((Tuple(read), Tuple(write)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_dense() {
        assert_eq!(NUM_BC_FIELDS, 24 + NUM_TABLES);
        assert_eq!(ROWIDX, NUM_COLS - 1);
        assert!(slot_cnt(SLOTS - 1) < TS_RS1);
        assert!(range_cnt(NUM_RANGE_SLOTS - 1) < BRT);
        assert_eq!((TERM + 1, PERM_W + 1), (PERM_R, ROWIDX));
        assert_eq!(IS_CTRL, BRT + 4);
        constraints(0x7000_0000).validate().unwrap();
    }
}
