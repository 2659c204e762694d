//! Fibonacci modulo 2^64. Input: ABI `uint256 n` (n < 2^32). Output: ABI `(uint256 n, uint256 fib(n) mod 2^64)`.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

/// fib(n) mod 2^64 with fib(0) = 0, fib(1) = 1.
pub fn fib(n: u32) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let c = a.wrapping_add(b);
        a = b;
        b = c;
    }
    a
}

/// The program: decodes `n`, computes, encodes. Panics on malformed input.
pub fn run(onchain: &[u8]) -> Vec<u8> {
    assert!(onchain.len() == 32, "input must be one ABI-encoded uint256");
    assert!(onchain[..28].iter().all(|&b| b == 0), "n must be below 2^32");
    let n = u32::from_be_bytes(onchain[28..].try_into().unwrap());
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&[0u8; 28]);
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&[0u8; 24]);
    out.extend_from_slice(&fib(n).to_be_bytes());
    out
}
