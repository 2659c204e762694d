//! A sumcheck prover for sums of eq-weighted products,
//!
//! `Σ_j Σ_m α_m·eq(r_m, j)·Π_i F_{m,i}(j)`,
//!
//! with multilinear factors `F` (ra virtualization: one term per claim, one factor per chunk).
//! Its round polynomials are exactly those of [`crate::sumcheck::CompositeSumcheck`] over
//! `(eq, F_1, …, F_d)`, so the verifier is the ordinary one; they are computed with less work:
//!
//! * the eq factor of the variable being bound is taken out of the sum (Gruen's trick), so
//!   each term's inner sum `q_m(X) = Σ_{j'} eq(r_rest, j')·Π_i F_i(X, j')` has degree `d`, not
//!   `d + 1`;
//! * eq over the unbound variables is a fresh table each round, never a bound polynomial, held
//!   as its two half tables (`poly::SplitEq`); a row's low-half weight is multiplied into its
//!   first factor's line, a block's high-half weight into the block's sums;
//! * a row's product of `d` lines is evaluated at the `d + 1` points by multiplying its two
//!   halves' products pointwise, each extended from its own degree's points by finite
//!   differences (additions): 26 multiplications for seven factors, not 48.
//!
//! Per pair of rows and term this is `O(d log d)` multiplications against `(d + 2)·d` for the
//! generic prover.
//!
//! A term may also come without an eq weight (`point: None`): its weight is then one of its
//! factors (a sum of eq tables, say, for claims at several cycle points sharing one product),
//! and its round polynomial is the plain product's.
use std::cell::RefCell;

use rayon::prelude::*;

use crate::factor::Factor;
use crate::field::{Field, Fr, One, Zero};
use crate::poly::{eq1, SplitEq};
use crate::sumcheck::SumcheckProver;

/// One term `α·eq(point, ·)·Π factors`, or `α·Π factors` without a point.
pub struct Term<'a> {
    pub coeff: Fr,
    pub point: Option<Vec<Fr>>,
    pub factors: Vec<Factor<'a>>,
}

impl Term<'_> {
    /// The degree of the term's summand in each variable.
    fn degree(&self) -> usize {
        self.factors.len() + usize::from(self.point.is_some())
    }
}

struct State<'a> {
    term: Term<'a>,
    /// `Π eq(point_l, ρ_l)` over the variables bound so far.
    scale: Fr,
}

pub struct EqProduct<'a> {
    states: Vec<State<'a>>,
    degree: usize,
    num_vars: usize,
    round: usize,
    /// The first round's polynomial, computed early by [`EqProduct::claim`].
    first: RefCell<Option<Vec<Fr>>>,
}

impl<'a> EqProduct<'a> {
    /// Every factor and point must have `num_vars` variables.
    pub fn new(terms: Vec<Term<'a>>, num_vars: usize) -> Self {
        assert!(!terms.is_empty(), "an eq-product sum needs at least one term");
        for t in &terms {
            assert!(!t.factors.is_empty(), "a term needs at least one factor");
            if let Some(p) = &t.point {
                assert_eq!(p.len(), num_vars, "eq point has the wrong number of coordinates");
            }
            assert!(t.factors.iter().all(|f| f.num_vars() == num_vars), "factor size differs");
        }
        let degree = terms.iter().map(Term::degree).max().unwrap_or(0);
        let states = terms.into_iter().map(|term| State { term, scale: Fr::one() }).collect();
        Self { states, degree, num_vars, round: 0, first: RefCell::new(None) }
    }

    /// The sum itself (what an honest claim is): from the first round's polynomial, which
    /// the first round then reuses.
    pub fn claim(&self) -> Fr {
        assert_eq!(self.round, 0, "the claim is taken before the first round");
        if self.num_vars == 0 {
            let value =
                |s: &State| s.term.coeff * s.term.factors.iter().map(|f| f.get(0)).product::<Fr>();
            return self.states.iter().map(value).sum();
        }
        let evals = self.round_evals();
        let sum = evals[0] + evals[1];
        *self.first.borrow_mut() = Some(evals);
        sum
    }

    /// After all rounds: each term's factor values at the challenge point.
    pub fn final_factor_evals(&self) -> Vec<Vec<Fr>> {
        assert_eq!(self.num_vars - self.round, 0, "not all variables are bound yet");
        self.states.iter().map(|s| s.term.factors.iter().map(|f| f.get(0)).collect()).collect()
    }
}

