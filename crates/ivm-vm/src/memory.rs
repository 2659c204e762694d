//! Guest memory: flat RAM for the image, stack and heap, plus the I/O block below RAM, with
//! the permission rules of the IVM-RV32 ABI. The fast paths are the stack/heap and the image.
use ivm_abi::{
    IoLayout, CONTROL_BASE, CONTROL_END, OFFCHAIN_INPUT_LEN_ADDR, ONCHAIN_INPUT_LEN_ADDR,
    OUTPUT_LEN_ADDR, PAGE, PANIC_ADDR, RAM_BASE, TERMINATION_ADDR,
};

use crate::{elf::Program, error::FaultKind};

pub(crate) struct Memory {
    /// `[RAM_BASE, heap_end)`.
    ram: Vec<u8>,
    heap_end: u32,
    /// `[image_end, stack_bottom)` is the stack guard.
    image_end: u32,
    stack_bottom: u32,
    /// Writable image segments (data, bss) as `[start, end)`.
    writable: Vec<(u32, u32)>,
    /// `[io_base, CONTROL_END)`.
    io: Vec<u8>,
    io_base: u32,
    output_base: u32,
    output_end: u32,
    /// Test-only flat-memory mode: every mapped byte (RAM and the I/O block) is readable and
    /// writable, so the prover's soundness tests can build the trace of a run the VM refuses.
    permissive: bool,
}

impl Memory {
    pub(crate) fn new(program: &Program, onchain: &[u8], offchain: &[u8]) -> Memory {
        let layout = &program.layout;
        let heap_end = layout.heap_end;
        let mut ram = vec![0u8; (heap_end - RAM_BASE) as usize];
        for s in &program.segments {
            let off = (s.vaddr - RAM_BASE) as usize;
            ram[off..off + s.data.len()].copy_from_slice(&s.data);
        }
        let writable = program.writable_ranges();
        let io_layout: IoLayout = layout.sizes.io();
        let io_base = io_layout.onchain_input_base;
        let mut mem = Memory {
            ram,
            heap_end,
            image_end: program.image_end(),
            stack_bottom: layout.stack_bottom(),
            writable,
            io: vec![0u8; (CONTROL_END - io_base) as usize],
            io_base,
            output_base: io_layout.output_base,
            output_end: io_layout.output_base + layout.sizes.max_output,
            permissive: false,
        };
        mem.io_write(io_layout.onchain_input_base, onchain);
        mem.io_write(io_layout.offchain_input_base, offchain);
        mem.io_write(ONCHAIN_INPUT_LEN_ADDR, &(onchain.len() as u32).to_le_bytes());
        mem.io_write(OFFCHAIN_INPUT_LEN_ADDR, &(offchain.len() as u32).to_le_bytes());
        mem
    }

    /// See [`Memory::permissive`](Memory).
    pub(crate) fn set_permissive(&mut self) {
        self.permissive = true;
    }

    fn io_write(&mut self, addr: u32, bytes: &[u8]) {
        let off = (addr - self.io_base) as usize;
        self.io[off..off + bytes.len()].copy_from_slice(bytes);
    }

    /// Loads `N` bytes (1, 2 or 4) little-endian, zero-extended.
    #[inline(always)]
    pub(crate) fn load<const N: usize>(&self, addr: u32) -> Result<u32, FaultKind> {
        if addr as usize % N != 0 {
            return Err(FaultKind::MisalignedAccess { addr, size: N as u32 });
        }
        let off = addr.wrapping_sub(RAM_BASE) as usize;
        if off < self.ram.len() && !(addr >= self.image_end && addr < self.stack_bottom) {
            return Ok(read_le::<N>(&self.ram[off..off + N]));
        }
        self.load_slow::<N>(addr)
    }

    #[cold]
    fn load_slow<const N: usize>(&self, addr: u32) -> Result<u32, FaultKind> {
        if addr >= self.io_base && addr < CONTROL_END {
            let off = (addr - self.io_base) as usize;
            return Ok(read_le::<N>(&self.io[off..off + N]));
        }
        if self.permissive && addr >= RAM_BASE && addr < self.heap_end {
            let off = (addr - RAM_BASE) as usize;
            return Ok(read_le::<N>(&self.ram[off..off + N]));
        }
        if self.permissive {
            return Ok(0); // unmapped memory reads as zero on flat memory
        }
        Err(self.classify(addr, false))
    }

