//! Rows: bytecode + expansion re-executed by the reference row interpreter, compared with the
//! VM step by step, on random RV32IM programs, DIV/REM/MULH edge cases, sub-word accesses at
//! every offset and the guest examples; cheating rows are rejected.
use ivm_prover::isa::{
    bytecode,
    check::{check_rows, Checker},
    execute_row, expand,
    seq::sequence,
    Bytecode, Row, VOp,
};
use ivm_vm::{
    elf::{FLAG_R, FLAG_W, FLAG_X},
    trace::Step,
    Inputs, Instr, Program, Segment,
};

// --- a small assembler -----------------------------------------------------------------

fn r_type(f7: u32, rs2: u32, rs1: u32, f3: u32, rd: u32) -> u32 {
    (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x33
}
fn i_type(imm: i32, rs1: u32, f3: u32, rd: u32, opc: u32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc
}
fn s_type(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let i = imm as u32;
    (((i >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((i & 31) << 7) | 0x23
}
fn b_type(imm: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let i = imm as u32;
    (((i >> 12) & 1) << 31)
        | (((i >> 5) & 0x3f) << 25)
        | (rs2 << 20)
        | (rs1 << 15)
        | (f3 << 12)
        | (((i >> 1) & 0xf) << 8)
        | (((i >> 11) & 1) << 7)
        | 0x63
}
fn jal(rd: u32, imm: i32) -> u32 {
    let i = imm as u32;
    (((i >> 20) & 1) << 31)
        | (((i >> 1) & 0x3ff) << 21)
        | (((i >> 11) & 1) << 20)
        | (((i >> 12) & 0xff) << 12)
        | (rd << 7)
        | 0x6f
}
fn lui(rd: u32, imm: u32) -> u32 {
    (imm & 0xffff_f000) | (rd << 7) | 0x37
}
fn auipc(rd: u32, imm: u32) -> u32 {
    (imm & 0xffff_f000) | (rd << 7) | 0x17
}
fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    i_type(imm, rs1, 0, rd, 0x13)
}
fn li(rd: u32, v: u32) -> [u32; 2] {
    let lo = ((v & 0xfff) as i32) << 20 >> 20;
    [lui(rd, v.wrapping_sub(lo as u32)), addi(rd, rd, lo)]
}
const R_OPS: [(&str, u32, u32); 18] = [
    ("add", 0, 0),
    ("sub", 0x20, 0),
    ("sll", 0, 1),
    ("slt", 0, 2),
    ("sltu", 0, 3),
    ("xor", 0, 4),
    ("srl", 0, 5),
    ("sra", 0x20, 5),
    ("or", 0, 6),
    ("and", 0, 7),
    ("mul", 1, 0),
    ("mulh", 1, 1),
    ("mulhsu", 1, 2),
    ("mulhu", 1, 3),
    ("div", 1, 4),
    ("divu", 1, 5),
    ("rem", 1, 6),
    ("remu", 1, 7),
];
fn op(name: &str, rd: u32, rs1: u32, rs2: u32) -> u32 {
    let (_, f7, f3) = R_OPS.iter().find(|o| o.0 == name).expect("known op");
    r_type(*f7, rs2, rs1, *f3, rd)
}
const ECALL: u32 = 0x73;
const FENCE: u32 = 0x0ff0_000f;
const EBREAK: u32 = 0x0010_0073;

// --- programs --------------------------------------------------------------------------

const RAM_BASE: u32 = 0x8000_0000;
const TEXT: u32 = RAM_BASE + 0x100;
const DATA: u32 = RAM_BASE + 0x1_0000;
const DATA_LEN: u32 = 0x1000;
const IMAGE_END: u32 = RAM_BASE + 0x2_0000;
const STACK_SIZE: u32 = 0x1_0000;
const STACK_TOP: u32 = IMAGE_END + 4096 + STACK_SIZE;
const HEAP_SIZE: u32 = 0x1_0000;
const TERMINATION_ADDR: u32 = 0x7fff_f004;
/// Register holding the data pointer; random code never writes it.
const BASE: u32 = 20;

fn program(code: &[u32], data: Vec<u8>) -> Program {
    let header: Vec<u8> = [
        u32::from_le_bytes(*b"IVML"),
        1,
        4096,
        4096,
        4096,
        STACK_SIZE,
        HEAP_SIZE,
        STACK_TOP,
        STACK_TOP + HEAP_SIZE,
    ]
    .iter()
    .flat_map(|w| w.to_le_bytes())
    .collect();
    let mut code = code.to_vec();
    code.extend(li(BASE, DATA));
    code.extend(li(31, TERMINATION_ADDR));
    code.push(addi(30, 0, 1));
    code.push(s_type(0, 30, 31, 2)); // sw x30, 0(x31)
    let segs = vec![
        Segment { vaddr: RAM_BASE, memsz: header.len() as u32, flags: FLAG_R, data: header },
        Segment {
            vaddr: TEXT,
            memsz: code.len() as u32 * 4,
            flags: FLAG_R | FLAG_X,
            data: code.iter().flat_map(|w| w.to_le_bytes()).collect(),
        },
        Segment { vaddr: DATA, memsz: DATA_LEN, flags: FLAG_R | FLAG_W, data },
    ];
    Program::from_segments(TEXT, segs).expect("valid program")
}

/// Prefix setting the data pointer.
fn prelude() -> Vec<u32> {
    li(BASE, DATA).to_vec()
}

fn run(p: &Program, max_cycles: u64) -> Vec<Step> {
    let (_exec, steps) = ivm_vm::trace(p, Inputs::default(), max_cycles).expect("inputs fit");
    steps
}

/// Expands the trace, pads it to a power of two and re-executes it with the reference
/// interpreter, comparing the architectural state with the VM after every instruction.
fn verify(p: &Program, steps: &[Step]) -> (Bytecode, Vec<Row>) {
    let bc = bytecode(p).expect("bytecode");
    let rows = expand(&bc, steps).expect("expand");
    let mut padded = rows.clone();
    padded.resize(rows.len().next_power_of_two().max(2), Row::padding());
    let mut c = Checker::new(&bc);
    let mut arch = [0u32; 32];
    let mut si = 0;
    for (i, row) in padded.iter().enumerate() {
        let retired = c.step(row).unwrap_or_else(|e| panic!("{e}"));
        if let Some(ret) = retired {
            let s = &steps[si];
            assert_eq!(
                (ret.pc, ret.next_pc),
                (s.pc, s.next_pc),
                "row {i}, step {si} {:?}",
                s.instr
            );
            let rd = ivm_prover::isa::dest_reg(s.instr);
            if rd != 0 {
                arch[rd as usize] = s.rd_val;
            }
            assert_eq!(&c.regs[..32], &arch[..], "registers after step {si} {:?}", s.instr);
            if let Some(m) = s.mem {
                assert_eq!(
                    c.ram.get(&m.addr),
                    Some(&m.after),
                    "memory after step {si} {:?}",
                    s.instr
                );
            }
            si += 1;
        }
    }
    assert_eq!(si, steps.len());
    assert_eq!(c.cycles, steps.len() as u64);
    (bc, rows)
}

// --- random programs ------------------------------------------------------------------

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % n as u64) as u32
    }
    fn reg(&mut self) -> u32 {
        // x0..x15 (x0 included: writes to x0 must be no-ops)
        self.below(16)
    }
    fn value(&mut self) -> u32 {
        const E: [u32; 12] = [
            0,
            1,
            2,
            0xffff_ffff,
            0xffff_fffe,
            0x8000_0000,
            0x7fff_ffff,
            0x8000_0001,
            31,
            32,
            0xff,
            0xffff_8000,
        ];
        match self.below(3) {
            0 => E[self.below(E.len() as u32) as usize],
            1 => self.below(64),
            _ => self.next() as u32,
        }
    }
}

