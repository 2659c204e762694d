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
//!   `d + 1`, and is evaluated at `d` points: its value at 1 follows from the running sum;
//! * eq over the unbound variables is a fresh table each round, never a bound polynomial, held
//!   as its two half tables (`poly::SplitEq`).
//!
//! Per pair of rows and term this is `d²` multiplications against `(d + 2)·d` for the generic
//! prover.
use std::cell::RefCell;

use rayon::prelude::*;

use crate::factor::Factor;
use crate::field::{Field, Fr, One, Zero};
use crate::poly::{SplitEq, UniPoly};
use crate::sumcheck::SumcheckProver;

/// One term `α·eq(point, ·)·Π factors`.
pub struct Term<'a> {
    pub coeff: Fr,
    pub point: Vec<Fr>,
    pub factors: Vec<Factor<'a>>,
}

struct State<'a> {
    term: Term<'a>,
    /// `Π eq(point_l, ρ_l)` over the variables bound so far.
    scale: Fr,
    /// `Σ_{j'} eq(point_rest, j')·Π F(j')` over the unbound variables, once known.
    inner: Option<Fr>,
}

pub struct EqProduct<'a> {
    states: Vec<State<'a>>,
    degree: usize,
    num_vars: usize,
    round: usize,
    /// Per term, `q_m` at `0..=degree` in the current round (for [`SumcheckProver::bind`]).
    last: RefCell<Vec<Vec<Fr>>>,
    /// The first round's polynomial, computed early by [`EqProduct::claim`].
    first: RefCell<Option<Vec<Fr>>>,
}

impl<'a> EqProduct<'a> {
    /// Every factor and point must have `num_vars` variables.
    pub fn new(terms: Vec<Term<'a>>, num_vars: usize) -> Self {
        assert!(!terms.is_empty(), "an eq-product sum needs at least one term");
        for t in &terms {
            assert_eq!(t.point.len(), num_vars, "eq point has the wrong number of coordinates");
            assert!(t.factors.iter().all(|f| f.num_vars() == num_vars), "factor size differs");
        }
        let degree = 1 + terms.iter().map(|t| t.factors.len()).max().unwrap_or(0);
        let states =
            terms.into_iter().map(|term| State { term, scale: Fr::one(), inner: None }).collect();
        Self {
            states,
            degree,
            num_vars,
            round: 0,
            last: RefCell::new(Vec::new()),
            first: RefCell::new(None),
        }
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

/// `eq(r, x)` for one variable: `(1 − r) + x·(2r − 1)`.
fn eq1(r: Fr, x: Fr) -> Fr {
    Fr::one() - r + x * (r + r - Fr::one())
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

/// `q(X) = Σ_i eq_rest[i]·Π_f F_f(X, i)` at `X = 0..=d`, skipping `X = 1` if `skip_one`
/// (left zero).
fn inner_evals(factors: &[Factor], eq_rest: &SplitEq, skip_one: bool) -> Vec<Fr> {
    round_sums(factors, eq_rest.len(), Some(eq_rest), skip_one)
}

/// `Σ_{i < half} w(i)·Π_f (F_f(i) + X·(F_f(i + half) − F_f(i)))` at `X = 0..=d`, with `w`
/// the eq table `eq` or 1 (`crate::factor_product`), skipping `X = 1` if `skip_one`.
pub(crate) fn round_sums(
    factors: &[Factor],
    half: usize,
    eq: Option<&SplitEq>,
    skip_one: bool,
) -> Vec<Fr> {
    let d = factors.len();
    let chunk = (half / (4 * rayon::current_num_threads())).max(1 << 10);
    (0..half)
        .into_par_iter()
        .with_min_len(chunk)
        .fold(
            || (vec![Fr::zero(); d + 1], vec![Fr::zero(); d], vec![Fr::zero(); d]),
            |(mut sums, mut vals, mut diffs), i| {
                for (f, e) in factors.iter().enumerate() {
                    vals[f] = e.get(i);
                    diffs[f] = e.get(i + half) - vals[f];
                }
                let w = eq.map(|e| e.get(i));
                let weigh = |p: Fr| w.map_or(p, |w| w * p);
                sums[0] += weigh(vals.iter().product::<Fr>());
                for (x, s) in sums.iter_mut().enumerate().skip(1) {
                    for (v, dv) in vals.iter_mut().zip(&diffs) {
                        *v += dv;
                    }
                    if x == 1 && skip_one {
                        continue;
                    }
                    *s += weigh(vals.iter().product::<Fr>());
                }
                (sums, vals, diffs)
            },
        )
        .map(|(sums, _, _)| sums)
        .reduce(|| vec![Fr::zero(); d + 1], crate::par::add_vecs)
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
        let mut last = Vec::with_capacity(self.states.len());
        for s in &self.states {
            let r = s.term.point[k];
            // Split: whole, the lookup slots' first table was 128 MB at 2^20 rows.
            let eq_rest = SplitEq::new(&s.term.point[k + 1..]);
            // q(1) from the running sum `(1 − r)·q(0) + r·q(1)` (r = 0 has probability ~2^−254;
            // then, and in the first round, q(1) is computed).
            let known = s.inner.filter(|_| !r.is_zero());
            let mut q = inner_evals(&s.term.factors, &eq_rest, known.is_some());
            if let Some(inner) = known {
                q[1] = (inner - (Fr::one() - r) * q[0]) * r.inverse().expect("r is not zero");
            }
            extrapolate(&mut q, self.degree + 1);
            let c = s.term.coeff * s.scale;
            for (x, (t, qx)) in total.iter_mut().zip(&q).enumerate() {
                *t += c * eq1(r, Fr::from(x as u64)) * qx;
            }
            last.push(q);
        }
        *self.last.borrow_mut() = last;
        total
    }

    fn bind(&mut self, rho: Fr) {
        let k = self.round;
        let last = std::mem::take(&mut *self.last.borrow_mut());
        assert_eq!(last.len(), self.states.len(), "bind before round_evals");
        for (s, q) in self.states.iter_mut().zip(last) {
            s.inner = Some(UniPoly::from_evals(&q).evaluate(rho));
            s.scale *= eq1(s.term.point[k], rho);
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
    use crate::poly::DenseMle;
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

    /// The same round polynomials, challenges and final values as the generic prover over
    /// `(eq, F_1, …, F_d)` per term, for terms with different factor counts.
    #[test]
    fn matches_the_generic_prover() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let n = 7;
        let shapes = [3usize, 1, 3];
        let terms: Vec<Term> = shapes
            .iter()
            .map(|&d| Term {
                coeff: Fr::rand(&mut rng),
                point: rand_vec(&mut rng, n),
                factors: (0..d).map(|_| Factor::Dense(rand_vec(&mut rng, 1 << n))).collect(),
            })
            .collect();
        let max_d = 3;
        // Generic: per term (eq, F…, 1-padding) and the same combination.
        let mut polys = Vec::new();
        let mut coeffs = Vec::new();
        for t in &terms {
            polys.push(DenseMle::new(crate::poly::eq_table(&t.point)));
            polys.extend(t.factors.iter().map(|f| DenseMle::new(f.to_vec())));
            polys.extend((t.factors.len()..max_d).map(|_| DenseMle::new(vec![Fr::one(); 1 << n])));
            coeffs.push(t.coeff);
        }
        let comb = move |v: &[Fr]| -> Fr {
            v.chunks(max_d + 1).zip(&coeffs).map(|(g, c)| *c * g.iter().product::<Fr>()).sum()
        };
        let mut generic = CompositeSumcheck::new(polys, max_d + 1, comb);
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
