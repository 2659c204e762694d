//! The cycle-first prover of Twist's read/write-checking sumcheck, for large memories (RAM).
//!
//! The address-first prover ([`super::read_write`]) costs `O(T·K)`. This one binds the cycle
//! variables first, **least significant bit first**, so each round merges neighbouring blocks
//! of rows. After `m` rounds, block `i` stands for rows `[i·2^m, (i+1)·2^m)` and the matrices
//! are kept sparse: one [`Entry`] per (block, cell) the block accesses, holding the bound
//! `ra`, `wa` and `Val`, plus the cell's value before the block's first access (`prev`) and
//! after its last (`next`). A cell a block does not touch has `ra = wa = 0` there and a
//! constant value — its neighbour's `next` (to the right) or `prev` (to the left) — so a
//! pair of blocks needs only the entries of the two. A round costs `O(entries)`, at most `2T`.
//!
//! After the cycle rounds one block is left and the rest is a dense sumcheck over the `log_k`
//! address variables (`Val(k, ρ_c) = init(k)` for cells the run never touches).
//!
//! The sumcheck's point is `(cycle challenges, least significant first; address challenges)`;
//! [`super::read_write`] turns it back into `(r_addr, r_cycle)`.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::MemoryTrace;
use crate::field::{Fr, One, Zero};
use crate::onehot::NO_ACCESS;
use crate::poly::{eq_table, DenseMle};
use crate::sumcheck::{CompositeSumcheck, SumcheckProver};

const DEGREE: usize = 3;

/// One accessed cell of one block.
#[derive(Clone, Copy, Debug)]
struct Entry {
    block: usize,
    cell: u32,
    ra: Fr,
    wa: Fr,
    val: Fr,
    /// The cell's value before the block's first access.
    prev: Fr,
    /// The cell's value after the block's last access.
    next: Fr,
}

/// The entries of row `j` (a read and a write of the same cell make one entry).
fn row_entries(j: usize, read: u32, write: u32, mem: &[u64], wv: u64) -> [Option<Entry>; 2] {
    let at = |cell: u32, ra: bool, wa: bool| {
        let v = crate::field::fr_u64(mem[cell as usize]);
        let next = if wa { crate::field::fr_u64(wv) } else { v };
        let bit = |b: bool| if b { Fr::one() } else { Fr::zero() };
        Entry { block: j, cell, ra: bit(ra), wa: bit(wa), val: v, prev: v, next }
    };
    match (read != NO_ACCESS, write != NO_ACCESS) {
        (true, true) if read == write => [Some(at(read, true, true)), None],
        (true, true) if read < write => [Some(at(read, true, false)), Some(at(write, false, true))],
        (true, true) => [Some(at(write, false, true)), Some(at(read, true, false))],
        (true, false) => [Some(at(read, true, false)), None],
        (false, true) => [Some(at(write, false, true)), None],
        (false, false) => [None, None],
    }
}

/// A cell in a pair of blocks: the left block's and the right block's `(ra, wa, val)`.
struct PairCell {
    left: (Fr, Fr, Fr),
    right: (Fr, Fr, Fr),
}

/// Walks the cells of blocks `2p` and `2p + 1` (each slice sorted by cell) in cell order,
/// filling in an untouched side from its neighbour.
fn for_each_cell(
    left: &[Entry],
    right: &[Entry],
    mut f: impl FnMut(PairCell, Option<&Entry>, Option<&Entry>),
) {
    let (mut a, mut b) = (0, 0);
    while a < left.len() || b < right.len() {
        let ord = match (left.get(a), right.get(b)) {
            (Some(l), Some(r)) => l.cell.cmp(&r.cell),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match ord {
            Ordering::Equal => {
                let (l, r) = (&left[a], &right[b]);
                f(
                    PairCell { left: (l.ra, l.wa, l.val), right: (r.ra, r.wa, r.val) },
                    Some(l),
                    Some(r),
                );
                a += 1;
                b += 1;
            }
            Ordering::Less => {
                let l = &left[a];
                f(
                    PairCell { left: (l.ra, l.wa, l.val), right: (Fr::zero(), Fr::zero(), l.next) },
                    Some(l),
                    None,
                );
                a += 1;
            }
            Ordering::Greater => {
                let r = &right[b];
                f(
                    PairCell { left: (Fr::zero(), Fr::zero(), r.prev), right: (r.ra, r.wa, r.val) },
                    None,
                    Some(r),
                );
                b += 1;
            }
        }
    }
}

type Combiner = Box<dyn Fn(&[Fr]) -> Fr + Sync + Send>;

enum Phase {
    /// Entries sorted by (block, cell); `eq` and `wv` bound over the same blocks.
    Cycle { entries: Vec<Entry>, eq: DenseMle, wv: DenseMle },
    /// Dense over the cells: `[ra(·, ρ_c), wa(·, ρ_c), Val(·, ρ_c)]`, with `eq(r_c, ρ_c)` and
    /// `wv(ρ_c)` folded into the combiner.
    Address { inst: CompositeSumcheck<Combiner>, wv: Fr },
}

/// The cycle-first prover (see the module docs).
pub(super) struct CycleFirstProver<'a> {
    trace: &'a MemoryTrace,
    gamma: Fr,
    cycle_vars_left: usize,
    phase: Phase,
}

