//! Every outcome a challenger must be able to show (DESIGN.md §7), proven with v2 on the
//! `faults` guest: a run out of cycles, and faults of each provable class. Then the attacks:
//! another pc, class, cycle count or outcome on an honest proof, and cheating provers that
//! claim a fault (or a run out of cycles) where the run did something else.
use ivm_prover::isa::Row;
use ivm_prover::statement::{FaultClass, Outcome, Statement};
use ivm_prover::v2::{self, Claim};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// The `faults` guest's modes (see its source).
const NULL_READ: u8 = 1;
const WRITE_READ_ONLY: u8 = 2;
const UNIMP: u8 = 3;
const EBREAK: u8 = 4;
const ODD_HALFWORD: u8 = 5;
const MISALIGNED_WORD: u8 = 6;
const ENDLESS: u8 = 7;
const CALL_NULL: u8 = 8;
const JAL_MISALIGNED: u8 = 9;
const JALR_MISALIGNED: u8 = 10;
const MISALIGNED_STORE: u8 = 12;
const MISALIGNED_NEAR_NULL: u8 = 13;
const OUTPUT_OVERFLOW: u8 = 14;

const MAX_CYCLES: u64 = 3_000;

fn vm_fault(mode: u8) -> ivm_vm::Fault {
    let program = ivm_vm::Program::load(&elf("faults")).unwrap();
    let inputs = ivm_vm::Inputs { onchain: &[mode], offchain: &[] };
    match ivm_vm::execute(&program, inputs, MAX_CYCLES).unwrap().exit {
        ivm_vm::Exit::Fault(f) => f,
        other => panic!("mode {mode} did not fault: {other:?}"),
    }
}

/// The faults guest's bytecode table (for cheats that name a row's pc).
fn faults_bytecode() -> ivm_prover::isa::Bytecode {
    ivm_prover::isa::bytecode(&ivm_vm::Program::load(&elf("faults")).unwrap()).unwrap()
}

fn prove(mode: u8) -> (Statement, v2::Proof) {
    v2::prove(&elf("faults"), &[mode], &[], MAX_CYCLES).unwrap()
}

fn rejected(st: &Statement, proof: &v2::Proof) -> bool {
    v2::verify(&elf("faults"), st, proof).is_err()
}

#[test]
fn faults_of_every_class_prove_and_verify() {
    for (mode, class) in [
        (NULL_READ, FaultClass::MemoryAccess),
        (WRITE_READ_ONLY, FaultClass::MemoryAccess),
        (UNIMP, FaultClass::InvalidInstruction),
        (EBREAK, FaultClass::InvalidInstruction),
        (ODD_HALFWORD, FaultClass::MisalignedAccess),
        (MISALIGNED_WORD, FaultClass::MisalignedAccess),
        (MISALIGNED_STORE, FaultClass::MisalignedAccess),
        (MISALIGNED_NEAR_NULL, FaultClass::MisalignedAccess),
        (JAL_MISALIGNED, FaultClass::MisalignedJump),
        (JALR_MISALIGNED, FaultClass::MisalignedJump),
        (CALL_NULL, FaultClass::PcOutOfText),
        (OUTPUT_OVERFLOW, FaultClass::OutputOverflow),
    ] {
        let f = vm_fault(mode);
        let (st, proof) = prove(mode);
        assert_eq!(st.outcome, Outcome::Faulted { class, pc: f.pc }, "mode {mode}");
        assert_eq!(st.cycles, f.cycles, "mode {mode}: the retired instructions");
        v2::verify(&elf("faults"), &st, &proof)
            .unwrap_or_else(|e| panic!("mode {mode} ({}): {e}", f.kind));
    }
}

#[test]
fn a_run_out_of_cycles_proves_and_verifies() {
    let (st, proof) = prove(ENDLESS);
    assert_eq!((st.outcome, st.cycles), (Outcome::OutOfCycles, MAX_CYCLES));
    v2::verify(&elf("faults"), &st, &proof).unwrap();
    // Another count (one more or one less instruction) is another statement.
    for cycles in [MAX_CYCLES - 1, MAX_CYCLES + 1] {
        assert!(rejected(&Statement { cycles, ..st.clone() }, &proof), "{cycles} cycles");
    }
    let halted = Statement { outcome: Outcome::Halted, ..st.clone() };
    assert!(rejected(&halted, &proof));
}

