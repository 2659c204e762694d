//! Expansion of one RV32IM instruction into virtual instructions (the shared function the
//! bytecode table and the trace expansion both use), and the advice the honest prover
//! supplies to the rows that take advice.

use ivm_vm::decode::{AluOp, BranchOp, Instr, LoadOp, StoreOp};

use super::VOp;

/// One virtual instruction of the bytecode table (before it gets its table address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VInstr {
    pub op: VOp,
    pub rs1: u8,
    pub rs2: u8,
    pub rd: u8,
    pub imm: u32,
}

/// First virtual register. Sequences use `V0..V0+6` as temporaries.
pub const V0: u8 = 32;
const V1: u8 = 33;
const V2: u8 = 34;
const V3: u8 = 35;
const V4: u8 = 36;
const V5: u8 = 37;

fn vi(op: VOp, rd: u8, rs1: u8, rs2: u8, imm: u32) -> VInstr {
    // Normalise unused fields to 0 so the table is canonical.
    let f = op.flags();
    let rs1 = if f.x_rs1 || f.load || f.store { rs1 } else { 0 };
    let rs2 = if f.y_rs2 || f.store { rs2 } else { 0 };
    let rd = if f.write_lookup || f.write_pc4 || f.write_ram { rd } else { 0 };
    let imm = if f.y_imm || f.branch { imm } else { 0 };
    VInstr { op, rs1, rs2, rd, imm }
}

fn alu_rr(op: AluOp) -> Option<VOp> {
    Some(match op {
        AluOp::Add => VOp::Add,
        AluOp::Sub => VOp::Sub,
        AluOp::Sll => VOp::Sll,
        AluOp::Slt => VOp::Slt,
        AluOp::Sltu => VOp::Sltu,
        AluOp::Xor => VOp::Xor,
        AluOp::Srl => VOp::Srl,
        AluOp::Sra => VOp::Sra,
        AluOp::Or => VOp::Or,
        AluOp::And => VOp::And,
        AluOp::Mul => VOp::Mul,
        AluOp::Mulhu => VOp::Mulhu,
        _ => return None,
    })
}

fn alu_ri(op: AluOp) -> Option<VOp> {
    Some(match op {
        AluOp::Add => VOp::AddI,
        AluOp::Sll => VOp::SllI,
        AluOp::Slt => VOp::SltI,
        AluOp::Sltu => VOp::SltuI,
        AluOp::Xor => VOp::XorI,
        AluOp::Srl => VOp::SrlI,
        AluOp::Sra => VOp::SraI,
        AluOp::Or => VOp::OrI,
        AluOp::And => VOp::AndI,
        _ => return None,
    })
}

/// The virtual sequence of `instr` (one entry for plain instructions).
pub fn sequence(instr: Instr) -> Vec<VInstr> {
    let one = |op, rd, rs1, rs2, imm| vec![vi(op, rd, rs1, rs2, imm)];
    match instr {
        Instr::Lui { rd, imm } => one(VOp::Lui, rd, 0, 0, imm),
        Instr::Auipc { rd, imm } => one(VOp::Auipc, rd, 0, 0, imm),
        Instr::Jal { rd, imm } => one(VOp::Jal, rd, 0, 0, imm),
        Instr::Jalr { rd, rs1, imm } => one(VOp::Jalr, rd, rs1, 0, imm),
        Instr::Branch { op, rs1, rs2, imm } => {
            let v = match op {
                BranchOp::Eq => VOp::Beq,
                BranchOp::Ne => VOp::Bne,
                BranchOp::Lt => VOp::Blt,
                BranchOp::Ge => VOp::Bge,
                BranchOp::Ltu => VOp::Bltu,
                BranchOp::Geu => VOp::Bgeu,
            };
            one(v, 0, rs1, rs2, imm)
        }
        Instr::Load { op: LoadOp::W, rd, rs1, imm } => one(VOp::Lw, rd, rs1, 0, imm),
        Instr::Load { op, rd, rs1, imm } => load_subword(op, rd, rs1, imm),
        Instr::Store { op: StoreOp::W, rs1, rs2, imm } => one(VOp::Sw, 0, rs1, rs2, imm),
        Instr::Store { op, rs1, rs2, imm } => store_subword(op, rs1, rs2, imm),
        Instr::OpImm { op, rd, rs1, imm } => match alu_ri(op) {
            Some(v) => one(v, rd, rs1, 0, imm),
            None => one(VOp::Invalid, 0, 0, 0, 0),
        },
        Instr::Op { op, rd, rs1, rs2 } => match (alu_rr(op), op) {
            (Some(v), _) => one(v, rd, rs1, rs2, 0),
            (None, AluOp::Mulh) => mulh(rd, rs1, rs2, true),
            (None, AluOp::Mulhsu) => mulh(rd, rs1, rs2, false),
            (None, AluOp::Div) => div_rem(rd, rs1, rs2, true, true),
            (None, AluOp::Rem) => div_rem(rd, rs1, rs2, true, false),
            (None, AluOp::Divu) => div_rem(rd, rs1, rs2, false, true),
            (None, AluOp::Remu) => div_rem(rd, rs1, rs2, false, false),
            (None, _) => unreachable!("all other ALU ops are single rows"),
        },
        Instr::Fence | Instr::Ecall => one(VOp::Nop, 0, 0, 0, 0),
        Instr::Ebreak | Instr::Illegal { .. } => one(VOp::Invalid, 0, 0, 0, 0),
    }
}

