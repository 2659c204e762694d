//! Per-instruction semantics of RV32IM in the executor, including the edge cases.
mod support;

use ivm_vm::{Exit, FaultKind};
use support::*;

/// Runs `op rd=x3, rs1=x1(a), rs2=x2(b)` and returns x3.
fn alu(name: &str, a: u32, b: u32) -> u32 {
    let mut code = Vec::new();
    code.extend(li(1, a));
    code.extend(li(2, b));
    code.push(op(name, 3, 1, 2));
    let e = run(&code);
    assert_eq!(e.exit, Exit::Halted, "{name}({a:#x}, {b:#x})");
    e.regs[3]
}

fn imm_op(enc: fn(u32, u32, i32) -> u32, a: u32, imm: i32) -> u32 {
    let mut code = li(1, a).to_vec();
    code.push(enc(3, 1, imm));
    run(&code).regs[3]
}

const MIN: u32 = i32::MIN as u32;
const NEG1: u32 = u32::MAX;

#[test]
fn add_sub_wrap() {
    assert_eq!(alu("add", u32::MAX, 1), 0);
    assert_eq!(alu("add", 0x7fff_ffff, 1), MIN);
    assert_eq!(alu("sub", 0, 1), u32::MAX);
    assert_eq!(alu("sub", MIN, 1), 0x7fff_ffff);
}

#[test]
fn logic_ops() {
    assert_eq!(alu("xor", 0xf0f0_f0f0, 0xff00_ff00), 0x0ff0_0ff0);
    assert_eq!(alu("or", 0xf0f0_0000, 0x0000_0f0f), 0xf0f0_0f0f);
    assert_eq!(alu("and", 0xf0f0_f0f0, 0xff00_ff00), 0xf000_f000);
    assert_eq!(imm_op(xori, 0x1234, -1), !0x1234);
    assert_eq!(imm_op(ori, 0x1000, 0x0ff), 0x10ff);
    assert_eq!(imm_op(andi, 0xffff_ffff, -16), 0xffff_fff0);
}

#[test]
fn shifts_mask_amount_to_five_bits() {
    assert_eq!(alu("sll", 1, 33), 2);
    assert_eq!(alu("sll", 1, 31), MIN);
    assert_eq!(alu("srl", MIN, 32), MIN);
    assert_eq!(alu("srl", MIN, 31), 1);
    assert_eq!(alu("sra", MIN, 31), NEG1);
    assert_eq!(alu("sra", MIN, 63), NEG1);
    assert_eq!(alu("sra", 0x4000_0000, 30), 1);
    assert_eq!(imm_op(|rd, rs, sh| slli(rd, rs, sh as u32), 3, 4), 48);
    assert_eq!(imm_op(|rd, rs, sh| srli(rd, rs, sh as u32), MIN, 4), 0x0800_0000);
    assert_eq!(imm_op(|rd, rs, sh| srai(rd, rs, sh as u32), MIN, 4), 0xf800_0000);
}

#[test]
fn comparisons() {
    assert_eq!(alu("slt", NEG1, 0), 1);
    assert_eq!(alu("sltu", NEG1, 0), 0);
    assert_eq!(alu("slt", 5, 5), 0);
    assert_eq!(alu("sltu", 0, NEG1), 1);
    assert_eq!(imm_op(slti, NEG1, 0), 1);
    // sltiu sign-extends the immediate, then compares unsigned: x < 0xffffffff.
    assert_eq!(imm_op(sltiu, 5, -1), 1);
    assert_eq!(imm_op(sltiu, 0, 1), 1);
}

#[test]
fn multiplication() {
    assert_eq!(alu("mul", 0x1234_5678, 0x9abc_def0), 0x1234_5678u32.wrapping_mul(0x9abc_def0));
    assert_eq!(alu("mul", NEG1, NEG1), 1);
    assert_eq!(alu("mulh", NEG1, NEG1), 0);
    assert_eq!(alu("mulh", MIN, MIN), 0x4000_0000);
    assert_eq!(alu("mulh", MIN, 2), NEG1);
    assert_eq!(alu("mulhu", NEG1, NEG1), 0xffff_fffe);
    assert_eq!(alu("mulhu", MIN, 2), 1);
    // mulhsu: signed rs1 × unsigned rs2.
    assert_eq!(alu("mulhsu", NEG1, NEG1), NEG1);
    assert_eq!(alu("mulhsu", 2, NEG1), 1);
    assert_eq!(alu("mulhsu", MIN, NEG1), 0x8000_0000);
}