/// The misaligned classes that depend on a register (a word address, a JALR target): another
/// class, pc or cycle count is rejected.
#[test]
fn register_dependent_faults_are_bound_to_their_statement() {
    for (mode, other) in [
        (MISALIGNED_WORD, FaultClass::MemoryAccess),
        (MISALIGNED_STORE, FaultClass::MemoryAccess),
        (MISALIGNED_NEAR_NULL, FaultClass::MemoryAccess),
        (JALR_MISALIGNED, FaultClass::PcOutOfText),
    ] {
        let (st, proof) = prove(mode);
        let Outcome::Faulted { class, pc } = st.outcome else { panic!("{st:?}") };
        for wrong in [
            Statement { outcome: Outcome::Faulted { class: other, pc }, ..st.clone() },
            Statement { outcome: Outcome::Faulted { class, pc: pc + 4 }, ..st.clone() },
            Statement { cycles: st.cycles + 1, ..st.clone() },
            Statement { outcome: Outcome::OutOfCycles, ..st.clone() },
        ] {
            assert!(rejected(&wrong, &proof), "mode {mode}: {:?}", wrong.outcome);
        }
    }
    // A cheating prover calls the misaligned load or JALR an ordinary step, and the run one
    // that goes on past it (out of cycles one instruction later).
    for mode in [MISALIGNED_WORD, JALR_MISALIGNED] {
        let cheat = |c: &mut Claim| {
            c.fault_row = None;
            c.statement.outcome = Outcome::OutOfCycles;
            c.statement.cycles += 1;
        };
        let (st, proof) =
            v2::prove_claiming(&elf("faults"), &[mode], &[], MAX_CYCLES, &cheat).unwrap();
        assert!(rejected(&st, &proof), "mode {mode}: the faulting step passed as ordinary");
    }
}

/// An output overflow is a halted run whose length word is above the maximum: its proof is
/// bound to the pc after the terminating store, and a run whose length word fits cannot be
/// called one (nor the overflowing run a plain halt).
#[test]
fn an_output_overflow_is_bound_to_the_length_word_and_the_terminating_store() {
    let f = vm_fault(OUTPUT_OVERFLOW);
    let (st, proof) = prove(OUTPUT_OVERFLOW);
    assert_eq!(st.outcome, Outcome::Faulted { class: FaultClass::OutputOverflow, pc: f.pc });
    assert!(st.output.is_empty());
    for wrong in [
        Statement {
            outcome: Outcome::Faulted { class: FaultClass::OutputOverflow, pc: f.pc + 4 },
            ..st.clone()
        },
        Statement { outcome: Outcome::Halted, ..st.clone() },
        Statement { outcome: Outcome::OutOfCycles, ..st.clone() },
        Statement { cycles: st.cycles - 1, ..st.clone() },
    ] {
        assert!(rejected(&wrong, &proof), "{:?}", wrong.outcome);
    }
    // A cheating prover calls a run that halts with its output ("ok") an overflow.
    let (halts, _) = v2::run(&elf("faults"), &[], &[], MAX_CYCLES, &|_| ()).unwrap();
    assert_eq!(halts.outcome, Outcome::Halted);
    let cheat = |c: &mut Claim| {
        let last = faults_bytecode().rows[c.rows.last().unwrap().bc].pc;
        c.statement.outcome = Outcome::Faulted { class: FaultClass::OutputOverflow, pc: last + 4 };
        c.statement.output.clear();
    };
    match v2::prove_claiming(&elf("faults"), &[], &[], MAX_CYCLES, &cheat) {
        Ok((st, proof)) => assert!(rejected(&st, &proof), "a halting run proven an overflow"),
        Err(e) => panic!("the cheat should produce a proof to reject: {e}"),
    }
}

/// A cheating prover calls an aligned word access (in a run that halts) a misaligned one,
/// and a JALR to an aligned address a misaligned jump.
#[test]
fn aligned_word_accesses_and_jalrs_cannot_be_called_misaligned() {
    use ivm_vm::decode::{Instr, LoadOp, StoreOp};
    let program = ivm_vm::Program::load(&elf("faults")).unwrap();
    // The n-th retired instruction of the halting run that is a LW, a SW, a JALR.
    let mut wanted: Vec<(usize, FaultClass)> = Vec::new();
    let mut seen = [false; 3];
    let inputs = ivm_vm::Inputs { onchain: &[], offchain: &[] };
    let (_, steps) = ivm_vm::trace(&program, inputs, MAX_CYCLES).unwrap();
    for (i, step) in steps.iter().enumerate() {
        let k = match step.instr {
            Instr::Load { op: LoadOp::W, .. } => 0,
            Instr::Store { op: StoreOp::W, .. } => 1,
            Instr::Jalr { .. } => 2,
            _ => continue,
        };
        if !seen[k] {
            seen[k] = true;
            let class =
                if k == 2 { FaultClass::MisalignedJump } else { FaultClass::MisalignedAccess };
            wanted.push((i + 1, class));
        }
    }
    assert_eq!(seen, [true; 3], "the halting run has a LW, a SW and a JALR");
    for (n, class) in wanted {
        assert!(claim_fault_at(0, n, class), "instruction {n} claimed as {class:?}");
    }
}

