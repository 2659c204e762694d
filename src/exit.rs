//! Process exit codes. They are part of the CLI contract (documented in docs/exit-codes.md):
//! scripts and CI pipelines branch on them.
use std::fmt;

/// Why `ivm` exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// Any failure not listed below (I/O, build failure, internal error).
    Failure = 1,
    /// Command-line usage error (unknown flag, missing argument).
    Usage = 2,
    /// Invalid input: a bad ELF, bad hex, an input too large, a bad project or config.
    InvalidInput = 3,
    /// The guest panicked.
    GuestPanic = 4,
    /// The guest ran out of cycles.
    CycleLimit = 5,
    /// The guest faulted (illegal instruction, bad memory access, stack or heap overflow).
    GuestFault = 6,
    /// Network or chain error (node, RPC).
    Network = 7,
    /// A proof failed verification.
    ProofRejected = 8,
    /// A coprocessor job failed (execution error, missing program, low nonce).
    JobFailed = 9,
    /// Waiting for a job (or another network event) timed out.
    Timeout = 10,
    /// `ivm prove`: the estimated memory exceeds this machine's RAM (override with `--force`).
    InsufficientMemory = 11,
    /// `ivm verify --expect-output`: the proof is valid but proves another output.
    OutputMismatch = 12,
    /// `ivm challenge check`: the job's posted result is wrong (a challenge can prove it).
    WrongResult = 13,
    /// `ivm challenge watch --once`: some posted result could not be checked (its offchain
    /// input withheld, the chain or node unreadable), so "nothing wrong" cannot be claimed.
    Unchecked = 14,
}

/// An error that decides the exit code. Attach it anywhere in an `anyhow` chain with
/// [`coded`]; `main` finds it and exits with its code.
#[derive(Debug)]
pub struct Coded {
    pub code: Code,
    pub message: String,
}

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Coded {}

/// An error with an exit code.
pub fn coded(code: Code, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Coded { code, message: message.into() })
}

/// An invalid-input error (exit code 3).
pub fn invalid_input(message: impl Into<String>) -> anyhow::Error {
    coded(Code::InvalidInput, message)
}

/// The exit code an error asks for: the first [`Coded`] in its chain, else `Failure`.
pub fn code_of(err: &anyhow::Error) -> Code {
    err.chain().find_map(|e| e.downcast_ref::<Coded>()).map_or(Code::Failure, |c| c.code)
}

/// A command's successful result that still needs a non-zero exit (e.g. a guest panic is
/// reported normally, then the process exits 4).
pub type Outcome = anyhow::Result<Code>;
