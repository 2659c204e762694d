//! Test support: a tiny RV32IM assembler, a program builder and a minimal ELF32 writer.
#![allow(dead_code)]

use ivm_abi::{LayoutHeader, Sizes, ABI_VERSION, RAM_BASE, STACK_GUARD, TERMINATION_ADDR};
use ivm_vm::{
    elf::{FLAG_R, FLAG_W, FLAG_X},
    Execution, Inputs, Program, Segment,
};

pub const TEXT: u32 = RAM_BASE + 0x100;
pub const DATA: u32 = RAM_BASE + 0x1000;
pub const DATA_LEN: u32 = 0x1000;
pub const IMAGE_END: u32 = RAM_BASE + 0x2000;
pub const STACK_BOTTOM: u32 = IMAGE_END + STACK_GUARD;
pub const STACK_SIZE: u32 = 0x1_0000;
pub const STACK_TOP: u32 = STACK_BOTTOM + STACK_SIZE;
pub const HEAP_SIZE: u32 = 0x1_0000;
pub const HEAP_END: u32 = STACK_TOP + HEAP_SIZE;

pub fn sizes() -> Sizes {
    Sizes {
        max_input: 4096,
        max_offchain_input: 4096,
        max_output: 4096,
        stack_size: STACK_SIZE,
        heap_size: HEAP_SIZE,
    }
}

pub fn header() -> LayoutHeader {
    LayoutHeader {
        abi_version: ABI_VERSION,
        sizes: sizes(),
        stack_top: STACK_TOP,
        heap_end: HEAP_END,
    }
}

pub fn header_bytes(h: &LayoutHeader) -> Vec<u8> {
    h.to_words().iter().flat_map(|w| w.to_le_bytes()).collect()
}

/// Segments for `code` at [`TEXT`], a header and a 4 KiB data segment at [`DATA`].
pub fn segments(code: &[u32]) -> Vec<Segment> {
    let hdr = header_bytes(&header());
    vec![
        Segment { vaddr: RAM_BASE, memsz: hdr.len() as u32, flags: FLAG_R, data: hdr },
        Segment {
            vaddr: TEXT,
            memsz: (code.len() * 4).max(4) as u32,
            flags: FLAG_R | FLAG_X,
            data: code.iter().flat_map(|w| w.to_le_bytes()).collect(),
        },
        Segment { vaddr: DATA, memsz: DATA_LEN, flags: FLAG_R | FLAG_W, data: vec![] },
    ]
}

pub fn program(code: &[u32]) -> Program {
    Program::from_segments(TEXT, segments(code)).expect("valid test program")
}

/// `code` followed by a store of 1 to the termination word.
pub fn with_exit(code: &[u32]) -> Vec<u32> {
    let mut v = code.to_vec();
    v.extend(exit_seq());
    v
}

pub fn exit_seq() -> [u32; 3] {
    [
        lui(31, TERMINATION_ADDR & !0xfff),
        addi(30, 0, 1),
        sw(30, 31, (TERMINATION_ADDR & 0xfff) as i32),
    ]
}

/// Runs `code` + exit with the given cycle limit.
pub fn run(code: &[u32]) -> Execution {
    run_inputs(code, &[], &[])
}

pub fn run_inputs(code: &[u32], onchain: &[u8], offchain: &[u8]) -> Execution {
    ivm_vm::execute(&program(&with_exit(code)), Inputs { onchain, offchain }, 10_000)
        .expect("inputs fit")
}

/// Runs `code` without appending an exit.
pub fn run_raw(code: &[u32], max_cycles: u64) -> Execution {
    ivm_vm::execute(&program(code), Inputs::default(), max_cycles).expect("inputs fit")
}

// --- encoders -------------------------------------------------------------------------

