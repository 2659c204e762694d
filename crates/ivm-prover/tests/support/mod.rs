//! Shared helpers for the end-to-end prover tests: guest ELFs and their inputs.
#![allow(dead_code)]

pub fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// `abi.encode(uint256 n)`.
pub fn uint256(n: u64) -> Vec<u8> {
    let mut v = vec![0u8; 32];
    v[24..].copy_from_slice(&n.to_be_bytes());
    v
}

/// One CLOB order record: side ‖ price ‖ qty ‖ id (big-endian).
pub fn order(side: u8, price: u64, qty: u64, id: u64) -> Vec<u8> {
    let mut v = vec![side];
    for x in [price, qty, id] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v
}

pub const MAX_CYCLES: u64 = 1 << 20;
