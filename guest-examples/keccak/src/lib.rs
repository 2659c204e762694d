//! Keccak-256 (the Ethereum variant, as Solidity's `keccak256`) over the program's inputs,
//! using the `sha3` crate without default features.
//!
//! - Onchain input: any bytes (may be empty).
//! - Offchain input: any bytes (may be empty).
//! - Output: the 32-byte digest `keccak256(onchain ‖ offchain)`.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

use sha3::{Digest, Keccak256};

/// The program: `keccak256(onchain ‖ offchain)`.
pub fn run(onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    let mut h = Keccak256::new();
    h.update(onchain);
    h.update(offchain);
    h.finalize().to_vec()
}
