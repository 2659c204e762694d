//! Guest misbehaviour ends the run with a typed fault (pc + retired cycles), never a host
//! panic; the I/O block's rules hold.
mod support;

use ivm_abi::{
    Sizes, CONTROL_BASE, OFFCHAIN_INPUT_LEN_ADDR, ONCHAIN_INPUT_LEN_ADDR, OUTPUT_LEN_ADDR,
    PANIC_ADDR,
};
use ivm_vm::{Exit, Fault, FaultKind, InputError, Inputs};
use support::*;

fn fault_of(e: &ivm_vm::Execution) -> &Fault {
    match &e.exit {
        Exit::Fault(f) => f,
        other => panic!("expected a fault, got {other:?}"),
    }
}

#[test]
fn illegal_instruction_reports_pc_and_cycles() {
    let e = run(&[addi(1, 0, 1), addi(1, 1, 1), 0xffff_ffff]);
    assert_eq!(
        *fault_of(&e),
        Fault { kind: FaultKind::IllegalInstruction(0xffff_ffff), pc: TEXT + 8, cycles: 2 }
    );
    assert_eq!(e.regs[1], 2);
}

#[test]
fn ebreak_faults() {
    assert_eq!(fault_of(&run(&[EBREAK])).kind, FaultKind::Breakpoint);
}