/// Extend evaluations at `0..n` of a polynomial of degree `< n` to `0..len`.
fn extrapolate(evals: &mut Vec<Fr>, len: usize) {
    while evals.len() < len {
        // The n-th finite difference of a degree-(n−1) polynomial is zero.
        let n = evals.len();
        let mut binom = Fr::one(); // C(n, k)
        let mut next = Fr::zero();
        for (k, v) in evals.iter().enumerate() {
            // q(n) = Σ_{k<n} (−1)^{n−1−k}·C(n, k)·q(k)
            if (n - 1 - k) % 2 == 0 {
                next += binom * v;
            } else {
                next -= binom * v;
            }
            binom = binom * Fr::from((n - k) as u64) * Fr::from((k + 1) as u64).inverse().unwrap();
        }
        evals.push(next);
    }
}

/// `q(X) = Σ_i eq_rest[i]·Π_f F_f(X, i)` at `X = 0..=d`.
fn inner_evals(factors: &[Factor], eq_rest: &SplitEq) -> Vec<Fr> {
    round_sums(factors, eq_rest.len(), Some(eq_rest))
}

/// The most factors a term may have (the lookups' seven chunks; products of more would be
/// better split).
const MAX_FACTORS: usize = 16;

/// Rows per step of [`round_sums`]: each factor's values for them are read at once.
const STEP: usize = 16;

/// [`product_evals`]' working space: two halves' evaluations per level of its recursion.
const SCRATCH: usize = 2 * (MAX_FACTORS + 1) * (MAX_FACTORS.ilog2() as usize + 1);

/// `Σ_{i < half} w(i)·Π_f (F_f(i) + X·(F_f(i + half) − F_f(i)))` at `X = 0..=d`, with `w`
/// the eq table `eq` or 1 (`crate::factor_product`).
///
/// Rows go a block of the split eq table at a time: the low half's weight is multiplied
/// into the first factor's line (two multiplications per row, not one per point), the
/// block's high half into its sums once.
pub(crate) fn round_sums(factors: &[Factor], half: usize, eq: Option<&SplitEq>) -> Vec<Fr> {
    let d = factors.len();
    assert!((1..=MAX_FACTORS).contains(&d), "{d} factors in a product");
    let block = eq.map_or(1 << 10, SplitEq::block_len).min(half).max(1);
    let blocks = half / block;
    let per_task = ((1 << 12) / block).max(1);
    (0..blocks)
        .into_par_iter()
        .with_min_len(per_task)
        .fold(
            || vec![Fr::zero(); d + 1],
            |mut sums, k| {
                let (h, lo) = match eq {
                    Some(e) => {
                        let (h, lo) = e.block(k * block, block);
                        (Some(h), Some(lo))
                    }
                    None => (None, None),
                };
                let mut local = [Fr::zero(); MAX_FACTORS + 1];
                let (mut vals, mut diffs) = ([Fr::zero(); MAX_FACTORS], [Fr::zero(); MAX_FACTORS]);
                let (vals, diffs) = (&mut vals[..d], &mut diffs[..d]);
                let mut evals = [Fr::zero(); MAX_FACTORS + 1];
                let mut scratch = [Fr::zero(); SCRATCH];
                // Every factor's rows of a step, both halves, read ahead (`Factor::fill`).
                let mut lo_rows = [[Fr::zero(); STEP]; MAX_FACTORS];
                let mut hi_rows = [[Fr::zero(); STEP]; MAX_FACTORS];
                for x0 in (0..block).step_by(STEP) {
                    let n = STEP.min(block - x0);
                    let i0 = k * block + x0;
                    factors[0].fill(i0, &mut lo_rows[0][..n]);
                    factors[0].fill(i0 + half, &mut hi_rows[0][..n]);
                    // Rows whose first factor is zero on both sides add nothing (a one-hot
                    // matrix's rows without an access: RAM's, unused lookup slots).
                    let mut live = [false; STEP];
                    for (x, l) in live[..n].iter_mut().enumerate() {
                        *l = !(lo_rows[0][x].is_zero() && hi_rows[0][x].is_zero());
                    }
                    if !live[..n].contains(&true) {
                        continue;
                    }
                    for (f, e) in factors.iter().enumerate().skip(1) {
                        e.fill(i0, &mut lo_rows[f][..n]);
                        e.fill(i0 + half, &mut hi_rows[f][..n]);
                    }
                    for x in (0..n).filter(|&x| live[x]) {
                        for f in 0..d {
                            vals[f] = lo_rows[f][x];
                            diffs[f] = hi_rows[f][x] - vals[f];
                        }
                        if let Some(lo) = lo {
                            vals[0] *= lo[x0 + x];
                            diffs[0] *= lo[x0 + x];
                        }
                        product_evals(vals, diffs, &mut evals[..=d], &mut scratch);
                        for (s, e) in local[..=d].iter_mut().zip(&evals) {
                            *s += e;
                        }
                    }
                }
                for (s, l) in sums.iter_mut().zip(&local[..=d]) {
                    *s += h.map_or(*l, |h| h * l);
                }
                sums
            },
        )
        .reduce(|| vec![Fr::zero(); d + 1], crate::par::add_vecs)
}

