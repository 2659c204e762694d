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
