//! std guests (feature `std`, target `riscv32im-risc0-zkvm-elf`): the entry around std's C
//! `main` and the `sys_*` symbols std's zkvm platform layer calls.
//!
//! * `main` runs from `_start` with no arguments; returning ends the run normally, a non-zero
//!   exit code (e.g. `main` returning `Err`) ends it as panicked.
//! * A panic ends the run as panicked, exactly like a no_std panic (a hook set before `main`).
//! * `std::process::exit` and `std::process::abort` reach std's `abort`, the `unimp`
//!   instruction: the run ends as `faulted: illegal instruction` at that pc.
//! * Allocation: the SDK's bump allocator over the program's heap (`sys_alloc_aligned`).
//! * `sys_rand` (HashMap's seeds, `std::random`) gives a fixed, public sequence: never secret.
//! * stdout and stderr (`println!`, `eprintln!`) go to the host's log like
//!   `ivm_guest::println!`; stdin is empty; there are no environment variables or arguments.
extern crate std;

use std::boxed::Box;
use std::format;
use std::string::ToString;
use std::vec::Vec;

use crate::runtime::{bump_alloc, finish, panic_with};

extern "C" {
    /// The C `main` rustc emits for a std binary (it runs the Rust `main`).
    fn main(argc: i32, argv: *const *const u8) -> i32;
}

#[no_mangle]
extern "C" fn __ivm_entry() {
    std::panic::set_hook(Box::new(|info| {
        flush_output();
        panic_with(info.to_string().as_bytes())
    }));
    // SAFETY: std's `main` with no arguments, as the zkvm platform layer expects.
    let code = unsafe { main(0, core::ptr::null()) };
    flush_output();
    if code != 0 {
        panic_with(format!("main exited with code {code}").as_bytes());
    }
}

/// # Safety
/// Called by std's `System` allocator with a power-of-two `align`.
#[no_mangle]
unsafe extern "C" fn sys_alloc_aligned(bytes: usize, align: usize) -> *mut u8 {
    bump_alloc(bytes, align)
}

/// # Safety
/// As [`sys_alloc_aligned`].
#[no_mangle]
unsafe extern "C" fn sys_alloc_words(nwords: usize) -> *mut u32 {
    bump_alloc(nwords.saturating_mul(4), 4).cast()
}

static mut RAND_STATE: u64 = 0x9E37_79B9_7F4A_7C15;

/// A fixed xorshift sequence: HashMap's seeds and `std::random` are public in a proof, so
/// there is nothing secret to protect, and a fixed sequence keeps runs deterministic.
///
/// # Safety
/// `buf` points to `words` writable words.
#[no_mangle]
unsafe extern "C" fn sys_rand(buf: *mut u32, words: usize) {
    for i in 0..words {
        let mut x = RAND_STATE;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        RAND_STATE = x;
        buf.add(i).write(x as u32);
    }
}

/// stdin is empty.
#[no_mangle]
extern "C" fn sys_read(_fd: u32, _buf: *mut u8, _n: usize) -> usize {
    0
}

/// Bytes written to stdout (0) and stderr (1) since their last line break: std's stderr is
/// unbuffered and writes a line in pieces, the host log takes whole lines.
static mut PENDING: [Vec<u8>; 2] = [Vec::new(), Vec::new()];

/// stdout and stderr go to the host's log, a line at a time; other descriptors are ignored.
///
/// # Safety
/// `buf` points to `n` readable bytes.
#[no_mangle]
unsafe extern "C" fn sys_write(fd: u32, buf: *const u8, n: usize) {
    let Some(i) = (fd as usize).checked_sub(1).filter(|i| *i < 2) else { return };
    // SAFETY: the VM is single-threaded.
    let pending = &mut (*core::ptr::addr_of_mut!(PENDING))[i];
    pending.extend_from_slice(core::slice::from_raw_parts(buf, n));
    while let Some(end) = pending.iter().position(|b| *b == b'\n') {
        crate::hostcall(ivm_abi::hostcall::PRINT, &pending[..end]);
        pending.drain(..=end);
    }
}

/// Sends what is left of an unfinished line of stdout and stderr to the host's log.
fn flush_output() {
    // SAFETY: the VM is single-threaded.
    for pending in unsafe { (*core::ptr::addr_of_mut!(PENDING)).iter_mut() } {
        if !pending.is_empty() {
            crate::hostcall(ivm_abi::hostcall::PRINT, pending);
            pending.clear();
        }
    }
}

/// No environment variables.
#[no_mangle]
extern "C" fn sys_getenv(_buf: *mut u32, _words: usize, _name: *const u8, _len: usize) -> usize {
    usize::MAX
}

/// No arguments.
#[no_mangle]
extern "C" fn sys_argc() -> usize {
    0
}

#[no_mangle]
extern "C" fn sys_argv(_out: *mut u32, _nwords: usize, _index: usize) -> usize {
    panic_with(b"std::env::args: a guest has no arguments")
}

// Declared by std's zkvm layer but not called by it today: present so that nothing fails to
// link if a crate reaches them.

#[no_mangle]
extern "C" fn sys_halt() {
    finish();
    loop {
        core::hint::spin_loop();
    }
}

#[no_mangle]
extern "C" fn sys_output(_id: u32, _value: u32) {}

#[no_mangle]
extern "C" fn sys_sha_compress(
    _out: *mut u32,
    _state: *const u32,
    _b1: *const u32,
    _b2: *const u32,
) {
    panic_with(b"sys_sha_compress: no SHA-256 accelerator in this VM")
}

#[no_mangle]
extern "C" fn sys_sha_buffer(_out: *mut u32, _state: *const u32, _buf: *const u8, _count: u32) {
    panic_with(b"sys_sha_buffer: no SHA-256 accelerator in this VM")
}

/// # Safety
/// `msg` points to `len` readable bytes.
#[no_mangle]
unsafe extern "C" fn sys_panic(msg: *const u8, len: usize) -> ! {
    panic_with(core::slice::from_raw_parts(msg, len))
}

/// # Safety
/// `msg` points to `len` readable bytes.
#[no_mangle]
unsafe extern "C" fn sys_log(msg: *const u8, len: usize) {
    crate::hostcall(ivm_abi::hostcall::PRINT, core::slice::from_raw_parts(msg, len));
}

#[no_mangle]
extern "C" fn sys_cycle_count() -> usize {
    0
}
