#![no_std]
#![no_main]

// The platform pieces the crates need (atomics, alloy's keccak hook, getrandom).
use ivm_compat as _;

ivm_guest::entry!(main);

fn main() {
    let out = ecosystem::run(ivm_guest::onchain_input(), ivm_guest::offchain_input());
    ivm_guest::commit(&out);
}
