//! Guest SDK for IVM-RV32 zkVM programs.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! ivm_guest::entry!(main);
//!
//! fn main() {
//!     let n = ivm_guest::onchain_input().len() as u32;
//!     ivm_guest::commit(&n.to_be_bytes());
//! }
//! ```
//!
//! The SDK provides the boot code, a bump allocator over the heap, a panic handler that sets
//! the panic word, access to the two inputs, the output stream, cycle-region markers and
//! debug printing. Sizes come from `ivm.toml` through `ivm build` (see `build.rs`).
//!
//! std guests (feature `std`, built by `ivm build` for `riscv32im-risc0-zkvm-elf` with a
//! pinned nightly and `-Zbuild-std` when `ivm.toml` says `std = true`) write a plain
//! `fn main()` instead of `entry!`; the SDK supplies what std's platform layer calls (see
//! `std_pal`).
//!
//! On targets other than `riscv32` the crate still compiles (so a guest's logic can be
//! shared with a native twin), but the runtime functions panic when called.
#![no_std]

/// `alloc` (`Vec`, `String`, `Box`, `format!`), re-exported so a guest can write
/// `ivm_guest::alloc::vec::Vec` without its own `extern crate alloc`.
pub extern crate alloc;

mod sizes {
    include!(concat!(env!("OUT_DIR"), "/sizes.rs"));
}

#[cfg(target_arch = "riscv32")]
mod runtime;
#[cfg(all(target_arch = "riscv32", feature = "std"))]
mod std_pal;

pub use ivm_abi as abi;

/// The sizes this program is built with.
pub const SIZES: ivm_abi::Sizes = sizes::SIZES;

/// Declares the guest's entry function, which takes no arguments and returns `()`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[cfg(target_arch = "riscv32")]
        #[no_mangle]
        extern "C" fn __ivm_entry() {
            let f: fn() = $main;
            f()
        }
    };
}

/// The onchain input (posted on chain with the job request).
pub fn onchain_input() -> &'static [u8] {
    input(ivm_abi::ONCHAIN_INPUT_LEN_ADDR, SIZES.io().onchain_input_base)
}

/// The offchain input (sent only to the coprocessor; its keccak hash is signed).
pub fn offchain_input() -> &'static [u8] {
    input(ivm_abi::OFFCHAIN_INPUT_LEN_ADDR, SIZES.io().offchain_input_base)
}

/// Appends `bytes` to the program's output. Several calls concatenate. Panics if the
/// output would exceed the program's `max_output`; the panic names the caller's line.
#[track_caller]
pub fn commit(bytes: &[u8]) {
    #[cfg(target_arch = "riscv32")]
    runtime::commit(bytes);
    #[cfg(not(target_arch = "riscv32"))]
    {
        let _ = bytes;
        outside_vm("commit")
    }
}

/// Marks the start of a cycle region. `ivm execute` reports the cycles spent between
/// matching `region_start`/`region_end` calls, summed by name.
#[inline(always)]
pub fn region_start(name: &str) {
    hostcall(ivm_abi::hostcall::REGION_START, name.as_bytes());
}

/// Marks the end of a cycle region started with [`region_start`].
#[inline(always)]
pub fn region_end(name: &str) {
    hostcall(ivm_abi::hostcall::REGION_END, name.as_bytes());
}

/// Runs `f` inside a named cycle region and returns its result.
#[inline(always)]
pub fn cycle_region<R>(name: &str, f: impl FnOnce() -> R) -> R {
    region_start(name);
    let r = f();
    region_end(name);
    r
}

/// Prints a debug message on the host's stderr (`ivm execute` shows it; proofs ignore it).
pub fn print(msg: &str) {
    hostcall(ivm_abi::hostcall::PRINT, msg.as_bytes());
}

/// `println!`-style debug printing to the host's stderr.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::print(&$crate::__format(format_args!($($arg)*)))
    };
}

#[doc(hidden)]
pub fn __format(args: core::fmt::Arguments<'_>) -> alloc::string::String {
    alloc::fmt::format(args)
}

fn input(len_addr: u32, base: u32) -> &'static [u8] {
    #[cfg(target_arch = "riscv32")]
    {
        // SAFETY: the host writes the length word and the input bytes before the first
        // instruction, keeps the length within the region, and the region is never written.
        unsafe {
            let len = core::ptr::read_volatile(len_addr as *const u32) as usize;
            core::slice::from_raw_parts(base as *const u8, len)
        }
    }
    #[cfg(not(target_arch = "riscv32"))]
    {
        let _ = (len_addr, base);
        outside_vm("onchain_input/offchain_input")
    }
}

#[inline(always)]
fn hostcall(code: u32, data: &[u8]) {
    #[cfg(target_arch = "riscv32")]
    // SAFETY: host calls are hints that change no guest state.
    unsafe {
        core::arch::asm!("ecall", in("a7") code, in("a0") data.as_ptr(), in("a1") data.len(), options(nostack, readonly));
    }
    #[cfg(not(target_arch = "riscv32"))]
    let _ = (code, data);
}

#[cfg(not(target_arch = "riscv32"))]
fn outside_vm(what: &str) -> ! {
    panic!("ivm_guest::{what} only works inside the IVM zkVM (target riscv32im-unknown-none-elf)")
}
