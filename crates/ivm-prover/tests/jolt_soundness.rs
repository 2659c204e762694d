//! Soundness: tampered proofs, wrong statements, other programs and cheating provers are all
//! rejected; malformed proof files fail fast.
mod support;

use ivm_prover::codec::{Reader, Writer};
use ivm_prover::isa::Row;
use ivm_prover::jolt::{self, Proof};
use ivm_prover::statement::Outcome;
use ivm_prover::statement::Statement;
use support::*;

fn encode(proof: &Proof) -> Vec<u8> {
    let mut w = Writer::new();
    proof.write(&mut w);
    w.finish()
}

/// Decodes and verifies; any failure is a rejection.
fn accepts(elf: &[u8], st: &Statement, bytes: &[u8]) -> bool {
    let mut r = Reader::new(bytes);
    let Ok(proof) = Proof::read(&mut r, elf) else { return false };
    if r.finish().is_err() {
        return false;
    }
    jolt::verify(elf, st, &proof).is_ok()
}

#[test]
fn tampered_proofs_and_statements_are_rejected() {
    let fib = elf("fibonacci");
    let (st, proof) = jolt::prove(&fib, &uint256(10), &[], MAX_CYCLES, &mut |_| ()).unwrap();
    let bytes = encode(&proof);
    assert!(accepts(&fib, &st, &bytes), "the genuine proof verifies");

    // Any single flipped byte, at many positions across the file.
    let n = bytes.len();
    let mut positions: Vec<usize> = (0..48).map(|i| i * (n - 1) / 47).collect();
    positions.extend([1, 2, 5, 9, 13, 300, n - 2]);
    for pos in positions {
        let mut bad = bytes.clone();
        bad[pos] ^= 0x01;
        assert!(!accepts(&fib, &st, &bad), "flipped byte {pos} of {n} was accepted");
    }

    // Statements that differ from the proven one.
    let mut wrong = st.clone();
    wrong.output[31] ^= 1;
    assert!(!accepts(&fib, &wrong, &bytes), "different output");
    let mut wrong = st.clone();
    wrong.onchain_input = uint256(11);
    assert!(!accepts(&fib, &wrong, &bytes), "different input");
    let mut wrong = st.clone();
    wrong.offchain_input = vec![1];
    assert!(!accepts(&fib, &wrong, &bytes), "different offchain input");
    let mut wrong = st.clone();
    wrong.outcome = match wrong.outcome {
        Outcome::Panicked => Outcome::Halted,
        _ => Outcome::Panicked,
    };
    assert!(!accepts(&fib, &wrong, &bytes), "flipped panic bit");
    let mut wrong = st.clone();
    wrong.cycles += 1;
    assert!(!accepts(&fib, &wrong, &bytes), "different cycle count");
    let mut wrong = st.clone();
    wrong.program_id[0] ^= 1;
    assert!(!accepts(&fib, &wrong, &bytes), "different program ID");

    // The proof against another ELF (with that ELF's program ID in the statement).
    let other = elf("square-root");
    let mut wrong = st.clone();
    wrong.program_id = ivm_vm::ProgramId::of(&ivm_vm::Program::load(&other).unwrap()).0;
    assert!(!accepts(&other, &wrong, &bytes), "another program");

    // Malformed files fail without large allocations.
    for len in [0, 1, 2, 7, 100, n / 3, n / 2, n - 1] {
        assert!(!accepts(&fib, &st, &bytes[..len]), "truncated to {len}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert!(!accepts(&fib, &st, &long), "trailing byte");
    // A commitment length prefix of 4 GiB.
    let mut huge = bytes.clone();
    let off = 2 + 12 + 64 * 4 + 64 * 8; // after shapes, control words and registers
    huge[off..off + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(!accepts(&fib, &st, &huge), "huge length prefix");
}

/// A prover that corrupts one row must not produce a verifying proof.
fn cheat(what: &str, tamper: &dyn Fn(&mut Vec<Row>)) {
    let fib = elf("fibonacci");
    let (st, proof) =
        jolt::prove_tampered(&fib, &uint256(10), &[], MAX_CYCLES, &mut |_| (), tamper).unwrap();
    assert!(jolt::verify(&fib, &st, &proof).is_err(), "{what}: a cheating proof verified");
}

fn nth_row(rows: &[Row], n: usize, pred: impl Fn(&Row) -> bool) -> usize {
    rows.iter().enumerate().filter(|(_, r)| pred(r)).nth(n).expect("row").0
}

#[test]
fn cheating_register_write_is_rejected() {
    cheat("register write", &|rows| {
        let i = nth_row(rows, 20, |r| r.rd_new != r.rd_old);
        rows[i].rd_new ^= 4;
    });
}

#[test]
fn cheating_ram_value_is_rejected() {
    cheat("RAM value", &|rows| {
        // A load that returns a different word (and writes it to rd, consistently).
        let i = nth_row(rows, 3, |r| {
            r.ram.is_some_and(|a| a.before == a.after) && r.rd_new == r.ram.unwrap().before
        });
        let ram = rows[i].ram.as_mut().unwrap();
        ram.before ^= 1;
        ram.after ^= 1;
        rows[i].rd_new ^= 1;
    });
}

#[test]
fn cheating_lookup_result_is_rejected() {
    cheat("lookup result", &|rows| {
        let i = nth_row(rows, 30, |r| {
            r.lookup.table.is_some() && r.rd_new == r.lookup.out && r.rd_new != r.rd_old
        });
        rows[i].lookup.out ^= 2;
        rows[i].rd_new ^= 2;
    });
}

#[test]
fn cheating_next_pc_is_rejected() {
    cheat("next pc (skipped row)", &|rows| {
        let i = nth_row(rows, 40, |r| r.lookup.table.is_some());
        rows.remove(i);
    });
}
