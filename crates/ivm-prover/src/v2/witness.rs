//! The v2 witness of a run: the CPU columns, the one-hot addresses of every lookup and fetch,
//! and the register and RAM memory traces.
//!
//! Shapes (`T = 2^log_rows` rows):
//! * bytecode: one fetch per row, `K_bc × T`;
//! * registers: two memory rows per row — `2i` reads `rs1`, `2i + 1` reads `rs2` and then
//!   writes `WRD` (always; 0 when the instruction writes nothing) — `64 × 2T`;
//! * RAM: at most one access per row, which reads and writes the same word (a load writes the
//!   value back), over the remapped pages, `K_ram × T`;
//! * lookups: the eight slot reads of row `i` are memory rows `8i + s` of one matrix over the
//!   `2^21` subtable cells `(kind, a, b)`, `2^21 × 8T`; a slot its table does not use (and
//!   every slot of a row without a lookup) reads nothing.
use std::collections::BTreeMap;

use ivm_abi::{OUTPUT_LEN_ADDR, PANIC_ADDR, TERMINATION_ADDR};
use rayon::prelude::*;

use super::bytecode::fields_table;
use super::cpu::{self, FIRST_COMMITTED, NUM_BC, NUM_COLS};
use super::ram::{required_pages, Remapped};
use crate::bytecode_fields::{cell, log_rows_for, INSEQ, LOG_K_LOOKUP, PADDING};
use crate::columns::{self, Column, Stored};
use crate::field::fr_to_u64;
use crate::field::Fr;
use crate::isa::tables::SLOTS;
use crate::isa::Row;
use crate::onehot::{OneHot, NO_ACCESS};
use crate::paged_ram::PageMap;
use crate::preprocess::Preprocessed;
use crate::ram::FinalControl;
use crate::twist::MemoryTrace;

/// The largest trace v2 proves: `2^MAX_LOG_ROWS` rows.
pub const MAX_LOG_ROWS: usize = 24;
/// Register file: 32 architectural and 32 virtual registers.
pub const LOG_REGISTERS: usize = 6;
/// Memory rows per CPU row in the register trace and the lookup matrix (as powers of two).
pub const LOG_REGISTER_ROWS: usize = 1;
pub const LOG_SLOT_ROWS: usize = 3;

/// Everything the v2 prover commits to or proves about.
pub struct Witness {
    pub log_rows: usize,
    /// The bytecode table's fields (`bytecode::fields_table`): CPU columns `0..NUM_BC` of
    /// row `i` are entry `bytecode.addrs()[i]`'s, so they are never stored per row.
    pub fields: Vec<[Fr; NUM_BC]>,
    /// [`columns::small_entries`] of `fields`.
    pub fields_small: Vec<i32>,
    /// The stored virtual CPU columns, `NUM_BC..FIRST_COMMITTED`, of `T` rows each: register
    /// and RAM values, the RAM address, permission bits, slot bytes and values, all below
    /// 2^32 ([`Witness::col`]).
    pub small: Vec<Vec<u32>>,
    /// The committed CPU columns, `FIRST_COMMITTED..NUM_COLS`, small where every value is
    /// below 2^32.
    pub committed: Vec<Stored>,
    pub bytecode: OneHot,
    pub registers: MemoryTrace,
    pub ram: MemoryTrace,
    pub ram_final: Vec<u64>,
    pub map: PageMap,
    pub lookups: OneHot,
    pub control: FinalControl,
}

/// Why a witness cannot be built (the run does not fit what v2 can prove).
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error("{0} rows exceed the maximum of 2^{1}")]
    TooManyRows(usize, usize),
}

