//! The v2 CPU: per-row columns and the uniform constraints over them (the equations of
//! `isa`'s module docs), with three choices:
//! * **Lookup outputs are in the constraints**: the output is a low-degree combination of
//!   the eight slot values (`tables::combine`); eight auxiliary products make every table's
//!   combination linear, so `table ⇒ out = lin_t(e, aux)` is rank one.
//! * **Registers are always written**: `WRD` (a bytecode field) is `rd` when the instruction
//!   writes and 0 otherwise, and a row without a write flag writes 0 — so x0 stays 0 and the
//!   register memory needs no "old value" column.
//! * **RAM addresses are physical byte addresses** (`RAMADDR`), tied to the remapped one-hot
//!   address by Shout's read-address check with the page table.
//!
//! Columns come in two kinds. **Virtual** columns are never committed: every claim Spartan
//! leaves on them at its point `r` is proven by another argument at the same `r` — bytecode
//! fields by the bytecode read check, `RS1V`/`RS2V` and `RAMOLD` by Twist, `RAMADDR` and the
//! permission bits by the RAM read-address check, the slot bytes and values by the lookup
//! read check. **Committed** columns (from [`FIRST_COMMITTED`]) are opened with Dory.
use ark_ff::{Field, Zero};

use crate::bytecode_fields::{
    bytecode_fields, ASSERT, BC, BRANCH, FIRST, IMM, INSEQ, INVALID, JUMP, LOAD, NUM_BC_FIELDS,
    PADDING, PC, SIMM, STORE, TABLE_FLAGS, W_LOOKUP, W_PC4, W_RAM, X_ADVICE, X_PC, X_RS1, Y_IMM,
    Y_RS2,
};
use crate::field::{fr_i64, Fr};
use crate::isa::tables::{binding, BindEq, Operand, Side, Table, ALIGNMENT_SLOT, SLOTS};
use crate::isa::{BytecodeRow, Row};
use crate::r1cs::{Constraint, Lc, UniformR1cs};
use crate::statement::{FaultClass, Outcome};

// ---- layout --------------------------------------------------------------------------------

