//! Every guest example proves and verifies on a small input (completeness), and the statement
//! is what `ivm execute` reports.
mod support;

use ivm_prover::codec::{Reader, Writer};
use ivm_prover::jolt::{self, Proof};
use ivm_prover::statement::Outcome;
use ivm_vm::{Exit, Inputs, Program};
use support::*;

fn prove_and_verify(name: &str, onchain: &[u8], offchain: &[u8]) {
    let elf = elf(name);
    let program = Program::load(&elf).unwrap();
    let exec = ivm_vm::execute(&program, Inputs { onchain, offchain }, MAX_CYCLES).unwrap();
    let (st, proof) = jolt::prove(&elf, onchain, offchain, MAX_CYCLES, &mut |_| ()).unwrap();
    assert_eq!(st.output, exec.output, "{name}: output");
    assert_eq!(st.cycles, exec.cycles, "{name}: cycles");
    assert_eq!(
        st.outcome == Outcome::Panicked,
        matches!(exec.exit, Exit::Panicked { .. }),
        "{name}: panic bit"
    );
    let mut w = Writer::new();
    proof.write(&mut w);
    let bytes = w.finish();
    let mut r = Reader::new(&bytes);
    let decoded = Proof::read(&mut r, &elf).unwrap();
    r.finish().unwrap();
    jolt::verify(&elf, &st, &decoded).unwrap_or_else(|e| panic!("{name}: {e}"));
    eprintln!(
        "{name}: {} cycles, 2^{} rows, proof {} bytes",
        st.cycles,
        proof.log_rows,
        bytes.len()
    );
}

#[test]
fn sha256() {
    prove_and_verify("sha256", b"abc", b"def");
}

#[test]
fn keccak() {
    prove_and_verify("keccak", b"", b"");
}

#[test]
fn square_root() {
    prove_and_verify("square-root", &uint256(1_000_000), &[]);
}

#[test]
fn clob() {
    let mut orders = order(0, 100, 5, 1);
    orders.extend(order(1, 100, 3, 2));
    prove_and_verify("clob", &orders, &[]);
}

/// MUL/MULH/MULHSU/MULHU/DIV/DIVU/REM/REMU and byte/halfword loads and stores.
#[test]
fn arith() {
    // Two input bytes select arith's short edge table (0, 7, −1, INT_MIN: division by zero and
    // INT_MIN / −1 included) and sign-extending byte/halfword loads of 0x80, 0xff.
    prove_and_verify("arith", &[0x80, 0xff], &[]);
}

/// A panicking run proves; its statement says it panicked.
#[test]
fn panic() {
    prove_and_verify("panic", b"\x01boom", &[]);
}