#[test]
fn division_edge_cases() {
    assert_eq!(alu("div", 7, 0), NEG1);
    assert_eq!(alu("divu", 7, 0), u32::MAX);
    assert_eq!(alu("rem", 7, 0), 7);
    assert_eq!(alu("remu", 7, 0), 7);
    assert_eq!(alu("div", MIN, NEG1), MIN);
    assert_eq!(alu("rem", MIN, NEG1), 0);
    assert_eq!(alu("div", (-7i32) as u32, 2), (-3i32) as u32);
    assert_eq!(alu("rem", (-7i32) as u32, 2), NEG1);
    assert_eq!(alu("divu", (-7i32) as u32, 2), 0x7fff_fffc);
    assert_eq!(alu("remu", 10, 3), 1);
}

#[test]
fn x0_stays_zero() {
    let mut code = vec![addi(0, 0, 5), lui(0, 0x1000)];
    code.extend(li(1, 9));
    code.push(op("add", 0, 1, 1));
    code.push(jal(0, 4));
    code.push(addi(2, 0, 0)); // x2 = x0 + 0
    let e = run(&code);
    assert_eq!(e.regs[0], 0);
    assert_eq!(e.regs[2], 0);
}

#[test]
fn lui_auipc() {
    let e = run(&[lui(1, 0xdead_b000), auipc(2, 0x1000), auipc(3, 0xffff_f000)]);
    assert_eq!(e.regs[1], 0xdead_b000);
    assert_eq!(e.regs[2], TEXT + 4 + 0x1000);
    assert_eq!(e.regs[3], (TEXT + 8).wrapping_sub(0x1000));
}

#[test]
fn jal_links_and_jumps() {
    // 0: jal x1, +8 ; 4: addi x2, x0, 1 (skipped) ; 8: addi x3, x0, 1
    let e = run(&[jal(1, 8), addi(2, 0, 1), addi(3, 0, 1)]);
    assert_eq!(e.regs[1], TEXT + 4);
    assert_eq!(e.regs[2], 0);
    assert_eq!(e.regs[3], 1);
}

#[test]
fn jalr_clears_the_low_bit() {
    // x5 = TEXT + 17 (odd); jalr x1, 0(x5) lands at TEXT + 16.
    let mut code = li(5, TEXT + 17).to_vec(); // 0, 4
    code.push(jalr(1, 5, 0)); // 8
    code.push(addi(2, 0, 1)); // 12 (skipped)
    code.push(addi(3, 0, 1)); // 16
    let e = run(&code);
    assert_eq!(e.exit, Exit::Halted);
    assert_eq!(e.regs[1], TEXT + 12);
    assert_eq!(e.regs[2], 0);
    assert_eq!(e.regs[3], 1);
}

#[test]
fn jalr_to_halfword_target_faults() {
    let mut code = li(5, TEXT + 18).to_vec();
    code.push(jalr(1, 5, 0));
    let e = run(&code);
    assert_eq!(
        e.exit,
        Exit::Fault(ivm_vm::Fault {
            kind: FaultKind::MisalignedJump(TEXT + 18),
            pc: TEXT + 8,
            cycles: 2
        })
    );
}

#[test]
fn jalr_rd_equal_rs1_uses_old_value() {
    let mut code = li(5, TEXT + 12).to_vec();
    code.push(jalr(5, 5, 0)); // 8 -> 12, x5 = 12 + TEXT
    let e = run(&code);
    assert_eq!(e.regs[5], TEXT + 12);
    assert_eq!(e.exit, Exit::Halted);
}

#[test]
fn branches() {
    let cases: [(fn(u32, u32, i32) -> u32, u32, u32, bool); 12] = [
        (beq, 1, 1, true),
        (beq, 1, 2, false),
        (bne, 1, 2, true),
        (bne, 3, 3, false),
        (blt, NEG1, 0, true),
        (blt, 0, NEG1, false),
        (bge, 0, NEG1, true),
        (bge, NEG1, 0, false),
        (bltu, 0, NEG1, true),
        (bltu, NEG1, 0, false),
        (bgeu, NEG1, 0, true),
        (bgeu, 5, 6, false),
    ];
    for (i, (br, a, b, taken)) in cases.into_iter().enumerate() {
        let mut code = Vec::new();
        code.extend(li(1, a));
        code.extend(li(2, b));
        code.push(br(1, 2, 8));
        code.push(addi(3, 0, 1)); // runs only if not taken
        let e = run(&code);
        assert_eq!(e.regs[3] == 0, taken, "case {i}");
    }
}

