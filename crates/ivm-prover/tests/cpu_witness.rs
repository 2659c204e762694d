//! The CPU witness of real guest runs satisfies the CPU constraints, and a corrupted one does not.
use ivm_prover::cpu::{self, build_witness, constraints};
use ivm_prover::field::Fr;
use ivm_prover::isa;
use ivm_prover::ram::{RamLayout, RamPermissions};
use ivm_vm::{Inputs, Program};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

fn witness(name: &str, onchain: &[u8]) -> (cpu::Witness, u32) {
    let program = Program::load(&elf(name)).unwrap();
    let (_exec, steps) =
        ivm_vm::trace(&program, Inputs { onchain, offchain: &[] }, 1 << 20).unwrap();
    let bytecode = isa::bytecode(&program).unwrap();
    let rows = isa::expand(&bytecode, &steps).unwrap();
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let init = ram.initial_words(&program, onchain, &[]);
    (build_witness(&bytecode, &rows, &ram, &perms, &init).unwrap(), ram.io_base)
}

fn fib_input(n: u64) -> Vec<u8> {
    let mut v = vec![0u8; 32];
    v[24..].copy_from_slice(&n.to_be_bytes());
    v
}

#[test]
fn fibonacci_witness_satisfies_the_constraints() {
    let (w, io_base) = witness("fibonacci", &fib_input(10));
    let r1cs = constraints(io_base);
    if let Err((row, c)) = r1cs.is_satisfied(&w.cols) {
        panic!("row {row} violates constraint {c}: {:?}", r1cs.constraints[c]);
    }
}

#[test]
fn arith_witness_satisfies_the_constraints() {
    let input: Vec<u8> = [7u32, 0xFFFF_FFF9, 0x8000_0000, 0, 3, 0xFFFF_FFFF]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    let (w, io_base) = witness("arith", &input);
    let r1cs = constraints(io_base);
    if let Err((row, c)) = r1cs.is_satisfied(&w.cols) {
        panic!("row {row} violates constraint {c}: {:?}", r1cs.constraints[c]);
    }
}

#[test]
fn a_corrupted_register_write_violates_the_constraints() {
    let (mut w, io_base) = witness("fibonacci", &fib_input(10));
    let r1cs = constraints(io_base);
    // Find a row that writes rd from the lookup and corrupt the written value.
    let row = (0..w.cols[0].len()).find(|&i| w.cols[cpu::FLAGS + 5][i] == Fr::from(1u64)).unwrap();
    w.cols[cpu::RDNEW][row] += Fr::from(1u64);
    assert!(r1cs.is_satisfied(&w.cols).is_err());
}

/// The trace must end at the terminating store: running on past it, or stopping before it,
/// violates the constraints.
#[test]
fn the_trace_ends_exactly_at_the_terminating_store() {
    let program = Program::load(&elf("fibonacci")).unwrap();
    let input = fib_input(10);
    let (_exec, steps) =
        ivm_vm::trace(&program, Inputs { onchain: &input, offchain: &[] }, 1 << 20).unwrap();
    let bytecode = isa::bytecode(&program).unwrap();
    let rows = isa::expand(&bytecode, &steps).unwrap();
    let ram = RamLayout::of(&program);
    let perms = RamPermissions::of(&program, &ram);
    let init = ram.initial_words(&program, &input, &[]);
    let r1cs = constraints(ram.io_base);
    let honest = build_witness(&bytecode, &rows, &ram, &perms, &init).unwrap();
    r1cs.is_satisfied(&honest.cols).unwrap();
    assert_eq!(honest.cols[cpu::TERM].iter().filter(|v| **v == Fr::from(1u64)).count(), 1);

    // One more (repeated) terminating store after the real one.
    let mut longer = rows.clone();
    longer.push(*rows.last().unwrap());
    let w = build_witness(&bytecode, &longer, &ram, &perms, &init).unwrap();
    assert!(r1cs.is_satisfied(&w.cols).is_err(), "a row after termination was accepted");

    // Stopping one row early.
    let shorter = rows[..rows.len() - 1].to_vec();
    let w = build_witness(&bytecode, &shorter, &ram, &perms, &init).unwrap();
    assert!(r1cs.is_satisfied(&w.cols).is_err(), "a trace ending before termination was accepted");
}

