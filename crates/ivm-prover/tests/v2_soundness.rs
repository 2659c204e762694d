//! Prover v2 soundness: a proof is bound to its statement and ELF, every part of it is
//! checked, and provers that cheat on the trace are rejected.
use std::sync::OnceLock;

use ivm_prover::field::{Fr, One};
use ivm_prover::isa::Row;
use ivm_prover::onehot::{OneHot, NO_ACCESS};
use ivm_prover::statement::Outcome;
use ivm_prover::statement::Statement;
use ivm_prover::twist::MemoryTrace;
use ivm_prover::v2::{self, Proof};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// ABI `uint256 12`.
fn input() -> Vec<u8> {
    let mut v = vec![0u8; 32];
    v[31] = 12;
    v
}

/// One honest fibonacci proof shared by the tests.
fn honest() -> &'static (Vec<u8>, Statement, Proof) {
    static P: OnceLock<(Vec<u8>, Statement, Proof)> = OnceLock::new();
    P.get_or_init(|| {
        let elf = elf("fibonacci");
        let (st, proof) = v2::prove(&elf, &input(), &[], 1 << 20).unwrap();
        (elf, st, proof)
    })
}

#[test]
fn the_honest_proof_verifies() {
    let (elf, st, proof) = honest();
    v2::verify(elf, st, proof).unwrap();
    assert!(st.outcome == Outcome::Halted && st.output.len() == 64, "{st:?}");
}

#[test]
fn another_statement_is_rejected() {
    let (elf, st, proof) = honest();
    let changes: [(&str, &dyn Fn(&mut Statement)); 7] = [
        ("output byte", &|s| s.output[0] ^= 1),
        ("longer output", &|s| s.output.push(0)),
        ("input", &|s| s.onchain_input[0] ^= 1),
        ("offchain input", &|s| s.offchain_input.push(7)),
        ("one cycle more", &|s| s.cycles += 1),
        ("one cycle less", &|s| s.cycles -= 1),
        ("panicked", &|s| s.outcome = Outcome::Panicked),
    ];
    for (what, change) in changes {
        let mut bad = st.clone();
        change(&mut bad);
        assert!(v2::verify(elf, &bad, proof).is_err(), "{what}");
    }
}

#[test]
fn another_program_is_rejected() {
    let (_, st, proof) = honest();
    let other = elf("sha256");
    assert!(matches!(v2::verify(&other, st, proof), Err(v2::VerifyError::ProgramId { .. })));
    // Claiming the other program's ID does not help: its bytecode and image are different.
    let mut claimed = st.clone();
    claimed.program_id = ivm_vm::ProgramId::of(&ivm_vm::Program::load(&other).unwrap()).0;
    assert!(v2::verify(&other, &claimed, proof).is_err());
}

#[test]
fn every_part_of_the_proof_is_checked() {
    let (elf, st, proof) = honest();
    let one = Fr::one();
    let tampers: Vec<(&str, Box<dyn Fn(&mut Proof)>)> = vec![
        ("log_rows", Box::new(|p| p.log_rows += 1)),
        ("a page more", Box::new(|p| p.pages.push(p.pages.last().unwrap() + 1))),
        ("a page less", Box::new(|p| _ = p.pages.remove(0))),
        ("termination word", Box::new(|p| p.control.termination_word += 1)),
        ("commitment order", Box::new(|p| p.commitments.swap(0, 1))),
        ("a column value", Box::new(move |p| p.spartan.evals[3] += one)),
        ("register increment", Box::new(move |p| p.registers.inc += one)),
        ("register write value", Box::new(move |p| p.registers.rdnew += one)),
        ("register Val", Box::new(move |p| p.registers.read_write.evals.val += one)),
        ("RAM increment", Box::new(move |p| p.ram.inc += one)),
        ("final memory", Box::new(move |p| p.ram.final_value += one)),
        ("RAM address check", Box::new(move |p| p.ram.addresses.ra_eval += one)),
        ("lookup read", Box::new(move |p| p.lookups.ra_eval += one)),
        ("lookup values", Box::new(move |p| p.lookups.value_eval += one)),
        ("a bytecode read", Box::new(move |p| p.fetches.ra_evals[2] += one)),
        ("register addresses", Box::new(move |p| p.fetches.ra_evals[4] += one)),
        ("lookup kinds' fetch", Box::new(move |p| p.fetches.ra_evals[6] += one)),
        (
            "the fetch checks' sumcheck",
            Box::new(move |p| p.fetches.sumcheck.round_polys[0].coeffs[0] += one),
        ),
        ("the bytecode chunks' values", Box::new(move |p| p.chunks[0].chunk_evals[0][0] += one)),
        ("a chunk value", Box::new(move |p| p.chunks[2].chunk_evals[0][1] += one)),
        ("a chunk's booleanity", Box::new(move |p| p.chunks[1].booleanity[0] += one)),
        ("an opened value", Box::new(move |p| p.openings.evals[5] += one)),
        (
            "a sumcheck round",
            Box::new(move |p| p.registers.val.sumcheck.round_polys[1].coeffs[0] += one),
        ),
    ];
    for (what, tamper) in tampers {
        let mut bad = proof.clone();
        tamper(&mut bad);
        assert!(v2::verify(elf, st, &bad).is_err(), "a changed {what} was accepted");
    }
}

