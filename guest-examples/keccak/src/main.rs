#![no_std]
#![no_main]

// alloy's keccak hook and the atomics its `bytes` dependency needs.
use ivm_compat as _;

ivm_guest::entry!(main);

fn main() {
    let out = ivm_guest::cycle_region("keccak", || {
        keccak::run(ivm_guest::onchain_input(), ivm_guest::offchain_input())
    });
    ivm_guest::commit(&out);
}
