//! Spartan for a uniform R1CS ([`crate::r1cs`]) over a column trace of `T = 2^n` rows.
//!
//! # Protocol
//!
//! Notation: `col_j` is the MLE of column `j` (n variables, MSB first); `next_j = col_j ∘ shift`
//! is the MLE of the column read one row later (`next_j[i] = col_j[i + 1]`, `next_j[T−1] = 0`).
//! For constraint `c`, `A_c(x)` is its `a` combination with `Col(j) ↦ col_j(x)` and
//! `Next(j) ↦ next_j(x)` — multilinear in `x` — and likewise `B_c`, `C_c`.
//!
//! 1. Both sides absorb the R1CS (its full description) and `n`, then draw `τ ∈ F^n` and `β`.
//! 2. **Outer sumcheck** (degree 3, `n` rounds) of
//!    `0 = Σ_x eq(τ, x) · Σ_c β^c (A_c(x) B_c(x) − C_c(x))`, ending at a point `r`.
//!    On a satisfying trace the inner sum vanishes on every row, so the claim is 0; otherwise
//!    the left side is a non-zero polynomial in `(τ, β)` and the claim fails w.h.p.
//! 3. The prover sends `col_j(r)` for every column and `next_j(r)` for every shifted column
//!    (both absorbed); the verifier recomputes the final summand from them.
//! 4. If some column is used as `Next`: draw `ρ`, and run the **shift sumcheck** (degree 2)
//!    `Σ_j ρ^j next_j(r) = Σ_x succ(r, x) · Σ_j ρ^j col_j(x)` with
//!    `succ(r, x) = Σ_{i < T−1} eq(r, i) · eq(x, i + 1)` ([`successor_mle`], O(n) for the
//!    verifier), ending at `r'`. The prover sends `col_j(r')` for the shifted columns (absorbed).
//!
//! The returned [`SpartanClaims`] (`col_j(r)` for all `j`, `col_j(r')` for shifted `j`) are
//! **not** checked here: the caller must discharge them with PCS openings.
//!
//! # Prover performance
//!
//! Write `F(x) = Σ_c β^c (A_c B_c − C_c)(x) = L(x) + Σ_g A_g(x) B'_g(x)`: `L` collects
//! everything linear (constraints with a constant side, and every `C`); `g` runs over the
//! *product* constraints (both sides non-constant) grouped by their `A` side, with
//! `B'_g = Σ_{p ∈ g} β^p B_p` (guarded equalities under the same flag share one group).
//!
//! * No `T × columns` or `T × constraints` matrix is built. The first [`STREAMED_ROUNDS`]
//!   rounds read the caller's columns in place (a bound value is the eq-weighted sum of its
//!   source rows; a group's `B'` side is evaluated only where its `A` side is non-zero), then
//!   the outer prover keeps `1 + 2G` tables (`L`, `A_g`, `B'_g`; `G` = number of groups) of
//!   `T/2^STREAMED_ROUNDS` entries, evaluating only the products' `A`/`B` sides (±1
//!   coefficients cost an addition). `L` is the constraints' linear part, bound from the
//!   sources like the other tables (each source is read once per bound row and every table
//!   is a linear combination of the bound sources).
//! * Split-eq: the round polynomial is `eq(τ_k, t) · q(t)` with `q` quadratic; the eq factor
//!   over the remaining variables is a half-size table. The prover computes `q(0)` and the
//!   leading coefficient `q(∞) = Σ eq · Σ_g ΔA_g ΔB'_g` and derives `q(1)` from the
//!   running claim. In round one `q(0) = 0` by construction, so only `q(∞)` is computed
//!   (zero differences — unchanged flags and values between paired rows — are skipped).
//! * Binding `lo + r (hi − lo)` skips the multiplication when `hi − lo ∈ {0, 1, −1}` (bits,
//!   flags, counters: most of round one for a VM trace).
//! * The column evaluations at `r` (all columns), the next-row evaluations, and the shifted
//!   columns at `r'` are eq-weighted dot products over the caller's columns in place, in
//!   cache-sized row blocks, skipping zeros, adding (not multiplying) ones, and accumulating
//!   the other products *unreduced* (16 word multiplications, one reduction per column at the
//!   end): about 2× faster than field multiplications. This `C · T` pass is the dominant cost.
//! * Memory: `1 + 2G` tables of `T/2` entries (halving each round), eq tables of at most `T`
//!   entries, and two `T`-entry tables for the shift sumcheck — nothing proportional to the
//!   number of columns beyond the caller's own trace.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::codec::{DecodeError, Reader, Writer};
use crate::columns::{self, Column};
use crate::field::{Field, Fr, One, Zero};
use crate::poly::{eq1, eq_eval, eq_table, DenseMle};
use crate::r1cs::{Lc, R1csError, UniformR1cs, Var};
use crate::sumcheck::{self, CompositeSumcheck, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Degree of the outer sumcheck's summand in each variable.
pub const OUTER_DEGREE: usize = 3;
/// Degree of the shift sumcheck's summand in each variable.
pub const SHIFT_DEGREE: usize = 2;
/// Rounds of the outer sumcheck that read the caller's columns instead of tables: the tables
/// are built at `1/2^STREAMED_ROUNDS` of the trace's length (a thirty-second: ~145 MB at
/// `2^20` rows; the fifth streamed round costs ~1.1 s there and halves them, which took the
/// CLOB's peak under 1 GiB per million cycles).
const STREAMED_ROUNDS: usize = 5;

/// A Spartan proof. All lengths are determined by the R1CS and `log_rows`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpartanProof {
    /// Outer sumcheck: `log_rows` rounds of degree 3.
    pub outer: SumcheckProof,
    /// Every column at the outer point `r` (`num_cols` values).
    pub evals: Vec<Fr>,
    /// Every shifted column's next-row MLE at `r` (in [`UniformR1cs::shifted_columns`] order).
    pub next_evals: Vec<Fr>,
    /// Shift sumcheck: `log_rows` rounds of degree 2, or no rounds without shifted columns.
    pub shift: SumcheckProof,
    /// Every shifted column at the shift point `r'`.
    pub shift_evals: Vec<Fr>,
}

