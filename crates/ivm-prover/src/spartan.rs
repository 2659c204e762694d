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
//! * No `T × columns` or `T × constraints` matrix is ever built. The prover keeps one bound
//!   table per column and per shifted column ("next" tables, built while binding, never at
//!   full size) and evaluates the combinations on the fly per pair of rows.
//! * Constraints with a constant side (equalities, guarded equalities written as
//!   `1 · (x − y) = 0`) are linear: all of them, and the `C` side of every product constraint,
//!   are merged into **one** β-weighted linear combination. Only genuine products evaluate
//!   `A` and `B` separately. ±1 coefficients cost an addition, not a multiplication.
//! * Split-eq: the round polynomial is `eq(τ_k, t) · q(t)` with `q` quadratic and the eq
//!   factor over the remaining variables a half-size table; the prover computes only `q(0)` and
//!   the leading coefficient `q(∞) = Σ eq · Σ_c β^c ΔA_c ΔB_c`, and derives `q(1)` from the
//!   running claim. The leading coefficient only involves product constraints.
//! * Round one runs on the hypercube rows themselves: on a satisfying trace every row's
//!   residual is 0, so `q(0) = q(1) = 0` and only the (few) product constraints are evaluated;
//!   linear constraints cost nothing. (An unsatisfied trace gives a proof that the verifier
//!   rejects; the prover never panics on it.) Round one reads the caller's columns in place and
//!   writes half-size bound tables; the next-row tables come from the same columns at offset 1.
//! * Binding `lo + r (hi − lo)` skips the multiplication when `hi − lo ∈ {0, 1, −1}`: in round
//!   one that covers bits, flags, counters and unchanged values — most of a VM trace.
//! * Memory: the bound tables (half the trace after round one, shrinking) and eq tables of at
//!   most `T/2` entries; the shift sumcheck uses two `T`-entry tables.

use std::collections::BTreeMap;

