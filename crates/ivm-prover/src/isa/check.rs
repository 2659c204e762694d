//! A reference row interpreter: re-executes rows from scratch using only the bytecode table,
//! the flags, the lookup decomposition (slots, binding, combine) and its own registers
//! (0..63) and word RAM, enforcing exactly the per-row equations of the module docs. It is the
//! executable specification of what the CPU constraints must enforce; tests use it to check
//! expansions and to show that cheating rows are caught.

use std::collections::HashMap;

use super::{
    tables::{binding, combine, slot_kinds, SLOTS},
    Bytecode, Row,
};
use crate::field::Fr;

/// What one instruction (the last row of a sequence) did, for comparison with the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retired {
    pub pc: u32,
    pub next_pc: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Entry,
    Bc(usize),
    Pc(u32),
}

/// The interpreter state.
pub struct Checker<'a> {
    bytecode: &'a Bytecode,
    starts: HashMap<u32, usize>,
    /// Registers 0..63.
    pub regs: [u32; 64],
    /// Word RAM (aligned address → value); words never accessed are absent. A word's first
    /// access defines its initial value (the memory argument binds it to the initial image).
    pub ram: HashMap<u32, u32>,
    next: Next,
    in_padding: bool,
    /// Rows checked.
    pub rows: usize,
    /// Instructions retired (rows with `seq_index = 0`, not padding).
    pub cycles: u64,
}

impl<'a> Checker<'a> {
    pub fn new(bytecode: &'a Bytecode) -> Self {
        Checker {
            bytecode,
            starts: super::instruction_starts(bytecode),
            regs: [0; 64],
            ram: HashMap::new(),
            next: Next::Entry,
            in_padding: false,
            rows: 0,
            cycles: 0,
        }
    }

    /// Checks one row. Returns `Some` when the row ends an instruction.
    pub fn step(&mut self, row: &Row) -> Result<Option<Retired>, String> {
        let i = self.rows;
        let e = |msg: String| format!("row {i} (bc {}): {msg}", row.bc);
        let b = *self
            .bytecode
            .rows
            .get(row.bc)
            .ok_or_else(|| e("bytecode index out of range".into()))?;
        let f = b.flags();
        // Control flow into this row.
        if f.padding {
            self.in_padding = true;
        } else {
            if self.in_padding {
                return Err(e("non-padding row after padding".into()));
            }
            let ok = match self.next {
                Next::Entry => row.bc == self.bytecode.entry,
                Next::Bc(n) => row.bc == n,
                Next::Pc(pc) => {
                    b.seq_index == 0 && self.starts.get(&pc) == Some(&row.bc) && b.pc == pc
                }
            };
            if !ok {
                return Err(e(format!("control flow: expected {:?}", self.next)));
            }
        }
        if f.invalid {
            return Err(e("invalid instruction executed".into()));
        }
        if b.rs1 >= 64 || b.rs2 >= 64 || b.rd >= 64 {
            return Err(e("register index out of range".into()));
        }
        // 1. register reads
        if row.rs1_val != self.regs[b.rs1 as usize]
            || row.rs2_val != self.regs[b.rs2 as usize]
            || row.rd_old != self.regs[b.rd as usize]
        {
            return Err(e("register read mismatch".into()));
        }
        // 2. operands
        let x = f.x_rs1 as u64 * row.rs1_val as u64
            + f.x_pc as u64 * b.pc as u64
            + f.x_advice as u64 * row.advice as u64;
        let y = f.y_rs2 as u64 * row.rs2_val as u64 + f.y_imm as u64 * b.imm as u64;
        let q = row.lookup;
        if q.table != f.table || q.x as u64 != x || q.y as u64 != y {
            return Err(e("lookup table/operands do not follow the flags".into()));
        }
        // 3. lookup via the decomposition
        match f.table {
            Some(t) => {
                let reads = q.slots();
                if reads.map(|r| r.0) != slot_kinds(t) {
                    return Err(e("slot kinds".into()));
                }
                if !binding(t).holds(q.x, q.y, &reads) {
                    return Err(e("operand binding fails".into()));
                }
                let vals: Vec<Fr> =
                    reads.iter().map(|(k, a, b)| Fr::from(k.eval(*a, *b))).collect();
                debug_assert_eq!(vals.len(), SLOTS);
                if combine(t, &vals) != Fr::from(q.out as u64) {
                    return Err(e(format!(
                        "lookup output {:#x} is not {t:?}({:#x}, {:#x})",
                        q.out, q.x, q.y
                    )));
                }
            }
            None => {
                if q.out != 0 {
                    return Err(e("output without lookup".into()));
                }
            }
        }
        let out = q.out;
        // 4. assertions
        if f.assert && out != 1 {
            return Err(e(format!("assertion {:?} failed", b.op)));
        }
        // 6. RAM
        match (f.load || f.store, row.ram) {
            (false, None) => {}
            (true, Some(m)) => {
                if m.addr != out || m.addr % 4 != 0 {
                    return Err(e(format!("RAM address {:#x} (lookup {out:#x})", m.addr)));
                }
                let cur = *self.ram.entry(m.addr).or_insert(m.before);
                if cur != m.before {
                    return Err(e("RAM read value differs from memory".into()));
                }
                let after = if f.store { row.rs2_val } else { m.before };
                if m.after != after {
                    return Err(e("RAM write value".into()));
                }
                self.ram.insert(m.addr, after);
            }
            _ => return Err(e("RAM access does not follow the flags".into())),
        }
        // 5. rd
        let rd_new = if f.write_lookup {
            out
        } else if f.write_pc4 {
            b.pc.wrapping_add(4)
        } else if f.write_ram {
            row.ram.map(|m| m.before).unwrap_or(0)
        } else {
            row.rd_old
        };
        if row.rd_new != rd_new {
            return Err(e(format!("rd_new {:#x}, expected {rd_new:#x}", row.rd_new)));
        }
        self.regs[b.rd as usize] = rd_new;
        if self.regs[0] != 0 {
            return Err(e("x0 written".into()));
        }
        self.rows += 1;
        // 7. next
        if f.padding {
            return Ok(None);
        }
        if b.seq_index == 0 {
            self.cycles += 1;
        }
        if !b.is_last_in_seq() {
            self.next = Next::Bc(row.bc + 1);
            return Ok(None);
        }
        let next_pc = if f.jump {
            out as i64
        } else if f.branch && out == 1 {
            b.pc as i64 + b.imm_signed()
        } else {
            b.pc as i64 + 4
        };
        if !(0..1 << 32).contains(&next_pc) {
            return Err(e("next pc out of range".into()));
        }
        self.next = Next::Pc(next_pc as u32);
        Ok(Some(Retired { pc: b.pc, next_pc: next_pc as u32 }))
    }
}

/// Checks a whole row sequence (e.g. padded to a power of two).
pub fn check_rows(bytecode: &Bytecode, rows: &[Row]) -> Result<u64, String> {
    let mut c = Checker::new(bytecode);
    for r in rows {
        c.step(r)?;
    }
    Ok(c.cycles)
}