/// `rd` if the instruction writes a register, else 0 (the last bytecode field).
pub const WRD: usize = NUM_BC_FIELDS;
/// Bytecode fields: `bytecode_fields`', then [`WRD`].
pub const NUM_BC: usize = NUM_BC_FIELDS + 1;
pub const RS1V: usize = NUM_BC;
pub const RS2V: usize = NUM_BC + 1;
/// The RAM word before the row (0 on rows without a RAM access).
pub const RAMOLD: usize = NUM_BC + 2;
/// The physical byte address of the RAM access (0 without one).
pub const RAMADDR: usize = NUM_BC + 3;
/// The accessed word's permission and control bits (`ram::RamPermissions`).
pub const PERM_R: usize = NUM_BC + 4;
pub const PERM_W: usize = NUM_BC + 5;
pub const IS_CTRL: usize = NUM_BC + 6;
const SLOT_BASE: usize = NUM_BC + 7;
pub const fn slot_a(s: usize) -> usize {
    SLOT_BASE + 3 * s
}
pub const fn slot_b(s: usize) -> usize {
    SLOT_BASE + 3 * s + 1
}
pub const fn slot_e(s: usize) -> usize {
    SLOT_BASE + 3 * s + 2
}
/// The first committed column.
pub const FIRST_COMMITTED: usize = SLOT_BASE + 3 * SLOTS;
/// The value written to register `WRD` (0 when the row writes none).
pub const RDNEW: usize = FIRST_COMMITTED;
/// The RAM word after the row.
pub const RAMNEW: usize = FIRST_COMMITTED + 1;
pub const ADVICE: usize = FIRST_COMMITTED + 2;
pub const LX: usize = FIRST_COMMITTED + 3;
pub const LY: usize = FIRST_COMMITTED + 4;
pub const PROD: usize = FIRST_COMMITTED + 5;
pub const LKOUT: usize = FIRST_COMMITTED + 6;
/// `branch · out`, `jump · (out − pc − 4)`, `BRT · (simm − 4)`, and "a real row whose
/// successor starts a new instruction".
pub const BRT: usize = FIRST_COMMITTED + 7;
pub const JMP: usize = FIRST_COMMITTED + 8;
pub const BRK: usize = FIRST_COMMITTED + 9;
pub const LNP: usize = FIRST_COMMITTED + 10;
/// Termination detection: `STORE·IS_CTRL`, its written value, that value's inverse, and
/// `TERM = [the store makes the panic or termination word non-zero]`.
pub const STORE_CTRL: usize = FIRST_COMMITTED + 11;
pub const CTRL_VAL: usize = FIRST_COMMITTED + 12;
pub const INV_VAL: usize = FIRST_COMMITTED + 13;
pub const TERM: usize = FIRST_COMMITTED + 14;
/// Auxiliary products of slot values: `e0·e1`, `e2·e3`, their product, the three steps of the
/// less-than chain, `e4·(e0 + 2^16·e1)` and `e4·e2·e3`.
pub const P01: usize = FIRST_COMMITTED + 15;
pub const P23: usize = FIRST_COMMITTED + 16;
pub const P0123: usize = FIRST_COMMITTED + 17;
pub const L1: usize = FIRST_COMMITTED + 18;
pub const L2: usize = FIRST_COMMITTED + 19;
pub const L3: usize = FIRST_COMMITTED + 20;
pub const SX: usize = FIRST_COMMITTED + 21;
pub const SP: usize = FIRST_COMMITTED + 22;
/// The faulting row of a run that faulted (its last real row; 0 on every row otherwise), and
/// its products with `STORE`, `INSEQ` and `LOAD`.
pub const FAULT: usize = FIRST_COMMITTED + 23;
pub const STORE_FAULT: usize = FIRST_COMMITTED + 24;
pub const INSEQ_FAULT: usize = FIRST_COMMITTED + 25;
pub const LOAD_FAULT: usize = FIRST_COMMITTED + 26;
pub const NUM_COLS: usize = FIRST_COMMITTED + 27;
pub const NUM_COMMITTED: usize = NUM_COLS - FIRST_COMMITTED;

/// The v2 bytecode fields of one table entry (`bytecode_fields`', then [`WRD`]).
pub fn bytecode_fields_v2(row: &BytecodeRow) -> [Fr; NUM_BC] {
    let mut v = [Fr::zero(); NUM_BC];
    v[..NUM_BC_FIELDS].copy_from_slice(&bytecode_fields(row));
    let f = row.flags();
    if f.write_lookup || f.write_pc4 || f.write_ram {
        v[WRD] = Fr::from(row.rd as u64);
    }
    v
}

/// Whether the entry writes a register (`WRD ≠ 0`).
pub fn writes_register(row: &BytecodeRow) -> bool {
    let f = row.flags();
    f.write_lookup || f.write_pc4 || f.write_ram
}

// ---- lookup outputs ------------------------------------------------------------------------

fn p16() -> Fr {
    Fr::from(1u64 << 16)
}

fn p32() -> Fr {
    Fr::from(1u64 << 32)
}

/// The auxiliary products of one row's slot values, in [`P01`]..=[`SP`] order.
pub fn aux_products(e: &[Fr; SLOTS]) -> [Fr; 8] {
    let p01 = e[0] * e[1];
    let p23 = e[2] * e[3];
    let l1 = e[5] * e[0];
    let l2 = e[6] * (e[1] + l1);
    let l3 = e[7] * (e[2] + l2);
    [p01, p23, p01 * p23, l1, l2, l3, e[4] * (e[0] + p16() * e[1]), e[4] * p23]
}