/// Prove fibonacci with the expanded rows changed; the proof must not verify.
fn cheat(what: &str, tamper: &dyn Fn(&mut Vec<Row>)) {
    let elf = elf("fibonacci");
    let (st, proof) = v2::prove_tampered(&elf, &input(), &[], 1 << 20, tamper).unwrap();
    assert!(v2::verify(&elf, &st, &proof).is_err(), "a cheating prover ({what}) was accepted");
}

#[test]
fn a_corrupted_register_write_is_rejected() {
    cheat("register write", &|rows| {
        let i = rows.iter().rposition(|r| r.rd_new != 0).unwrap();
        rows[i].rd_new = rows[i].rd_new.wrapping_add(1);
    });
}

#[test]
fn a_corrupted_register_read_is_rejected() {
    cheat("register read", &|rows| {
        let i = rows.iter().position(|r| r.rs1_val != 0).unwrap();
        rows[i].rs1_val ^= 1;
    });
}

#[test]
fn a_corrupted_ram_value_is_rejected() {
    cheat("RAM read", &|rows| {
        let i = rows.iter().position(|r| r.ram.is_some_and(|a| a.before == a.after)).unwrap();
        let a = rows[i].ram.as_mut().unwrap();
        a.before ^= 2;
        a.after ^= 2;
    });
}

#[test]
fn a_corrupted_lookup_result_is_rejected() {
    cheat("lookup output", &|rows| {
        let i = rows.iter().position(|r| r.lookup.table.is_some() && r.lookup.out > 1).unwrap();
        rows[i].lookup.out ^= 8;
    });
}

#[test]
fn a_skipped_instruction_is_rejected() {
    cheat("next pc", &|rows| {
        let i = rows.len() / 2;
        rows.remove(i);
    });
}

/// The proof file of the honest proof: round trip, then corruption.
#[test]
fn the_proof_file_round_trips_and_rejects_corruption() {
    use ivm_prover::proof_file::{ProofFile, FORMAT_VERSION, PROOF_SYSTEM};
    use ivm_prover::verify_file;
    use std::time::{Duration, Instant};

    let (elf, st, proof) = honest();
    let bytes = ProofFile::new(st.clone(), proof).to_bytes();
    assert_eq!(bytes[8..10], FORMAT_VERSION.to_le_bytes());
    assert_eq!(FORMAT_VERSION, 2);
    assert_eq!(&bytes[14..14 + PROOF_SYSTEM.len()], b"jolt-rv32im-dory/2.3");
    assert_eq!(verify_file(elf, &bytes).unwrap(), *st);
    eprintln!("v2 proof file: {} bytes for {} cycles", bytes.len(), st.cycles);

    // Flipped bytes across the file (header, statement, every stage of the body).
    let step = (bytes.len() / 64).max(1);
    for at in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let mut b = bytes.clone();
        b[at] ^= 0x10;
        assert!(verify_file(elf, &b).is_err(), "flipped byte {at} of {} accepted", bytes.len());
    }
    // Truncated bodies (the container's length adjusted) fail fast in the ELF-driven decode.
    let mut f = ProofFile::from_bytes(&bytes).unwrap();
    for keep in [0, 1, 100, f.proof_bytes.len() / 2, f.proof_bytes.len() - 1] {
        let mut t = f.clone();
        t.proof_bytes.truncate(keep);
        let start = Instant::now();
        assert!(verify_file(elf, &t.to_bytes()).is_err(), "body cut to {keep} bytes accepted");
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    }
    // A huge page count is refused before anything is allocated.
    let mut huge = f.clone();
    huge.proof_bytes[1..5].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = verify_file(elf, &huge.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("page list"), "{e}");
    // So is one run of a huge number of pages (the list is stored as runs of pages).
    let mut huge = f.clone();
    huge.proof_bytes[1..5].copy_from_slice(&1u32.to_le_bytes());
    huge.proof_bytes[9..13].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = verify_file(elf, &huge.to_bytes()).unwrap_err();
    assert!(e.to_string().contains("page list: a run of 4294967295 pages"), "{e}");
    // The same file labelled as format version 1 (prover v1) is refused by name.
    f.proof_bytes = ProofFile::from_bytes(&bytes).unwrap().proof_bytes;
    let mut v1 = f.to_bytes();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    let e = verify_file(elf, &v1).unwrap_err();
    assert!(e.is_unsupported() && e.to_string().contains("jolt-rv32im-dory/1"), "{e}");
}

