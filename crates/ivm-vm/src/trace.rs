//! The tracer interface. The executor is generic over a [`Tracer`]; with [`NoTrace`] every
//! tracing branch is compiled out, so the fast executor and the tracer share one semantics.
use crate::decode::Instr;

/// One retired instruction, with everything the prover needs to check it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub pc: u32,
    pub instr: Instr,
    /// Value of `rs1` before the instruction (0 if it has none).
    pub rs1_val: u32,
    /// Value of `rs2` before the instruction (0 if it has none).
    pub rs2_val: u32,
    /// Value written to `rd` (0 if the instruction writes no register or `rd` is x0).
    pub rd_val: u32,
    pub next_pc: u32,
    /// The aligned word a load or store touched.
    pub mem: Option<MemAccess>,
}

/// A memory access at word granularity: sub-word accesses are reported as the containing
/// word before and after, so word-addressed memory checking sees every change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemAccess {
    /// Word-aligned address.
    pub addr: u32,
    pub before: u32,
    pub after: u32,
}

/// Receives each retired instruction.
pub trait Tracer {
    /// `false` lets the executor skip all record keeping at compile time.
    const ENABLED: bool;
    fn record(&mut self, step: Step);
}

/// The fast path: records nothing.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;
    #[inline(always)]
    fn record(&mut self, _step: Step) {}
}

/// Records every step in order.
impl Tracer for Vec<Step> {
    const ENABLED: bool = true;
    fn record(&mut self, step: Step) {
        self.push(step);
    }
}