/// What a verified Spartan proof leaves to be opened by the PCS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpartanClaims {
    /// The outer point `r` (`log_rows` coordinates, MSB first).
    pub point: Vec<Fr>,
    /// `col_j(r)` for every column `j`.
    pub evals: Vec<Fr>,
    /// The shift point `r'` (empty when no column is used as `Next`).
    pub shift_point: Vec<Fr>,
    /// `col_j(r')` for the shifted columns, in column order.
    pub shift_evals: Vec<Fr>,
}

/// Why a Spartan proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpartanError {
    #[error("invalid R1CS: {0}")]
    InvalidR1cs(#[from] R1csError),
    #[error("proof has the wrong shape: {0}")]
    Shape(String),
    #[error("outer sumcheck: {0}")]
    Outer(SumcheckError),
    #[error(
        "outer sumcheck: the final claim does not match the constraints at the sent evaluations"
    )]
    OuterFinal,
    #[error("shift sumcheck: {0}")]
    Shift(SumcheckError),
    #[error("shift sumcheck: the final claim does not match the sent evaluations")]
    ShiftFinal,
}

impl SpartanProof {
    pub fn write(&self, w: &mut Writer) {
        w.sumcheck(&self.outer);
        w.frs(&self.evals);
        w.frs(&self.next_evals);
        w.sumcheck(&self.shift);
        w.frs(&self.shift_evals);
    }

    /// Decode with every length taken from the verifier's R1CS and `log_rows`.
    pub fn read(r: &mut Reader, r1cs: &UniformR1cs, log_rows: usize) -> Result<Self, DecodeError> {
        let s = r1cs.shifted_columns().len();
        let outer = r.sumcheck(log_rows, OUTER_DEGREE, "spartan outer sumcheck")?;
        let evals = r.frs_exact(r1cs.num_cols, "spartan column evaluations")?;
        let next_evals = r.frs_exact(s, "spartan next-row evaluations")?;
        let shift_rounds = if s > 0 { log_rows } else { 0 };
        let shift = r.sumcheck(shift_rounds, SHIFT_DEGREE, "spartan shift sumcheck")?;
        let shift_evals = r.frs_exact(s, "spartan shifted-column evaluations")?;
        Ok(Self { outer, evals, next_evals, shift, shift_evals })
    }
}

/// The MLE of the successor relation: `succ(r, x) = Σ_{i=0}^{T−2} eq(r, i) · eq(x, i + 1)`
/// for points of `n` coordinates (MSB first), in O(n).
///
/// `i + 1` differs from `i` as follows: for some bit position `p` (MSB index), `i` has 0 at
/// `p` and 1 at every less significant position, `i + 1` has 1 at `p` and 0 below, and the
/// more significant bits agree. Summing over `p` (the all-ones `i` has no successor):
/// `succ(r, x) = Σ_p Π_{q<p} eq(r_q, x_q) · (1 − r_p) x_p · Π_{q>p} r_q (1 − x_q)`.
pub fn successor_mle(r: &[Fr], x: &[Fr]) -> Fr {
    assert_eq!(r.len(), x.len(), "successor MLE on points of different lengths");
    let n = r.len();
    // low[p] = Π_{q ≥ p} r_q (1 − x_q)
    let mut low = vec![Fr::one(); n + 1];
    for q in (0..n).rev() {
        low[q] = low[q + 1] * r[q] * (Fr::one() - x[q]);
    }
    let mut high = Fr::one();
    let mut total = Fr::zero();
    for p in 0..n {
        total += high * (Fr::one() - r[p]) * x[p] * low[p + 1];
        high *= eq1(r[p], x[p]);
    }
    total
}