/// `Π_f (vals[f] + x·diffs[f])` at `x = 0..=d` (`out` has `d + 1` entries): the two halves'
/// products at their own degree's points, extended by finite differences (additions) and
/// multiplied pointwise — 26 multiplications for seven factors where evaluating the
/// product at each point takes 48.
fn product_evals(vals: &[Fr], diffs: &[Fr], out: &mut [Fr], scratch: &mut [Fr]) {
    let n = vals.len();
    if n == 1 {
        out[0] = vals[0];
        out[1] = vals[0] + diffs[0];
        return;
    }
    let m = n / 2;
    let (a, rest) = scratch.split_at_mut(n + 1);
    let (b, rest) = rest.split_at_mut(n + 1);
    product_evals(&vals[..m], &diffs[..m], &mut a[..=m], rest);
    product_evals(&vals[m..], &diffs[m..], &mut b[..=n - m], rest);
    extend(a, m);
    extend(b, n - m);
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b.iter())) {
        *o = *x * y;
    }
}

/// `v` holds a polynomial of degree `deg` at `0..=deg`; fill in the rest of `v` by stepping
/// its backward differences from `deg`.
#[inline(always)]
fn extend(v: &mut [Fr], deg: usize) {
    if v.len() <= deg + 1 {
        return;
    }
    if deg == 1 {
        let d = v[1] - v[0];
        for x in 2..v.len() {
            v[x] = v[x - 1] + d;
        }
        return;
    }
    // t[i] = (−1)^i·∇^i f(deg): forward differences of the points read backwards.
    let mut t = [Fr::zero(); MAX_FACTORS + 1];
    let t = &mut t[..=deg];
    for (i, x) in t.iter_mut().enumerate() {
        *x = v[deg - i];
    }
    for j in 1..=deg {
        for i in (j..=deg).rev() {
            t[i] -= t[i - 1];
        }
    }
    // ∇^i f(x + 1) = ∇^i f(x) + ∇^{i+1} f(x + 1), from the top (∇^deg is constant).
    for out in v[deg + 1..].iter_mut() {
        for i in (0..deg).rev() {
            t[i] -= t[i + 1];
        }
        *out = t[0];
    }
}