fn random_program(seed: u64, n: usize) -> Program {
    let mut g = Rng(seed);
    let mut code = prelude();
    for r in 1..16 {
        code.extend(li(r, g.value()));
    }
    for _ in 0..n {
        let (rd, rs1, rs2) = (g.reg(), g.reg(), g.reg());
        match g.below(16) {
            0..=4 => {
                let name = R_OPS[g.below(18) as usize].0;
                code.push(op(name, rd, rs1, rs2));
            }
            5 | 6 => {
                let f3 = [0, 2, 3, 4, 6, 7, 1, 5, 5][g.below(9) as usize];
                let imm = match f3 {
                    1 => g.below(32) as i32,
                    5 if g.below(2) == 0 => g.below(32) as i32 | 0x400, // srai
                    5 => g.below(32) as i32,
                    _ => (g.below(4096) as i32) - 2048,
                };
                code.push(i_type(imm, rs1, f3, rd, 0x13));
            }
            7 => code.extend(li(rd, g.value())),
            8 => code.push(auipc(rd, g.next() as u32)),
            9 | 10 => {
                // load: lb lh lw lbu lhu at a naturally aligned random offset
                let f3 = [0, 1, 2, 4, 5][g.below(5) as usize];
                let align = match f3 {
                    0 | 4 => 1,
                    1 | 5 => 2,
                    _ => 4,
                };
                let off = (g.below(2040) as i32) & !(align - 1);
                code.push(i_type(off, BASE, f3, rd, 0x03));
            }
            11 => {
                let f3 = g.below(3);
                let off = (g.below(2040) as i32) & !((1 << f3) - 1);
                code.push(s_type(off, rs2, BASE, f3));
            }
            12 => {
                // branch over the next instruction (taken or not)
                let f3 = [0, 1, 4, 5, 6, 7][g.below(6) as usize];
                code.push(b_type(8, rs2, rs1, f3));
                code.push(addi(rd, rd, 1));
            }
            13 => {
                // jal / jalr over one instruction
                if g.below(2) == 0 {
                    code.push(jal(rd, 8));
                    code.push(addi(rd, rd, 7));
                } else {
                    code.push(auipc(21, 0));
                    code.push(i_type(13, 21, 0, rd, 0x67)); // jalr rd, 13(x21): low bit cleared
                    code.push(addi(rd, rd, 7));
                }
            }
            14 => code.push(if g.below(2) == 0 { ECALL } else { FENCE }),
            _ => {
                // negative offsets from a pointer into the middle of the data
                code.extend(li(22, DATA + 0x800));
                let f3 = [0, 1, 2, 4, 5][g.below(5) as usize];
                code.push(i_type(
                    -(g.below(256) as i32 * 4) - 4 + (f3 as i32 & 1) * 2,
                    22,
                    f3,
                    rd,
                    0x03,
                ));
            }
        }
    }
    let data: Vec<u8> = (0..DATA_LEN).map(|_| g.next() as u8).collect();
    program(&code, data)
}