/// The statement both sides bind before drawing challenges: the R1CS and the row count.
fn absorb_statement(r1cs: &UniformR1cs, log_rows: usize, t: &mut Transcript) {
    let mut w = Writer::new();
    w.u64(r1cs.num_cols as u64);
    w.u64(r1cs.constraints.len() as u64);
    for con in &r1cs.constraints {
        for lc in con.lcs() {
            w.u32(lc.terms.len() as u32);
            for &(v, c) in &lc.terms {
                match v {
                    Var::Col(j) => {
                        w.u8(0);
                        w.u64(j as u64);
                    }
                    Var::Next(j) => {
                        w.u8(1);
                        w.u64(j as u64);
                    }
                }
                w.fr(&c);
            }
            w.fr(&lc.constant);
        }
    }
    t.append_bytes(b"spartan/r1cs", &w.finish());
    t.append_u64(b"spartan/log_rows", log_rows as u64);
}

/// A linear combination over "slots" (`0..C` columns, `C..C+S` next-row columns), split by
/// coefficient so that ±1 terms need no multiplication.
#[derive(Clone, Debug, Default)]
struct FastLc {
    plus: Vec<usize>,
    minus: Vec<usize>,
    scaled: Vec<(usize, Fr)>,
    constant: Fr,
}

impl FastLc {
    fn new(lc: &Lc, slot: impl Fn(Var) -> usize) -> Self {
        let mut map: BTreeMap<usize, Fr> = BTreeMap::new();
        for &(v, c) in &lc.terms {
            *map.entry(slot(v)).or_insert_with(Fr::zero) += c;
        }
        let mut out = FastLc { constant: lc.constant, ..Default::default() };
        let minus_one = -Fr::one();
        for (s, c) in map {
            if c.is_zero() {
                continue;
            } else if c.is_one() {
                out.plus.push(s);
            } else if c == minus_one {
                out.minus.push(s);
            } else {
                out.scaled.push((s, c));
            }
        }
        out
    }

    #[inline(always)]
    fn eval(&self, get: impl Fn(usize) -> Fr) -> Fr {
        let mut acc = self.constant;
        for &s in &self.plus {
            acc += get(s);
        }
        for &s in &self.minus {
            acc -= get(s);
        }
        for &(s, c) in &self.scaled {
            acc += c * get(s);
        }
        acc
    }
}

/// `lo + r (hi − lo)`, skipping the multiplication for differences 0 and ±1.
#[inline(always)]
fn lerp(lo: Fr, hi: Fr, r: Fr, minus_one: Fr) -> Fr {
    let d = hi - lo;
    if d.is_zero() {
        lo
    } else if d.is_one() {
        lo + r
    } else if d == minus_one {
        lo - r
    } else {
        lo + r * d
    }
}