/// `jolt::trace_shape` (a counting run, no trace kept) agrees with the real expansion and
/// witness.
#[test]
fn trace_shape_matches_the_witness() {
    let arith: Vec<u8> = [7u32, 0xFFFF_FFF9, 0x8000_0000, 0, 3, 0xFFFF_FFFF]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect();
    for (name, input) in
        [("fibonacci", fib_input(25)), ("arith", arith), ("sha256", b"abc".to_vec())]
    {
        let elf = elf(name);
        let program = Program::load(&elf).unwrap();
        let (_exec, steps) =
            ivm_vm::trace(&program, Inputs { onchain: &input, offchain: &[] }, 1 << 20).unwrap();
        let rows = isa::expand(&isa::bytecode(&program).unwrap(), &steps).unwrap();
        let shape = ivm_prover::jolt::trace_shape(&elf, &input, &[], 1 << 20).unwrap();
        let (w, _) = witness(name, &input);
        assert_eq!(
            (shape.rows, shape.log_rows, shape.log_k_ram),
            (rows.len(), w.log_rows, w.log_k_ram),
            "{name}"
        );
        assert_eq!(shape.cycles, steps.len() as u64);
    }
}

/// The memory model errs high against the measured peaks in docs/benchmarks.md (2^20 rows with
/// the default RAM window: 6.9–7.25 GiB from run to run; 2^14 rows: 1.34–1.39 GiB) without
/// being far off.
#[test]
fn memory_estimate_brackets_the_measured_peaks() {
    let shape = |log_rows, table_vars| ivm_prover::jolt::TraceShape {
        cycles: 0,
        rows: 0,
        log_rows,
        log_k_ram: 20,
        table_vars,
    };
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let big = gib(shape(20, 20).estimated_memory_bytes());
    assert!((7.25..8.0).contains(&big), "{big}");
    let small = gib(shape(14, 20).estimated_memory_bytes());
    assert!((1.39..1.8).contains(&small), "{small}");
}

/// The worst case of a job covers every real run within its cycle limit, and the machine
/// bound is the largest run whose estimate fits (with the 2-rows-per-cycle allowance).
#[test]
fn worst_case_shape_covers_real_runs_and_the_machine_bound_fits() {
    for (name, input) in [("fibonacci", fib_input(25)), ("sha256", b"abc".to_vec())] {
        let elf = elf(name);
        let real = ivm_prover::jolt::trace_shape(&elf, &input, &[], 1 << 20).unwrap();
        let worst = ivm_prover::jolt::worst_case_shape(&elf, real.cycles).unwrap();
        assert!(worst.rows >= real.rows, "{name}: {} < {}", worst.rows, real.rows);
        assert!(worst.log_k_ram >= real.log_k_ram, "{name}");
        assert!(worst.estimated_memory_bytes() >= real.estimated_memory_bytes(), "{name}");
        let longest = ivm_prover::jolt::longest_virtual_sequence(&elf).unwrap();
        assert!(real.rows as u64 <= real.cycles * longest, "{name}: the strict bound holds");
    }
    let gib = 1u64 << 30;
    let bound = ivm_prover::jolt::max_provable_cycles(24 * gib);
    assert_eq!(bound, 1 << 20, "24 GiB proves 2^21 rows = 2^20 cycles at 2 rows per cycle");
    assert!(ivm_prover::jolt::max_provable_cycles(8 * gib) < bound);
    let at = |log_rows| ivm_prover::jolt::TraceShape {
        cycles: 0,
        rows: 0,
        log_rows,
        log_k_ram: 20,
        table_vars: 20,
    };
    assert!(at(21).estimated_memory_bytes() <= 24 * gib);
    assert!(at(22).estimated_memory_bytes() > 24 * gib);
}
