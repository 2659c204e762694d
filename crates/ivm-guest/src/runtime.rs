//! The RISC-V runtime: boot code, layout header, allocator, output stream, panic handler.
#[cfg(not(feature = "std"))]
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{read_volatile, write_volatile};

use ivm_abi::{ABI_VERSION, LAYOUT_MAGIC, OUTPUT_LEN_ADDR, PANIC_ADDR, TERMINATION_ADDR};

use crate::SIZES;

// The layout header at 0x8000_0000: magic, ABI version, the five sizes, stack top and heap
// end (resolved by the linker). The host reads it to learn the program's memory layout.
core::arch::global_asm!(
    ".section .ivm.layout, \"a\"",
    ".balign 4",
    ".word {magic}, {abi}, {a}, {b}, {c}, {d}, {e}",
    ".word __stack_top, __heap_end",
    magic = const LAYOUT_MAGIC,
    abi = const ABI_VERSION,
    a = const SIZES.max_input,
    b = const SIZES.max_offchain_input,
    c = const SIZES.max_output,
    d = const SIZES.stack_size,
    e = const SIZES.heap_size,
);

// Boot: set the stack pointer, run the guest, signal termination, spin.
core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".globl _start",
    "_start:",
    "la sp, __stack_top",
    "call __ivm_entry",
    "call {finish}",
    "1: j 1b",
    finish = sym finish,
);

pub(crate) extern "C" fn finish() {
    // SAFETY: the termination word is a control word the guest may write.
    unsafe { write_volatile(TERMINATION_ADDR as *mut u32, 1) };
}

#[track_caller]
pub(crate) fn commit(bytes: &[u8]) {
    let max = SIZES.max_output as usize;
    // SAFETY: the output length word and the output region are guest-writable; the bounds
    // check below keeps the copy inside the region.
    unsafe {
        let len = read_volatile(OUTPUT_LEN_ADDR as *const u32) as usize;
        if bytes.len() > max - len {
            panic!(
                "output of {} bytes exceeds max_output = {} bytes (raise it in ivm.toml)",
                len + bytes.len(),
                max
            );
        }
        let dst = (SIZES.io().output_base as usize + len) as *mut u8;
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
        write_volatile(OUTPUT_LEN_ADDR as *mut u32, (len + bytes.len()) as u32);
    }
}

extern "C" {
    static __heap_start: u8;
    static __heap_end: u8;
}

static mut NEXT: usize = 0;

/// A bump allocation: the cheapest allocator in cycles, and guests are short-lived. Used by
/// the no_std global allocator and by std's (`sys_alloc_aligned`).
///
/// # Safety
/// `align` is a power of two; the VM is single-threaded, so nothing races on `NEXT`.
pub(crate) unsafe fn bump_alloc(size: usize, align: usize) -> *mut u8 {
    let start = core::ptr::addr_of!(__heap_start) as usize;
    let end = core::ptr::addr_of!(__heap_end) as usize;
    let next = if NEXT == 0 { start } else { NEXT };
    let aligned = (next + align - 1) & !(align - 1);
    match aligned.checked_add(size) {
        Some(new_next) if new_next <= end => {
            NEXT = new_next;
            aligned as *mut u8
        }
        // Heap exhausted: touch the first byte past the heap so the VM reports a typed
        // heap-overflow fault with this pc, rather than a generic panic.
        _ => {
            read_volatile(end as *const u8);
            core::ptr::null_mut()
        }
    }
}

#[cfg(not(feature = "std"))]
struct BumpAlloc;

#[cfg(not(feature = "std"))]
unsafe impl GlobalAlloc for BumpAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump_alloc(layout.size(), layout.align())
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[cfg(not(feature = "std"))]
#[global_allocator]
static ALLOCATOR: BumpAlloc = BumpAlloc;

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut buf = MsgBuf { buf: [0; 256], len: 0 };
    let _ = core::fmt::write(&mut buf, format_args!("{}", info));
    panic_with(&buf.buf[..buf.len])
}

/// Ends the run as panicked: reports `message` to the host (a hint; it does not affect the
/// proven state), sets the panic word and spins (the VM stops at the write).
pub(crate) fn panic_with(message: &[u8]) -> ! {
    super::hostcall(ivm_abi::hostcall::PANIC_MESSAGE, message);
    // SAFETY: the panic word is a control word the guest may write.
    unsafe { write_volatile(PANIC_ADDR as *mut u32, 1) };
    loop {
        core::hint::spin_loop();
    }
}

/// Fixed-size buffer for the panic message: the panic path must not allocate.
#[cfg(not(feature = "std"))]
struct MsgBuf {
    buf: [u8; 256],
    len: usize,
}

#[cfg(not(feature = "std"))]
impl core::fmt::Write for MsgBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}