/// Every column's MLE at `point`, then every shifted column's next-row MLE there
/// (`Σ_{i < T−1} eq(point, i) · col[i + 1]`), from one eq table ([`columns::evaluate`]).
fn evaluate_columns(cols: &[Column<'_>], shifted: &[usize], point: &[Fr]) -> (Vec<Fr>, Vec<Fr>) {
    let eq = eq_table(point);
    let shifted_cols: Vec<Column<'_>> = shifted.iter().map(|&j| cols[j]).collect();
    (columns::evaluate(cols, &eq, 0), columns::evaluate(&shifted_cols, &eq, 1))
}

/// The outer sumcheck prover.
///
/// Writing `F(x) = Σ_c β^c (A_c B_c − C_c)(x) = L(x) + Σ_p β_p A_p(x) B_p(x)`, where `p` runs
/// over the product constraints (both sides non-constant) and `L` collects every linear part,
/// the prover keeps `1 + 2G` tables: `L`, and per group `g` of product constraints sharing
/// their `A` side, `A_g` and `Σ_{p ∈ g} β_p B_p` — every one a linear combination of the
/// sources (columns and next-row columns). The first [`STREAMED_ROUNDS`] rounds read the
/// caller's columns in place: per bound row, each source is bound once (its eq-weighted sum
/// over the rows that fold into it) and the tables' bound values are their combinations of
/// the bound sources; then the tables are materialised the same way, already bound to those
/// rounds' challenges.
struct Outer<'a> {
    cols: &'a [Column<'a>],
    shifted: &'a [usize],
    /// `(A_g, Σ_{p ∈ g} β_p B_p)` per group of product constraints with the same `A`.
    prods: Vec<(FastLc, FastLc)>,
    /// `L`: every linear part, `Σ_c β_c·(A_c B_c − C_c)` over the constraints with a
    /// constant side and `−Σ_p β_p C_p` over the product constraints (read only while the
    /// tables do not exist: a bound value of a linear combination is the combination of
    /// the bound sources).
    lin: FastLc,
    /// Number of sources: the columns, then the next-row columns.
    slots: usize,
    /// `[L, A_0, B'_0, A_1, B'_1, …]` (`B'_g = Σ β_p B_p`), each of length `len`; empty
    /// while the first [`STREAMED_ROUNDS`] rounds read the caller's columns.
    tables: Vec<Vec<Fr>>,
    /// The challenges bound while no table exists yet.
    prefix: Vec<Fr>,
    tau: Vec<Fr>,
    n: usize,
    round: usize,
    len: usize,
    /// `Π_{k < round} eq(τ_k, r_k)`.
    scale: Fr,
    /// The running claim divided by `scale`: `q_{round−1}(r_{round−1})` (0 at the start).
    inner: Fr,
    /// `q(0)` and the leading coefficient `q(∞)` of this round's quadratic.
    q0: Fr,
    qinf: Fr,
}

