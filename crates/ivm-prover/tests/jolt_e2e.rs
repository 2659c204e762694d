//! End-to-end proofs of real guest runs.
use std::time::Instant;

use ivm_prover::codec::{Reader, Writer};
use ivm_prover::jolt::{self, Proof};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

fn fib_input(n: u64) -> Vec<u8> {
    let mut v = vec![0u8; 32];
    v[24..].copy_from_slice(&n.to_be_bytes());
    v
}

#[test]
fn fibonacci_proves_and_verifies() {
    let elf = elf("fibonacci");
    let start = Instant::now();
    let (st, proof) = jolt::prove(&elf, &fib_input(10), &[], 1 << 20, &mut |p| eprintln!("[{:?}] {}", start.elapsed(), p.name())).unwrap();
    eprintln!("proved in {:?}: {} cycles, 2^{} rows", start.elapsed(), st.cycles, proof.log_rows);
    let mut w = Writer::new();
    proof.write(&mut w);
    let bytes = w.finish();
    eprintln!("proof size {} bytes", bytes.len());
    let mut r = Reader::new(&bytes);
    let decoded = Proof::read(&mut r, &elf).unwrap();
    r.finish().unwrap();
    let start = Instant::now();
    jolt::verify(&elf, &st, &decoded).unwrap();
    eprintln!("verified in {:?}", start.elapsed());
    let mut bad = st.clone();
    bad.output[31] ^= 1;
    assert!(jolt::verify(&elf, &bad, &decoded).is_err());
}
