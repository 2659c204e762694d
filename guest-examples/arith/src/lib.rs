//! Exercises the RV32M instructions (MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU) and the
//! byte/halfword loads and stores (LB, LH, LBU, LHU, SB, SH) on input-derived values.
//!
//! Each M operation is computed twice: by the instruction itself (inline assembly on RISC-V,
//! so division by zero and `i32::MIN / -1` reach the hardware/VM unguarded), and by plain Rust
//! code that states the RISC-V semantics (which the compiler lowers to guarded M
//! instructions). The native twin runs the Rust semantics for both, so a VM that gets an edge
//! case wrong differs from the native output.
//!
//! - Onchain input: any bytes (may be empty). Its 4-byte little-endian words (the last one
//!   zero-padded) are the input operands.
//! - Offchain input: ignored.
//! - Output, all words little-endian `u32`:
//!   1. for every ordered pair `(a, b)` of `V = EDGES ‖ the first 6 input words`, 16 words
//!      (an input of exactly two bytes selects the short table `V = SHORT_EDGES`, which still
//!      hits division by zero and `i32::MIN / -1` in a few thousand cycles — for proofs in CI):
//!      the 8 ops by instruction, then the 8 ops by Rust semantics, in the order
//!      MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU;
//!   2. an 8-word accumulator folding the 8 ops (by instruction) over every pair of
//!      consecutive input words `(w[i], w[i+1])` (all the words, not just the first 6);
//!   3. an 8-word accumulator folding LB, LBU (every byte offset) and LH, LHU (every even
//!      offset) over the input bytes (or a fixed 16-byte pattern when the input is empty);
//!   4. 64 bytes of scratch memory written with SB and SH from the values of `V`.
#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use core::hint::black_box;

/// Operands that hit the edge cases of the M extension.
pub const EDGES: [u32; 10] =
    [0, 1, 2, 7, 0xffff_ffff, 0xffff_fff9, 0x8000_0000, 0x7fff_ffff, 0x0001_0000, 0xdead_beef];

/// The short table's operands (two-byte input).
pub const SHORT_EDGES: [u32; 4] = [0, 7, 0xffff_ffff, 0x8000_0000];

/// How many input words join [`EDGES`] in the all-pairs table.
pub const TABLE_INPUT_WORDS: usize = 6;

/// The RISC-V semantics of each M instruction, in plain Rust.
pub mod spec {
    #[inline(never)]
    pub fn mul(a: u32, b: u32) -> u32 {
        a.wrapping_mul(b)
    }
    #[inline(never)]
    pub fn mulh(a: u32, b: u32) -> u32 {
        ((a as i32 as i64 * b as i32 as i64) >> 32) as u32
    }
    #[inline(never)]
    pub fn mulhsu(a: u32, b: u32) -> u32 {
        ((a as i32 as i64).wrapping_mul(b as i64) >> 32) as u32
    }
    #[inline(never)]
    pub fn mulhu(a: u32, b: u32) -> u32 {
        ((a as u64 * b as u64) >> 32) as u32
    }
    #[inline(never)]
    pub fn div(a: u32, b: u32) -> u32 {
        let (a, b) = (a as i32, b as i32);
        if b == 0 {
            u32::MAX
        } else {
            a.wrapping_div(b) as u32 // i32::MIN / -1 wraps to i32::MIN
        }
    }
    #[inline(never)]
    pub fn divu(a: u32, b: u32) -> u32 {
        a.checked_div(b).unwrap_or(u32::MAX)
    }
    #[inline(never)]
    pub fn rem(a: u32, b: u32) -> u32 {
        let (a, b) = (a as i32, b as i32);
        if b == 0 {
            a as u32
        } else {
            a.wrapping_rem(b) as u32 // i32::MIN % -1 = 0
        }
    }
    #[inline(never)]
    pub fn remu(a: u32, b: u32) -> u32 {
        a.checked_rem(b).unwrap_or(a)
    }
}

/// Each M instruction, executed directly (inline assembly on RISC-V; [`spec`] elsewhere).
pub mod insn {
    #[cfg(target_arch = "riscv32")]
    macro_rules! rv_op {
        ($($name:ident),*) => {$(
            #[inline(never)]
            pub fn $name(a: u32, b: u32) -> u32 {
                let r: u32;
                // SAFETY: a pure register-to-register instruction.
                unsafe {
                    core::arch::asm!(
                        concat!(stringify!($name), " {r}, {a}, {b}"),
                        r = lateout(reg) r, a = in(reg) a, b = in(reg) b,
                        options(pure, nomem, nostack)
                    )
                };
                r
            }
        )*};
    }
    #[cfg(target_arch = "riscv32")]
    rv_op!(mul, mulh, mulhsu, mulhu, div, divu, rem, remu);

    #[cfg(not(target_arch = "riscv32"))]
    pub use super::spec::{div, divu, mul, mulh, mulhsu, mulhu, rem, remu};
}

type Op = fn(u32, u32) -> u32;
const INSN_OPS: [Op; 8] = [
    insn::mul,
    insn::mulh,
    insn::mulhsu,
    insn::mulhu,
    insn::div,
    insn::divu,
    insn::rem,
    insn::remu,
];
const SPEC_OPS: [Op; 8] = [
    spec::mul,
    spec::mulh,
    spec::mulhsu,
    spec::mulhu,
    spec::div,
    spec::divu,
    spec::rem,
    spec::remu,
];