impl<'a> Outer<'a> {
    fn new(
        r1cs: &UniformR1cs,
        cols: &'a [Column<'a>],
        shifted: &'a [usize],
        betas: &[Fr],
        tau: Vec<Fr>,
    ) -> Self {
        let c = cols.len();
        let slot = |v: Var| match v {
            Var::Col(j) => j,
            Var::Next(j) => {
                c + shifted.binary_search(&j).expect("shifted_columns lists every Next column")
            }
        };
        // Product constraints sharing their `A` side (e.g. guarded equalities under one flag)
        // are merged: Σ_p β_p A B_p = A · (Σ_p β_p B_p).
        let mut groups: Vec<(&Lc, Lc)> = Vec::new();
        let mut lin = Lc::zero();
        for (con, &beta) in r1cs.constraints.iter().zip(betas) {
            lin -= con.c.clone() * beta;
            if con.a.is_constant() {
                lin += con.b.clone() * (con.a.constant * beta);
                continue;
            }
            if con.b.is_constant() {
                lin += con.a.clone() * (con.b.constant * beta);
                continue;
            }
            let scaled_b = con.b.clone() * beta;
            match groups.iter_mut().find(|(a, _)| **a == con.a) {
                Some((_, b)) => *b += scaled_b,
                None => groups.push((&con.a, scaled_b)),
            }
        }
        let prods: Vec<(FastLc, FastLc)> =
            groups.iter().map(|(a, b)| (FastLc::new(a, slot), FastLc::new(b, slot))).collect();
        let n = tau.len();
        let mut s = Outer {
            cols,
            shifted,
            prods,
            lin: FastLc::new(&lin, slot),
            slots: c + shifted.len(),
            tables: Vec::new(),
            prefix: Vec::new(),
            tau,
            n,
            round: 0,
            len: cols[0].len(),
            scale: Fr::one(),
            inner: Fr::zero(),
            q0: Fr::zero(),
            qinf: Fr::zero(),
        };
        if n > 0 {
            // Round one: q(0) = Σ eq · F(row) = 0 on a satisfying trace.
            s.qinf = s.first_round_qinf();
        }
        s
    }

    /// Slot value on row `i` of the caller's trace (next of the last row reads 0).
    #[inline(always)]
    fn source(&self, s: usize, i: usize) -> Fr {
        let (col, shift) = self.slot_column(s);
        if i + shift < col.len() {
            col.get(i + shift)
        } else {
            Fr::zero()
        }
    }

    /// Source `s` as a column and the rows it is read later by (0, or 1 for a next-row
    /// column).
    #[inline(always)]
    fn slot_column(&self, s: usize) -> (&Column<'a>, usize) {
        match s.checked_sub(self.cols.len()) {
            None => (&self.cols[s], 0),
            Some(k) => (&self.cols[self.shifted[k]], 1),
        }
    }

    /// Round one's leading coefficient, from the caller's columns.
    fn first_round_qinf(&self) -> Fr {
        let h = self.len / 2;
        let eq_rest = eq_table(&self.tau[1..]);
        eq_rest
            .par_iter()
            .enumerate()
            .with_min_len(1 << 10)
            .map(|(i, e)| {
                let mut f = Fr::zero();
                for (a, b) in &self.prods {
                    let da = a.eval(|s| self.source(s, i + h)) - a.eval(|s| self.source(s, i));
                    if da.is_zero() {
                        continue;
                    }
                    let db = b.eval(|s| self.source(s, i + h)) - b.eval(|s| self.source(s, i));
                    if !db.is_zero() {
                        f += da * db;
                    }
                }
                if f.is_zero() {
                    f
                } else {
                    *e * f
                }
            })
            .sum()
    }

    /// `(q(0), q(∞))` for rounds two and later, from the tables.
    fn round_q(&self) -> (Fr, Fr) {
        let h = self.len / 2;
        let eq_rest = eq_table(&self.tau[self.round + 1..]);
        let l = &self.tables[0];
        eq_rest
            .par_iter()
            .enumerate()
            .with_min_len(1 << 10)
            .map(|(i, e)| {
                let mut f0 = l[i];
                let mut finf = Fr::zero();
                for p in 0..self.prods.len() {
                    let (a, b) = (&self.tables[1 + 2 * p], &self.tables[2 + 2 * p]);
                    f0 += a[i] * b[i];
                    let da = a[i + h] - a[i];
                    if !da.is_zero() {
                        finf += da * (b[i + h] - b[i]);
                    }
                }
                let qinf = if finf.is_zero() { finf } else { *e * finf };
                (*e * f0, qinf)
            })
            .reduce(|| (Fr::zero(), Fr::zero()), |a, b| (a.0 + b.0, a.1 + b.1))
    }

    /// `Σ_rows w·source(s, row)` for every source `s`, into `out`.
    fn bind_sources(&self, rows: &[(usize, Fr)], out: &mut [Fr]) {
        for (s, o) in out.iter_mut().enumerate() {
            let (col, shift) = self.slot_column(s);
            *o = col.weighted_sum(rows, shift);
        }
    }

    /// `(q(0), q(1), q(∞))` of a round before the tables exist, from the caller's columns:
    /// each source is bound (its eq-weighted sum over the rows that fold into a bound row),
    /// then every table's bound value is its linear combination of the bound sources; a
    /// group's `B'` side is only evaluated where its `A` side is non-zero (flags are zero on
    /// most rows). `q(1)` is only summed when asked for (the running claim gives it).
    fn stream_q(&self, with_q1: bool) -> (Fr, Fr, Fr) {
        let h = self.len / 2;
        let weights = eq_table(&self.prefix);
        let eq_rest = eq_table(&self.tau[self.round + 1..]);
        // Per worker: the bound sources of the pair and the row list, reused.
        struct Acc {
            q: [Fr; 3],
            lo: Vec<Fr>,
            hi: Vec<Fr>,
            rows: Vec<(usize, Fr)>,
        }
        let len = self.len;
        eq_rest
            .par_iter()
            .enumerate()
            .with_min_len(1 << 9)
            .fold(
                || Acc {
                    q: [Fr::zero(); 3],
                    lo: vec![Fr::zero(); self.slots],
                    hi: vec![Fr::zero(); self.slots],
                    rows: Vec::with_capacity(2 * weights.len()),
                },
                |mut acc, (x, e)| {
                    // Bound row x's sources are y·len + x, those of x + h follow them.
                    acc.rows.clear();
                    for off in [x, x + h] {
                        acc.rows
                            .extend(weights.iter().enumerate().map(|(y, w)| (y * len + off, *w)));
                    }
                    let (lo_rows, hi_rows) = acc.rows.split_at(weights.len());
                    self.bind_sources(lo_rows, &mut acc.lo);
                    self.bind_sources(hi_rows, &mut acc.hi);
                    let (lo, hi) = (&acc.lo, &acc.hi);
                    let mut f0 = self.lin.eval(|s| lo[s]);
                    let mut f1 = if with_q1 { self.lin.eval(|s| hi[s]) } else { Fr::zero() };
                    let mut finf = Fr::zero();
                    for (a, b) in &self.prods {
                        let (a0, a1) = (a.eval(|s| lo[s]), a.eval(|s| hi[s]));
                        if a0.is_zero() && a1.is_zero() {
                            continue;
                        }
                        let (b0, b1) = (b.eval(|s| lo[s]), b.eval(|s| hi[s]));
                        f0 += a0 * b0;
                        if with_q1 {
                            f1 += a1 * b1;
                        }
                        finf += (a1 - a0) * (b1 - b0);
                    }
                    acc.q[0] += *e * f0;
                    acc.q[1] += *e * f1;
                    acc.q[2] += *e * finf;
                    acc
                },
            )
            .map(|acc| (acc.q[0], acc.q[1], acc.q[2]))
            .reduce(
                || (Fr::zero(), Fr::zero(), Fr::zero()),
                |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2),
            )
    }

    /// The tables `[L, A_0, B'_0, …]` of the trace bound to the streamed challenges (length
    /// `len / 2` after the last of them): blocks of rows on every core, each writing its rows
    /// of every table.
    fn materialize(&self) -> Vec<Vec<Fr>> {
        const BLOCK: usize = 1 << 10;
        let h = self.len / 2;
        let k = 1 + 2 * self.prods.len();
        let weights = eq_table(&self.prefix);
        let mut tables: Vec<Vec<Fr>> = (0..k).map(|_| vec![Fr::zero(); h]).collect();
        let mut blocks: Vec<Vec<&mut [Fr]>> = (0..h.div_ceil(BLOCK)).map(|_| Vec::new()).collect();
        for t in &mut tables {
            for (b, part) in t.chunks_mut(BLOCK).enumerate() {
                blocks[b].push(part);
            }
        }
        // Rows are `y·h + x` over the bound prefixes `y` (the table length is `h` now).
        blocks.into_par_iter().enumerate().for_each(|(b, mut parts)| {
            let mut bound = vec![Fr::zero(); self.slots];
            let mut rows = Vec::with_capacity(weights.len());
            for off in 0..parts[0].len() {
                let x = b * BLOCK + off;
                rows.clear();
                rows.extend(weights.iter().enumerate().map(|(y, w)| (y * h + x, *w)));
                self.bind_sources(&rows, &mut bound);
                let value = |s: usize| bound[s];
                parts[0][off] = self.lin.eval(value);
                for (g, (a, b)) in self.prods.iter().enumerate() {
                    parts[1 + 2 * g][off] = a.eval(value);
                    parts[2 + 2 * g][off] = b.eval(value);
                }
            }
        });
        tables
    }

    /// `q(1)` computed directly (only needed if `τ_k = 0`, probability ~2^-254).
    fn q1_direct(&self) -> Fr {
        if self.round == 0 {
            return Fr::zero();
        }
        if self.tables.is_empty() {
            return self.stream_q(true).1;
        }
        let h = self.len / 2;
        let eq_rest = eq_table(&self.tau[self.round + 1..]);
        let mut q1 = Fr::zero();
        for (i, e) in eq_rest.iter().enumerate() {
            let mut f = self.tables[0][i + h];
            for p in 0..self.prods.len() {
                f += self.tables[1 + 2 * p][i + h] * self.tables[2 + 2 * p][i + h];
            }
            q1 += *e * f;
        }
        q1
    }

    /// `q(1)` from the running claim: `inner = (1 − τ_k) q(0) + τ_k q(1)`.
    fn q1(&self) -> Fr {
        let tau = self.tau[self.round];
        match tau.inverse() {
            Some(inv) => (self.inner - (Fr::one() - tau) * self.q0) * inv,
            None => self.q1_direct(),
        }
    }

    /// `q(t) = q(0) + (q(1) − q(0) − q(∞)) t + q(∞) t²`.
    fn q_at(&self, q1: Fr, t: Fr) -> Fr {
        self.q0 + (q1 - self.q0 - self.qinf) * t + self.qinf * t * t
    }
}

