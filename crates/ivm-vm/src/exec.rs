//! The interpreter: runs a [`Program`] on its inputs until it terminates, panics or faults.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use ivm_abi::hostcall;

use crate::{
    decode::{Instr, LoadOp, StoreOp},
    elf::Program,
    error::{Fault, FaultKind, InputError},
    memory::Memory,
    trace::{MemAccess, NoTrace, Step, Tracer},
};

/// Default cycle limit for a run (also `ivm execute`'s default): 2^32 − 1.
pub const DEFAULT_MAX_CYCLES: u64 = u32::MAX as u64;

/// Total bytes of guest debug prints kept per run; the rest is dropped with a note.
const MAX_LOG_BYTES: usize = 1 << 20;

/// The program's two inputs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Inputs<'a> {
    pub onchain: &'a [u8],
    pub offchain: &'a [u8],
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The guest wrote the termination word.
    Halted,
    /// The guest wrote the panic word; the message is what its panic handler reported.
    Panicked { message: Option<String> },
    /// The guest faulted or ran out of cycles.
    Fault(Fault),
}

/// The result of a run.
#[derive(Clone, Debug)]
pub struct Execution {
    pub exit: Exit,
    /// Retired instructions, including the final store to the termination or panic word.
    pub cycles: u64,
    /// Bytes committed by the guest (also on panic or fault, as far as they were written).
    pub output: Vec<u8>,
    /// Cycles per named region: instructions retired between the start and end markers,
    /// summed over every entry into the region.
    pub regions: BTreeMap<String, u64>,
    /// Guest debug prints, in order.
    pub logs: Vec<String>,
    /// Registers when the run ended (x0..x31).
    pub regs: [u32; 32],
}

/// Runs `program` without tracing.
pub fn execute(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
) -> Result<Execution, InputError> {
    run(program, inputs, max_cycles, &mut NoTrace)
}

/// Runs `program`, returning the trace of every retired instruction as well.
pub fn trace(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
) -> Result<(Execution, Vec<Step>), InputError> {
    let mut steps = Vec::new();
    let exec = run(program, inputs, max_cycles, &mut steps)?;
    Ok((exec, steps))
}

/// [`trace`] on flat memory: permission faults (writes to read-only memory, reads of the
/// guard or the gap below RAM) do not happen. Only for the prover's soundness tests, which
/// must show that such a run cannot be proven.
#[doc(hidden)]
pub fn trace_permissive(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
) -> Result<(Execution, Vec<Step>), InputError> {
    let mut steps = Vec::new();
    let exec = run_unstoppable(program, inputs, max_cycles, &mut steps, true)?;
    Ok((exec, steps))
}

/// Runs `program`, reporting each retired instruction to `tracer`.
pub fn run<T: Tracer>(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
    tracer: &mut T,
) -> Result<Execution, InputError> {
    run_unstoppable(program, inputs, max_cycles, tracer, false)
}

/// Why [`execute_stoppable`] returned no execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Input(#[from] InputError),
    /// `stop` was set (a wall-time limit, a shutdown): the run is not over, only abandoned.
    #[error("stopped on request after {cycles} cycles at pc {pc:#010x}")]
    Stopped { cycles: u64, pc: u32 },
}

/// Instructions between two looks at the stop flag of [`execute_stoppable`] (well under a
/// millisecond).
const STOP_CHECK_INTERVAL: u64 = 1 << 16;

/// [`execute`] that gives up as soon as `stop` is set (checked every
/// [`STOP_CHECK_INTERVAL`] instructions), so a caller can bound a run's wall time or cancel
/// it without waiting for `max_cycles`.
pub fn execute_stoppable(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
    stop: &AtomicBool,
) -> Result<Execution, RunError> {
    run_inner(program, inputs, max_cycles, &mut NoTrace, false, Some(stop))
}

fn run_unstoppable<T: Tracer>(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
    tracer: &mut T,
    permissive: bool,
) -> Result<Execution, InputError> {
    run_inner(program, inputs, max_cycles, tracer, permissive, None).map_err(|e| match e {
        RunError::Input(e) => e,
        RunError::Stopped { .. } => unreachable!("no stop flag was given"),
    })
}

