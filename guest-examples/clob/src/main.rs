#![no_std]
#![no_main]

ivm_guest::entry!(main);

fn main() {
    let out = ivm_guest::cycle_region("match", || {
        clob::run(ivm_guest::onchain_input(), ivm_guest::offchain_input())
    });
    ivm_guest::commit(&out);
}
