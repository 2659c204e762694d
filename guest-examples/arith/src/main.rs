#![no_std]
#![no_main]

ivm_guest::entry!(main);

fn main() {
    let out = ivm_guest::cycle_region("arith", || arith::run(ivm_guest::onchain_input()));
    ivm_guest::commit(&out);
}
