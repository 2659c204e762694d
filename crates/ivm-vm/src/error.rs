//! Errors: why an ELF cannot be loaded, why inputs are refused, and how a guest can fault.
use thiserror::Error;

/// Why an ELF is not a valid IVM-RV32 program.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LoadError {
    #[error("not an ELF file: {0}")]
    NotElf(String),
    #[error("not a 32-bit little-endian RISC-V ELF ({0}); build for riscv32im-unknown-none-elf")]
    WrongArch(&'static str),
    #[error("ELF is not an executable (e_type {0}); build a binary crate, not a library")]
    NotExecutable(u16),
    #[error("ELF uses the {0} extension, which IVM-RV32 does not support (target riscv32im-unknown-none-elf)")]
    UnsupportedExtension(&'static str),
    #[error("malformed ELF: {0}")]
    Malformed(String),
    #[error("ELF has no loadable segments")]
    NoSegments,
    #[error("segment at {vaddr:#010x} (+{memsz:#x} bytes) lies outside the program image [{start:#010x}, {end:#010x})")]
    SegmentOutsideImage { vaddr: u32, memsz: u32, start: u32, end: u32 },
    #[error("segments at {0:#010x} and {1:#010x} overlap")]
    OverlappingSegments(u32, u32),
    #[error("entry point {0:#010x} is not inside an executable segment")]
    EntryOutsideText(u32),
    #[error(
        "no IVM layout header at 0x80000000: link the program with ivm-guest (ivm build does this)"
    )]
    MissingLayoutHeader,
    #[error("program was built for guest ABI version {found}, this ivm runs version {expected}: rebuild it with this ivm")]
    AbiMismatch { found: u32, expected: u32 },
    #[error("invalid layout header: {0}")]
    BadLayout(String),
    #[error("{what} of {size} bytes is over the limit of {limit} bytes")]
    TooLarge { what: &'static str, size: u32, limit: u32 },
    #[error("not enough memory to load the program ({0} bytes)")]
    OutOfMemory(usize),
}

/// Why inputs cannot be given to a program.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum InputError {
    #[error("{which} input is {len} bytes but the program accepts at most {max} (raise {key} in ivm.toml and rebuild)")]
    TooLarge { which: &'static str, key: &'static str, len: usize, max: u32 },
}

/// How a guest run can end other than by terminating or panicking. Every fault carries the pc
/// of the offending instruction and the number of instructions retired before it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{kind} at pc {pc:#010x} after {cycles} cycles")]
pub struct Fault {
    pub kind: FaultKind,
    pub pc: u32,
    pub cycles: u64,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FaultKind {
    #[error("cycle limit of {0} reached")]
    CycleLimit(u64),
    #[error("illegal instruction {0:#010x}")]
    IllegalInstruction(u32),
    #[error("ebreak")]
    Breakpoint,
    #[error("pc outside the program text")]
    PcOutOfText,
    #[error("jump or branch to misaligned address {0:#010x}")]
    MisalignedJump(u32),
    #[error("misaligned {size}-byte access at {addr:#010x}")]
    MisalignedAccess { addr: u32, size: u32 },
    #[error("read of unmapped address {0:#010x}")]
    UnmappedRead(u32),
    #[error("write to unmapped address {0:#010x}")]
    UnmappedWrite(u32),
    #[error("write to read-only memory (text, rodata or inputs) at {0:#010x}")]
    WriteToReadOnly(u32),
    #[error(
        "stack overflow (access to the stack guard at {0:#010x}; raise stack_size in ivm.toml)"
    )]
    StackOverflow(u32),
    #[error("heap overflow (access past the heap end at {0:#010x}; raise heap_size in ivm.toml)")]
    HeapOverflow(u32),
    #[error("output length word claims {len} bytes, more than max_output = {max}")]
    OutputOverflow { len: u32, max: u32 },
}