/// `tables::combine(table, e)` as a linear combination of the slot values and the auxiliary
/// products (the columns of this module).
fn output_lc(table: Table) -> Lc {
    let e = |s: usize| Lc::col(slot_e(s));
    let one = Lc::one();
    let bytes4 = e(0) + e(1) * 256 + e(2) * (1 << 16) + e(3) * (1 << 24);
    let lt = e(3) + Lc::col(L3);
    match table {
        Table::Add | Table::Sub | Table::Mul | Table::JalrTarget | Table::WordAddr => {
            e(0) + e(1) * p16()
        }
        Table::Mulhu => e(2) + e(3) * p16(),
        Table::And | Table::Or | Table::Xor => bytes4,
        Table::Eq => Lc::col(P0123),
        Table::Ne => one - Lc::col(P0123),
        Table::Slt | Table::Sltu => lt,
        Table::Ge | Table::Geu => one - lt,
        Table::Sll | Table::Srl | Table::Sra => e(0) + e(1) + e(2) + e(3),
        Table::Align2 => e(0),
        Table::MulNoOverflow => Lc::col(P23),
        Table::MovSign => e(0) * (p32() - Fr::from(1u64)),
        // x + s·(2^32 − 2x) − 2^32·s·e2·e3 with x = e0 + 2^16·e1, s = e4.
        Table::NegIf => e(0) + e(1) * p16() + e(4) * p32() - Lc::col(SX) * 2 - Lc::col(SP) * p32(),
        Table::ValidDiv0 => one - Lc::col(P01) + Lc::col(P0123),
    }
}

// ---- constraints ---------------------------------------------------------------------------

fn col(j: usize) -> Lc {
    Lc::col(j)
}

