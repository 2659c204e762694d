//! The IVM-RV32 guest ABI, shared by the guest SDK (`ivm-guest`) and the host VM (`ivm-vm`).
//!
//! This crate is `no_std` with no dependencies because it is compiled into every guest.
//! Everything a guest and the host must agree on lives here and nowhere else.
//!
//! # Memory map
//!
//! ```text
//!   0x8000_0000 + …   heap          [stack_top, heap_end)        grows up
//!                     stack         [stack_bottom, stack_top)    grows down
//!                     guard         [image_end, stack_bottom)    any access faults (stack overflow)
//!   0x8000_0000       program image: layout header, text, rodata, data, bss
//!   0x7FFF_F000       control page  (panic, termination, output length, input lengths)
//!                     output        [output_base, CONTROL_BASE)
//!                     offchain input
//!                     onchain input
//! ```
//!
//! The control page sits at a fixed address; the three I/O regions below it are sized by the
//! program's [`Layout`] (from `ivm.toml`), rounded up to whole 4 KiB pages.
#![no_std]

/// Version of this ABI. It is hashed into every program ID, so changing anything in this
/// crate that affects execution must bump it.
pub const ABI_VERSION: u32 = 1;

/// Human-readable ABI name printed by `ivm --version`.
pub const ABI_NAME: &str = "IVM-RV32";

/// Start of RAM; the program image is linked here.
pub const RAM_BASE: u32 = 0x8000_0000;

/// Page granularity used to round I/O regions.
pub const PAGE: u32 = 4096;

/// Fixed address of the control page.
pub const CONTROL_BASE: u32 = 0x7FFF_F000;
/// Guest stores a non-zero word here when it panics, then spins.
pub const PANIC_ADDR: u32 = CONTROL_BASE;
/// Guest stores a non-zero word here when it finishes, then spins.
pub const TERMINATION_ADDR: u32 = CONTROL_BASE + 4;
/// Guest keeps the number of committed output bytes here.
pub const OUTPUT_LEN_ADDR: u32 = CONTROL_BASE + 8;
/// Host writes the onchain input length here before the run (read-only for the guest).
pub const ONCHAIN_INPUT_LEN_ADDR: u32 = CONTROL_BASE + 12;
/// Host writes the offchain input length here before the run (read-only for the guest).
pub const OFFCHAIN_INPUT_LEN_ADDR: u32 = CONTROL_BASE + 16;
/// One past the last control word.
pub const CONTROL_END: u32 = CONTROL_BASE + 20;

/// Size of the unmapped guard between the program image and the stack.
pub const STACK_GUARD: u32 = 4096;

/// Magic word at the start of the layout header (`"IVML"` little-endian).
pub const LAYOUT_MAGIC: u32 = u32::from_le_bytes(*b"IVML");
/// Number of 32-bit words in the layout header at [`RAM_BASE`].
pub const LAYOUT_HEADER_WORDS: usize = 9;

/// Default maximum onchain input: 1 MiB.
pub const DEFAULT_MAX_INPUT: u32 = 1 << 20;
/// Default maximum offchain input: 1 MiB.
pub const DEFAULT_MAX_OFFCHAIN_INPUT: u32 = 1 << 20;
/// Default maximum output: 64 KiB.
pub const DEFAULT_MAX_OUTPUT: u32 = 64 << 10;
/// Default stack: 1 MiB.
pub const DEFAULT_STACK_SIZE: u32 = 1 << 20;
/// Default heap: 32 MiB.
pub const DEFAULT_HEAP_SIZE: u32 = 32 << 20;

/// Upper bound on any single size, so that the I/O block cannot collide with low memory
/// and RAM cannot wrap the address space.
pub const MAX_REGION_SIZE: u32 = 256 << 20;

/// Host-call codes, passed in `a7` to `ecall`. Host calls are hints: they never change
/// guest state (registers or memory), so a proof treats `ecall` as a no-op.
pub mod hostcall {
    /// Start a cycle region; `a0` = name pointer, `a1` = name length.
    pub const REGION_START: u32 = 1;
    /// End a cycle region; `a0` = name pointer, `a1` = name length.
    pub const REGION_END: u32 = 2;
    /// Print a UTF-8 debug message on the host's stderr; `a0` = pointer, `a1` = length.
    pub const PRINT: u32 = 3;
    /// Report the panic message (UTF-8) just before the guest sets the panic word;
    /// `a0` = pointer, `a1` = length.
    pub const PANIC_MESSAGE: u32 = 4;
}

/// Sizes a program is built with. They are fixed at build time, written into the ELF's
/// layout header and hashed into the program ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sizes {
    pub max_input: u32,
    pub max_offchain_input: u32,
    pub max_output: u32,
    pub stack_size: u32,
    pub heap_size: u32,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes {
            max_input: DEFAULT_MAX_INPUT,
            max_offchain_input: DEFAULT_MAX_OFFCHAIN_INPUT,
            max_output: DEFAULT_MAX_OUTPUT,
            stack_size: DEFAULT_STACK_SIZE,
            heap_size: DEFAULT_HEAP_SIZE,
        }
    }
}

