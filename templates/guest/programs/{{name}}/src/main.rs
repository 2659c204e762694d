//! Integer square root. Input: ABI-encoded `uint256 n` (n < 2^128).
//! Output: ABI-encoded `(uint256 n, uint256 floor(sqrt(n)))`.
#![no_std]
#![no_main]

ivm_guest::entry!(main);

fn main() {
    let input = ivm_guest::onchain_input();
    assert!(input.len() == 32, "expected one ABI-encoded uint256, got {} bytes", input.len());
    assert!(input[..16].iter().all(|&b| b == 0), "n must be below 2^128");
    let n = u128::from_be_bytes(input[16..].try_into().unwrap());

    let root = ivm_guest::cycle_region("isqrt", || isqrt(n));

    ivm_guest::commit(input);
    let mut word = [0u8; 32];
    word[16..].copy_from_slice(&root.to_be_bytes());
    ivm_guest::commit(&word);
}

/// floor(sqrt(n)) by Newton's method.
fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = n;
    let mut y = (x + 1) / 2;
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}