#[test]
fn random_programs_reexecute_exactly() {
    for seed in 0..40 {
        let p = random_program(seed, 300);
        let steps = run(&p, 100_000);
        assert!(steps.len() > 300, "seed {seed}: program ran {} steps", steps.len());
        verify(&p, &steps);
    }
}

#[test]
fn mul_div_edge_cases() {
    const E: [u32; 14] = [
        0,
        1,
        2,
        3,
        7,
        0xffff_ffff,
        0xffff_fffe,
        0xffff_fff9,
        0x8000_0000,
        0x8000_0001,
        0x7fff_ffff,
        0x1234_5678,
        0xfedc_ba98,
        0x0001_0000,
    ];
    let ops = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"];
    let mut code = prelude();
    for &a in &E {
        for &b in &E {
            code.extend(li(5, a));
            code.extend(li(6, b));
            for name in ops {
                code.push(op(name, 7, 5, 6)); // distinct rd
                code.extend(li(8, a));
                code.push(op(name, 8, 8, 6)); // rd = rs1
                code.extend(li(9, b));
                code.push(op(name, 9, 5, 9)); // rd = rs2
                code.push(op(name, 0, 5, 6)); // rd = x0
            }
            code.extend(li(10, a));
            code.push(op("div", 10, 10, 10)); // rd = rs1 = rs2
        }
    }
    let p = program(&code, vec![]);
    let steps = run(&p, 1_000_000);
    verify(&p, &steps);
}

