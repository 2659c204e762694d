//! The IVM-RV32 virtual machine.
//!
//! - [`Program::load`] validates an ELF (RV32 little-endian, segments inside RAM, entry in
//!   text, the IVM layout header) and pre-decodes its text;
//! - [`execute`] runs it fast; [`trace`] runs it with the same semantics and records every
//!   step for the prover;
//! - [`ProgramId::of`] hashes what executes.
//!
//! Nothing a guest does can panic the host: every misbehaviour ends the run with a typed
//! [`Fault`] carrying the pc and the cycles retired so far.
pub mod decode;
pub mod elf;
pub mod error;
pub mod exec;
mod memory;
pub mod program_id;
pub mod trace;

pub use decode::{decode, Instr};
pub use elf::{Program, Segment};
pub use error::{Fault, FaultKind, InputError, LoadError};
pub use exec::{
    execute, execute_stoppable, run, trace, Execution, Exit, Inputs, RunError, DEFAULT_MAX_CYCLES,
};
pub use program_id::ProgramId;
pub use trace::{MemAccess, NoTrace, Step, Tracer};