#[test]
fn a_fault_proof_is_bound_to_its_pc_class_cycles_and_outcome() {
    let (st, proof) = prove(NULL_READ);
    let Outcome::Faulted { class, pc } = st.outcome else { panic!("{st:?}") };
    let changes: [(&str, Statement); 7] = [
        ("pc", Statement { outcome: Outcome::Faulted { class, pc: pc + 4 }, ..st.clone() }),
        (
            "class",
            Statement {
                outcome: Outcome::Faulted { class: FaultClass::InvalidInstruction, pc },
                ..st.clone()
            },
        ),
        ("one cycle more", Statement { cycles: st.cycles + 1, ..st.clone() }),
        ("one cycle less", Statement { cycles: st.cycles - 1, ..st.clone() }),
        ("out of cycles", Statement { outcome: Outcome::OutOfCycles, ..st.clone() }),
        ("halted", Statement { outcome: Outcome::Halted, ..st.clone() }),
        ("panicked", Statement { outcome: Outcome::Panicked, ..st.clone() }),
    ];
    for (what, wrong) in changes {
        assert!(rejected(&wrong, &proof), "another {what} was accepted");
    }
}

#[test]
fn jump_faults_are_bound_to_what_the_elf_says_at_their_pc() {
    // A pc outside the text: another address outside it, or one inside it, is rejected.
    let (st, proof) = prove(CALL_NULL);
    for pc in [4, 0x8000_0000] {
        let outcome = Outcome::Faulted { class: FaultClass::PcOutOfText, pc };
        assert!(rejected(&Statement { outcome, ..st.clone() }, &proof), "pc {pc:#x}");
    }
    assert!(rejected(&Statement { cycles: st.cycles + 1, ..st.clone() }, &proof));
    // A misaligned JAL: the statement cannot move the fault to the next instruction, which
    // the ELF does not make a jump to a misaligned address.
    let (st, proof) = prove(JAL_MISALIGNED);
    let Outcome::Faulted { pc, .. } = st.outcome else { panic!("{st:?}") };
    let outcome = Outcome::Faulted { class: FaultClass::MisalignedJump, pc: pc + 4 };
    let e = v2::verify(&elf("faults"), &Statement { outcome, ..st.clone() }, &proof).unwrap_err();
    assert!(e.to_string().contains("nor a JAL or branch"), "{e}");
    assert!(rejected(&Statement { cycles: st.cycles - 1, ..st.clone() }, &proof));
}

/// The index of the last row of the instruction that retires `n`-th (1-based) in `rows`.
fn end_of_instruction(rows: &[Row], n: usize) -> usize {
    let bytecode = faults_bytecode();
    let mut seen = 0;
    for (i, r) in rows.iter().enumerate() {
        let b = &bytecode.rows[r.bc];
        if b.is_last_in_seq() {
            seen += 1;
            if seen == n {
                return i;
            }
        }
    }
    panic!("fewer than {n} instructions")
}

/// A cheating prover truncates an honest run after its `n`-th instruction and claims that
/// instruction's last row faulted with `class`.
fn claim_fault_at(mode: u8, n: usize, class: FaultClass) -> bool {
    let bytecode = faults_bytecode();
    let cheat = |c: &mut Claim| {
        let last = end_of_instruction(&c.rows, n);
        c.rows.truncate(last + 1);
        c.fault_row = Some(last);
        let pc = bytecode.rows[c.rows[last].bc].pc;
        c.statement.outcome = Outcome::Faulted { class, pc };
        c.statement.cycles = n as u64 - 1;
        c.statement.output.clear();
    };
    let Ok((st, proof)) = v2::prove_claiming(&elf("faults"), &[mode], &[], MAX_CYCLES, &cheat)
    else {
        return true;
    };
    rejected(&st, &proof)
}