#[test]
fn subword_accesses_at_every_offset() {
    let mut code = prelude();
    for off in 0..8i32 {
        for val in [0x0000_0080u32, 0xdead_beef, 0x7f7f_7f7f, 0xffff_ffff] {
            code.extend(li(5, val));
            code.push(s_type(off, 5, BASE, 0)); // sb
            if off % 2 == 0 {
                code.push(s_type(off + 16, 5, BASE, 1)); // sh
            }
            for f3 in [0, 4] {
                code.push(i_type(off, BASE, f3, 6, 0x03));
                code.push(i_type(off - 4, BASE, f3, 0, 0x03)); // rd = x0
            }
            if off % 2 == 0 {
                for f3 in [1, 5] {
                    code.push(i_type(off + 16, BASE, f3, 7, 0x03));
                }
            }
            // load into the base-like register itself (rd = rs1)
            code.extend(li(8, DATA + 32));
            code.push(i_type(off, 8, 0, 8, 0x03));
            code.extend(li(8, DATA + 32));
            code.push(i_type(off & !1, 8, 1, 8, 0x03));
            // store using the same register as base and value
            code.extend(li(9, DATA + 64));
            code.push(s_type(off, 9, 9, 0));
            code.push(s_type(off & !1, 9, 9, 1));
            code.push(i_type(off & !3, 9, 2, 10, 0x03)); // lw
            code.push(s_type(off & !3, 10, 9, 2)); // sw
        }
    }
    let data: Vec<u8> = (0..256u32).map(|i| (i * 37 + 11) as u8).collect();
    let p = program(&code, data);
    let steps = run(&p, 100_000);
    verify(&p, &steps);
}

#[test]
fn guest_examples_reexecute_exactly() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest-examples/target/ivm");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no guest examples at {} (run scripts/setup); skipping", dir.display());
        return;
    };
    let mut n = 0;
    for e in entries {
        let path = e.unwrap().path();
        if path.extension().and_then(|s| s.to_str()) != Some("elf") {
            continue;
        }
        let p = Program::load(&std::fs::read(&path).unwrap()).unwrap();
        // abi.encode(uint256(20)): what fibonacci and square-root expect
        let mut input = [0u8; 32];
        input[31] = 20;
        let (exec, steps) =
            ivm_vm::trace(&p, Inputs { onchain: &input, offchain: &input }, 200_000)
                .expect("inputs fit");
        eprintln!("{}: {:?}, {} steps", path.display(), exec.exit, steps.len());
        let (bc, rows) = verify(&p, &steps);
        assert!(rows.len() >= steps.len());
        assert!(bc.rows.len() > p.code.len());
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn bytecode_is_well_formed() {
    let p = random_program(99, 500);
    let bc = bytecode(&p).unwrap();
    assert_eq!(bc.rows[0].op, VOp::Padding);
    assert_eq!(bc.rows[bc.entry].pc, p.entry);
    let mut starts = std::collections::HashMap::new();
    for (i, r) in bc.rows.iter().enumerate() {
        assert_eq!(r.address, i);
        assert!(r.rs1 < 64 && r.rs2 < 64 && r.rd < 64);
        assert!(r.seq_index < r.seq_len);
        if r.seq_index > 0 {
            let prev = &bc.rows[i - 1];
            assert_eq!((prev.pc, prev.seq_index + 1, prev.seq_len), (r.pc, r.seq_index, r.seq_len));
            // temporaries are virtual; only the last row may write an architectural register
            let f = r.flags();
            assert!(!(f.jump || f.branch));
            if !r.is_last_in_seq() && f.writes_rd() {
                assert!(r.rd >= 32, "{r:?}");
            }
        } else if r.op != VOp::Padding {
            assert!(starts.insert(r.pc, i).is_none(), "two starts for pc {:#x}", r.pc);
        }
        if !r.is_last_in_seq() {
            assert!(!r.flags().writes_rd() || r.rd >= 32);
        }
    }
    assert_eq!(starts.len(), p.code.len());
    // Every op's flags are consistent.
    for op in VOp::ALL {
        let f = op.flags();
        assert!((f.x_rs1 as u8 + f.x_pc as u8 + f.x_advice as u8) <= 1);
        assert!((f.y_rs2 as u8 + f.y_imm as u8) <= 1);
        assert!((f.write_lookup as u8 + f.write_pc4 as u8 + f.write_ram as u8) <= 1);
        assert!(!(f.load && f.store));
        assert!(!(f.branch && f.jump));
        assert_eq!(f.write_ram, f.load);
        assert!(!f.assert || !f.writes_rd());
        assert_eq!(f.table.is_none(), matches!(op, VOp::Padding | VOp::Nop | VOp::Invalid));
    }
    // Undecodable words and EBREAK become non-executable entries.
    for w in [0u32, EBREAK, 0xffff_ffff] {
        let s = sequence(ivm_vm::decode(w));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].op, VOp::Invalid);
    }
}

