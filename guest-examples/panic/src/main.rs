#![no_std]
#![no_main]

ivm_guest::entry!(main);

fn main() {
    let out = panic::run(ivm_guest::onchain_input());
    ivm_guest::commit(&out);
}
