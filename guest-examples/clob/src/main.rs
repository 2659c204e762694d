#![no_std]
#![no_main]

// The critical section `portable-atomic` (under alloy's `Bytes`) needs in the VM.
use ivm_compat as _;

ivm_guest::entry!(main);

fn main() {
    let out = ivm_guest::cycle_region("match", || {
        clob::run(ivm_guest::onchain_input(), ivm_guest::offchain_input())
    });
    ivm_guest::commit(&out);
}