#[test]
fn executing_an_invalid_word_is_not_expandable() {
    let mut code = prelude();
    code.push(EBREAK);
    let p = program(&code, vec![]);
    let steps = run(&p, 100);
    // The VM faults at EBREAK and does not record it; a forged step is rejected.
    let mut forged = steps.clone();
    let pc = TEXT + 8;
    forged.push(Step {
        pc,
        instr: Instr::Ebreak,
        rs1_val: 0,
        rs2_val: 0,
        rd_val: 0,
        next_pc: pc + 4,
        mem: None,
    });
    let bc = bytecode(&p).unwrap();
    assert!(expand(&bc, &forged).is_err());
    verify(&p, &steps);
}

// --- cheating -------------------------------------------------------------------------

/// Rows of a program that sets x5 = a, x6 = b and runs `name x7, x5, x6`; plus the index
/// of the first row of that instruction.
fn single_op_rows(name: &str, a: u32, b: u32) -> (Bytecode, Vec<Row>, usize) {
    let mut code = prelude();
    code.extend(li(5, a));
    code.extend(li(6, b));
    code.push(op(name, 7, 5, 6));
    let p = program(&code, vec![]);
    let steps = run(&p, 1000);
    let (bc, rows) = verify(&p, &steps);
    let start = bc.start_of(TEXT + 4 * 6).unwrap();
    let first = rows.iter().position(|r| r.bc == start).unwrap();
    (bc, rows, first)
}

/// Re-executes the sequence starting at row `first` with the given advice values (consistently,
/// as a cheating prover would) and checks the whole row list.
fn with_advice(bc: &Bytecode, rows: &[Row], first: usize, advice: &[u32]) -> Result<u64, String> {
    let mut c = Checker::new(bc);
    for r in &rows[..first] {
        c.step(r)?;
    }
    let mut regs = c.regs;
    let start = rows[first].bc;
    let len = bc.rows[start].seq_len as usize;
    let mut adv = advice.iter().copied();
    let mut out = rows[..first].to_vec();
    for b in &bc.rows[start..start + len] {
        let a = if b.op == VOp::Advice { adv.next().unwrap() } else { 0 };
        let mut no_ram = |_, _| Err("no RAM".to_string());
        out.push(execute_row(b, &mut regs, &mut no_ram, a)?);
    }
    out.extend_from_slice(&rows[first + len..]);
    check_rows(bc, &out)
}

