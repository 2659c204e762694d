//! A guest that misbehaves on request, for tests of how runs end (and of proving it).
//!
//! Onchain input: the first byte picks what the program does; without one it commits
//! `b"ok"` and halts.
//!
//! | byte | run |
//! |---|---|
//! | 1 | reads address 0 (memory access fault) |
//! | 2 | writes a read-only static (memory access fault) |
//! | 3 | executes `unimp` (invalid instruction) |
//! | 4 | executes `ebreak` (invalid instruction) |
//! | 5 | loads a halfword from an odd address (misaligned access) |
//! | 6 | loads a word from an address 2 past a word (misaligned access) |
//! | 7 | loops forever (runs out of cycles) |
//! | 8 | calls address 0 (pc outside the text) |
//! | 9 | `jal` to 2 bytes past itself (misaligned jump) |
//! | 10 | `jalr` to address 2 (misaligned jump) |
//! | 11 | asks getrandom 0.2 and 0.3 for bytes: commits `b"refused"` if both refuse (the SDK's
//! |    | backends, `ivm-compat` feature `getrandom`), else `b"random"` |
//! | 12 | stores a word at an address 1 past a word (misaligned access) |
//! | 13 | loads a word from address 2, in no mapped page (misaligned access) |
//! | 14 | sets the output length word above `max_output` and halts (output overflow) |
#![no_std]
#![no_main]

use core::ptr::{read_volatile, write_volatile};

// The SDK's getrandom backends (mode 11).
use ivm_compat as _;

ivm_guest::entry!(main);

static READ_ONLY: u32 = 7;

fn main() {
    let input = ivm_guest::onchain_input();
    let words = [0x1122_3344u32, 0x5566_7788];
    let base = words.as_ptr() as usize;
    // SAFETY: none of this is sound, on purpose: each arm makes the VM fault.
    unsafe {
        match input.first().copied() {
            Some(1) => {
                read_volatile(core::hint::black_box(0usize) as *const u32);
            }
            Some(2) => write_volatile(
                core::hint::black_box(core::ptr::addr_of!(READ_ONLY) as usize) as *mut u32,
                1,
            ),
            Some(3) => core::arch::asm!("unimp"),
            Some(4) => core::arch::asm!("ebreak"),
            Some(5) => {
                read_volatile(core::hint::black_box(base + 1) as *const u16);
            }
            Some(6) => {
                read_volatile(core::hint::black_box(base + 2) as *const u32);
            }
            Some(7) => {
                let mut n = 0u32;
                loop {
                    n = core::hint::black_box(n.wrapping_add(1));
                }
            }
            Some(8) => {
                let f: fn() = core::mem::transmute(core::hint::black_box(0usize));
                f();
            }
            // jal x0, +2 (hand-encoded: an assembler would refuse the odd offset)
            Some(9) => core::arch::asm!(".word 0x0020006f"),
            Some(10) => core::arch::asm!("jalr x0, 2(x0)"),
            Some(11) => {
                let mut buf = [0u8; 16];
                let refused = getrandom02::getrandom(&mut buf).is_err()
                    && getrandom03::fill(&mut buf).is_err();
                ivm_guest::commit(if refused { b"refused" } else { b"random" });
                return;
            }
            Some(12) => write_volatile(core::hint::black_box(base + 1) as *mut u32, 9),
            Some(13) => {
                read_volatile(core::hint::black_box(2usize) as *const u32);
            }
            Some(14) => {
                let len = ivm_guest::abi::OUTPUT_LEN_ADDR as *mut u32;
                write_volatile(len, ivm_guest::SIZES.max_output + 1);
                return;
            }
            _ => {}
        }
    }
    ivm_guest::commit(b"ok");
}