#[test]
fn backward_branch_loop() {
    // x1 = 10; loop: x2 += x1; x1 -= 1; bne x1, x0, loop
    let e = run(&[addi(1, 0, 10), op("add", 2, 2, 1), addi(1, 1, -1), bne(1, 0, -8)]);
    assert_eq!(e.regs[2], 55);
    assert_eq!(e.cycles, 1 + 3 * 10 + 3);
}

#[test]
fn loads_sign_and_zero_extend() {
    let mut code = li(5, DATA).to_vec();
    code.extend(li(6, 0x8081_f0ff));
    code.extend([
        sw(6, 5, 0),
        lb(7, 5, 0),   // 0xff -> -1
        lbu(8, 5, 0),  // 0xff
        lb(9, 5, 3),   // 0x80 -> 0xffffff80
        lh(10, 5, 2),  // 0x8081 -> 0xffff8081
        lhu(11, 5, 2), // 0x8081
        lh(12, 5, 0),  // 0xf0ff -> 0xfffff0ff
        lw(13, 5, 0),
    ]);
    let e = run(&code);
    assert_eq!(e.regs[7], NEG1);
    assert_eq!(e.regs[8], 0xff);
    assert_eq!(e.regs[9], 0xffff_ff80);
    assert_eq!(e.regs[10], 0xffff_8081);
    assert_eq!(e.regs[11], 0x8081);
    assert_eq!(e.regs[12], 0xffff_f0ff);
    assert_eq!(e.regs[13], 0x8081_f0ff);
}

#[test]
fn sub_word_stores_keep_neighbours() {
    let mut code = li(5, DATA + 8).to_vec();
    code.extend(li(6, 0x1122_3344));
    code.extend(li(7, 0xaabb_ccdd));
    code.extend([sw(6, 5, 0), sb(7, 5, 1), sh(7, 5, 2), lw(8, 5, 0), sb(7, 5, -1), lw(9, 5, -4)]);
    let e = run(&code);
    assert_eq!(e.regs[8], 0xccdd_dd44);
    assert_eq!(e.regs[9], 0xdd00_0000);
}

#[test]
fn negative_offsets_and_stack() {
    // sp-relative store/load on the stack.
    let mut code = li(2, STACK_TOP).to_vec();
    code.extend([addi(5, 0, 77), sw(5, 2, -4), lw(6, 2, -4)]);
    assert_eq!(run(&code).regs[6], 77);
}

#[test]
fn fence_and_unknown_hostcall_are_noops() {
    let e = run(&[0x0ff0_000f, addi(17, 0, 999), ECALL, addi(1, 0, 3)]);
    assert_eq!(e.exit, Exit::Halted);
    assert_eq!(e.regs[1], 3);
}

#[test]
fn trace_matches_execution() {
    let mut code = li(5, DATA).to_vec();
    code.extend([addi(6, 0, 42), sw(6, 5, 0), lw(7, 5, 0), op("mul", 8, 7, 7)]);
    let program = program(&with_exit(&code));
    let (exec, steps) = ivm_vm::trace(&program, ivm_vm::Inputs::default(), 1000).unwrap();
    assert_eq!(steps.len() as u64, exec.cycles);
    assert_eq!(steps[0].pc, TEXT);
    for w in steps.windows(2) {
        assert_eq!(w[0].next_pc, w[1].pc);
    }
    let store = &steps[3];
    assert_eq!(store.mem, Some(ivm_vm::MemAccess { addr: DATA, before: 0, after: 42 }));
    assert_eq!(steps[5].rd_val, 42 * 42);
    assert_eq!(steps[5].rs1_val, 42);
    // Fast and traced runs agree.
    let fast = ivm_vm::execute(&program, ivm_vm::Inputs::default(), 1000).unwrap();
    assert_eq!((fast.cycles, fast.regs, fast.exit), (exec.cycles, exec.regs, exec.exit));
}