/// Prove fibonacci from a witness changed after it was built (memory traces and one-hot
/// matrices that are not the run's); the proof must not verify.
fn cheat_witness(what: &str, tamper: &dyn Fn(&mut v2::witness::Witness)) {
    let elf = elf("fibonacci");
    let (st, proof) = v2::prove_witness_tampered(&elf, &input(), &[], 1 << 20, tamper).unwrap();
    assert!(v2::verify(&elf, &st, &proof).is_err(), "a cheating prover ({what}) was accepted");
}

fn with_addrs(m: &OneHot, change: impl FnOnce(&mut Vec<u32>)) -> OneHot {
    let mut addrs: Vec<u32> = m.addrs().iter().collect();
    change(&mut addrs);
    OneHot::new(m.log_k(), addrs).unwrap()
}

#[test]
fn a_load_missing_from_the_ram_matrix_is_rejected() {
    cheat_witness("a RAM row without its one", &|w| {
        let j = w.ram.reads().addrs().iter().position(|a| a != NO_ACCESS).unwrap();
        let m = with_addrs(w.ram.reads(), |a| a[j] = NO_ACCESS);
        let values = w.ram.write_values().to_vec();
        w.ram = MemoryTrace::new(w.ram.init().to_vec(), m.clone(), m, values).unwrap();
    });
}

#[test]
fn a_wrong_register_increment_is_rejected() {
    cheat_witness("a register write that is not RDNEW", &|w| {
        let writes = w.registers.writes();
        let j = writes.addrs().iter().position(|a| a != NO_ACCESS && a != 0).unwrap();
        let mut values = w.registers.write_values().to_vec();
        values[j] += 1;
        let (init, reads) = (w.registers.init().to_vec(), w.registers.reads().clone());
        w.registers = MemoryTrace::new(init, reads, writes.clone(), values).unwrap();
    });
}

#[test]
fn a_lookup_of_another_cell_is_rejected() {
    cheat_witness("a slot reading another subtable cell", &|w| {
        let j = w.lookups.addrs().iter().position(|a| a & 0xff != 0).unwrap();
        w.lookups = with_addrs(&w.lookups, |a| a[j] ^= 1);
    });
}

/// A slot that reads its own bytes and gets the right value, but from a subtable of another
/// kind than its instruction's table prescribes (the kinds are not committed: the table
/// flags fix them).
#[test]
fn a_lookup_in_a_subtable_of_another_kind_is_rejected() {
    use ivm_prover::isa::tables::Kind;
    cheat_witness("a slot reading a same-valued cell of another kind", &|w| {
        let kind_of = |c: u32| Kind::ALL[(c >> 16) as usize];
        let same_value_elsewhere = |c: u32| {
            let (k, a, b) = (kind_of(c), (c >> 8) as u8, c as u8);
            Kind::ALL.iter().position(|o| *o != k && o.eval(a, b) == k.eval(a, b))
        };
        let (j, other) = w
            .lookups
            .addrs()
            .iter()
            .enumerate()
            .find_map(|(j, c)| same_value_elsewhere(c).map(|o| (j, o)))
            .expect("some slot's value is shared by another kind");
        w.lookups = with_addrs(&w.lookups, |a| a[j] = (other as u32) << 16 | (a[j] & 0xffff));
    });
}

/// Unused slots read nothing and used ones one cell: the Hamming weights follow the table
/// flags, so neither an extra read (of a zero-valued cell) nor a missing one passes.
#[test]
fn a_read_by_an_unused_slot_or_none_by_a_used_one_is_rejected() {
    cheat_witness("an unused slot reading the all-zero cell", &|w| {
        let j = w.lookups.addrs().iter().position(|a| a == NO_ACCESS).unwrap();
        w.lookups = with_addrs(&w.lookups, |a| a[j] = 0);
    });
    cheat_witness("a used slot reading nothing", &|w| {
        let j = w.lookups.addrs().iter().position(|a| a != NO_ACCESS).unwrap();
        w.lookups = with_addrs(&w.lookups, |a| a[j] = NO_ACCESS);
    });
}

#[test]
fn a_fetch_of_another_instruction_is_rejected() {
    cheat_witness("a row fetching another bytecode entry", &|w| {
        w.bytecode = with_addrs(&w.bytecode, |a| a[7] += 1);
    });
}