impl SumcheckProver for Outer<'_> {
    fn num_vars(&self) -> usize {
        self.n - self.round
    }

    fn degree(&self) -> usize {
        OUTER_DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        let tau = self.tau[self.round];
        let q1 = self.q1();
        (0..=OUTER_DEGREE as u64)
            .map(|t| {
                let t = Fr::from(t);
                self.scale * eq1(tau, t) * self.q_at(q1, t)
            })
            .collect()
    }

    fn bind(&mut self, r: Fr) {
        let q1 = self.q1();
        self.inner = self.q_at(q1, r);
        self.scale *= eq1(self.tau[self.round], r);
        let h = self.len / 2;
        let minus_one = -Fr::one();
        if self.tables.is_empty() {
            self.prefix.push(r);
            if self.prefix.len() == STREAMED_ROUNDS.min(self.n) {
                self.tables = self.materialize();
            }
        } else {
            self.tables.par_iter_mut().for_each(|t| {
                let (lo, hi) = t.split_at_mut(h);
                for (l, hv) in lo.iter_mut().zip(hi.iter()) {
                    *l = lerp(*l, *hv, r, minus_one);
                }
                t.truncate(h);
            });
        }
        self.round += 1;
        self.len = h;
        if self.round < self.n {
            (self.q0, self.qinf) = if self.tables.is_empty() {
                let (q0, _, qinf) = self.stream_q(false);
                (q0, qinf)
            } else {
                self.round_q()
            };
        }
    }
}

