//! ELF loading accepts IVM-RV32 programs and rejects everything else with a reason.
mod support;

use ivm_abi::{LayoutHeader, ABI_VERSION, RAM_BASE};
use ivm_vm::{
    elf::{FLAG_R, FLAG_W, FLAG_X},
    LoadError, Program, ProgramId, Segment,
};
use support::*;

fn valid_code() -> Vec<u32> {
    with_exit(&[addi(1, 0, 1)])
}

#[test]
fn synthesized_elf_loads_and_runs() {
    let bytes = elf(TEXT, &segments(&valid_code()));
    let p = Program::load(&bytes).unwrap();
    let e = ivm_vm::execute(&p, Default::default(), 100).unwrap();
    assert_eq!(e.exit, ivm_vm::Exit::Halted);
    assert_eq!(p.layout, header());
}

#[test]
fn rejects_wrong_identity() {
    let segs = segments(&valid_code());
    let cases = [
        (elf_with(TEXT, &segs, 2, 1, 243, 2, 0), "class"),
        (elf_with(TEXT, &segs, 1, 2, 243, 2, 0), "endian"),
        (elf_with(TEXT, &segs, 1, 1, 62, 2, 0), "machine"),
        (elf_with(TEXT, &segs, 1, 1, 243, 3, 0), "type"),
        (elf_with(TEXT, &segs, 1, 1, 243, 2, 1), "rvc"),
        (elf_with(TEXT, &segs, 1, 1, 243, 2, 4), "float abi"),
    ];
    for (bytes, what) in cases {
        assert!(Program::load(&bytes).is_err(), "{what} accepted");
    }
    assert!(matches!(Program::load(b"not an elf at all, clearly"), Err(LoadError::NotElf(_))));
}

#[test]
fn rejects_bad_segments() {
    let mut segs = segments(&valid_code());
    segs.push(Segment { vaddr: DATA + 0x800, memsz: 0x1000, flags: FLAG_R | FLAG_W, data: vec![] });
    assert!(matches!(Program::from_segments(TEXT, segs), Err(LoadError::OverlappingSegments(..))));

    let mut segs = segments(&valid_code());
    segs.push(Segment { vaddr: 0x1000, memsz: 4, flags: FLAG_R, data: vec![1, 2, 3, 4] });
    assert!(matches!(
        Program::from_segments(TEXT, segs),
        Err(LoadError::MissingLayoutHeader) | Err(LoadError::SegmentOutsideImage { .. })
    ));

    // A segment reaching into the stack guard.
    let mut segs = segments(&valid_code());
    segs.push(Segment { vaddr: IMAGE_END, memsz: 8, flags: FLAG_R | FLAG_W, data: vec![] });
    assert!(matches!(
        Program::from_segments(TEXT, segs),
        Err(LoadError::SegmentOutsideImage { .. })
    ));
}

#[test]
fn rejects_entry_outside_text() {
    assert!(matches!(
        Program::from_segments(DATA, segments(&valid_code())),
        Err(LoadError::EntryOutsideText(_))
    ));
    assert!(matches!(
        Program::from_segments(TEXT + 2, segments(&valid_code())),
        Err(LoadError::EntryOutsideText(_))
    ));
    assert!(matches!(
        Program::from_segments(RAM_BASE, segments(&valid_code())),
        Err(LoadError::EntryOutsideText(_))
    ));
}

#[test]
fn rejects_missing_or_foreign_layout_header() {
    let mut segs = segments(&valid_code());
    segs.remove(0);
    assert_eq!(Program::from_segments(TEXT, segs).unwrap_err(), LoadError::MissingLayoutHeader);

    let mut segs = segments(&valid_code());
    segs[0].data = header_bytes(&LayoutHeader { abi_version: ABI_VERSION + 1, ..header() });
    assert_eq!(
        Program::from_segments(TEXT, segs).unwrap_err(),
        LoadError::AbiMismatch { found: ABI_VERSION + 1, expected: ABI_VERSION }
    );

    let mut segs = segments(&valid_code());
    segs[0].data = header_bytes(&LayoutHeader { heap_end: HEAP_END + 16, ..header() });
    assert!(matches!(Program::from_segments(TEXT, segs), Err(LoadError::BadLayout(_))));
}

#[test]
fn program_id_covers_what_executes_only() {
    let segs = segments(&valid_code());
    let id = ProgramId::of(&Program::from_segments(TEXT, segs.clone()).unwrap());

    // Same memory image, zero padding moved from data to bss: same ID.
    let mut padded = segs.clone();
    padded[2].data = vec![0; 64];
    assert_eq!(ProgramId::of(&Program::from_segments(TEXT, padded).unwrap()), id);

    // ELF metadata is not covered: the same segments through an ELF give the same ID.
    assert_eq!(ProgramId::of(&Program::load(&elf(TEXT, &segs)).unwrap()), id);

    // Code, data, entry, permissions and layout are covered.
    let mut code = segs.clone();
    code[1].data[0] ^= 0x80;
    let mut data = segs.clone();
    data[2].data = vec![1];
    let mut perms = segs.clone();
    perms[2].flags |= FLAG_X;
    let mut layout = segs.clone();
    layout[0].data = header_bytes(&LayoutHeader {
        sizes: ivm_abi::Sizes { max_output: 8192, ..sizes() },
        ..header()
    });
    for (what, variant, entry) in [
        ("code", code, TEXT),
        ("data", data, TEXT),
        ("perms", perms, TEXT),
        ("layout", layout, TEXT),
        ("entry", segs, TEXT + 4),
    ] {
        let other = ProgramId::of(&Program::from_segments(entry, variant).unwrap());
        assert_ne!(other, id, "{what} not covered by the program ID");
    }
}