    /// Stores the low `N` bytes of `value`. Returns `true` if a control word was written,
    /// so the executor checks for termination or panic only then.
    #[inline(always)]
    pub(crate) fn store<const N: usize>(
        &mut self,
        addr: u32,
        value: u32,
    ) -> Result<bool, FaultKind> {
        if addr as usize % N != 0 {
            return Err(FaultKind::MisalignedAccess { addr, size: N as u32 });
        }
        if (addr >= self.stack_bottom && addr < self.heap_end) || self.in_writable_image(addr) {
            let off = (addr - RAM_BASE) as usize;
            self.ram[off..off + N].copy_from_slice(&value.to_le_bytes()[..N]);
            return Ok(false);
        }
        self.store_slow::<N>(addr, value)
    }

    #[inline(always)]
    fn in_writable_image(&self, addr: u32) -> bool {
        self.writable.iter().any(|&(s, e)| addr >= s && addr < e)
    }

    #[cold]
    fn store_slow<const N: usize>(&mut self, addr: u32, value: u32) -> Result<bool, FaultKind> {
        let bytes = &value.to_le_bytes()[..N];
        if addr >= self.output_base && addr < self.output_end {
            self.io_write(addr, bytes);
            return Ok(false);
        }
        if addr >= CONTROL_BASE && addr < OUTPUT_LEN_ADDR + 4 {
            self.io_write(addr, bytes);
            return Ok(true);
        }
        if self.permissive {
            if addr >= self.io_base && addr < CONTROL_END {
                self.io_write(addr, bytes);
                return Ok(false);
            }
            if addr >= RAM_BASE && addr < self.heap_end {
                let off = (addr - RAM_BASE) as usize;
                self.ram[off..off + N].copy_from_slice(bytes);
                return Ok(false);
            }
        }
        Err(self.classify(addr, true))
    }

    /// Names the fault for an access the fast and slow paths refused.
    fn classify(&self, addr: u32, write: bool) -> FaultKind {
        if addr >= self.image_end && addr < self.stack_bottom {
            FaultKind::StackOverflow(addr)
        } else if addr >= self.heap_end && addr - self.heap_end < PAGE {
            FaultKind::HeapOverflow(addr)
        } else if write
            && ((addr >= RAM_BASE && addr < self.image_end)
                || (addr >= self.io_base && addr < CONTROL_END))
        {
            FaultKind::WriteToReadOnly(addr)
        } else if write {
            FaultKind::UnmappedWrite(addr)
        } else {
            FaultKind::UnmappedRead(addr)
        }
    }

    /// Reads an aligned word without permission checks (for tracing and the control words);
    /// unmapped addresses read as zero.
    pub(crate) fn peek_word(&self, addr: u32) -> u32 {
        let addr = addr & !3;
        let off = addr.wrapping_sub(RAM_BASE) as usize;
        if off + 4 <= self.ram.len() {
            read_le::<4>(&self.ram[off..off + 4])
        } else if addr >= self.io_base && addr.checked_add(4).is_some_and(|end| end <= CONTROL_END)
        {
            let off = (addr - self.io_base) as usize;
            read_le::<4>(&self.io[off..off + 4])
        } else {
            0
        }
    }

    /// Copies guest bytes for host calls, or `None` if any byte is not readable.
    pub(crate) fn peek_bytes(&self, addr: u32, len: u32) -> Option<Vec<u8>> {
        let end = addr.checked_add(len)?;
        let (buf, base) = if addr >= RAM_BASE && end <= self.heap_end {
            (&self.ram, RAM_BASE)
        } else if addr >= self.io_base && end <= CONTROL_END {
            (&self.io, self.io_base)
        } else {
            return None;
        };
        Some(buf[(addr - base) as usize..(end - base) as usize].to_vec())
    }

    pub(crate) fn panicked(&self) -> bool {
        self.peek_word(PANIC_ADDR) != 0
    }

    pub(crate) fn terminated(&self) -> bool {
        self.peek_word(TERMINATION_ADDR) != 0
    }

    /// The committed output, or a fault if the guest corrupted the length word.
    pub(crate) fn output(&self) -> Result<Vec<u8>, FaultKind> {
        let len = self.peek_word(OUTPUT_LEN_ADDR);
        let max = self.output_end - self.output_base;
        if len > max {
            return Err(FaultKind::OutputOverflow { len, max });
        }
        Ok(self.peek_bytes(self.output_base, len).expect("output region is mapped"))
    }
}

#[inline(always)]
fn read_le<const N: usize>(b: &[u8]) -> u32 {
    let mut w = [0u8; 4];
    w[..N].copy_from_slice(&b[..N]);
    u32::from_le_bytes(w)
}