use crate::codec::{DecodeError, Reader, Writer};
use crate::field::{Field, Fr, One, Zero};
use crate::poly::{eq_eval, eq_table, DenseMle};
use crate::r1cs::{Lc, R1csError, UniformR1cs, Var};
use crate::sumcheck::{self, CompositeSumcheck, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Degree of the outer sumcheck's summand in each variable.
pub const OUTER_DEGREE: usize = 3;
/// Degree of the shift sumcheck's summand in each variable.
pub const SHIFT_DEGREE: usize = 2;

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
    #[error("outer sumcheck: the final claim does not match the constraints at the sent evaluations")]
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

/// `eq(a, t)` for single coordinates.
#[inline]
fn eq1(a: Fr, t: Fr) -> Fr {
    a * t + (Fr::one() - a) * (Fr::one() - t)
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
    fn from_map(map: BTreeMap<usize, Fr>, constant: Fr) -> Self {
        let mut out = FastLc { constant, ..Default::default() };
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

    /// `Σ coeff · get(slot)`, without the constant.
    #[inline(always)]
    fn eval_linear(&self, get: impl Fn(usize) -> Fr) -> Fr {
        let mut acc = Fr::zero();
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

    #[inline(always)]
    fn eval(&self, get: impl Fn(usize) -> Fr) -> Fr {
        self.constant + self.eval_linear(get)
    }
}

/// The R1CS folded with the β powers: `F = linear + Σ_p β_p A_p B_p`.
struct Compiled {
    prods: Vec<(Fr, FastLc, FastLc)>,
    linear: FastLc,
}

fn compile(r1cs: &UniformR1cs, shifted: &[usize], betas: &[Fr]) -> Compiled {
    let c = r1cs.num_cols;
    let slot = |v: Var| match v {
        Var::Col(j) => j,
        Var::Next(j) => c + shifted.binary_search(&j).expect("shifted_columns lists every Next column"),
    };
    // Adds scale · lc (variables only) into `map`, returns scale · lc.constant.
    let add = |lc: &Lc, scale: Fr, map: &mut BTreeMap<usize, Fr>| -> Fr {
        for &(v, coeff) in &lc.terms {
            *map.entry(slot(v)).or_insert_with(Fr::zero) += scale * coeff;
        }
        scale * lc.constant
    };
    let mut lin = BTreeMap::new();
    let mut lin_const = Fr::zero();
    let mut prods = Vec::new();
    for (con, &beta) in r1cs.constraints.iter().zip(betas) {
        if con.a.is_constant() || con.b.is_constant() {
            let (k, other) = if con.a.is_constant() { (con.a.constant, &con.b) } else { (con.b.constant, &con.a) };
            lin_const += add(other, beta * k, &mut lin);
        } else {
            let mut a = BTreeMap::new();
            let ac = add(&con.a, Fr::one(), &mut a);
            let mut b = BTreeMap::new();
            let bc = add(&con.b, Fr::one(), &mut b);
            prods.push((beta, FastLc::from_map(a, ac), FastLc::from_map(b, bc)));
        }
        lin_const += add(&con.c, -beta, &mut lin);
    }
    Compiled { prods, linear: FastLc::from_map(lin, lin_const) }
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

/// The outer sumcheck prover (see the module docs for the optimisations).
struct Outer<'a> {
    cols: &'a [Vec<Fr>],
    shifted: &'a [usize],
    /// Bound tables, one per slot; empty until the first variable is bound.
    tables: Vec<Vec<Fr>>,
    compiled: Compiled,
    tau: Vec<Fr>,
    n: usize,
    round: usize,
    /// Length of every (conceptual) table at this round: `2^(n − round)`.
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
    fn new(cols: &'a [Vec<Fr>], shifted: &'a [usize], compiled: Compiled, tau: Vec<Fr>) -> Self {
        let n = tau.len();
        let mut s = Outer {
            cols,
            shifted,
            tables: Vec::new(),
            compiled,
            tau,
            n,
            round: 0,
            len: 1 << n,
            scale: Fr::one(),
            inner: Fr::zero(),
            q0: Fr::zero(),
            qinf: Fr::zero(),
        };
        if n > 0 {
            s.qinf = s.first_round_qinf();
        }
        s
    }

    /// Slot value on row `i` of the original trace.
    #[inline(always)]
    fn source(&self, s: usize, i: usize) -> Fr {
        let c = self.cols.len();
        if s < c {
            self.cols[s][i]
        } else {
            self.cols[self.shifted[s - c]].get(i + 1).copied().unwrap_or_else(Fr::zero)
        }
    }

    /// Round one: `q(0) = q(1) = 0` on a satisfying trace; the leading coefficient involves
    /// only the product constraints.
    fn first_round_qinf(&self) -> Fr {
        let h = self.len / 2;
        let eq_rest = eq_table(&self.tau[1..]);
        let mut qinf = Fr::zero();
        for (i, e) in eq_rest.iter().enumerate() {
            let mut f = Fr::zero();
            for (beta, a, b) in &self.compiled.prods {
                let da = a.eval_linear(|s| self.source(s, i + h) - self.source(s, i));
                if da.is_zero() {
                    continue;
                }
                let db = b.eval_linear(|s| self.source(s, i + h) - self.source(s, i));
                if !db.is_zero() {
                    f += *beta * da * db;
                }
            }
            if !f.is_zero() {
                qinf += *e * f;
            }
        }
        qinf
    }

    /// Rounds ≥ 2: `(q(0), q(∞))` from the bound tables.
    fn bound_round_q(&self) -> (Fr, Fr) {
        let h = self.len / 2;
        let t = &self.tables;
        let eq_rest = eq_table(&self.tau[self.round + 1..]);
        let (mut q0, mut qinf) = (Fr::zero(), Fr::zero());
        for (i, e) in eq_rest.iter().enumerate() {
            let lo = |s: usize| t[s][i];
            let diff = |s: usize| t[s][i + h] - t[s][i];
            let mut f0 = self.compiled.linear.eval(lo);
            let mut finf = Fr::zero();
            for (beta, a, b) in &self.compiled.prods {
                f0 += *beta * (a.eval(lo) * b.eval(lo));
                let da = a.eval_linear(diff);
                if !da.is_zero() {
                    finf += *beta * (da * b.eval_linear(diff));
                }
            }
            q0 += *e * f0;
            qinf += *e * finf;
        }
        (q0, qinf)
    }

    /// `q(1)` computed directly (only needed if `τ_k = 0`, probability ~2^-254).
    fn q1_direct(&self) -> Fr {
        if self.round == 0 {
            return Fr::zero();
        }
        let h = self.len / 2;
        let t = &self.tables;
        let eq_rest = eq_table(&self.tau[self.round + 1..]);
        let mut q1 = Fr::zero();
        for (i, e) in eq_rest.iter().enumerate() {
            let hi = |s: usize| t[s][i + h];
            let mut f = self.compiled.linear.eval(hi);
            for (beta, a, b) in &self.compiled.prods {
                f += *beta * (a.eval(hi) * b.eval(hi));
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

    fn bind_tables(&mut self, r: Fr) {
        let h = self.len / 2;
        let minus_one = -Fr::one();
        if self.round == 0 {
            let slots = self.cols.len() + self.shifted.len();
            self.tables = (0..slots)
                .map(|s| (0..h).map(|i| lerp(self.source(s, i), self.source(s, i + h), r, minus_one)).collect())
                .collect();
        } else {
            for t in &mut self.tables {
                let (lo, hi) = t.split_at_mut(h);
                for (l, hv) in lo.iter_mut().zip(hi.iter()) {
                    *l = lerp(*l, *hv, r, minus_one);
                }
                t.truncate(h);
            }
        }
    }

    /// Every column at the outer point, then every shifted column's next-row value there.
    fn final_values(&self) -> Vec<Fr> {
        assert_eq!(self.round, self.n, "not all variables are bound");
        let slots = self.cols.len() + self.shifted.len();
        if self.n == 0 {
            (0..slots).map(|s| self.source(s, 0)).collect()
        } else {
            self.tables.iter().map(|t| t[0]).collect()
        }
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
        self.bind_tables(r);
        self.round += 1;
        self.len /= 2;
        if self.round < self.n {
            (self.q0, self.qinf) = self.bound_round_q();
        }
    }
}

fn shift_summand(v: &[Fr]) -> Fr {
    v[0] * v[1]
}

/// Prove that `cols` satisfies `r1cs` on every row. Panics if the R1CS is malformed or the
/// columns are not `num_cols ≥ 1` vectors of one power-of-two length; an unsatisfied trace
/// yields a proof that [`verify`] rejects.
pub fn prove(r1cs: &UniformR1cs, cols: &[Vec<Fr>], transcript: &mut Transcript) -> (SpartanProof, SpartanClaims) {
    r1cs.validate().expect("malformed R1CS");
    assert_eq!(cols.len(), r1cs.num_cols, "wrong number of columns");
    assert!(!cols.is_empty(), "a trace needs at least one column");
    let rows = cols[0].len();
    assert!(rows.is_power_of_two(), "row count {rows} is not a power of two");
    assert!(cols.iter().all(|c| c.len() == rows), "columns differ in length");
    let n = rows.trailing_zeros() as usize;
    let shifted = r1cs.shifted_columns();
    let c = r1cs.num_cols;

    absorb_statement(r1cs, n, transcript);
    let tau = transcript.challenge_scalars(b"spartan/tau", n);
    let betas = transcript.challenge_powers(b"spartan/beta", r1cs.constraints.len());

    let compiled = compile(r1cs, &shifted, &betas);
    let mut outer = Outer::new(cols, &shifted, compiled, tau);
    let (outer_proof, point) = sumcheck::prove(&mut outer, Fr::zero(), transcript);
    let mut evals = outer.final_values();
    drop(outer);
    let next_evals = evals.split_off(c);
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
        let mut combined = vec![Fr::zero(); rows];
        for (rho, &j) in rhos.iter().zip(&shifted) {
            for (g, v) in combined.iter_mut().zip(&cols[j]) {
                *g += *rho * v;
            }
        }
        let mut inst = CompositeSumcheck::new(
            vec![DenseMle::new(succ), DenseMle::new(combined)],
            SHIFT_DEGREE,
            shift_summand as fn(&[Fr]) -> Fr,
        );
        let (proof, shift_point) = sumcheck::prove(&mut inst, claim, transcript);
        drop(inst);
        let eq_r2 = eq_table(&shift_point);
        let shift_evals: Vec<Fr> = shifted
            .iter()
            .map(|&j| eq_r2.iter().zip(&cols[j]).map(|(e, v)| *e * v).sum())
            .collect();
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
        sumcheck::verify(Fr::zero(), log_rows, OUTER_DEGREE, &proof.outer, transcript).map_err(SpartanError::Outer)?;
    transcript.append_scalars(b"spartan/evals", &proof.evals);
    transcript.append_scalars(b"spartan/next_evals", &proof.next_evals);
    let value = |v: Var| match v {
        Var::Col(j) => proof.evals[j],
        Var::Next(j) => proof.next_evals[shifted.binary_search(&j).expect("every Next column is listed")],
    };
    let residual: Fr = r1cs
        .constraints
        .iter()
        .zip(&betas)
        .map(|(con, beta)| *beta * (con.a.evaluate(value) * con.b.evaluate(value) - con.c.evaluate(value)))
        .sum();
    if outer_final != eq_eval(&tau, &point) * residual {
        return Err(SpartanError::OuterFinal);
    }

    let shift_point = if s == 0 {
        Vec::new()
    } else {
        let rhos = transcript.challenge_powers(b"spartan/rho", s);
        let claim: Fr = rhos.iter().zip(&proof.next_evals).map(|(a, b)| *a * b).sum();
        let (shift_final, shift_point) = sumcheck::verify(claim, log_rows, SHIFT_DEGREE, &proof.shift, transcript)
            .map_err(SpartanError::Shift)?;
        transcript.append_scalars(b"spartan/shift_evals", &proof.shift_evals);
        let combined: Fr = rhos.iter().zip(&proof.shift_evals).map(|(a, b)| *a * b).sum();
        if shift_final != successor_mle(&point, &shift_point) * combined {
            return Err(SpartanError::ShiftFinal);
        }
        shift_point
    };

    Ok(SpartanClaims { point, evals: proof.evals.clone(), shift_point, shift_evals: proof.shift_evals.clone() })
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
                    assert_eq!(v, if x == i + 1 { Fr::one() } else { Fr::zero() }, "n={n} i={i} x={x}");
                }
            }
            // At random points: the defining sum.
            for _ in 0..4 {
                let r: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let x: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
                let brute: Fr = (0..t.saturating_sub(1))
                    .map(|i| eq_eval(&r, &index_to_point(i, n)) * eq_eval(&x, &index_to_point(i + 1, n)))
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
