//! RV32IM decoder. One decoded form serves the executor, the tracer and (later) the prover.

/// Register index, always `< 32`.
pub type Reg = u8;

/// A decoded RV32IM instruction. Immediates are already sign-extended (as `i32` bit patterns
/// in `u32`) and shifted into place, so execution never re-derives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instr {
    Lui {
        rd: Reg,
        imm: u32,
    },
    Auipc {
        rd: Reg,
        imm: u32,
    },
    Jal {
        rd: Reg,
        imm: u32,
    },
    Jalr {
        rd: Reg,
        rs1: Reg,
        imm: u32,
    },
    Branch {
        op: BranchOp,
        rs1: Reg,
        rs2: Reg,
        imm: u32,
    },
    Load {
        op: LoadOp,
        rd: Reg,
        rs1: Reg,
        imm: u32,
    },
    Store {
        op: StoreOp,
        rs1: Reg,
        rs2: Reg,
        imm: u32,
    },
    OpImm {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        imm: u32,
    },
    Op {
        op: AluOp,
        rd: Reg,
        rs1: Reg,
        rs2: Reg,
    },
    /// FENCE / FENCE.I: no-ops on a single in-order hart.
    Fence,
    /// Host call (a hint that changes no guest state).
    Ecall,
    Ebreak,
    /// Not an RV32IM instruction. Only an error if executed.
    Illegal {
        word: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchOp {
    Eq,
    Ne,
    Lt,
    Ge,
    Ltu,
    Geu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOp {
    B,
    H,
    W,
    Bu,
    Hu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreOp {
    B,
    H,
    W,
}

/// Register-register and register-immediate ALU operations (the M extension included; the
/// immediate forms only use the base-ISA subset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
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
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
}

impl AluOp {
    /// Applies the operation with RV32IM semantics (wrapping, shifts masked to 5 bits,
    /// division by zero and overflow as the spec defines).
    #[inline(always)]
    pub fn apply(self, a: u32, b: u32) -> u32 {
        match self {
            AluOp::Add => a.wrapping_add(b),
            AluOp::Sub => a.wrapping_sub(b),
            AluOp::Sll => a << (b & 31),
            AluOp::Slt => ((a as i32) < (b as i32)) as u32,
            AluOp::Sltu => (a < b) as u32,
            AluOp::Xor => a ^ b,
            AluOp::Srl => a >> (b & 31),
            AluOp::Sra => ((a as i32) >> (b & 31)) as u32,
            AluOp::Or => a | b,
            AluOp::And => a & b,
            AluOp::Mul => a.wrapping_mul(b),
            AluOp::Mulh => (((a as i32 as i64) * (b as i32 as i64)) >> 32) as u32,
            AluOp::Mulhsu => (((a as i32 as i64) * (b as i64)) >> 32) as u32,
            AluOp::Mulhu => (((a as u64) * (b as u64)) >> 32) as u32,
            AluOp::Div => {
                if b == 0 {
                    u32::MAX
                } else {
                    (a as i32).wrapping_div(b as i32) as u32
                }
            }
            AluOp::Divu => a.checked_div(b).unwrap_or(u32::MAX),
            AluOp::Rem => {
                if b == 0 {
                    a
                } else {
                    (a as i32).wrapping_rem(b as i32) as u32
                }
            }
            AluOp::Remu => a.checked_rem(b).unwrap_or(a),
        }
    }
}

impl BranchOp {
    #[inline(always)]
    pub fn taken(self, a: u32, b: u32) -> bool {
        match self {
            BranchOp::Eq => a == b,
            BranchOp::Ne => a != b,
            BranchOp::Lt => (a as i32) < (b as i32),
            BranchOp::Ge => (a as i32) >= (b as i32),
            BranchOp::Ltu => a < b,
            BranchOp::Geu => a >= b,
        }
    }
}

fn rd(w: u32) -> Reg {
    ((w >> 7) & 31) as Reg
}
fn rs1(w: u32) -> Reg {
    ((w >> 15) & 31) as Reg
}
fn rs2(w: u32) -> Reg {
    ((w >> 20) & 31) as Reg
}
fn funct3(w: u32) -> u32 {
    (w >> 12) & 7
}
fn funct7(w: u32) -> u32 {
    w >> 25
}
fn imm_i(w: u32) -> u32 {
    ((w as i32) >> 20) as u32
}
fn imm_s(w: u32) -> u32 {
    (((w as i32) >> 20) as u32 & !31) | ((w >> 7) & 31)
}
fn imm_b(w: u32) -> u32 {
    (((w as i32) >> 19) as u32 & !0xfff) // sign and bit 12
        | ((w << 4) & 0x800) // bit 11
        | ((w >> 20) & 0x7e0) // bits 10:5
        | ((w >> 7) & 0x1e) // bits 4:1
}
fn imm_u(w: u32) -> u32 {
    w & 0xffff_f000
}
fn imm_j(w: u32) -> u32 {
    (((w as i32) >> 11) as u32 & !0xf_ffff) // sign and bit 20
        | (w & 0xf_f000) // bits 19:12
        | ((w >> 9) & 0x800) // bit 11
        | ((w >> 20) & 0x7fe) // bits 10:1
}

/// Decodes one 32-bit instruction word. Never fails: words outside RV32IM decode to
/// [`Instr::Illegal`], which faults only when executed.
pub fn decode(w: u32) -> Instr {
    let illegal = Instr::Illegal { word: w };
    match w & 0x7f {
        0x37 => Instr::Lui { rd: rd(w), imm: imm_u(w) },
        0x17 => Instr::Auipc { rd: rd(w), imm: imm_u(w) },
        0x6f => Instr::Jal { rd: rd(w), imm: imm_j(w) },
        0x67 if funct3(w) == 0 => Instr::Jalr { rd: rd(w), rs1: rs1(w), imm: imm_i(w) },
        0x63 => {
            let op = match funct3(w) {
                0 => BranchOp::Eq,
                1 => BranchOp::Ne,
                4 => BranchOp::Lt,
                5 => BranchOp::Ge,
                6 => BranchOp::Ltu,
                7 => BranchOp::Geu,
                _ => return illegal,
            };
            Instr::Branch { op, rs1: rs1(w), rs2: rs2(w), imm: imm_b(w) }
        }
        0x03 => {
            let op = match funct3(w) {
                0 => LoadOp::B,
                1 => LoadOp::H,
                2 => LoadOp::W,
                4 => LoadOp::Bu,
                5 => LoadOp::Hu,
                _ => return illegal,
            };
            Instr::Load { op, rd: rd(w), rs1: rs1(w), imm: imm_i(w) }
        }
        0x23 => {
            let op = match funct3(w) {
                0 => StoreOp::B,
                1 => StoreOp::H,
                2 => StoreOp::W,
                _ => return illegal,
            };
            Instr::Store { op, rs1: rs1(w), rs2: rs2(w), imm: imm_s(w) }
        }
        0x13 => {
            let imm = imm_i(w);
            let op = match (funct3(w), funct7(w)) {
                (0, _) => AluOp::Add,
                (2, _) => AluOp::Slt,
                (3, _) => AluOp::Sltu,
                (4, _) => AluOp::Xor,
                (6, _) => AluOp::Or,
                (7, _) => AluOp::And,
                (1, 0x00) => AluOp::Sll,
                (5, 0x00) => AluOp::Srl,
                (5, 0x20) => AluOp::Sra,
                _ => return illegal,
            };
            // Shift immediates are the 5-bit shamt; mask off funct7 (bit 10 of imm for SRAI).
            let imm =
                if matches!(op, AluOp::Sll | AluOp::Srl | AluOp::Sra) { imm & 31 } else { imm };
            Instr::OpImm { op, rd: rd(w), rs1: rs1(w), imm }
        }
        0x33 => {
            let op = match (funct7(w), funct3(w)) {
                (0x00, 0) => AluOp::Add,
                (0x20, 0) => AluOp::Sub,
                (0x00, 1) => AluOp::Sll,
                (0x00, 2) => AluOp::Slt,
                (0x00, 3) => AluOp::Sltu,
                (0x00, 4) => AluOp::Xor,
                (0x00, 5) => AluOp::Srl,
                (0x20, 5) => AluOp::Sra,
                (0x00, 6) => AluOp::Or,
                (0x00, 7) => AluOp::And,
                (0x01, 0) => AluOp::Mul,
                (0x01, 1) => AluOp::Mulh,
                (0x01, 2) => AluOp::Mulhsu,
                (0x01, 3) => AluOp::Mulhu,
                (0x01, 4) => AluOp::Div,
                (0x01, 5) => AluOp::Divu,
                (0x01, 6) => AluOp::Rem,
                (0x01, 7) => AluOp::Remu,
                _ => return illegal,
            };
            Instr::Op { op, rd: rd(w), rs1: rs1(w), rs2: rs2(w) }
        }
        0x0f if funct3(w) <= 1 => Instr::Fence,
        0x73 if w == 0x0000_0073 => Instr::Ecall,
        0x73 if w == 0x0010_0073 => Instr::Ebreak,
        _ => illegal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_immediates() {
        // addi x1, x0, -1
        assert_eq!(
            decode(0xfff0_0093),
            Instr::OpImm { op: AluOp::Add, rd: 1, rs1: 0, imm: u32::MAX }
        );
        // srai x2, x3, 7 (funct7 0x20 must not leak into the shamt)
        assert_eq!(decode(0x4071_d113), Instr::OpImm { op: AluOp::Sra, rd: 2, rs1: 3, imm: 7 });
        // jal x0, -4
        assert_eq!(decode(0xffdf_f06f), Instr::Jal { rd: 0, imm: (-4i32) as u32 });
        // beq x0, x0, -8
        assert_eq!(
            decode(0xfe00_0ce3),
            Instr::Branch { op: BranchOp::Eq, rs1: 0, rs2: 0, imm: (-8i32) as u32 }
        );
        // sw x5, -12(x2)
        assert_eq!(
            decode(0xfe51_2a23),
            Instr::Store { op: StoreOp::W, rs1: 2, rs2: 5, imm: (-12i32) as u32 }
        );
        // lui x7, 0xfffff
        assert_eq!(decode(0xffff_f3b7), Instr::Lui { rd: 7, imm: 0xffff_f000 });
    }

    #[test]
    fn rejects_non_rv32im() {
        assert!(matches!(decode(0), Instr::Illegal { .. }));
        assert!(matches!(decode(0xffff_ffff), Instr::Illegal { .. }));
        // slli with funct7 != 0 (RV64 shamt bit) is illegal on RV32
        assert!(matches!(decode(0x0200_9093), Instr::Illegal { .. }));
        // csrrw is not in RV32IM
        assert!(matches!(decode(0x3400_1073), Instr::Illegal { .. }));
    }
}