/// LB/LBU/LH/LHU: aligned LW of the containing word, shift the wanted bytes to the top,
/// shift back down (arithmetic for the signed forms).
fn load_subword(op: LoadOp, rd: u8, rs1: u8, imm: u32) -> Vec<VInstr> {
    let half = matches!(op, LoadOp::H | LoadOp::Hu);
    let mut s = Vec::new();
    if half {
        s.push(vi(VOp::AssertAlign2, 0, rs1, 0, imm));
    }
    s.push(vi(VOp::AddI, V0, rs1, 0, imm)); // address
    s.push(vi(VOp::AndI, V1, V0, 0, !3)); // aligned word address
    s.push(vi(VOp::Lw, V2, V1, 0, 0)); // word
    s.push(vi(VOp::XorI, V3, V0, 0, if half { 2 } else { 3 }));
    s.push(vi(VOp::SllI, V3, V3, 0, 3)); // low 5 bits: 8·(3 − off) (bytes) or 8·(2 − off) (halves)
    s.push(vi(VOp::Sll, V2, V2, V3, 0)); // wanted bytes now at the top
    let (down, amount) = match op {
        LoadOp::B => (VOp::SraI, 24),
        LoadOp::Bu => (VOp::SrlI, 24),
        LoadOp::H => (VOp::SraI, 16),
        LoadOp::Hu => (VOp::SrlI, 16),
        LoadOp::W => unreachable!(),
    };
    s.push(vi(down, rd, V2, 0, amount));
    s
}

/// SB/SH: aligned LW, insert the low byte/half of rs2 under a shifted mask, aligned SW.
fn store_subword(op: StoreOp, rs1: u8, rs2: u8, imm: u32) -> Vec<VInstr> {
    let half = op == StoreOp::H;
    let mut s = Vec::new();
    if half {
        s.push(vi(VOp::AssertAlign2, 0, rs1, 0, imm));
    }
    s.push(vi(VOp::AddI, V0, rs1, 0, imm)); // address
    s.push(vi(VOp::AndI, V1, V0, 0, !3)); // aligned word address
    s.push(vi(VOp::Lw, V2, V1, 0, 0)); // old word
    s.push(vi(VOp::SllI, V3, V0, 0, 3)); // low 5 bits: 8·off
    s.push(vi(VOp::AddI, V4, 0, 0, if half { 0xffff } else { 0xff }));
    s.push(vi(VOp::Sll, V4, V4, V3, 0)); // mask
    s.push(vi(VOp::Sll, V5, rs2, V3, 0)); // value in place (junk above)
    s.push(vi(VOp::Xor, V5, V2, V5, 0));
    s.push(vi(VOp::And, V5, V5, V4, 0));
    s.push(vi(VOp::Xor, V2, V2, V5, 0)); // new word = old ^ ((old ^ val) & mask)
    s.push(vi(VOp::Sw, 0, V1, V2, 0));
    s
}

