//! ELF loading and validation: turns ELF bytes into a [`Program`] or says exactly why not.
use ivm_abi::{LayoutHeader, ABI_VERSION, LAYOUT_HEADER_WORDS, RAM_BASE, STACK_GUARD};
use object::{
    elf,
    read::elf::{FileHeader, ProgramHeader},
    LittleEndian as LE,
};

use crate::{
    decode::{decode, Instr},
    error::LoadError,
};

/// Segment permission bits, as in ELF `p_flags`.
pub const FLAG_X: u32 = elf::PF_X;
pub const FLAG_W: u32 = elf::PF_W;
pub const FLAG_R: u32 = elf::PF_R;

/// A loadable segment of the program image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u32,
    pub memsz: u32,
    /// `FLAG_R | FLAG_W | FLAG_X` subset.
    pub flags: u32,
    /// File bytes; the rest of `memsz` is zero.
    pub data: Vec<u8>,
}

impl Segment {
    pub fn end(&self) -> u32 {
        self.vaddr + self.memsz
    }
    pub fn is_executable(&self) -> bool {
        self.flags & FLAG_X != 0
    }
    pub fn is_writable(&self) -> bool {
        self.flags & FLAG_W != 0
    }
}

/// A validated IVM-RV32 program: what executes, and nothing else from the ELF.
#[derive(Clone, Debug)]
pub struct Program {
    pub entry: u32,
    /// Sorted by address, non-overlapping, inside `[RAM_BASE, image_end)`.
    pub segments: Vec<Segment>,
    pub layout: LayoutHeader,
    /// First address of the decoded text.
    pub text_base: u32,
    /// End of the executable address range (the highest executable segment's end).
    pub text_end: u32,
    /// Decoded instructions of the file-backed executable bytes, one per word from
    /// `text_base`. Words in `[text_base + 4·code.len(), text_end)` are zero (an executable
    /// segment's zero-filled tail, or a gap) and decode to `Illegal { word: 0 }`: they are not
    /// stored, so loading costs memory in proportion to what the file holds.
    pub code: Vec<Instr>,
}

/// Largest executable part of a program (the executable segments' sizes in memory, summed).
pub const MAX_TEXT_BYTES: u32 = 16 << 20;
/// Largest program image (`[RAM_BASE, image_end)`: code, data, bss).
pub const MAX_IMAGE_BYTES: u32 = 256 << 20;

impl Program {
    /// Parses and validates an ELF.
    pub fn load(bytes: &[u8]) -> Result<Program, LoadError> {
        // An ELF of another class (e.g. an x86-64 binary) is an ELF, just not ours: say so.
        if bytes.len() > 4 && bytes.starts_with(b"\x7fELF") && bytes[4] != elf::ELFCLASS32 {
            return Err(LoadError::WrongArch("a 64-bit ELF (ELFCLASS64), e.g. a host binary"));
        }
        let header =
            elf::FileHeader32::<LE>::parse(bytes).map_err(|e| LoadError::NotElf(e.to_string()))?;
        let ident = header.e_ident();
        if ident.class != elf::ELFCLASS32 {
            return Err(LoadError::WrongArch("not ELFCLASS32"));
        }
        if ident.data != elf::ELFDATA2LSB {
            return Err(LoadError::WrongArch("not little-endian"));
        }
        if header.e_machine(LE) != elf::EM_RISCV {
            return Err(LoadError::WrongArch("e_machine is not RISC-V"));
        }
        let e_type = header.e_type(LE);
        if e_type != elf::ET_EXEC {
            return Err(LoadError::NotExecutable(e_type));
        }
        let flags = header.e_flags(LE);
        if flags & elf::EF_RISCV_RVC != 0 {
            return Err(LoadError::UnsupportedExtension("C (compressed)"));
        }
        if flags & elf::EF_RISCV_RVE != 0 {
            return Err(LoadError::UnsupportedExtension("E (embedded)"));
        }
        if flags & elf::EF_RISCV_FLOAT_ABI != 0 {
            return Err(LoadError::UnsupportedExtension("F/D (hardware float ABI)"));
        }

        let phdrs =
            header.program_headers(LE, bytes).map_err(|e| LoadError::Malformed(e.to_string()))?;
        let mut segments = Vec::new();
        for ph in phdrs {
            if ph.p_type(LE) != elf::PT_LOAD || ph.p_memsz(LE) == 0 {
                continue;
            }
            let (vaddr, memsz, filesz) = (ph.p_vaddr(LE), ph.p_memsz(LE), ph.p_filesz(LE));
            if filesz > memsz {
                return Err(LoadError::Malformed(format!(
                    "segment at {vaddr:#010x} has filesz > memsz"
                )));
            }
            if vaddr.checked_add(memsz).is_none() {
                return Err(LoadError::Malformed(format!(
                    "segment at {vaddr:#010x} wraps the address space"
                )));
            }
            let data = ph
                .data(LE, bytes)
                .map_err(|_| {
                    LoadError::Malformed(format!(
                        "segment at {vaddr:#010x} extends past the end of the file"
                    ))
                })?
                .to_vec();
            segments.push(Segment { vaddr, memsz, flags: ph.p_flags(LE) & 7, data });
        }
        Program::from_segments(header.e_entry(LE), segments)
    }

