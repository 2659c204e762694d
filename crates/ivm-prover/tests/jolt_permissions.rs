//! Memory permissions are part of what a proof proves: a run the VM faults on (a write to
//! read-only memory, a read of the stack guard, of the gap below RAM or past the heap) has
//! no valid proof, even from a prover that executes on flat memory.
#[path = "../../ivm-vm/tests/support/mod.rs"]
#[allow(dead_code, clippy::all)]
mod asm;

use ark_ff::{One, UniformRand, Zero};
use asm::*;
use ivm_abi::{CONTROL_END, ONCHAIN_INPUT_LEN_ADDR};
use ivm_prover::cpu::{self, build_witness, constraints};
use ivm_prover::field::Fr;
use ivm_prover::isa;
use ivm_prover::jolt::{self, ProveError};
use ivm_prover::memory::fingerprint;
use ivm_prover::ram::{RamLayout, RamPermissions};
use ivm_vm::{Exit, FaultKind, Inputs, Program};

const MAX_CYCLES: u64 = 10_000;

/// An ELF running `code`, then the exit sequence (the test assembler's layout: text, a
/// writable data page, a small stack and heap, 4 KiB I/O regions).
fn elf_of(code: &[u32]) -> Vec<u8> {
    elf(TEXT, &segments(&with_exit(code)))
}

/// `li x5, addr` then `access` through x5.
fn access(addr: u32, access: u32) -> Vec<u32> {
    let mut code = li(5, addr).to_vec();
    code.push(access);
    code
}

fn vm_fault(elf: &[u8]) -> Option<FaultKind> {
    let program = Program::load(elf).unwrap();
    match ivm_vm::execute(&program, Inputs::default(), MAX_CYCLES).unwrap().exit {
        Exit::Fault(f) => Some(f.kind),
        _ => None,
    }
}

/// The honest prover refuses; the flat-memory prover produces a proof; it does not verify.
fn assert_unprovable(name: &str, code: &[u32], fault: fn(FaultKind) -> bool) {
    let elf = elf_of(code);
    let kind = vm_fault(&elf).unwrap_or_else(|| panic!("{name}: the VM should fault"));
    assert!(fault(kind.clone()), "{name}: unexpected fault {kind:?}");
    assert!(
        matches!(jolt::prove(&elf, &[], &[], MAX_CYCLES, &mut |_| ()), Err(ProveError::Fault(_))),
        "{name}: honest prover must refuse"
    );
    match jolt::prove_permissive(&elf, &[], &[], MAX_CYCLES) {
        Ok((st, proof)) => {
            assert!(jolt::verify(&elf, &st, &proof).is_err(), "{name}: a faulting run verified")
        }
        // Outside the prover's RAM window altogether: no proof at all.
        Err(e) => assert!(matches!(e, ProveError::Witness(_)), "{name}: {e}"),
    }
}