impl SumcheckProver for EqProduct<'_> {
    fn num_vars(&self) -> usize {
        self.num_vars - self.round
    }

    fn degree(&self) -> usize {
        self.degree
    }

    fn round_evals(&self) -> Vec<Fr> {
        if let Some(first) = self.first.borrow_mut().take() {
            return first;
        }
        let k = self.round;
        let mut total = vec![Fr::zero(); self.degree + 1];
        for s in &self.states {
            let c = s.term.coeff * s.scale;
            let Some(point) = &s.term.point else {
                let mut q = round_sums(&s.term.factors, s.term.factors[0].len() / 2, None);
                extrapolate(&mut q, self.degree + 1);
                for (t, qx) in total.iter_mut().zip(&q) {
                    *t += c * qx;
                }
                continue;
            };
            let r = point[k];
            // Split: whole, the lookup slots' first table was 128 MB at 2^20 rows.
            let eq_rest = SplitEq::new(&point[k + 1..]);
            let mut q = inner_evals(&s.term.factors, &eq_rest);
            extrapolate(&mut q, self.degree + 1);
            for (x, (t, qx)) in total.iter_mut().zip(&q).enumerate() {
                *t += c * eq1(r, Fr::from(x as u64)) * qx;
            }
        }
        total
    }

    fn bind(&mut self, rho: Fr) {
        let k = self.round;
        for s in &mut self.states {
            if let Some(point) = &s.term.point {
                s.scale *= eq1(point[k], rho);
            }
            for f in &mut s.term.factors {
                f.bind_top(rho);
            }
        }
        self.round += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::{eq_table, DenseMle, UniPoly};
    use crate::sumcheck::{self, CompositeSumcheck};
    use crate::transcript::Transcript;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rand_vec(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n).map(|_| Fr::rand(rng)).collect()
    }

    #[test]
    fn extrapolation_continues_a_polynomial() {
        let p = UniPoly { coeffs: vec![Fr::from(3u64), Fr::from(5u64), Fr::from(7u64)] };
        let mut evals: Vec<Fr> = (0..3u64).map(|x| p.evaluate(Fr::from(x))).collect();
        extrapolate(&mut evals, 6);
        for (x, v) in evals.iter().enumerate() {
            assert_eq!(*v, p.evaluate(Fr::from(x as u64)));
        }
    }

    /// The halves-and-differences product equals the product of the lines at every point,
    /// for every number of factors.
    #[test]
    fn product_evals_match_the_lines_multiplied_out() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for d in 1..=MAX_FACTORS {
            let vals = rand_vec(&mut rng, d);
            let diffs = rand_vec(&mut rng, d);
            let mut out = vec![Fr::zero(); d + 1];
            let mut scratch = [Fr::zero(); SCRATCH];
            product_evals(&vals, &diffs, &mut out, &mut scratch);
            for (x, o) in out.iter().enumerate() {
                let x = Fr::from(x as u64);
                let direct: Fr = vals.iter().zip(&diffs).map(|(v, dv)| *v + x * dv).product();
                assert_eq!(*o, direct, "{d} factors");
            }
        }
    }

    /// The same round polynomials, challenges and final values as the generic prover over
    /// `(eq, F_1, …, F_d)` per term (`(1, F_1, …)` for a term without a point), for terms with
    /// different factor counts.
    #[test]
    fn matches_the_generic_prover() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let n = 7;
        let shapes = [(3usize, true), (1, true), (4, false), (2, false)];
        let terms: Vec<Term> = shapes
            .iter()
            .map(|&(d, weighted)| Term {
                coeff: Fr::rand(&mut rng),
                point: weighted.then(|| rand_vec(&mut rng, n)),
                factors: (0..d).map(|_| Factor::Dense(rand_vec(&mut rng, 1 << n))).collect(),
            })
            .collect();
        let max_d = 4;
        // Generic: per term (eq or 1, F…, 1-padding) and the same combination.
        let mut polys = Vec::new();
        let mut coeffs = Vec::new();
        let ones = || DenseMle::new(vec![Fr::one(); 1 << n]);
        for t in &terms {
            polys.push(t.point.as_ref().map_or_else(ones, |p| DenseMle::new(eq_table(p))));
            polys.extend(t.factors.iter().map(|f| DenseMle::new(f.to_vec())));
            polys.extend((t.factors.len()..max_d).map(|_| ones()));
            coeffs.push(t.coeff);
        }
        let comb = move |v: &[Fr]| -> Fr {
            v.chunks(max_d + 1).zip(&coeffs).map(|(g, c)| *c * g.iter().product::<Fr>()).sum()
        };
        // At most four of a group's five polynomials are not constant.
        let mut generic = CompositeSumcheck::new(polys, max_d, comb);
        let claim = generic.claim();
        let (expected, point) = sumcheck::prove(&mut generic, claim, &mut Transcript::new(b"t"));

        let mut fast = EqProduct::new(terms, n);
        assert_eq!(fast.claim(), claim);
        let (proof, fast_point) = sumcheck::prove(&mut fast, claim, &mut Transcript::new(b"t"));
        assert_eq!(proof, expected);
        assert_eq!(fast_point, point);
        let finals = generic.final_evals();
        for (m, vals) in fast.final_factor_evals().iter().enumerate() {
            assert_eq!(&finals[m * (max_d + 1) + 1..][..vals.len()], &vals[..]);
        }
    }
}