fn operand_lc(op: Operand) -> Lc {
    match op {
        Operand::Zero => Lc::zero(),
        Operand::X => col(LX),
        Operand::Y => col(LY),
        Operand::Sum => col(LX) + col(LY),
        Operand::Diff => col(LX) - col(LY) + Lc::constant_fr(p32()),
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

fn table_flag(t: Table) -> Lc {
    col(TABLE_FLAGS + t.index())
}

fn push_operands_and_bindings(r: &mut UniformR1cs) {
    let f = col;
    let one = Lc::one;
    r.push(Constraint::eq_if(f(X_RS1), f(LX), f(RS1V)));
    r.push(Constraint::eq_if(f(X_PC), f(LX), f(PC)));
    r.push(Constraint::eq_if(f(X_ADVICE), f(LX), f(ADVICE)));
    r.push(Constraint::eq_if(one() - f(X_RS1) - f(X_PC) - f(X_ADVICE), f(LX), Lc::zero()));
    r.push(Constraint::eq_if(f(Y_RS2), f(LY), f(RS2V)));
    r.push(Constraint::eq_if(f(Y_IMM), f(LY), f(IMM)));
    r.push(Constraint::eq_if(one() - f(Y_RS2) - f(Y_IMM), f(LY), Lc::zero()));
    r.push(Constraint::new(f(LX), f(LY), f(PROD)));
    // One constraint per distinct binding equation, gated by the tables using it.
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
        let gate = ts.iter().fold(Lc::zero(), |acc, t| acc + table_flag(*t));
        r.push(Constraint::eq_if(gate, binding_lc(e), Lc::zero()));
    }
}

fn push_lookup_outputs(r: &mut UniformR1cs) {
    let e = |s: usize| col(slot_e(s));
    r.push(Constraint::new(e(0), e(1), col(P01)));
    r.push(Constraint::new(e(2), e(3), col(P23)));
    r.push(Constraint::new(col(P01), col(P23), col(P0123)));
    r.push(Constraint::new(e(5), e(0), col(L1)));
    r.push(Constraint::new(e(6), e(1) + col(L1), col(L2)));
    r.push(Constraint::new(e(7), e(2) + col(L2), col(L3)));
    r.push(Constraint::new(e(4), e(0) + e(1) * p16(), col(SX)));
    r.push(Constraint::new(e(4), col(P23), col(SP)));
    let mut none = Lc::one();
    for t in Table::ALL {
        r.push(Constraint::eq_if(table_flag(t), col(LKOUT), output_lc(t)));
        none -= table_flag(t);
    }
    r.push(Constraint::eq_if(none, col(LKOUT), Lc::zero()));
}

fn push_registers_and_ram(r: &mut UniformR1cs) {
    let f = col;
    let one = Lc::one;
    // A failed assertion only on the faulting row (which `push_outcome` ties to a class).
    r.push(Constraint::eq_if(f(ASSERT), f(LKOUT) + f(FAULT), Lc::constant(1)));
    r.push(Constraint::eq_if(f(W_LOOKUP), f(RDNEW), f(LKOUT)));
    r.push(Constraint::eq_if(f(W_PC4), f(RDNEW), f(PC) + 4));
    r.push(Constraint::eq_if(f(W_RAM), f(RDNEW), f(RAMOLD)));
    r.push(Constraint::eq_if(one() - f(W_LOOKUP) - f(W_PC4) - f(W_RAM), f(RDNEW), Lc::zero()));
    r.push(Constraint::eq_if(f(LOAD) + f(STORE), f(RAMADDR), f(LKOUT)));
}

fn push_control_flow(r: &mut UniformR1cs) {
    let f = col;
    let one = Lc::one;
    r.push(Constraint::new(f(INVALID), one() - f(FAULT), Lc::zero()));
    r.push(Constraint::eq_if(f(PADDING), Lc::next(BC), Lc::zero()));
    r.push(Constraint::eq_if(f(INSEQ) - f(INSEQ_FAULT), Lc::next(BC), f(BC) + 1));
    r.push(Constraint::new(f(BRANCH), f(LKOUT), f(BRT)));
    r.push(Constraint::new(f(JUMP), f(LKOUT) - f(PC) - 4, f(JMP)));
    r.push(Constraint::new(f(BRT), f(SIMM) - 4, f(BRK)));
    r.push(Constraint::new(one() - f(INSEQ) - f(PADDING), one() - Lc::next(PADDING), f(LNP)));
    r.push(Constraint::eq_if(f(LNP), Lc::next(PC), f(PC) + 4 + f(JMP) + f(BRK)));
    r.push(Constraint::eq_if(f(LNP), Lc::next(FIRST), Lc::constant(1)));
    // The trace ends exactly after the first store that makes the panic or termination word
    // non-zero.
    r.push(Constraint::new(f(STORE), f(IS_CTRL), f(STORE_CTRL)));
    r.push(Constraint::new(f(STORE_CTRL), f(RAMNEW), f(CTRL_VAL)));
    r.push(Constraint::new(f(CTRL_VAL), f(INV_VAL), f(TERM)));
    r.push(Constraint::new(f(CTRL_VAL), one() - f(TERM), Lc::zero()));
    r.push(Constraint::new(f(TERM), one() - Lc::next(PADDING), Lc::zero()));
}

/// The faulting row: boolean, real, followed by padding (so there is at most one, the last
/// real row), with its products.
fn push_fault_row(r: &mut UniformR1cs) {
    let f = col;
    let one = Lc::one;
    r.push(Constraint::new(f(FAULT), one() - f(FAULT), Lc::zero()));
    r.push(Constraint::eq_if(f(PADDING), f(FAULT), Lc::zero()));
    r.push(Constraint::new(f(FAULT), one() - Lc::next(PADDING), Lc::zero()));
    r.push(Constraint::new(f(STORE), f(FAULT), f(STORE_FAULT)));
    r.push(Constraint::new(f(INSEQ), f(FAULT), f(INSEQ_FAULT)));
    r.push(Constraint::new(f(LOAD), f(FAULT), f(LOAD_FAULT)));
}

/// What the VM would fault on cannot be proven as an ordinary step. An access without the
/// permission, a misaligned word address or JALR target, is the faulting row of a fault of
/// that class; and the faulting row of a memory-access fault lacks the permission, that of a
/// misaligned word access or JALR has the misaligned address (the VM checks alignment before
/// permissions: a misaligned access's word may have any). A store that faults on its access
/// writes nothing.
fn push_access_rules(r: &mut UniformR1cs, outcome: Outcome) {
    let f = col;
    let one = Lc::one;
    let class = match outcome {
        Outcome::Faulted { class, .. } => Some(class),
        _ => None,
    };
    let aligned = col(slot_e(ALIGNMENT_SLOT));
    let fault_if = |c: FaultClass| if class == Some(c) { f(FAULT) } else { Lc::zero() };
    // Aligned, or the faulting row of the class.
    let misaligned_access = fault_if(FaultClass::MisalignedAccess);
    r.push(Constraint::eq_if(
        table_flag(Table::WordAddr),
        aligned.clone() + misaligned_access,
        one(),
    ));
    let misaligned_jump = fault_if(FaultClass::MisalignedJump);
    r.push(Constraint::eq_if(table_flag(Table::JalrTarget), aligned + misaligned_jump, one()));
    if class == Some(FaultClass::MisalignedAccess) {
        r.push(Constraint::eq_if(f(LOAD) - f(LOAD_FAULT), f(PERM_R), one()));
        r.push(Constraint::eq_if(f(STORE) - f(STORE_FAULT), f(PERM_W), one()));
    } else {
        let denied = fault_if(FaultClass::MemoryAccess);
        r.push(Constraint::eq_if(f(LOAD), f(PERM_R) + denied.clone(), one()));
        r.push(Constraint::eq_if(f(STORE), f(PERM_W) + denied, one()));
    }
    let store_faults =
        matches!(class, Some(FaultClass::MemoryAccess | FaultClass::MisalignedAccess));
    let writes = if store_faults { f(STORE) - f(STORE_FAULT) } else { f(STORE) };
    r.push(Constraint::eq_if(one() - writes.clone(), f(RAMNEW), f(RAMOLD)));
    r.push(Constraint::eq_if(writes, f(RAMNEW), f(RS2V)));
}

/// How the trace may end, from the statement's outcome. A halted or panicked run ends with
/// the row that writes the control word; a faulted one with its faulting row, at the
/// statement's pc and of its class; a run out of cycles may stop after any instruction (the
/// bytecode check fixes how many, and the final control words show it never ended). Only
/// the faulting row may break the rules of an ordinary step.
fn push_outcome(r: &mut UniformR1cs, outcome: Outcome) {
    let f = col;
    let one = Lc::one;
    let end = one() - f(PADDING) - f(TERM) - f(FAULT);
    match outcome {
        Outcome::OutOfCycles => {}
        _ => {
            r.push(Constraint::new(end, Lc::next(PADDING), Lc::zero()));
        }
    }
    match outcome {
        // The run halted (its last row is the terminating store, whose successor is the
        // statement's pc) with an output length word above the maximum (the final check).
        Outcome::Faulted { class: FaultClass::OutputOverflow, pc } => {
            r.push(Constraint::eq(f(FAULT), Lc::zero()));
            let pc = Lc::constant_fr(Fr::from(u64::from(pc)));
            r.push(Constraint::eq_if(f(TERM), f(PC) + 4, pc));
        }
        Outcome::Faulted { class, pc } => push_fault_class(r, class, pc),
        _ => {
            r.push(Constraint::eq(f(FAULT), Lc::zero()));
        }
    }
}

/// What the faulting row of a fault of `class` at `pc` must be. The jump classes need facts
/// about the instruction that the verifier checks on the ELF (`fault::check_statement`).
fn push_fault_class(r: &mut UniformR1cs, class: FaultClass, pc: u32) {
    let f = col;
    let one = Lc::one;
    let pc = Lc::constant_fr(Fr::from(u64::from(pc)));
    // The last row of an instruction none of whose rules the faulting row may relax.
    let ordinary = f(LOAD) + f(STORE) + f(ASSERT) + f(INVALID) + f(INSEQ);
    let mut at_fault = |lhs: Lc, rhs: Lc| {
        r.push(Constraint::eq_if(f(FAULT), lhs, rhs));
    };
    match class {
        FaultClass::InvalidInstruction => {
            at_fault(f(PC), pc);
            at_fault(f(INVALID), one());
        }
        FaultClass::MemoryAccess => {
            at_fault(f(PC), pc);
            at_fault(f(LOAD) + f(STORE), one());
        }
        // A halfword alignment assertion that fails, or a misaligned word address
        // (`push_access_rules`).
        FaultClass::MisalignedAccess => {
            at_fault(f(PC), pc);
            at_fault(table_flag(Table::Align2) + table_flag(Table::WordAddr), one());
        }
        // A JAL or a taken branch whose (ELF-fixed) target is misaligned, or a JALR whose
        // target is (`push_access_rules`).
        FaultClass::MisalignedJump => {
            at_fault(f(PC), pc);
            at_fault(ordinary, Lc::zero());
            at_fault(f(JUMP) + f(BRANCH), one());
            at_fault(f(BRT), f(BRANCH));
        }
        // The retired instruction whose successor's address is `pc`, outside the text: any
        // complete instruction (a load or store on it is an ordinary, permitted one).
        FaultClass::PcOutOfText => {
            at_fault(f(PC) + 4 + f(JMP) + f(BRK), pc);
            at_fault(f(ASSERT) + f(INVALID) + f(INSEQ), Lc::zero());
        }
        FaultClass::OutputOverflow => unreachable!("an output overflow has no faulting row"),
    }
}

/// The v2 CPU constraints of a run with `outcome` (otherwise the same for every program:
/// addresses are physical).
pub fn constraints(outcome: Outcome) -> UniformR1cs {
    let mut r = UniformR1cs::new(NUM_COLS);
    push_operands_and_bindings(&mut r);
    push_lookup_outputs(&mut r);
    push_registers_and_ram(&mut r);
    push_control_flow(&mut r);
    push_fault_row(&mut r);
    push_access_rules(&mut r, outcome);
    push_outcome(&mut r, outcome);
    r
}

// ---- witness -------------------------------------------------------------------------------

/// One row's columns, with the machine words they were made from.
pub struct RowColumns {
    /// Every column's value.
    pub values: [Fr; NUM_COLS],
    /// `words[c]` is column `c`'s value as a word where bit `c` of `is_word` is set (the
    /// stored columns take it as it is instead of converting the field element back).
    pub words: [u64; NUM_COLS],
    pub is_word: u128,
}

impl RowColumns {
    /// Column `c` as a word, if it was made from one.
    #[inline]
    pub fn word(&self, c: usize) -> Option<u64> {
        (self.is_word >> c & 1 == 1).then_some(self.words[c])
    }
}

/// The columns of one row. `fields` are the entry's [`bytecode_fields_v2`] (computed once
/// per entry, not per row); `perms` are the accessed word's `[readable, writable, control]`
/// bits (all false without a RAM access); `fault` marks the faulting row.
pub fn row_columns(
    entry: &BytecodeRow,
    fields: &[Fr; NUM_BC],
    row: &Row,
    perms: [bool; 3],
    fault: bool,
) -> RowColumns {
    const _: () = assert!(NUM_COLS <= 128, "one bit per column");
    let mut words = [0u64; NUM_COLS];
    let mut is_word = 0u128;
    let mut v = [Fr::zero(); NUM_COLS];
    v[..NUM_BC].copy_from_slice(fields);
    let mut set = |v: &mut [Fr; NUM_COLS], c: usize, x: u64| {
        v[c] = crate::field::fr_u64(x);
        words[c] = x;
        is_word |= 1 << c;
    };
    set(&mut v, RS1V, row.rs1_val as u64);
    set(&mut v, RS2V, row.rs2_val as u64);
    if writes_register(entry) {
        set(&mut v, RDNEW, row.rd_new as u64);
    }
    set(&mut v, ADVICE, row.advice as u64);
    if let Some(a) = row.ram {
        set(&mut v, RAMADDR, a.addr as u64);
        set(&mut v, RAMOLD, a.before as u64);
        set(&mut v, RAMNEW, a.after as u64);
        for (c, bit) in [PERM_R, PERM_W, IS_CTRL].into_iter().zip(perms) {
            set(&mut v, c, bit as u64);
        }
    }
    let q = &row.lookup;
    set(&mut v, LX, q.x as u64);
    set(&mut v, LY, q.y as u64);
    v[PROD] = crate::field::mul_u32(&crate::field::fr_u32(q.x), q.y);
    set(&mut v, LKOUT, q.out as u64);
    let mut e = [Fr::zero(); SLOTS];
    for (s, (kind, a, b)) in q.slots().into_iter().enumerate() {
        set(&mut v, slot_a(s), a as u64);
        set(&mut v, slot_b(s), b as u64);
        set(&mut v, slot_e(s), kind.eval(a, b));
        e[s] = v[slot_e(s)];
    }
    v[P01..=SP].copy_from_slice(&aux_products(&e));

    let f = entry.flags();
    let out = Fr::from(q.out as u64);
    let brt = if f.branch { out } else { Fr::zero() };
    v[BRT] = brt;
    if f.jump {
        v[JMP] = out - crate::field::fr_u64(entry.pc as u64 + 4);
    }
    v[BRK] = brt * (entry.imm_signed_fr() - Fr::from(4u64));
    let store_ctrl = v[STORE] * v[IS_CTRL];
    v[STORE_CTRL] = store_ctrl;
    v[CTRL_VAL] = store_ctrl * v[RAMNEW];
    if let Some(inv) = v[CTRL_VAL].inverse() {
        v[INV_VAL] = inv;
        v[TERM] = Fr::from(1u64);
    }
    if fault {
        v[FAULT] = Fr::from(1u64);
        v[STORE_FAULT] = v[STORE];
        v[INSEQ_FAULT] = v[INSEQ];
        v[LOAD_FAULT] = v[LOAD];
    }
    RowColumns { values: v, words, is_word }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::tables::combine;
    use crate::onehot::tests::random_point;

    #[test]
    fn layout_and_constraints_are_well_formed() {
        assert_eq!(LOAD_FAULT + 1, NUM_COLS);
        assert_eq!(NUM_COMMITTED, 27);
        let r = constraints(Outcome::Faulted { class: FaultClass::MemoryAccess, pc: 4 });
        r.validate().unwrap();
        let mut shifted = r.shifted_columns();
        shifted.sort_unstable();
        // Only bytecode fields are read on the next row (the shift claims are proven by the
        // bytecode read check).
        assert!(shifted.iter().all(|&c| c < NUM_BC), "{shifted:?}");
    }

    #[test]
    fn every_table_output_is_its_linear_form_over_the_products() {
        let e: [Fr; SLOTS] = random_point(3, SLOTS).try_into().unwrap();
        let mut cols = vec![Fr::zero(); NUM_COLS];
        for s in 0..SLOTS {
            cols[slot_e(s)] = e[s];
        }
        cols[P01..=SP].copy_from_slice(&aux_products(&e));
        for t in Table::ALL {
            let lc = output_lc(t);
            let got = lc.evaluate(|v| cols[v.column()]);
            assert_eq!(got, combine(t, &e), "{t:?}");
        }
    }
}