/// Build the witness of `rows` (the expanded trace, ending with the faulting row
/// `fault_row` if the run faulted) for a run that started from `initial` (non-zero words by
/// byte address) and committed `output_len` output bytes.
pub(crate) fn build(
    pre: &Preprocessed,
    rows: &[Row],
    fault_row: Option<usize>,
    initial: &BTreeMap<u32, u32>,
    output_len: usize,
) -> Result<Witness, WitnessError> {
    let log_rows = log_rows_for(rows.len());
    if log_rows > MAX_LOG_ROWS {
        return Err(WitnessError::TooManyRows(rows.len(), MAX_LOG_ROWS));
    }
    let t = 1usize << log_rows;
    let padding = Row::padding();
    let row = |i: usize| rows.get(i).unwrap_or(&padding);

    let mut touched: Vec<u32> = rows.iter().filter_map(|r| r.ram.map(|a| a.addr)).collect();
    touched.extend(required_pages(&pre.ram, output_len).into_iter().map(|p| p * ivm_abi::PAGE));
    let map = PageMap::from_addresses(touched);

    let bytecode = OneHot::new(pre.log_k_bc, (0..t).map(|i| row(i).bc as u32).collect())
        .expect("bytecode indices are inside the table");
    let fields = fields_table(&pre.bytecode, pre.log_k_bc);
    let (small, committed) = columns(pre, t, &row, fault_row, &fields);
    let registers = register_trace(pre, t, &row, committed[cpu::RDNEW - FIRST_COMMITTED].column());
    let (ram, ram_final) = ram_trace(pre, &map, initial, t, &row);
    let lookups = lookup_matrix(t, &row);
    let control = final_control(pre, &map, &ram_final, output_len);
    let fields_small = columns::small_entries(fields.as_flattened());
    Ok(Witness {
        log_rows,
        fields,
        fields_small,
        small,
        committed,
        bytecode,
        registers,
        ram,
        ram_final,
        map,
        lookups,
        control,
    })
}

impl Witness {
    /// CPU column `c`.
    pub fn col(&self, c: usize) -> Column<'_> {
        self.columns()[c]
    }

    /// Every CPU column, in column order: the bytecode fields indexed by the fetches, the
    /// others stored.
    pub fn columns(&self) -> Vec<Column<'_>> {
        let fetches = self.bytecode.addrs().words().expect("built as words by OneHot::new");
        let mut c =
            columns::indexed(fetches, self.fields.as_flattened(), &self.fields_small, NUM_BC);
        c.extend(self.small.iter().map(|v| Column::Small(v)));
        c.extend(self.committed.iter().map(Stored::column));
        c
    }

    /// Every CPU column as a vector of `T` values (for tests: this is the memory the
    /// prover avoids).
    pub fn dense_columns(&self) -> Vec<Vec<Fr>> {
        self.columns().iter().map(Column::to_vec).collect()
    }
}

/// Columns `NUM_BC..FIRST_COMMITTED` (small) and `FIRST_COMMITTED..NUM_COLS`. Rows are
/// computed on both cores a block at a time (row-major), then scattered into the columns on
/// both cores: the transient block is small, the columns are written once.
fn columns<'a>(
    pre: &Preprocessed,
    t: usize,
    row: &(impl Fn(usize) -> &'a Row + Sync),
    fault_row: Option<usize>,
    fields: &[[Fr; NUM_BC]],
) -> (Vec<Vec<u32>>, Vec<Stored>) {
    const BLOCK: usize = 1 << 12;
    let mut small = vec![vec![0u32; t]; FIRST_COMMITTED - NUM_BC];
    let mut cols: Vec<Stored> = (FIRST_COMMITTED..NUM_COLS).map(|_| Stored::zeros(t)).collect();
    for start in (0..t).step_by(BLOCK) {
        let end = (start + BLOCK).min(t);
        let block = (start..end)
            .into_par_iter()
            .map(|i| {
                let r = row(i);
                // Outside the program's memory (a faulting access) nothing is permitted.
                let perms = r.ram.and_then(|a| pre.ram.index(a.addr)).map(|i| pre.perms.at(i));
                let fault = fault_row == Some(i);
                let entry = &pre.bytecode.rows[r.bc];
                cpu::row_columns(entry, &fields[r.bc], r, perms.unwrap_or_default(), fault)
            })
            .collect::<Vec<_>>();
        small.par_iter_mut().enumerate().for_each(|(c, col)| {
            let c = NUM_BC + c;
            for (x, v) in col[start..end].iter_mut().zip(&block) {
                *x = v
                    .word(c)
                    .or_else(|| fr_to_u64(&v.values[c]))
                    .and_then(|x| u32::try_from(x).ok())
                    .expect("a stored virtual column is below 2^32");
            }
        });
        cols.par_iter_mut().enumerate().for_each(|(c, col)| {
            let c = FIRST_COMMITTED + c;
            for (i, v) in (start..end).zip(&block) {
                match v.word(c) {
                    Some(x) => col.set_word(i, x),
                    None => col.set(i, v.values[c]),
                }
            }
        });
    }
    // LNP needs the next row: a real row (not inside a sequence) followed by a real row.
    let one = Fr::from(1u64);
    let field = |i: usize, f: usize| fields[row(i).bc][f];
    let lnp: Vec<Fr> = (0..t)
        .into_par_iter()
        .map(|i| {
            let next_padding = if i + 1 < t { field(i + 1, PADDING) } else { Fr::from(0u64) };
            (one - field(i, INSEQ) - field(i, PADDING)) * (one - next_padding)
        })
        .collect();
    let column = &mut cols[cpu::LNP - FIRST_COMMITTED];
    for (i, x) in lnp.into_iter().enumerate() {
        column.set(i, x);
    }
    (small, cols)
}