#[test]
fn wrong_division_advice_is_rejected() {
    let cases: [(u32, u32); 10] = [
        (100, 7),
        (7, 100),
        (0x8000_0000, 0xffff_ffff),
        (0x8000_0000, 0),
        (5, 0),
        (0, 0),
        (0xffff_fff9, 2),
        (0xffff_ffff, 0xffff_ffff),
        (12, 4),
        (0x7fff_ffff, 0x8000_0000),
    ];
    for name in ["div", "divu", "rem", "remu"] {
        for (a, b) in cases {
            let (bc, rows, first) = single_op_rows(name, a, b);
            let advice: Vec<u32> = rows[first..]
                .iter()
                .filter(|r| bc.rows[r.bc].op == VOp::Advice)
                .map(|r| r.advice)
                .collect();
            assert_eq!(advice.len(), 2);
            let (q, r) = (advice[0], advice[1]);
            assert!(
                with_advice(&bc, &rows, first, &[q, r]).is_ok(),
                "{name} {a:#x} {b:#x}: honest advice rejected"
            );
            let mut wrong = vec![
                [q.wrapping_add(1), r],
                [q.wrapping_sub(1), r],
                [q, r.wrapping_add(1)],
                [q, r.wrapping_sub(1)],
                [q.wrapping_sub(1), r.wrapping_add(b)], // q·y + r still = x, remainder too big
                [q.wrapping_add(1), r.wrapping_sub(b)],
                [q ^ 0x8000_0000, r],
                [u32::MAX, a],
                [0, a],
            ];
            let mut g = Rng(a as u64 ^ (b as u64) << 32);
            for _ in 0..40 {
                wrong.push([g.next() as u32, g.next() as u32]);
                wrong.push([q, g.next() as u32]);
                wrong.push([g.next() as u32, r]);
            }
            for w in wrong {
                if w == [q, r] {
                    continue;
                }
                // For REM/REMU by y = 0 the quotient advice is irrelevant.
                let result = with_advice(&bc, &rows, first, &w);
                let irrelevant_q = w[1] == r && b == 0 && name.starts_with("rem");
                if irrelevant_q {
                    continue;
                }
                assert!(
                    result.is_err(),
                    "{name} {a:#x} / {b:#x}: advice {w:x?} (honest {q:#x}, {r:#x}) accepted"
                );
            }
        }
    }
}

#[test]
fn wrong_lookup_outputs_are_rejected() {
    let p = random_program(7, 200);
    let steps = run(&p, 100_000);
    let (bc, rows) = verify(&p, &steps);
    let mut g = Rng(7);
    let mut tried = 0;
    for i in 0..rows.len() {
        if rows[i].lookup.table.is_none() || g.below(4) != 0 {
            continue;
        }
        let mut bad = rows.clone();
        let delta = 1 + g.below(u32::MAX - 1);
        bad[i].lookup.out = bad[i].lookup.out.wrapping_add(delta);
        // A consistent cheater also writes the forged value to rd.
        if bc.rows[bad[i].bc].flags().write_lookup {
            bad[i].rd_new = bad[i].lookup.out;
        }
        assert!(check_rows(&bc, &bad).is_err(), "forged output at row {i} accepted");
        // Forged operand (x not following the flags).
        let mut bad = rows.clone();
        bad[i].lookup.x ^= 1 << g.below(32);
        bad[i].lookup.out = bad[i].lookup.table.unwrap().eval(bad[i].lookup.x, bad[i].lookup.y);
        assert!(check_rows(&bc, &bad).is_err(), "forged operand at row {i} accepted");
        tried += 1;
    }
    assert!(tried > 50);
    // Skipping into the middle of a sequence, or out of order, is rejected.
    let seq_row = rows.iter().position(|r| bc.rows[r.bc].seq_len > 2).unwrap();
    let mut bad = rows.clone();
    bad.remove(seq_row + 1);
    assert!(check_rows(&bc, &bad).is_err());
    // Non-padding after padding.
    let mut bad = rows.clone();
    bad.insert(5, Row::padding());
    assert!(check_rows(&bc, &bad).is_err());
}