/// MULH / MULHSU = MULHU(x, y) − (x<0 ? y : 0) [− (y<0 ? x : 0) for MULH], mod 2^32.
fn mulh(rd: u8, rs1: u8, rs2: u8, signed_y: bool) -> Vec<VInstr> {
    let mut s = vec![
        vi(VOp::Mulhu, V0, rs1, rs2, 0),
        vi(VOp::MovSign, V1, rs1, 0, 0),
        vi(VOp::And, V1, V1, rs2, 0),
    ];
    if signed_y {
        s.push(vi(VOp::Sub, V0, V0, V1, 0));
        s.push(vi(VOp::MovSign, V1, rs2, 0, 0));
        s.push(vi(VOp::And, V1, V1, rs1, 0));
    }
    s.push(vi(VOp::Sub, rd, V0, V1, 0));
    s
}

/// DIV/DIVU/REM/REMU. Unsigned core on (X, Y) = (|x|, |y|) (signed) or (x, y) (unsigned):
/// advice Q, R; assert Q·Y < 2^32; P = Q·Y; assert X ≥ P; assert P + R = X (no wrap since
/// P ≤ X); assert Y − 1 ≥u R (i.e. R < Y, or Y = 0). Then the sign fix-ups and the y = 0 rule.
fn div_rem(rd: u8, rs1: u8, rs2: u8, signed: bool, quotient: bool) -> Vec<VInstr> {
    let mut s = Vec::new();
    let (ax, ay) = if signed {
        s.push(vi(VOp::NegIf, V0, rs1, rs1, 0)); // |x|
        s.push(vi(VOp::NegIf, V1, rs2, rs2, 0)); // |y|
        (V0, V1)
    } else {
        (rs1, rs2)
    };
    let (q, r, p, t) = (V2, V3, V4, V5);
    s.push(vi(VOp::Advice, q, 0, 0, 0));
    s.push(vi(VOp::Advice, r, 0, 0, 0));
    s.push(vi(VOp::AssertMulNoOverflow, 0, q, ay, 0));
    s.push(vi(VOp::Mul, p, q, ay, 0));
    s.push(vi(VOp::AssertGeu, 0, ax, p, 0));
    s.push(vi(VOp::Add, p, p, r, 0));
    s.push(vi(VOp::AssertEq, 0, p, ax, 0));
    s.push(vi(VOp::AddI, t, ay, 0, u32::MAX));
    s.push(vi(VOp::AssertGeu, 0, t, r, 0));
    match (signed, quotient) {
        (true, true) => {
            s.push(vi(VOp::Xor, t, rs1, rs2, 0)); // sign of the quotient
            s.push(vi(VOp::NegIf, q, q, t, 0));
            s.push(vi(VOp::AssertValidDiv0, 0, ay, q, 0));
            s.push(vi(VOp::AddI, rd, q, 0, 0));
        }
        (true, false) => s.push(vi(VOp::NegIf, rd, r, rs1, 0)), // remainder takes x's sign
        (false, true) => {
            s.push(vi(VOp::AssertValidDiv0, 0, rs2, q, 0));
            s.push(vi(VOp::AddI, rd, q, 0, 0));
        }
        (false, false) => s.push(vi(VOp::AddI, rd, r, 0, 0)),
    }
    s
}

/// The advice values (in row order) the honest prover gives the `Advice` rows of the
/// sequence of `instr` with operand values `x = rs1_val`, `y = rs2_val`.
pub fn advice(instr: Instr, x: u32, y: u32) -> Vec<u32> {
    let Instr::Op { op, .. } = instr else { return Vec::new() };
    let neg = |v: u32| (v as i32) < 0;
    match op {
        AluOp::Div | AluOp::Rem => {
            let (ax, ay) = (x.wrapping_abs_u32(), y.wrapping_abs_u32());
            match ax.checked_div(ay) {
                Some(q) => vec![q, ax % ay],
                // Quotient magnitude chosen so that the sign fix-up yields all ones.
                None => vec![if neg(x) { 1 } else { u32::MAX }, ax],
            }
        }
        AluOp::Divu | AluOp::Remu => match x.checked_div(y) {
            Some(q) => vec![q, x % y],
            None => vec![u32::MAX, x],
        },
        _ => Vec::new(),
    }
}

trait AbsU32 {
    fn wrapping_abs_u32(self) -> u32;
}
impl AbsU32 for u32 {
    fn wrapping_abs_u32(self) -> u32 {
        (self as i32).unsigned_abs()
    }
}