#[test]
fn misaligned_accesses_fault() {
    let mut code = li(5, DATA + 2).to_vec();
    code.push(lw(6, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::MisalignedAccess { addr: DATA + 2, size: 4 });
    let mut code = li(5, DATA + 1).to_vec();
    code.push(sh(6, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::MisalignedAccess { addr: DATA + 1, size: 2 });
}

#[test]
fn unmapped_accesses_fault() {
    assert_eq!(fault_of(&run(&[lw(6, 0, 0)])).kind, FaultKind::UnmappedRead(0));
    assert_eq!(fault_of(&run(&[sw(6, 0, 16)])).kind, FaultKind::UnmappedWrite(16));
    let mut code = li(5, HEAP_END + 0x10_0000).to_vec();
    code.push(lw(6, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::UnmappedRead(HEAP_END + 0x10_0000));
}

#[test]
fn writes_to_text_and_inputs_fault() {
    let mut code = li(5, TEXT).to_vec();
    code.push(sw(0, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::WriteToReadOnly(TEXT));
    let mut code = li(5, ONCHAIN_INPUT_LEN_ADDR).to_vec();
    code.push(sw(0, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::WriteToReadOnly(ONCHAIN_INPUT_LEN_ADDR));
    let base = sizes().io().onchain_input_base;
    let mut code = li(5, base).to_vec();
    code.push(sb(0, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::WriteToReadOnly(base));
}

#[test]
fn stack_overflow_is_detected_in_the_guard() {
    // A descending stack write loop runs into the guard below the stack.
    let mut code = li(2, STACK_TOP).to_vec();
    code.extend([addi(2, 2, -16), sw(0, 2, 0), jal(0, -8)]);
    let e = run_raw(&code, 1_000_000);
    assert_eq!(fault_of(&e).kind, FaultKind::StackOverflow(STACK_BOTTOM - 16));
}

#[test]
fn heap_overflow_is_detected_past_the_heap() {
    let mut code = li(5, HEAP_END).to_vec();
    code.push(lbu(6, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::HeapOverflow(HEAP_END));
}

#[test]
fn cycle_limit_stops_an_infinite_loop() {
    let e = run_raw(&[jal(0, 0)], 500);
    assert_eq!(*fault_of(&e), Fault { kind: FaultKind::CycleLimit(500), pc: TEXT, cycles: 500 });
}

#[test]
fn exact_cycle_budget_is_enough() {
    let code = with_exit(&[addi(1, 0, 1)]);
    let p = program(&code);
    let ok = ivm_vm::execute(&p, Inputs::default(), 4).unwrap();
    assert_eq!((ok.exit, ok.cycles), (Exit::Halted, 4));
    let short = ivm_vm::execute(&p, Inputs::default(), 3).unwrap();
    assert!(matches!(short.exit, Exit::Fault(Fault { kind: FaultKind::CycleLimit(3), .. })));
}

#[test]
fn running_off_the_text_faults() {
    // No exit: falls off the end of the text.
    assert_eq!(fault_of(&run_raw(&[addi(1, 0, 1)], 100)).kind, FaultKind::PcOutOfText);
    // Jump into the data segment: not executable.
    let mut code = li(5, DATA).to_vec();
    code.push(jalr(0, 5, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::PcOutOfText);
}

#[test]
fn panic_word_ends_the_run_as_panicked() {
    let mut code = li(5, PANIC_ADDR).to_vec();
    code.extend([addi(6, 0, 1), sw(6, 5, 0), 0xffff_ffff]);
    let e = run_raw(&code, 100);
    assert_eq!(e.exit, Exit::Panicked { message: None });
    assert_eq!(e.cycles, 4);
}

#[test]
fn inputs_and_output_go_through_the_io_block() {
    let io = sizes().io();
    // Copy the first input word and the offchain length to the output; set the output length.
    let mut code = Vec::new();
    code.extend(li(5, io.onchain_input_base));
    code.extend(li(6, io.output_base));
    code.extend(li(7, CONTROL_BASE));
    code.extend([
        lw(8, 5, 0),
        sw(8, 6, 0),
        lw(9, 7, (OFFCHAIN_INPUT_LEN_ADDR - CONTROL_BASE) as i32),
        sw(9, 6, 4),
        addi(10, 0, 8),
        sw(10, 7, (OUTPUT_LEN_ADDR - CONTROL_BASE) as i32),
    ]);
    let e = run_inputs(&code, &[1, 2, 3, 4, 5], &[9; 300]);
    assert_eq!(e.exit, Exit::Halted);
    assert_eq!(e.output, [1, 2, 3, 4, 44, 1, 0, 0]);
}

#[test]
fn output_length_beyond_the_region_is_a_fault() {
    let mut code = li(7, CONTROL_BASE).to_vec();
    code.extend(li(10, 4097));
    code.push(sw(10, 7, (OUTPUT_LEN_ADDR - CONTROL_BASE) as i32));
    let e = run(&code);
    assert_eq!(fault_of(&e).kind, FaultKind::OutputOverflow { len: 4097, max: 4096 });
}

#[test]
fn writes_outside_the_output_region_fault() {
    // Just below the output region is the offchain input: read-only.
    let io = sizes().io();
    let mut code = li(6, io.output_base - 4).to_vec();
    code.push(sw(0, 6, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::WriteToReadOnly(io.output_base - 4));
    // Past the control words: read-only input lengths, then unmapped.
    let mut code = li(6, ivm_abi::CONTROL_END).to_vec();
    code.push(sw(0, 6, 0));
    assert_eq!(fault_of(&run(&code)).kind, FaultKind::UnmappedWrite(ivm_abi::CONTROL_END));
}

#[test]
fn oversized_inputs_are_refused_before_running() {
    let p = program(&with_exit(&[]));
    let big = vec![0u8; 4097];
    let err = ivm_vm::execute(&p, Inputs { onchain: &big, offchain: &[] }, 10).unwrap_err();
    assert_eq!(
        err,
        InputError::TooLarge { which: "onchain", key: "max_input", len: 4097, max: 4096 }
    );
    let err = ivm_vm::execute(&p, Inputs { onchain: &[], offchain: &big }, 10).unwrap_err();
    assert!(err.to_string().contains("max_offchain_input"));
    assert_eq!(Sizes::default().max_input, 1 << 20);
}

#[test]
fn hostcalls_record_regions_and_prints() {
    // Place "hi" in data, then: region_start("hi"), 3 addis, region_end("hi"), print("hi").
    let mut code = li(10, DATA).to_vec();
    code.extend(li(6, 0x6968));
    code.extend([sh(6, 10, 0), addi(11, 0, 2)]);
    code.extend([
        addi(17, 0, 1),
        ECALL,
        addi(1, 0, 1),
        addi(1, 0, 1),
        addi(1, 0, 1),
        addi(17, 0, 2),
        ECALL,
    ]);
    code.extend([addi(17, 0, 3), ECALL]);
    let e = run(&code);
    // Between the markers: three addis and the `li a7, 2` for the end marker.
    assert_eq!(e.regions.get("hi"), Some(&4));
    assert_eq!(e.logs, ["hi"]);
}

/// Loads and stores at the very top of the address space fault in the tracer as in the fast
/// executor, and never overflow the host's address arithmetic (found by the random-word
/// robustness test: a traced store to 0xffff_fffc panicked with "attempt to add with overflow").
#[test]
fn accesses_at_the_top_of_the_address_space_fault_without_overflow() {
    for code in [
        [addi(5, 0, -4), sw(5, 5, 0)], // sw x5, 0(x5) with x5 = 0xffff_fffc
        [addi(5, 0, -4), 0x0002_a303], // lw x6, 0(x5)
    ] {
        let program = program(&code);
        let fast = ivm_vm::execute(&program, Inputs::default(), 100).unwrap();
        let (traced, _) = ivm_vm::trace(&program, Inputs::default(), 100).unwrap();
        assert_eq!(fast.exit, traced.exit);
        let f = fault_of(&traced);
        assert!(
            matches!(
                f.kind,
                FaultKind::UnmappedWrite(0xffff_fffc) | FaultKind::UnmappedRead(0xffff_fffc)
            ),
            "{f:?}"
        );
    }
}