/// Why a set of sizes is not a valid layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeError {
    /// The named size exceeds [`MAX_REGION_SIZE`].
    TooLarge(&'static str),
    /// The named size is not a multiple of 16.
    Unaligned(&'static str),
}

impl Sizes {
    /// The sizes as an array in field order (matching [`SIZE_ENV_VARS`]).
    pub const fn to_array(&self) -> [u32; 5] {
        [self.max_input, self.max_offchain_input, self.max_output, self.stack_size, self.heap_size]
    }

    /// The inverse of [`Sizes::to_array`].
    pub const fn from_array(a: [u32; 5]) -> Self {
        Sizes {
            max_input: a[0],
            max_offchain_input: a[1],
            max_output: a[2],
            stack_size: a[3],
            heap_size: a[4],
        }
    }

    /// Checks every size against the ABI's limits.
    pub const fn validate(&self) -> Result<(), SizeError> {
        let fields: [(&'static str, u32); 5] = [
            ("max_input", self.max_input),
            ("max_offchain_input", self.max_offchain_input),
            ("max_output", self.max_output),
            ("stack_size", self.stack_size),
            ("heap_size", self.heap_size),
        ];
        let mut i = 0;
        while i < fields.len() {
            if fields[i].1 > MAX_REGION_SIZE {
                return Err(SizeError::TooLarge(fields[i].0));
            }
            if fields[i].1 % 16 != 0 {
                return Err(SizeError::Unaligned(fields[i].0));
            }
            i += 1;
        }
        Ok(())
    }

    /// Where the I/O regions go for these sizes.
    pub const fn io(&self) -> IoLayout {
        let output_base = CONTROL_BASE - round_up_page(self.max_output);
        let offchain_input_base = output_base - round_up_page(self.max_offchain_input);
        let onchain_input_base = offchain_input_base - round_up_page(self.max_input);
        IoLayout { onchain_input_base, offchain_input_base, output_base }
    }
}

/// Base addresses of the I/O regions. Each region ends where the next begins; the output
/// region ends at [`CONTROL_BASE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoLayout {
    pub onchain_input_base: u32,
    pub offchain_input_base: u32,
    pub output_base: u32,
}

/// Parses a size in bytes: plain digits, or digits with a `K`/`M` suffix (binary units).
pub fn parse_size(s: &str) -> Option<u32> {
    let s = s.trim();
    let (digits, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1024),
        b'M' | b'm' => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok()?.checked_mul(mult)
}

/// Environment variables through which `ivm build` passes [`Sizes`] to the guest SDK's build
/// script, in the order of the `Sizes` fields.
pub const SIZE_ENV_VARS: [&str; 5] = [
    "IVM_GUEST_MAX_INPUT",
    "IVM_GUEST_MAX_OFFCHAIN_INPUT",
    "IVM_GUEST_MAX_OUTPUT",
    "IVM_GUEST_STACK_SIZE",
    "IVM_GUEST_HEAP_SIZE",
];

/// Rounds `n` up to a whole number of pages.
pub const fn round_up_page(n: u32) -> u32 {
    (n + PAGE - 1) / PAGE * PAGE
}

/// The layout header the SDK places at [`RAM_BASE`] (section `.ivm.layout`). Words, in order:
/// magic, ABI version, the five [`Sizes`], stack top, heap end. The last two are resolved by
/// the linker so that the host learns the exact addresses the guest uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutHeader {
    pub abi_version: u32,
    pub sizes: Sizes,
    pub stack_top: u32,
    pub heap_end: u32,
}

impl LayoutHeader {
    /// Decodes the header from its words, or `None` if the magic does not match.
    pub fn from_words(w: &[u32; LAYOUT_HEADER_WORDS]) -> Option<Self> {
        if w[0] != LAYOUT_MAGIC {
            return None;
        }
        Some(LayoutHeader {
            abi_version: w[1],
            sizes: Sizes {
                max_input: w[2],
                max_offchain_input: w[3],
                max_output: w[4],
                stack_size: w[5],
                heap_size: w[6],
            },
            stack_top: w[7],
            heap_end: w[8],
        })
    }

    /// The header as words, the inverse of [`LayoutHeader::from_words`].
    pub fn to_words(&self) -> [u32; LAYOUT_HEADER_WORDS] {
        [
            LAYOUT_MAGIC,
            self.abi_version,
            self.sizes.max_input,
            self.sizes.max_offchain_input,
            self.sizes.max_output,
            self.sizes.stack_size,
            self.sizes.heap_size,
            self.stack_top,
            self.heap_end,
        ]
    }

    /// Lowest stack address.
    pub fn stack_bottom(&self) -> u32 {
        self.stack_top - self.sizes.stack_size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout_fits_below_control_page() {
        let io = Sizes::default().io();
        assert_eq!(io.output_base, CONTROL_BASE - DEFAULT_MAX_OUTPUT);
        assert!(io.onchain_input_base < io.offchain_input_base);
        assert!(io.onchain_input_base > 0x1000_0000);
        assert_eq!(Sizes::default().validate(), Ok(()));
    }

    #[test]
    fn sizes_are_limited() {
        let s = Sizes { max_input: MAX_REGION_SIZE + 16, ..Sizes::default() };
        assert_eq!(s.validate(), Err(SizeError::TooLarge("max_input")));
        let s = Sizes { heap_size: 17, ..Sizes::default() };
        assert_eq!(s.validate(), Err(SizeError::Unaligned("heap_size")));
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("65536"), Some(65536));
        assert_eq!(parse_size("64K"), Some(65536));
        assert_eq!(parse_size("1M"), Some(1 << 20));
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("M"), None);
        assert_eq!(parse_size("-1"), None);
        assert_eq!(parse_size("5000M"), None);
    }

    #[test]
    fn header_round_trips() {
        let h = LayoutHeader {
            abi_version: ABI_VERSION,
            sizes: Sizes::default(),
            stack_top: 0x8010_0000,
            heap_end: 0x8210_0000,
        };
        assert_eq!(LayoutHeader::from_words(&h.to_words()), Some(h));
        let mut w = h.to_words();
        w[0] ^= 1;
        assert_eq!(LayoutHeader::from_words(&w), None);
    }
}
