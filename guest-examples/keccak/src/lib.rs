//! Keccak-256 (the Ethereum variant, as Solidity's `keccak256`) over the program's inputs,
//! with alloy-primitives' `keccak256` — in the VM through the SDK's `native_keccak256` hook
//! (`ivm-compat`), so an accelerated keccak will speed it up with no change here.
//!
//! - Onchain input: any bytes (may be empty).
//! - Offchain input: any bytes (may be empty).
//! - Output: the 32-byte digest `keccak256(onchain ‖ offchain)`.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

/// The program: `keccak256(onchain ‖ offchain)`.
pub fn run(onchain: &[u8], offchain: &[u8]) -> Vec<u8> {
    alloy_primitives::keccak256([onchain, offchain].concat()).to_vec()
}