#[test]
fn cheating_provers_cannot_claim_a_fault_that_did_not_happen() {
    // A run that halts, cut after instructions that are ordinary steps: a load, a store, an
    // instruction that is not invalid.
    let (halts, _) = v2::run(&elf("faults"), &[], &[], MAX_CYCLES, &|_| ()).unwrap();
    assert_eq!(halts.outcome, Outcome::Halted);
    for n in [5, 12, 20] {
        for class in [
            FaultClass::MemoryAccess,
            FaultClass::InvalidInstruction,
            FaultClass::MisalignedAccess,
            FaultClass::MisalignedJump,
        ] {
            assert!(claim_fault_at(0, n, class), "instruction {n} claimed as {class:?}");
        }
    }
    // The faulting run, with the fault claimed one instruction early.
    let f = vm_fault(NULL_READ);
    assert!(claim_fault_at(NULL_READ, f.cycles as usize, FaultClass::MemoryAccess));
}

#[test]
fn cheating_provers_cannot_hide_a_fault_or_an_ending() {
    // A faulting run claimed as out of cycles: its faulting row dropped, stopped before it.
    let f = vm_fault(NULL_READ);
    let cheat = |c: &mut Claim| {
        let last = end_of_instruction(&c.rows, f.cycles as usize);
        c.rows.truncate(last + 1);
        c.fault_row = None;
        c.statement.outcome = Outcome::OutOfCycles;
    };
    let (st, proof) =
        v2::prove_claiming(&elf("faults"), &[NULL_READ], &[], MAX_CYCLES, &cheat).unwrap();
    // (A true statement: the run does not end within its first `cycles` instructions; the
    // arbiter compares `cycles` with the job's limit.)
    assert_eq!(st.cycles, f.cycles);
    v2::verify(&elf("faults"), &st, &proof).unwrap();

    // A halting run claimed as out of cycles at its full length: the termination word shows.
    let cheat = |c: &mut Claim| c.statement.outcome = Outcome::OutOfCycles;
    let (st, proof) = v2::prove_claiming(&elf("faults"), &[], &[], MAX_CYCLES, &cheat).unwrap();
    assert!(rejected(&st, &proof));

    // The faulting row marked in the middle of a run that goes on to halt.
    let cheat = |c: &mut Claim| {
        let row = end_of_instruction(&c.rows, 10);
        c.fault_row = Some(row);
        let pc = faults_bytecode().rows[c.rows[row].bc].pc;
        c.statement.outcome = Outcome::Faulted { class: FaultClass::MemoryAccess, pc };
    };
    let (st, proof) = v2::prove_claiming(&elf("faults"), &[], &[], MAX_CYCLES, &cheat).unwrap();
    assert!(rejected(&st, &proof));

    // A halting run cut after an ordinary instruction (no load, store or assertion: the
    // fault row's only rule is its successor's address) and said to continue at address 0.
    let bytecode = faults_bytecode();
    let cheat = |c: &mut Claim| {
        let (mut n, mut last) = (0, 0);
        for (i, r) in c.rows.iter().enumerate() {
            let (b, f) = (&bytecode.rows[r.bc], bytecode.rows[r.bc].flags());
            if b.is_last_in_seq() {
                n += 1;
                if n >= 10 && !(f.load || f.store || f.assert || f.invalid) {
                    last = i;
                    break;
                }
            }
        }
        c.rows.truncate(last + 1);
        c.fault_row = Some(last);
        c.statement.outcome = Outcome::Faulted { class: FaultClass::PcOutOfText, pc: 0 };
        c.statement.cycles = n;
        c.statement.output.clear();
    };
    let (st, proof) = v2::prove_claiming(&elf("faults"), &[], &[], MAX_CYCLES, &cheat).unwrap();
    assert!(rejected(&st, &proof));
}

/// A cheating prover passes an access the VM refuses as an ordinary step: the store to a
/// read-only static really writes, and the run goes on (out of cycles one instruction later).
/// Only the permission bits, tied to the word by the RAM read-address check, stop it.
#[test]
fn an_access_without_permission_cannot_pass_as_ordinary() {
    let cheat = |c: &mut Claim| {
        let row = c.fault_row.take().expect("the faulting store's row");
        let store = &mut c.rows[row];
        let access = store.ram.as_mut().expect("a store accesses RAM");
        access.after = store.rs2_val;
        c.statement.outcome = Outcome::OutOfCycles;
        c.statement.cycles += 1;
    };
    let (st, proof) =
        v2::prove_claiming(&elf("faults"), &[WRITE_READ_ONLY], &[], MAX_CYCLES, &cheat).unwrap();
    assert!(rejected(&st, &proof), "a store to read-only memory passed as ordinary");
}