fn register_trace<'a>(
    pre: &Preprocessed,
    t: usize,
    row: &impl Fn(usize) -> &'a Row,
    rdnew: Column<'_>,
) -> MemoryTrace {
    let mut reads = Vec::with_capacity(2 * t);
    let mut writes = Vec::with_capacity(2 * t);
    let mut values = Vec::with_capacity(2 * t);
    for i in 0..t {
        let entry = &pre.bytecode.rows[row(i).bc];
        let wrd = if cpu::writes_register(entry) { entry.rd } else { 0 };
        let rdnew = crate::field::fr_to_u64(&rdnew.get(i)).expect("a 32-bit value");
        reads.extend([u32::from(entry.rs1), u32::from(entry.rs2)]);
        writes.extend([NO_ACCESS, u32::from(wrd)]);
        values.extend([0, rdnew]);
    }
    let reads = OneHot::new(LOG_REGISTERS, reads).expect("register numbers are below 64");
    let writes = OneHot::new(LOG_REGISTERS, writes).expect("register numbers are below 64");
    MemoryTrace::new(vec![0; 1 << LOG_REGISTERS], reads, writes, values).expect("shapes agree")
}

fn ram_trace<'a>(
    pre: &Preprocessed,
    map: &PageMap,
    initial: &BTreeMap<u32, u32>,
    t: usize,
    row: &impl Fn(usize) -> &'a Row,
) -> (MemoryTrace, Vec<u64>) {
    let init = Remapped { layout: &pre.ram, map }.initial_table(initial);
    let mut mem = init.clone();
    let mut addrs = vec![NO_ACCESS; t];
    let mut values = vec![0u64; t];
    for i in 0..t {
        if let Some(a) = row(i).ram {
            let k = map.remap(a.addr).expect("every accessed page is listed");
            addrs[i] = k;
            values[i] = u64::from(a.after);
            mem[k as usize] = u64::from(a.after);
        }
    }
    let oh = OneHot::new(map.log_k(), addrs).expect("remapped addresses fit the page map");
    let trace = MemoryTrace::new(init, oh.clone(), oh, values).expect("shapes agree");
    (trace, mem)
}

fn lookup_matrix<'a>(t: usize, row: &impl Fn(usize) -> &'a Row) -> OneHot {
    let mut addrs = Vec::with_capacity(t * SLOTS);
    for i in 0..t {
        let q = &row(i).lookup;
        for ((kind, a, b), used) in q.slots().into_iter().zip(q.used()) {
            addrs.push(if used { cell(kind, a, b) as u32 } else { NO_ACCESS });
        }
    }
    OneHot::new(LOG_K_LOOKUP, addrs).expect("subtable cells fit the lookup address space")
}

fn final_control(
    pre: &Preprocessed,
    map: &PageMap,
    fin: &[u64],
    output_len: usize,
) -> FinalControl {
    let word = |addr: u32| fin[map.remap(addr).expect("required pages are listed") as usize] as u32;
    let output_tail = if output_len % 4 == 0 {
        0
    } else {
        word(pre.ram.output_base + 4 * (output_len / 4) as u32) >> (8 * (output_len % 4))
    };
    FinalControl {
        panic_word: word(PANIC_ADDR),
        termination_word: word(TERMINATION_ADDR),
        output_tail,
        output_len_word: word(OUTPUT_LEN_ADDR),
    }
}