fn run_inner<T: Tracer>(
    program: &Program,
    inputs: Inputs<'_>,
    max_cycles: u64,
    tracer: &mut T,
    permissive: bool,
    stop: Option<&AtomicBool>,
) -> Result<Execution, RunError> {
    let sizes = &program.layout.sizes;
    check_input("onchain", "max_input", inputs.onchain, sizes.max_input)?;
    check_input("offchain", "max_offchain_input", inputs.offchain, sizes.max_offchain_input)?;
    let mut vm = Vm {
        regs: [0; 32],
        pc: program.entry,
        cycles: 0,
        mem: Memory::new(program, inputs.onchain, inputs.offchain),
        code: &program.code,
        text_base: program.text_base,
        text_end: program.text_end,
        regions: BTreeMap::new(),
        open_regions: Vec::new(),
        logs: Vec::new(),
        log_bytes: 0,
        panic_message: None,
        stop,
        stopped: false,
    };
    if permissive {
        vm.mem.set_permissive();
    }
    let looped = vm.run_loop(max_cycles, tracer);
    if vm.stopped {
        return Err(RunError::Stopped { cycles: vm.cycles, pc: vm.pc });
    }
    let exit = match looped {
        Ok(()) if vm.mem.panicked() => Exit::Panicked { message: vm.panic_message.take() },
        Ok(()) => Exit::Halted,
        Err(kind) => Exit::Fault(Fault { kind, pc: vm.pc, cycles: vm.cycles }),
    };
    let (exit, output) = match vm.mem.output() {
        Ok(out) => (exit, out),
        Err(kind) if exit == Exit::Halted => {
            (Exit::Fault(Fault { kind, pc: vm.pc, cycles: vm.cycles }), Vec::new())
        }
        Err(_) => (exit, Vec::new()),
    };
    Ok(Execution {
        exit,
        cycles: vm.cycles,
        output,
        regions: vm.regions,
        logs: vm.logs,
        regs: vm.regs,
    })
}

fn check_input(
    which: &'static str,
    key: &'static str,
    data: &[u8],
    max: u32,
) -> Result<(), InputError> {
    if data.len() > max as usize {
        return Err(InputError::TooLarge { which, key, len: data.len(), max });
    }
    Ok(())
}

struct Vm<'p> {
    regs: [u32; 32],
    pc: u32,
    cycles: u64,
    mem: Memory,
    code: &'p [Instr],
    text_base: u32,
    text_end: u32,
    regions: BTreeMap<String, u64>,
    open_regions: Vec<(String, u64)>,
    logs: Vec<String>,
    log_bytes: usize,
    panic_message: Option<String>,
    /// Set by the caller to abandon the run; `stopped` records that it was.
    stop: Option<&'p AtomicBool>,
    stopped: bool,
}

