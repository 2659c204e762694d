//! Integer square root, written the InfinityVM way.
//!
//! - Onchain input: `abi.encode(uint256 n)`.
//! - Offchain input (optional): postcard-encoded `Options` — how a guest reads a typed
//!   offchain input (its keccak hash is what the request signs).
//! - Output: `abi.encode(uint256 n, uint256 root)` with `root = floor(sqrt(n))`.
//!
//! A value that does not decode is a guest panic naming the input and the type.
#![no_std]
#![no_main]

use alloy_primitives::U256;
use ivm_guest::alloc::string::String;
// The critical section alloy's atomics run on (docs/guests.md in ivm's repository).
use ivm_compat as _;

ivm_guest::entry!(main);

/// The optional offchain input.
#[derive(serde::Deserialize)]
struct Options {
    /// Printed on the host's stderr (`ivm execute` shows it; proofs ignore it).
    label: String,
}

fn main() {
    let n: U256 = ivm_io::onchain_input_abi();
    if !ivm_guest::offchain_input().is_empty() {
        let options: Options = ivm_io::offchain_input_postcard();
        ivm_guest::println!("{}: sqrt of {n}", options.label);
    }
    let root = ivm_guest::cycle_region("isqrt", || isqrt(n));
    ivm_io::commit_abi(&(n, root));
}

/// `floor(sqrt(n))` by Newton's method on integers.
fn isqrt(n: U256) -> U256 {
    if n < U256::from(2u8) {
        return n;
    }
    let mut x = U256::ONE << n.bit_len().div_ceil(2);
    loop {
        let next = (x + n / x) >> 1;
        if next >= x {
            return x;
        }
        x = next;
    }
}