fn r(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}
fn i(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op
}
fn s(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23
}
fn b(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let imm = imm as u32;
    (((imm >> 12) & 1) << 31)
        | (((imm >> 5) & 0x3f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((imm >> 1) & 0xf) << 8)
        | (((imm >> 11) & 1) << 7)
        | 0x63
}

pub fn lui(rd: u32, imm: u32) -> u32 {
    (imm & 0xffff_f000) | (rd << 7) | 0x37
}
pub fn auipc(rd: u32, imm: u32) -> u32 {
    (imm & 0xffff_f000) | (rd << 7) | 0x17
}
pub fn jal(rd: u32, imm: i32) -> u32 {
    let imm = imm as u32;
    (((imm >> 20) & 1) << 31)
        | (((imm >> 1) & 0x3ff) << 21)
        | (((imm >> 11) & 1) << 20)
        | (((imm >> 12) & 0xff) << 12)
        | (rd << 7)
        | 0x6f
}
pub fn jalr(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 0, rd, 0x67)
}
pub fn beq(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 0)
}
pub fn bne(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 1)
}
pub fn blt(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 4)
}
pub fn bge(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 5)
}
pub fn bltu(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 6)
}
pub fn bgeu(rs1: u32, rs2: u32, imm: i32) -> u32 {
    b(imm, rs2, rs1, 7)
}
pub fn lb(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 0, rd, 0x03)
}
pub fn lh(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 1, rd, 0x03)
}
pub fn lw(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 2, rd, 0x03)
}
pub fn lbu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 4, rd, 0x03)
}
pub fn lhu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 5, rd, 0x03)
}
pub fn sb(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 0)
}
pub fn sh(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 1)
}
pub fn sw(rs2: u32, rs1: u32, imm: i32) -> u32 {
    s(imm, rs2, rs1, 2)
}
pub fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 0, rd, 0x13)
}
pub fn slti(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 2, rd, 0x13)
}
pub fn sltiu(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 3, rd, 0x13)
}
pub fn xori(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 4, rd, 0x13)
}
pub fn ori(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 6, rd, 0x13)
}
pub fn andi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i(imm, rs1, 7, rd, 0x13)
}
pub fn slli(rd: u32, rs1: u32, sh: u32) -> u32 {
    r(0, sh, rs1, 1, rd, 0x13)
}
pub fn srli(rd: u32, rs1: u32, sh: u32) -> u32 {
    r(0, sh, rs1, 5, rd, 0x13)
}
pub fn srai(rd: u32, rs1: u32, sh: u32) -> u32 {
    r(0x20, sh, rs1, 5, rd, 0x13)
}

/// R-type ALU ops by name.
pub fn op(name: &str, rd: u32, rs1: u32, rs2: u32) -> u32 {
    let (f7, f3) = match name {
        "add" => (0, 0),
        "sub" => (0x20, 0),
        "sll" => (0, 1),
        "slt" => (0, 2),
        "sltu" => (0, 3),
        "xor" => (0, 4),
        "srl" => (0, 5),
        "sra" => (0x20, 5),
        "or" => (0, 6),
        "and" => (0, 7),
        "mul" => (1, 0),
        "mulh" => (1, 1),
        "mulhsu" => (1, 2),
        "mulhu" => (1, 3),
        "div" => (1, 4),
        "divu" => (1, 5),
        "rem" => (1, 6),
        "remu" => (1, 7),
        _ => panic!("unknown op {name}"),
    };
    r(f7, rs2, rs1, f3, rd, 0x33)
}

/// Loads a full 32-bit constant into `rd` (lui + addi).
pub fn li(rd: u32, value: u32) -> [u32; 2] {
    let lo = ((value & 0xfff) as i32) << 20 >> 20;
    let hi = value.wrapping_sub(lo as u32);
    [lui(rd, hi), addi(rd, rd, lo)]
}

pub const ECALL: u32 = 0x0000_0073;
pub const EBREAK: u32 = 0x0010_0073;

// --- ELF writer -----------------------------------------------------------------------

/// A minimal ELF32 little-endian RISC-V executable with one program header per segment.
pub fn elf(entry: u32, segs: &[Segment]) -> Vec<u8> {
    elf_with(entry, segs, 1, 1, 243, 2, 0)
}

/// [`elf`] with the identity fields exposed, to build invalid files.
pub fn elf_with(
    entry: u32,
    segs: &[Segment],
    class: u8,
    data: u8,
    machine: u16,
    e_type: u16,
    flags: u32,
) -> Vec<u8> {
    let phoff = 52u32;
    let mut out = vec![0x7f, b'E', b'L', b'F', class, data, 1, 0];
    out.resize(16, 0);
    out.extend(e_type.to_le_bytes());
    out.extend(machine.to_le_bytes());
    out.extend(1u32.to_le_bytes());
    out.extend(entry.to_le_bytes());
    out.extend(phoff.to_le_bytes());
    out.extend(0u32.to_le_bytes()); // shoff
    out.extend(flags.to_le_bytes());
    out.extend(52u16.to_le_bytes()); // ehsize
    out.extend(32u16.to_le_bytes()); // phentsize
    out.extend((segs.len() as u16).to_le_bytes());
    out.extend(40u16.to_le_bytes()); // shentsize
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    let mut offset = phoff + 32 * segs.len() as u32;
    let mut bodies = Vec::new();
    for sg in segs {
        out.extend(1u32.to_le_bytes()); // PT_LOAD
        out.extend(offset.to_le_bytes());
        out.extend(sg.vaddr.to_le_bytes());
        out.extend(sg.vaddr.to_le_bytes());
        out.extend((sg.data.len() as u32).to_le_bytes());
        out.extend(sg.memsz.to_le_bytes());
        out.extend(sg.flags.to_le_bytes());
        out.extend(4u32.to_le_bytes());
        offset += sg.data.len() as u32;
        bodies.extend_from_slice(&sg.data);
    }
    out.extend(bodies);
    out
}