fn assert_provable(name: &str, code: &[u32]) {
    let elf = elf_of(code);
    assert_eq!(vm_fault(&elf), None, "{name}: the VM should not fault");
    let (st, proof) = jolt::prove(&elf, &[], &[], MAX_CYCLES, &mut |_| ()).unwrap();
    jolt::verify(&elf, &st, &proof).unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn permitted_accesses_prove() {
    let input = sizes().io().onchain_input_base;
    let mut code = access(DATA, sw(0, 5, 0));
    code.extend(access(STACK_BOTTOM, sb(0, 5, 3)));
    code.extend(access(HEAP_END - 4, lw(6, 5, 0)));
    code.extend(access(input, lbu(6, 5, 1)));
    code.extend(access(ONCHAIN_INPUT_LEN_ADDR, lw(6, 5, 0)));
    code.extend(access(TEXT, lw(6, 5, 0)));
    assert_provable("data, stack, heap, input and text accesses", &code);
}

#[test]
fn writes_to_read_only_memory_do_not_verify() {
    assert_unprovable("word store to text", &access(TEXT, sw(0, 5, 0)), |k| {
        matches!(k, FaultKind::WriteToReadOnly(_))
    });
    assert_unprovable("byte store to text", &access(TEXT + 4, sb(5, 5, 1)), |k| {
        matches!(k, FaultKind::WriteToReadOnly(_))
    });
    let input = sizes().io().onchain_input_base;
    assert_unprovable("store to the input", &access(input, sh(5, 5, 2)), |k| {
        matches!(k, FaultKind::WriteToReadOnly(_))
    });
    assert_unprovable(
        "store to an input length",
        &access(ONCHAIN_INPUT_LEN_ADDR, sw(5, 5, 0)),
        |k| matches!(k, FaultKind::WriteToReadOnly(_)),
    );
}

#[test]
fn reads_of_unmapped_memory_do_not_verify() {
    assert_unprovable("load from the stack guard", &access(IMAGE_END, lw(6, 5, 0)), |k| {
        matches!(k, FaultKind::StackOverflow(_))
    });
    assert_unprovable("store to the stack guard", &access(STACK_BOTTOM - 4, sw(0, 5, 0)), |k| {
        matches!(k, FaultKind::StackOverflow(_))
    });
    assert_unprovable("load from the gap below RAM", &access(CONTROL_END, lw(6, 5, 0)), |k| {
        matches!(k, FaultKind::UnmappedRead(_))
    });
    assert_unprovable("load past the heap", &access(HEAP_END, lbu(6, 5, 0)), |k| {
        matches!(k, FaultKind::HeapOverflow(_))
    });
}

/// A prover that also lies about the permission bit (so the row constraints hold) is caught
/// by memory checking: the bits are fields of the RAM tuples, fixed by the verifier's table.
#[test]
fn lying_about_a_permission_unbalances_the_ram_multisets() {
    let elf = elf_of(&access(TEXT, sw(0, 5, 0)));
    let program = Program::load(&elf).unwrap();
    let (_exec, steps) =
        ivm_vm::exec::trace_permissive(&program, Inputs::default(), MAX_CYCLES).unwrap();
    let bytecode = isa::bytecode(&program).unwrap();
    let rows = isa::expand(&bytecode, &steps).unwrap();
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let init = ram.initial_words(&program, &[], &[]);
    let mut w = build_witness(&bytecode, &rows, &ram, &perms, &init).unwrap();
    let r1cs = constraints(ram.io_base);
    let store = (0..w.cols[0].len())
        .find(|&i| w.cols[cpu::RAMIDX][i] == Fr::from(ram.index(TEXT).unwrap() as u64))
        .unwrap();
    assert!(w.cols[cpu::PERM_W][store].is_zero(), "text is not writable");
    assert!(
        r1cs.is_satisfied(&w.cols).is_err(),
        "the store row must violate the permission constraint"
    );
    assert!(ram_multisets_balance(&w, &perms), "with honest permission bits the multisets balance");

    w.cols[cpu::PERM_W][store] = Fr::one();
    r1cs.is_satisfied(&w.cols).expect("the lie satisfies the row constraints");
    assert!(!ram_multisets_balance(&w, &perms), "but not memory checking");
}

/// `Init · Writes = Reads · Final` for the RAM tuples, with random fingerprint challenges.
fn ram_multisets_balance(w: &cpu::Witness, perms: &RamPermissions) -> bool {
    let mut rng = ark_std::test_rng();
    let gamma = Fr::rand(&mut rng);
    let gammas: Vec<Fr> =
        (0..8).scan(Fr::one(), |g, _| Some(std::mem::replace(g, *g * gamma))).collect();
    let tau = Fr::rand(&mut rng);
    let n = w.cols[0].len();
    let polys: Vec<&[Fr]> = w.cols.iter().map(|c| c.as_slice()).collect();
    let (read, write) = cpu::ram_tuples();
    let product = |v: Vec<Fr>| v.into_iter().product::<Fr>();
    let reads = product(read.leaves(&polys, n, &gammas, tau));
    let writes = product(write.leaves(&polys, n, &gammas, tau));
    let [r, wr, ctrl] = perms.tables(w.log_k_ram);
    let k = 1usize << w.log_k_ram;
    let leaf = |i: usize, val: Fr, ts: Fr| {
        fingerprint(&[Fr::from(i as u64), val, ts, r[i], wr[i], ctrl[i]], &gammas, tau)
    };
    let init = (0..k).map(|i| leaf(i, Fr::from(w.ram_init[i] as u64), Fr::zero())).product::<Fr>();
    let fin = (0..k).map(|i| leaf(i, w.ram_final_val[i], w.ram_final_ts[i])).product::<Fr>();
    init * writes == reads * fin
}

/// The control bit that detects the terminating store is bound the same way: a prover that
/// hides the termination (to run on past it) unbalances the RAM multisets.
#[test]
fn lying_about_the_control_bit_unbalances_the_ram_multisets() {
    let elf = elf_of(&[addi(6, 0, 7)]);
    let program = Program::load(&elf).unwrap();
    let (_exec, steps) = ivm_vm::trace(&program, Inputs::default(), MAX_CYCLES).unwrap();
    let bytecode = isa::bytecode(&program).unwrap();
    let rows = isa::expand(&bytecode, &steps).unwrap();
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let mut w =
        build_witness(&bytecode, &rows, &ram, &perms, &ram.initial_words(&program, &[], &[]))
            .unwrap();
    assert!(ram_multisets_balance(&w, &perms));
    let term =
        (0..w.cols[0].len()).find(|&i| w.cols[cpu::TERM][i].is_one()).expect("a terminating store");
    assert!(w.cols[cpu::IS_CTRL][term].is_one());
    w.cols[cpu::IS_CTRL][term] = Fr::zero();
    assert!(!ram_multisets_balance(&w, &perms));
}