/// A header whose stack sits above an image of `image` bytes (so big segments fit the image).
fn big_layout(image: u32) -> Vec<u8> {
    let stack_bottom = RAM_BASE + image + ivm_abi::STACK_GUARD;
    let stack_top = stack_bottom + STACK_SIZE;
    header_bytes(&LayoutHeader { stack_top, heap_end: stack_top + HEAP_SIZE, ..header() })
}

#[test]
fn an_elf_bomb_is_refused_without_allocating() {
    // An executable segment of a few bytes in the file and 1.5 GiB in memory: refused by the
    // documented text limit before anything of that size is allocated.
    let image = 0x7000_0000;
    let code: Vec<u8> = valid_code().iter().flat_map(|w| w.to_le_bytes()).collect();
    let hdr = big_layout(image);
    let segs = vec![
        Segment { vaddr: RAM_BASE, memsz: hdr.len() as u32, flags: FLAG_R, data: hdr.clone() },
        Segment { vaddr: TEXT, memsz: 0x6000_0000, flags: FLAG_R | FLAG_X, data: code.clone() },
    ];
    let err = Program::load(&elf(TEXT, &segs)).unwrap_err();
    assert!(
        matches!(err, LoadError::TooLarge { what: "program image", .. }),
        "{err}: the image is over its limit first"
    );
    // Within the image limit, the text limit applies.
    let hdr = big_layout(ivm_vm::elf::MAX_IMAGE_BYTES);
    let segs = vec![
        Segment { vaddr: RAM_BASE, memsz: hdr.len() as u32, flags: FLAG_R, data: hdr },
        Segment { vaddr: TEXT, memsz: 0x0800_0000, flags: FLAG_R | FLAG_X, data: code },
    ];
    let err = Program::load(&elf(TEXT, &segs)).unwrap_err();
    assert!(matches!(err, LoadError::TooLarge { what: "executable code", .. }), "{err}");
    assert!(err.to_string().contains("over the limit"), "{err}");
}

#[test]
fn a_zero_filled_text_tail_costs_nothing_and_still_faults_as_illegal() {
    // 1 MiB of executable memory, 5 words of it in the file: the decoded table holds the
    // file-backed words only, and a jump into the tail faults exactly as before (an illegal
    // all-zero word at that pc), not as a pc outside the text.
    let hdr = header_bytes(&LayoutHeader {
        stack_top: RAM_BASE + 0x20_0000 + ivm_abi::STACK_GUARD + STACK_SIZE,
        heap_end: RAM_BASE + 0x20_0000 + ivm_abi::STACK_GUARD + STACK_SIZE + HEAP_SIZE,
        ..header()
    });
    let tail_pc = TEXT + 0x8_0000;
    let code = [lui(5, tail_pc & !0xfff), jalr(0, 5, (tail_pc & 0xfff) as i32)];
    let bytes: Vec<u8> = code.iter().flat_map(|w| w.to_le_bytes()).collect();
    let segs = vec![
        Segment { vaddr: RAM_BASE, memsz: hdr.len() as u32, flags: FLAG_R, data: hdr },
        Segment { vaddr: TEXT, memsz: 0x10_0000, flags: FLAG_R | FLAG_X, data: bytes },
    ];
    let p = Program::load(&elf(TEXT, &segs)).unwrap();
    assert_eq!(p.code.len(), code.len(), "only the file-backed words are decoded");
    assert_eq!(p.text_end, TEXT + 0x10_0000);
    let e = ivm_vm::execute(&p, Default::default(), 100).unwrap();
    match e.exit {
        ivm_vm::Exit::Fault(f) => {
            assert_eq!(f.pc, tail_pc);
            assert_eq!(f.kind, ivm_vm::FaultKind::IllegalInstruction(0), "{f:?}");
        }
        other => panic!("expected an illegal-instruction fault, got {other:?}"),
    }
    // Past the text: a pc outside it.
    let past = TEXT + 0x10_0000;
    let code = [lui(5, past & !0xfff), jalr(0, 5, (past & 0xfff) as i32)];
    let p = ivm_vm::Program::from_segments(TEXT, {
        let mut s = segs.clone();
        s[1].data = code.iter().flat_map(|w| w.to_le_bytes()).collect();
        s
    })
    .unwrap();
    let e = ivm_vm::execute(&p, Default::default(), 100).unwrap();
    assert!(
        matches!(e.exit, ivm_vm::Exit::Fault(ref f) if f.kind == ivm_vm::FaultKind::PcOutOfText),
        "{:?}",
        e.exit
    );
}