    /// Validates a program given as an entry point and loadable segments (what
    /// [`Program::load`] extracts from an ELF). Tests use it to run hand-assembled code.
    pub fn from_segments(entry: u32, mut segments: Vec<Segment>) -> Result<Program, LoadError> {
        if segments.is_empty() {
            return Err(LoadError::NoSegments);
        }
        segments.sort_by_key(|s| s.vaddr);
        for s in &segments {
            if s.data.len() as u64 > s.memsz as u64 || s.vaddr.checked_add(s.memsz).is_none() {
                return Err(LoadError::Malformed(format!(
                    "segment at {:#010x} has a bad size",
                    s.vaddr
                )));
            }
        }
        for pair in segments.windows(2) {
            if pair[0].end() > pair[1].vaddr {
                return Err(LoadError::OverlappingSegments(pair[0].vaddr, pair[1].vaddr));
            }
        }

        let layout = read_layout_header(&segments)?;
        let image_end = layout.stack_bottom() - STACK_GUARD;
        for s in &segments {
            if s.vaddr < RAM_BASE || s.end() > image_end {
                return Err(LoadError::SegmentOutsideImage {
                    vaddr: s.vaddr,
                    memsz: s.memsz,
                    start: RAM_BASE,
                    end: image_end,
                });
            }
        }

        check_sizes(&segments, image_end)?;

        let in_text =
            segments.iter().any(|s| s.is_executable() && entry >= s.vaddr && entry < s.end());
        if !in_text || entry % 4 != 0 {
            return Err(LoadError::EntryOutsideText(entry));
        }
        let (text_base, text_end, code) = decode_text(&segments)?;
        Ok(Program { entry, segments, layout, text_base, text_end, code })
    }

    /// End of the program image (start of the stack guard).
    pub fn image_end(&self) -> u32 {
        self.layout.stack_bottom() - STACK_GUARD
    }

    /// The writable parts of the image (data, bss) as `[start, end)`, widened to whole words:
    /// write permission is granted per 4-byte word, so that the word-addressed prover
    /// (`ivm-prover`'s RAM) can state exactly the rule the VM enforces. Segment ends are
    /// usually word-aligned anyway.
    pub fn writable_ranges(&self) -> Vec<(u32, u32)> {
        self.segments
            .iter()
            .filter(|s| s.is_writable())
            .map(|s| (s.vaddr & !3, s.end().next_multiple_of(4)))
            .collect()
    }
}

fn read_layout_header(segments: &[Segment]) -> Result<LayoutHeader, LoadError> {
    let first = &segments[0];
    let len = LAYOUT_HEADER_WORDS * 4;
    if first.vaddr != RAM_BASE || first.data.len() < len {
        return Err(LoadError::MissingLayoutHeader);
    }
    let mut words = [0u32; LAYOUT_HEADER_WORDS];
    for (w, chunk) in words.iter_mut().zip(first.data[..len].chunks_exact(4)) {
        *w = u32::from_le_bytes(chunk.try_into().expect("4-byte chunk"));
    }
    let layout = LayoutHeader::from_words(&words).ok_or(LoadError::MissingLayoutHeader)?;
    if layout.abi_version != ABI_VERSION {
        return Err(LoadError::AbiMismatch { found: layout.abi_version, expected: ABI_VERSION });
    }
    layout.sizes.validate().map_err(|e| LoadError::BadLayout(format!("{e:?}")))?;
    let s = &layout.sizes;
    let consistent = layout.stack_top % 16 == 0
        && layout.stack_top.checked_sub(s.stack_size).is_some_and(|b| b >= RAM_BASE + STACK_GUARD)
        && layout.stack_top.checked_add(s.heap_size) == Some(layout.heap_end);
    if !consistent {
        return Err(LoadError::BadLayout(format!(
            "stack top {:#010x} and heap end {:#010x} do not match stack_size {} and heap_size {}",
            layout.stack_top, layout.heap_end, s.stack_size, s.heap_size
        )));
    }
    Ok(layout)
}

/// The documented size limits: a program may not make its loader (or a node that stores it)
/// allocate without bound.
fn check_sizes(segments: &[Segment], image_end: u32) -> Result<(), LoadError> {
    let image = image_end - RAM_BASE;
    if image > MAX_IMAGE_BYTES {
        return Err(LoadError::TooLarge {
            what: "program image",
            size: image,
            limit: MAX_IMAGE_BYTES,
        });
    }
    let text: u64 = segments.iter().filter(|s| s.is_executable()).map(|s| u64::from(s.memsz)).sum();
    if text > u64::from(MAX_TEXT_BYTES) {
        let size = u32::try_from(text).unwrap_or(u32::MAX);
        return Err(LoadError::TooLarge { what: "executable code", size, limit: MAX_TEXT_BYTES });
    }
    Ok(())
}

/// Decodes the file-backed words of the executable segments into one table starting at the
/// lowest executable address; gaps and non-instruction words decode to `Illegal`. Returns
/// `(text_base, text_end, code)`; the table stops at the last file-backed word, the rest of
/// `[text_base, text_end)` is zero (see [`Program::code`]).
fn decode_text(segments: &[Segment]) -> Result<(u32, u32, Vec<Instr>), LoadError> {
    let exec: Vec<&Segment> = segments.iter().filter(|s| s.is_executable()).collect();
    let base = exec[0].vaddr & !3;
    let end = exec.iter().map(|s| s.end()).max().expect("entry check found one");
    let file_end = exec.iter().map(|s| s.vaddr + s.data.len() as u32).max().unwrap_or(base);
    let words = (file_end.max(base) - base).div_ceil(4) as usize;
    let mut code = Vec::new();
    code.try_reserve_exact(words).map_err(|_| LoadError::OutOfMemory(words * 4))?;
    code.resize(words, Instr::Illegal { word: 0 });
    for s in exec {
        let pad = ((s.vaddr - base) % 4) as usize;
        let first = ((s.vaddr - base) / 4) as usize;
        let mut bytes = vec![0u8; pad];
        bytes.extend_from_slice(&s.data);
        for (i, chunk) in bytes.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            code[first + i] = decode(u32::from_le_bytes(w));
        }
    }
    Ok((base, end, code))
}