fn apply(ops: &[Op; 8], a: u32, b: u32) -> [u32; 8] {
    // black_box hides the operands from constant folding and the fn pointers from inlining.
    core::array::from_fn(|i| black_box(ops[i])(black_box(a), black_box(b)))
}

fn fold(acc: &mut [u32; 8], values: &[u32; 8]) {
    for (a, v) in acc.iter_mut().zip(values) {
        *a = (*a ^ v).rotate_left(7).wrapping_add(0x9e37_79b9);
    }
}

/// The input's 4-byte little-endian words, the last one zero-padded.
pub fn words(input: &[u8]) -> Vec<u32> {
    input
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}

#[inline(never)]
fn load_b(p: *const u8) -> u32 {
    // SAFETY: callers pass a pointer into a live buffer.
    unsafe { core::ptr::read_volatile(p as *const i8) as i32 as u32 }
}
#[inline(never)]
fn load_bu(p: *const u8) -> u32 {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(p) as u32 }
}
#[inline(never)]
fn load_h(p: *const u8) -> u32 {
    // SAFETY: callers pass a 2-aligned pointer into a live buffer.
    unsafe { core::ptr::read_volatile(p as *const i16) as i32 as u32 }
}
#[inline(never)]
fn load_hu(p: *const u8) -> u32 {
    // SAFETY: as above.
    unsafe { core::ptr::read_volatile(p as *const u16) as u32 }
}
#[inline(never)]
fn store_b(p: *mut u8, v: u32) {
    // SAFETY: callers pass a pointer into a live buffer.
    unsafe { core::ptr::write_volatile(p, v as u8) }
}
#[inline(never)]
fn store_h(p: *mut u8, v: u32) {
    // SAFETY: callers pass a 2-aligned pointer into a live buffer.
    unsafe { core::ptr::write_volatile(p as *mut u16, v as u16) }
}

/// Loads every byte (signed and unsigned) and every aligned halfword (signed and unsigned)
/// of `bytes`, folded into an accumulator.
fn loads(bytes: &[u8]) -> [u32; 8] {
    // Copy into word-aligned storage so halfword loads are aligned on every target.
    let mut storage = alloc::vec![0u32; bytes.len().div_ceil(4)];
    let base = storage.as_mut_ptr() as *mut u8;
    // SAFETY: `storage` holds at least `bytes.len()` bytes.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), base, bytes.len()) };
    let mut acc = [0u32; 8];
    let mut i = 0;
    while i + 1 < bytes.len() {
        // SAFETY: i + 1 < len, and i is even so base + i is 2-aligned.
        let p = unsafe { base.add(black_box(i)) };
        let q = unsafe { p.add(1) };
        fold(
            &mut acc,
            &[load_b(p), load_bu(p), load_h(p), load_hu(p), load_b(q), load_bu(q), i as u32, 0],
        );
        i += 2;
    }
    if i < bytes.len() {
        // SAFETY: i < len.
        let p = unsafe { base.add(black_box(i)) };
        fold(&mut acc, &[load_b(p), load_bu(p), 0, 0, 0, 0, i as u32, 1]);
    }
    acc
}

/// Writes bytes and halfwords of `values` into a 64-byte scratch buffer.
fn stores(values: &[u32]) -> [u8; 64] {
    let mut scratch = [0u32; 16];
    let base = scratch.as_mut_ptr() as *mut u8;
    for (i, &v) in values.iter().enumerate() {
        // SAFETY: offsets stay below 64, and the halfword offset is even.
        unsafe {
            store_b(base.add(black_box((3 * i + 1) % 64)), v);
            store_h(base.add(black_box((2 * i + 32) % 64)), v.rotate_right(8));
        }
    }
    let mut out = [0u8; 64];
    for (o, w) in out.chunks_exact_mut(4).zip(scratch) {
        o.copy_from_slice(&w.to_le_bytes());
    }
    out
}

const EMPTY_PATTERN: [u8; 16] = [
    0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x00, 0x80, 0xff, 0x7f, 0x34, 0x12, 0xcd, 0xab, 0x01, 0x80,
];

/// The program.
pub fn run(onchain: &[u8]) -> Vec<u8> {
    let input_words = words(onchain);
    let values: Vec<u32> = if onchain.len() == 2 {
        SHORT_EDGES.to_vec()
    } else {
        let mut v = EDGES.to_vec();
        v.extend(input_words.iter().take(TABLE_INPUT_WORDS));
        v
    };

    let mut out = Vec::with_capacity(values.len() * values.len() * 64 + 128);
    let push = |out: &mut Vec<u8>, ws: &[u32]| {
        ws.iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()))
    };

    for &a in &values {
        for &b in &values {
            push(&mut out, &apply(&INSN_OPS, a, b));
            push(&mut out, &apply(&SPEC_OPS, a, b));
        }
    }

    let mut acc = [0u32; 8];
    for pair in input_words.windows(2) {
        fold(&mut acc, &apply(&INSN_OPS, pair[0], pair[1]));
    }
    push(&mut out, &acc);

    let load_input = if onchain.is_empty() { &EMPTY_PATTERN[..] } else { onchain };
    push(&mut out, &loads(load_input));

    out.extend_from_slice(&stores(&values));
    out
}
