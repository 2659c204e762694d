//! Integer square root, written the InfinityVM way, as a std guest (`ivm new --std`).
//!
//! - Onchain input: `abi.encode(uint256 n)`.
//! - Offchain input (optional): postcard-encoded `Options`.
//! - Output: `abi.encode(uint256 n, uint256 root)` with `root = floor(sqrt(n))`.
//!
//! A plain `fn main()`: `println!` reaches the host's stderr, a panic ends the run as
//! panicked, and `HashMap`, `String`, `Vec` and friends work as usual (docs/guests.md in
//! ivm's repository says what std can and cannot do in the VM).
use std::collections::HashMap;

use alloy_primitives::U256;

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
        println!("{}: sqrt of {n}", options.label);
    }
    // ruint's `root` needs std (it starts from an f64 guess).
    let root = ivm_guest::cycle_region("root", || n.root(2));
    let mut seen = HashMap::new();
    seen.insert(n, root);
    ivm_io::commit_abi(&(n, seen[&n]));
}
