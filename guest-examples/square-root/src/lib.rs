//! The InfinityVM square-root example over the full `uint256` range, written the way
//! InfinityVM's is: alloy's `U256` and the Solidity ABI (through the SDK's `ivm-io`).
//!
//! - Onchain input: `abi.encode(uint256 x)` — exactly 32 bytes; anything else panics with
//!   `onchain input: expected abi.encode(uint256): …`.
//! - Offchain input: ignored.
//! - Output: `abi.encode(uint256 x, uint256 root)` — 64 bytes, with `root = floor(sqrt(x))`.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

use alloy_primitives::U256;

/// `floor(sqrt(x))` by Newton's method on integers (`ruint`'s `root` needs std). From
/// `r = 2^⌈bits/2⌉ ≥ sqrt(x)` the iterates decrease to the floor of the root.
pub fn isqrt(x: U256) -> U256 {
    if x < U256::from(2u8) {
        return x;
    }
    let mut r = U256::ONE << x.bit_len().div_ceil(2);
    loop {
        let next = (r + x / r) >> 1;
        if next >= r {
            return r;
        }
        r = next;
    }
}

/// The program: decodes `x`, computes its integer square root, encodes `(x, root)`.
pub fn run(onchain: &[u8]) -> Vec<u8> {
    if onchain.len() != 32 {
        // A uint256 is one word: trailing bytes are not a valid encoding either.
        panic!("onchain input: expected abi.encode(uint256): {} bytes, not 32", onchain.len());
    }
    let x: U256 = ivm_io::decode_abi("onchain input", onchain);
    ivm_io::encode_abi(&(x, isqrt(x)))
}