impl Vm<'_> {
    #[inline(always)]
    fn reg(&self, r: u8) -> u32 {
        self.regs[(r & 31) as usize]
    }

    /// Runs until the termination or panic word is written (`Ok`) or a fault. On a fault,
    /// `self.pc` is the faulting instruction and `self.cycles` counts only retired ones.
    fn run_loop<T: Tracer>(&mut self, max_cycles: u64, tracer: &mut T) -> Result<(), FaultKind> {
        loop {
            if self.cycles >= max_cycles {
                return Err(FaultKind::CycleLimit(max_cycles));
            }
            if self.cycles % STOP_CHECK_INTERVAL == 0
                && self.stop.is_some_and(|s| s.load(Ordering::Relaxed))
            {
                // Not a fault: `run_inner` looks at `stopped` first.
                self.stopped = true;
                return Err(FaultKind::CycleLimit(self.cycles));
            }
            let idx = (self.pc.wrapping_sub(self.text_base) / 4) as usize;
            let instr = match self.code.get(idx) {
                Some(&instr) => instr,
                // The zero-filled rest of the text (not stored: see `Program::code`).
                None if self.pc >= self.text_base && self.pc < self.text_end => {
                    Instr::Illegal { word: 0 }
                }
                None => return Err(FaultKind::PcOutOfText),
            };
            let pc = self.pc;
            let mut next_pc = pc.wrapping_add(4);
            let mut rd: u8 = 0;
            let mut rd_val: u32 = 0;
            let mut mem_access = None;
            let mut control_written = false;
            let (rs1_val, rs2_val) = if T::ENABLED { operands(&self.regs, instr) } else { (0, 0) };

            match instr {
                Instr::Lui { rd: d, imm } => (rd, rd_val) = (d, imm),
                Instr::Auipc { rd: d, imm } => (rd, rd_val) = (d, pc.wrapping_add(imm)),
                Instr::Jal { rd: d, imm } => {
                    let target = pc.wrapping_add(imm);
                    if target % 4 != 0 {
                        return Err(FaultKind::MisalignedJump(target));
                    }
                    (rd, rd_val, next_pc) = (d, pc.wrapping_add(4), target);
                }
                Instr::Jalr { rd: d, rs1, imm } => {
                    let target = self.reg(rs1).wrapping_add(imm) & !1;
                    if target % 4 != 0 {
                        return Err(FaultKind::MisalignedJump(target));
                    }
                    (rd, rd_val, next_pc) = (d, pc.wrapping_add(4), target);
                }
                Instr::Branch { op, rs1, rs2, imm } => {
                    if op.taken(self.reg(rs1), self.reg(rs2)) {
                        let target = pc.wrapping_add(imm);
                        if target % 4 != 0 {
                            return Err(FaultKind::MisalignedJump(target));
                        }
                        next_pc = target;
                    }
                }
                Instr::Load { op, rd: d, rs1, imm } => {
                    let addr = self.reg(rs1).wrapping_add(imm);
                    let v = match op {
                        LoadOp::B => self.mem.load::<1>(addr)? as i8 as i32 as u32,
                        LoadOp::H => self.mem.load::<2>(addr)? as i16 as i32 as u32,
                        LoadOp::W => self.mem.load::<4>(addr)?,
                        LoadOp::Bu => self.mem.load::<1>(addr)?,
                        LoadOp::Hu => self.mem.load::<2>(addr)?,
                    };
                    if T::ENABLED {
                        let w = self.mem.peek_word(addr);
                        mem_access = Some(MemAccess { addr: addr & !3, before: w, after: w });
                    }
                    (rd, rd_val) = (d, v);
                }
                Instr::Store { op, rs1, rs2, imm } => {
                    let addr = self.reg(rs1).wrapping_add(imm);
                    let v = self.reg(rs2);
                    let before = if T::ENABLED { self.mem.peek_word(addr) } else { 0 };
                    control_written = match op {
                        StoreOp::B => self.mem.store::<1>(addr, v)?,
                        StoreOp::H => self.mem.store::<2>(addr, v)?,
                        StoreOp::W => self.mem.store::<4>(addr, v)?,
                    };
                    if T::ENABLED {
                        mem_access = Some(MemAccess {
                            addr: addr & !3,
                            before,
                            after: self.mem.peek_word(addr),
                        });
                    }
                }
                Instr::OpImm { op, rd: d, rs1, imm } => {
                    (rd, rd_val) = (d, op.apply(self.reg(rs1), imm))
                }
                Instr::Op { op, rd: d, rs1, rs2 } => {
                    (rd, rd_val) = (d, op.apply(self.reg(rs1), self.reg(rs2)))
                }
                Instr::Fence => {}
                Instr::Ecall => self.hostcall(),
                Instr::Ebreak => return Err(FaultKind::Breakpoint),
                Instr::Illegal { word } => return Err(FaultKind::IllegalInstruction(word)),
            }

            self.regs[(rd & 31) as usize] = rd_val;
            self.regs[0] = 0;
            self.pc = next_pc;
            self.cycles += 1;
            if T::ENABLED {
                let rd_val = if rd == 0 { 0 } else { rd_val };
                tracer.record(Step {
                    pc,
                    instr,
                    rs1_val,
                    rs2_val,
                    rd_val,
                    next_pc,
                    mem: mem_access,
                });
            }
            if control_written && (self.mem.panicked() || self.mem.terminated()) {
                return Ok(());
            }
        }
    }

    /// Host calls are hints: they read guest memory but change no guest state.
    #[cold]
    fn hostcall(&mut self) {
        let (code, ptr, len) = (self.regs[17], self.regs[10], self.regs[11]);
        let text = || {
            self.mem
                .peek_bytes(ptr, len.min(4096))
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| "<unreadable>".to_string())
        };
        match code {
            hostcall::REGION_START => {
                let name = text();
                // Count from the instruction after the marker.
                self.open_regions.push((name, self.cycles + 1));
            }
            hostcall::REGION_END => {
                let name = text();
                if let Some(i) = self.open_regions.iter().rposition(|(n, _)| *n == name) {
                    let (name, start) = self.open_regions.remove(i);
                    *self.regions.entry(name).or_insert(0) += self.cycles - start;
                }
            }
            hostcall::PRINT => {
                let msg = text();
                if self.log_bytes < MAX_LOG_BYTES {
                    self.log_bytes += msg.len();
                    self.logs.push(msg);
                    if self.log_bytes >= MAX_LOG_BYTES {
                        self.logs.push("[further guest prints dropped]".to_string());
                    }
                }
            }
            hostcall::PANIC_MESSAGE => self.panic_message = Some(text()),
            // Unknown host calls are ignored, like every hint: they cannot change the result.
            _ => {}
        }
    }
}

/// Register operands of `instr`, for the trace.
fn operands(regs: &[u32; 32], instr: Instr) -> (u32, u32) {
    let r = |x: u8| regs[(x & 31) as usize];
    match instr {
        Instr::Jalr { rs1, .. } | Instr::Load { rs1, .. } | Instr::OpImm { rs1, .. } => (r(rs1), 0),
        Instr::Branch { rs1, rs2, .. }
        | Instr::Store { rs1, rs2, .. }
        | Instr::Op { rs1, rs2, .. } => (r(rs1), r(rs2)),
        _ => (0, 0),
    }
}