impl<'a> CycleFirstProver<'a> {
    pub(super) fn new(trace: &'a MemoryTrace, r_cycle: &[Fr], gamma: Fr) -> Self {
        let reads = trace.reads().addrs();
        let writes = trace.writes().addrs();
        let mut entries = Vec::with_capacity(reads.len() * 2);
        trace.replay(|j, mem| {
            let wv = trace.raw_write_value(j);
            entries
                .extend(row_entries(j, reads.get(j), writes.get(j), mem, wv).into_iter().flatten());
        });
        let eq = DenseMle::new(eq_table(r_cycle));
        let wv = DenseMle::new((0..reads.len()).map(|j| trace.write_value(j)).collect());
        let mut p = Self {
            trace,
            gamma,
            cycle_vars_left: trace.log_t(),
            phase: Phase::Cycle { entries, eq, wv },
        };
        p.enter_address_phase_if_done();
        p
    }

    pub(super) fn final_evals(&self) -> super::read_write::ReadWriteEvals {
        let Phase::Address { inst, wv } = &self.phase else { panic!("sumcheck not finished") };
        let v = inst.final_evals();
        super::read_write::ReadWriteEvals { ra: v[0], wa: v[1], wv: *wv, val: v[2] }
    }

    fn enter_address_phase_if_done(&mut self) {
        if self.cycle_vars_left > 0 {
            return;
        }
        let Phase::Cycle { entries, eq, wv } = &self.phase else { return };
        let k = 1usize << self.trace.log_k();
        let mut ra = vec![Fr::zero(); k];
        let mut wa = vec![Fr::zero(); k];
        let mut val: Vec<Fr> = self.trace.init().iter().map(|&v| crate::field::fr_u64(v)).collect();
        for e in entries {
            let c = e.cell as usize;
            (ra[c], wa[c], val[c]) = (e.ra, e.wa, e.val);
        }
        let (e, w, gamma) = (eq.get(0), wv.get(0), self.gamma);
        let comb: Combiner =
            Box::new(move |v: &[Fr]| e * (v[0] * v[2] + gamma * v[1] * (w - v[2])));
        let polys = vec![DenseMle::new(ra), DenseMle::new(wa), DenseMle::new(val)];
        self.phase = Phase::Address { inst: CompositeSumcheck::new(polys, DEGREE, comb), wv: w };
    }
}

/// The entries of each pair of blocks `(2p, 2p + 1)`, as `(left, right)` slices.
fn pairs(entries: &[Entry]) -> Vec<(&[Entry], &[Entry])> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let pair = entries[start].block / 2;
        let mut mid = start;
        while mid < entries.len() && entries[mid].block == 2 * pair {
            mid += 1;
        }
        let mut end = mid;
        while end < entries.len() && entries[end].block == 2 * pair + 1 {
            end += 1;
        }
        out.push((&entries[start..mid], &entries[mid..end]));
        start = end;
    }
    out
}

fn lerp(a: Fr, b: Fr, t: Fr) -> Fr {
    a + t * (b - a)
}

impl SumcheckProver for CycleFirstProver<'_> {
    fn num_vars(&self) -> usize {
        match &self.phase {
            Phase::Cycle { .. } => self.cycle_vars_left + self.trace.log_k(),
            Phase::Address { inst, .. } => inst.num_vars(),
        }
    }

    fn degree(&self) -> usize {
        DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        let (entries, eq, wv) = match &self.phase {
            Phase::Cycle { entries, eq, wv } => (entries, eq, wv),
            Phase::Address { inst, .. } => return inst.round_evals(),
        };
        let ts: [Fr; DEGREE + 1] = std::array::from_fn(|t| Fr::from(t as u64));
        let gamma = self.gamma;
        let sums = pairs(entries)
            .par_iter()
            .fold(
                || [Fr::zero(); DEGREE + 1],
                |mut acc, (left, right)| {
                    let p = left.first().or(right.first()).expect("a pair has entries").block / 2;
                    let (e0, e1) = (eq.get(2 * p), eq.get(2 * p + 1));
                    let (w0, w1) = (wv.get(2 * p), wv.get(2 * p + 1));
                    for_each_cell(left, right, |c, _, _| {
                        for (a, &t) in acc.iter_mut().zip(&ts) {
                            let ra = lerp(c.left.0, c.right.0, t);
                            let wa = lerp(c.left.1, c.right.1, t);
                            let val = lerp(c.left.2, c.right.2, t);
                            let w = lerp(w0, w1, t);
                            *a += lerp(e0, e1, t) * (ra * val + gamma * wa * (w - val));
                        }
                    });
                    acc
                },
            )
            .reduce(|| [Fr::zero(); DEGREE + 1], crate::par::add_arrays);
        sums.to_vec()
    }

    fn bind(&mut self, r: Fr) {
        match &mut self.phase {
            Phase::Cycle { entries, eq, wv } => {
                let merged: Vec<Vec<Entry>> = pairs(entries)
                    .par_iter()
                    .map(|(left, right)| {
                        let mut out = Vec::with_capacity(left.len().max(right.len()));
                        let p = left.first().or(right.first()).expect("non-empty").block / 2;
                        for_each_cell(left, right, |c, l, rt| {
                            let cell = l.or(rt).expect("one side exists").cell;
                            out.push(Entry {
                                block: p,
                                cell,
                                ra: lerp(c.left.0, c.right.0, r),
                                wa: lerp(c.left.1, c.right.1, r),
                                val: lerp(c.left.2, c.right.2, r),
                                prev: l.map_or_else(|| rt.expect("right").prev, |l| l.prev),
                                next: rt.map_or_else(|| l.expect("left").next, |rt| rt.next),
                            });
                        });
                        out
                    })
                    .collect();
                *entries = merged.into_iter().flatten().collect();
                eq.bind_bottom(r);
                wv.bind_bottom(r);
                self.cycle_vars_left -= 1;
            }
            Phase::Address { inst, .. } => inst.bind(r),
        }
        self.enter_address_phase_if_done();
    }
}
