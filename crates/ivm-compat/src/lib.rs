//! What crates.io crates expect from a platform, for IVM-RV32 guests (each behind a feature,
//! docs/guests.md "Crates"). A guest links it with `use ivm_compat as _;` in its `main.rs`
//! (the crate only defines symbols that other crates call). On other targets it is empty, so
//! a library shared with a native twin may depend on it.
#![no_std]
#![cfg(target_arch = "riscv32")]

/// `critical-section`: the VM runs one hart with no interrupts, so nothing can run between
/// acquire and release and an empty critical section is a sound one. `portable-atomic`
/// (feature `critical-section`) builds its compare-and-swap atomics on it.
#[cfg(feature = "critical-section")]
mod critical_section_impl {
    struct SingleHart;
    critical_section::set_impl!(SingleHart);

    // SAFETY: single-threaded, no interrupts: no other code can observe the section.
    unsafe impl critical_section::Impl for SingleHart {
        unsafe fn acquire() -> critical_section::RawRestoreState {}
        unsafe fn release(_state: critical_section::RawRestoreState) {}
    }
}

/// `getrandom`: a proof must be reproducible by anyone, so a guest has no secret randomness.
/// Both backends return an error (`getrandom::Error::UNSUPPORTED`); a crate that asks for
/// random bytes fails at run time with that error instead of silently getting public ones.
#[cfg(feature = "getrandom")]
mod getrandom_impl {
    fn unsupported(_dest: &mut [u8]) -> Result<(), getrandom02::Error> {
        Err(getrandom02::Error::UNSUPPORTED)
    }
    getrandom02::register_custom_getrandom!(unsupported);

    /// getrandom 0.3's custom backend (`ivm build` sets `--cfg getrandom_backend="custom"`).
    #[no_mangle]
    unsafe extern "Rust" fn __getrandom_v03_custom(
        _dest: *mut u8,
        _len: usize,
    ) -> Result<(), getrandom03::Error> {
        Err(getrandom03::Error::UNSUPPORTED)
    }
}

/// `native_keccak256(bytes, len, out)`: what `alloy_primitives::keccak256` calls with the
/// `native-keccak` feature, inside the cycle region `native_keccak256`. Software for now; an accelerated keccak will replace the body
/// with no change to guests.
#[cfg(feature = "native-keccak")]
#[no_mangle]
unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    use tiny_keccak::Hasher;
    // SAFETY: alloy passes a readable input of `len` bytes and a writable 32-byte output.
    let (input, out) = unsafe {
        (core::slice::from_raw_parts(bytes, len), core::slice::from_raw_parts_mut(output, 32))
    };
    // A cycle region, so `ivm execute` shows what keccak costs (and that the hook is used).
    ivm_guest::cycle_region("native_keccak256", || {
        let mut k = tiny_keccak::Keccak::v256();
        k.update(input);
        k.finalize(out);
    });
}