fn shift_summand(v: &[Fr]) -> Fr {
    v[0] * v[1]
}

/// Prove that `cols` satisfies `r1cs` on every row. Panics if the R1CS is malformed or the
/// columns are not `num_cols ≥ 1` vectors of one power-of-two length; an unsatisfied trace
/// yields a proof that [`verify`] rejects.
pub fn prove(
    r1cs: &UniformR1cs,
    cols: &[Column<'_>],
    transcript: &mut Transcript,
) -> (SpartanProof, SpartanClaims) {
    r1cs.validate().expect("malformed R1CS");
    assert_eq!(cols.len(), r1cs.num_cols, "wrong number of columns");
    assert!(!cols.is_empty(), "a trace needs at least one column");
    let rows = cols[0].len();
    assert!(rows.is_power_of_two(), "row count {rows} is not a power of two");
    assert!(cols.iter().all(|c| c.len() == rows), "columns differ in length");
    let n = rows.trailing_zeros() as usize;
    let shifted = r1cs.shifted_columns();

    absorb_statement(r1cs, n, transcript);
    let tau = transcript.challenge_scalars(b"spartan/tau", n);
    let betas = transcript.challenge_powers(b"spartan/beta", r1cs.constraints.len());

    let mut outer = Outer::new(r1cs, cols, &shifted, &betas, tau);
    let (outer_proof, point) = sumcheck::prove(&mut outer, Fr::zero(), transcript);
    drop(outer);
    let (evals, next_evals) = evaluate_columns(cols, &shifted, &point);
    transcript.append_scalars(b"spartan/evals", &evals);
    transcript.append_scalars(b"spartan/next_evals", &next_evals);

    let (shift_proof, shift_point, shift_evals) = if shifted.is_empty() {
        (SumcheckProof { round_polys: Vec::new() }, Vec::new(), Vec::new())
    } else {
        let rhos = transcript.challenge_powers(b"spartan/rho", shifted.len());
        let claim: Fr = rhos.iter().zip(&next_evals).map(|(a, b)| *a * b).sum();
        // succ(r, x) on the hypercube: eq(r, x − 1) for x ≥ 1, 0 for x = 0.
        let mut succ = eq_table(&point);
        succ.rotate_right(1);
        succ[0] = Fr::zero();
        let shifted_cols: Vec<Column<'_>> = shifted.iter().map(|&j| cols[j]).collect();
        let combined = columns::combine(&shifted_cols, &rhos);
        let mut inst = CompositeSumcheck::new(
            vec![DenseMle::new(succ), DenseMle::new(combined)],
            SHIFT_DEGREE,
            shift_summand as fn(&[Fr]) -> Fr,
        );
        let (proof, shift_point) = sumcheck::prove(&mut inst, claim, transcript);
        drop(inst);
        let shift_evals = columns::evaluate(&shifted_cols, &eq_table(&shift_point), 0);
        transcript.append_scalars(b"spartan/shift_evals", &shift_evals);
        (proof, shift_point, shift_evals)
    };

    let proof = SpartanProof {
        outer: outer_proof,
        evals: evals.clone(),
        next_evals,
        shift: shift_proof,
        shift_evals: shift_evals.clone(),
    };
    (proof, SpartanClaims { point, evals, shift_point, shift_evals })
}

/// Verify a proof for a trace of `2^log_rows` rows. On success the returned claims must still
/// be checked against the column commitments (PCS openings) by the caller.
pub fn verify(
    r1cs: &UniformR1cs,
    log_rows: usize,
    proof: &SpartanProof,
    transcript: &mut Transcript,
) -> Result<SpartanClaims, SpartanError> {
    r1cs.validate()?;
    let shifted = r1cs.shifted_columns();
    let (c, s) = (r1cs.num_cols, shifted.len());
    let shape = |what: &str, got: usize, want: usize| {
        if got == want {
            Ok(())
        } else {
            Err(SpartanError::Shape(format!("{what}: {got} values, expected {want}")))
        }
    };
    shape("column evaluations", proof.evals.len(), c)?;
    shape("next-row evaluations", proof.next_evals.len(), s)?;
    shape("shifted-column evaluations", proof.shift_evals.len(), s)?;
    if s == 0 {
        shape("shift sumcheck rounds", proof.shift.round_polys.len(), 0)?;
    }

    absorb_statement(r1cs, log_rows, transcript);
    let tau = transcript.challenge_scalars(b"spartan/tau", log_rows);
    let betas = transcript.challenge_powers(b"spartan/beta", r1cs.constraints.len());

    let (outer_final, point) =
        sumcheck::verify(Fr::zero(), log_rows, OUTER_DEGREE, &proof.outer, transcript)
            .map_err(SpartanError::Outer)?;
    transcript.append_scalars(b"spartan/evals", &proof.evals);
    transcript.append_scalars(b"spartan/next_evals", &proof.next_evals);
    let value = |v: Var| match v {
        Var::Col(j) => proof.evals[j],
        Var::Next(j) => {
            proof.next_evals[shifted.binary_search(&j).expect("every Next column is listed")]
        }
    };
    let residual: Fr = r1cs
        .constraints
        .iter()
        .zip(&betas)
        .map(|(con, beta)| {
            *beta * (con.a.evaluate(value) * con.b.evaluate(value) - con.c.evaluate(value))
        })
        .sum();
    if outer_final != eq_eval(&tau, &point) * residual {
        return Err(SpartanError::OuterFinal);
    }

    let shift_point = if s == 0 {
        Vec::new()
    } else {
        let rhos = transcript.challenge_powers(b"spartan/rho", s);
        let claim: Fr = rhos.iter().zip(&proof.next_evals).map(|(a, b)| *a * b).sum();
        let (shift_final, shift_point) =
            sumcheck::verify(claim, log_rows, SHIFT_DEGREE, &proof.shift, transcript)
                .map_err(SpartanError::Shift)?;
        transcript.append_scalars(b"spartan/shift_evals", &proof.shift_evals);
        let combined: Fr = rhos.iter().zip(&proof.shift_evals).map(|(a, b)| *a * b).sum();
        if shift_final != successor_mle(&point, &shift_point) * combined {
            return Err(SpartanError::ShiftFinal);
        }
        shift_point
    };

    Ok(SpartanClaims {
        point,
        evals: proof.evals.clone(),
        shift_point,
        shift_evals: proof.shift_evals.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::index_to_point;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn successor_closed_form_matches_brute_force() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for n in 0..7 {
            let t = 1usize << n;
            // On the hypercube: exactly the successor pairs.
            for i in 0..t {
                for x in 0..t {
                    let v = successor_mle(&index_to_point(i, n), &index_to_point(x, n));
                    assert_eq!(
                        v,
                        if x == i + 1 { Fr::one() } else { Fr::zero() },
                        "n={n} i={i} x={x}"
                    );
                }
            }
            // At random points: the defining sum.
            for _ in 0..4 {
                let r: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let brute: Fr = (0..t.saturating_sub(1))
                    .map(|i| {
                        eq_eval(&r, &index_to_point(i, n)) * eq_eval(&x, &index_to_point(i + 1, n))
                    })
                    .sum();
                assert_eq!(successor_mle(&r, &x), brute, "n={n}");
                // The prover's table: succ(r, x) over x = eq(r, x − 1).
                let mut succ = eq_table(&r);
                succ.rotate_right(1);
                succ[0] = Fr::zero();
                assert_eq!(DenseMle::new(succ).evaluate(&x), brute);
            }
        }
    }

    #[test]
    fn evaluate_columns_matches_mle() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for n in 0..6 {
            let t = 1usize << n;
            let cols: Vec<Vec<Fr>> =
                (0..3).map(|_| (0..t).map(|_| Fr::rand(&mut rng)).collect()).collect();
            let point: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let (evals, next) = evaluate_columns(&columns::dense(&cols), &[0, 2], &point);
            for j in 0..3 {
                assert_eq!(evals[j], DenseMle::new(cols[j].clone()).evaluate(&point));
            }
            for (k, &j) in [0usize, 2].iter().enumerate() {
                let mut shifted: Vec<Fr> = cols[j][1..].to_vec();
                shifted.push(Fr::zero());
                assert_eq!(next[k], DenseMle::new(shifted).evaluate(&point));
            }
        }
    }

    #[test]
    fn lerp_shortcuts_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let r = Fr::rand(&mut rng);
        let m1 = -Fr::one();
        for (lo, hi) in [(5u64, 5u64), (5, 6), (6, 5), (0, 9), (9, 0)] {
            let (lo, hi) = (Fr::from(lo), Fr::from(hi));
            assert_eq!(lerp(lo, hi, r, m1), lo + r * (hi - lo));
        }
    }
}
