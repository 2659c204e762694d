//! A guest that panics on request, for exit-status tests.
//!
//! - Onchain input: if the first byte is `0x01`, the program panics with the message
//!   `guest panic requested: <rest of the input as UTF-8>` (or `<invalid utf-8>` when the rest
//!   is not UTF-8). Otherwise (including an empty input) it does not panic.
//! - Offchain input: ignored.
//! - Output: the onchain input, unchanged (only when it does not panic).
#![no_std]
extern crate alloc;
use alloc::vec::Vec;

/// First input byte that requests a panic.
pub const PANIC_TAG: u8 = 0x01;

/// The program: panics when asked to, else echoes the input.
pub fn run(onchain: &[u8]) -> Vec<u8> {
    if let [PANIC_TAG, rest @ ..] = onchain {
        let msg = core::str::from_utf8(rest).unwrap_or("<invalid utf-8>");
        panic!("guest panic requested: {msg}");
    }
    onchain.to_vec()
}
