//! Multilinear and univariate polynomials over [`Fr`].
//!
//! # Variable order (used everywhere in this crate)
//!
//! A [`DenseMle`] with `n` variables stores its values on the boolean hypercube in a vector of
//! length `2^n`. Index `i` corresponds to the point `x = (x_0, …, x_{n-1})` whose bits are
//! `i` written **most-significant bit first**: `x_0` is bit `n-1` of `i` and `x_{n-1}` is bit 0.
//! A point `r = (r_0, …, r_{n-1})` is given in the same order, so `evaluate(r)` is
//! `Σ_i evals[i] · eq(r, bits_msb_first(i))`.
//!
//! "Top" is variable 0 (the most significant bit, splitting the table into halves);
//! "bottom" is variable `n-1` (the least significant bit, pairing neighbours). The sumcheck in
//! this crate binds the top variable each round, so its challenge vector is directly the
//! evaluation point in this order. (Dory orders its point the other way; the PCS adapter
//! reverses it.)

use rayon::prelude::*;

use crate::field::{Field, Fr, One, Zero};

/// A multilinear polynomial given by its values on `{0,1}^n` (see module docs for the order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DenseMle {
    evals: Vec<Fr>,
    num_vars: usize,
}

impl DenseMle {
    /// Wrap a table of length `2^n`. Panics if the length is not a power of two.
    pub fn new(evals: Vec<Fr>) -> Self {
        assert!(
            evals.len().is_power_of_two(),
            "MLE table length {} is not a power of two",
            evals.len()
        );
        let num_vars = evals.len().trailing_zeros() as usize;
        Self { evals, num_vars }
    }

    /// Pad `values` with zeros to the next power of two (at least one entry).
    pub fn from_padded(mut values: Vec<Fr>) -> Self {
        let len = values.len().max(1).next_power_of_two();
        values.resize(len, Fr::zero());
        Self::new(values)
    }

    /// From small machine values (padded with zeros to a power of two).
    pub fn from_u64s(values: &[u64]) -> Self {
        Self::from_padded(values.iter().map(|&v| Fr::from(v)).collect())
    }

    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    pub fn len(&self) -> usize {
        self.evals.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn evals(&self) -> &[Fr] {
        &self.evals
    }

    /// The values, to change in place (the length, hence `num_vars`, stays).
    pub fn evals_mut(&mut self) -> &mut [Fr] {
        &mut self.evals
    }

    pub fn into_evals(self) -> Vec<Fr> {
        self.evals
    }

    /// Value at hypercube vertex `index`.
    pub fn get(&self, index: usize) -> Fr {
        self.evals[index]
    }

    /// Evaluate at an arbitrary point (length must equal `num_vars`). O(2^n).
    pub fn evaluate(&self, point: &[Fr]) -> Fr {
        assert_eq!(point.len(), self.num_vars, "point has the wrong number of coordinates");
        if self.num_vars == 0 {
            return self.evals[0];
        }
        // Fold the top variable first, without cloning the full table twice.
        let half = self.evals.len() / 2;
        let r = point[0];
        let mut cur: Vec<Fr> = (0..half)
            .map(|i| {
                let (lo, hi) = (self.evals[i], self.evals[i + half]);
                lo + r * (hi - lo)
            })
            .collect();
        for &r in &point[1..] {
            let half = cur.len() / 2;
            for i in 0..half {
                let (lo, hi) = (cur[i], cur[i + half]);
                cur[i] = lo + r * (hi - lo);
            }
            cur.truncate(half);
        }
        cur[0]
    }

    /// Fix the top variable (`x_0`) to `r`: the result has `n-1` variables and
    /// `result.evaluate(rest) == self.evaluate([r, rest…])`.
    pub fn bind_top(&mut self, r: Fr) {
        assert!(self.num_vars > 0, "cannot bind a constant polynomial");
        let half = self.evals.len() / 2;
        let (lo, hi) = self.evals.split_at_mut(half);
        let bind = |(l, h): (&mut Fr, &Fr)| *l += r * (*h - *l);
        if half >= PAR_MIN {
            lo.par_iter_mut().zip(hi.par_iter()).with_min_len(PAR_MIN).for_each(bind);
        } else {
            lo.iter_mut().zip(hi.iter()).for_each(bind);
        }
        self.evals.truncate(half);
        self.num_vars -= 1;
    }

    /// Fix the bottom variable (`x_{n-1}`) to `r`:
    /// `result.evaluate(rest) == self.evaluate([rest…, r])`.
    pub fn bind_bottom(&mut self, r: Fr) {
        assert!(self.num_vars > 0, "cannot bind a constant polynomial");
        let half = self.evals.len() / 2;
        for i in 0..half {
            let (lo, hi) = (self.evals[2 * i], self.evals[2 * i + 1]);
            self.evals[i] = lo + r * (hi - lo);
        }
        self.evals.truncate(half);
        self.num_vars -= 1;
    }

    /// Sum over the hypercube.
    pub fn sum(&self) -> Fr {
        self.evals.iter().sum()
    }
}

/// The table `eq(r, x)` for every `x ∈ {0,1}^n`, indexed as in [`DenseMle`] (x_0 = MSB).
/// `eq(r, x) = Π_i (r_i x_i + (1 - r_i)(1 - x_i))`. Cost: 2^n multiplications.
pub fn eq_table(r: &[Fr]) -> Vec<Fr> {
    if (1usize << r.len()) < 2 * PAR_MIN {
        return eq_table_serial(r);
    }
    // eq(r, (x_hi, x_lo)) = eq(r_hi, x_hi)·eq(r_lo, x_lo): two small tables, then one
    // product per entry on every core.
    let (r_hi, r_lo) = r.split_at(r.len() / 2);
    let (hi, lo) = (eq_table_serial(r_hi), eq_table_serial(r_lo));
    let mut table = vec![Fr::zero(); 1 << r.len()];
    table.par_chunks_mut(lo.len()).zip(hi.par_iter()).for_each(|(row, h)| {
        for (t, l) in row.iter_mut().zip(&lo) {
            *t = *h * l;
        }
    });
    table
}

/// `eq(r, ·)` kept as its two half tables, `eq(r, j) = hi[j >> b]·lo[j mod 2^b]`: about
/// `2·2^(n/2)` entries instead of `2^n`, for one multiplication per read. For the many eq
/// tables a prover reads side by side (the claim reduction's), where memory, not the
/// multiplication, is what counts.
pub struct SplitEq {
    hi: Vec<Fr>,
    lo: Vec<Fr>,
    bits: usize,
}

impl SplitEq {
    pub fn new(r: &[Fr]) -> Self {
        let (r_hi, r_lo) = r.split_at(r.len() / 2);
        Self { hi: eq_table(r_hi), lo: eq_table(r_lo), bits: r_lo.len() }
    }

    /// Number of entries (`2^n`).
    pub fn len(&self) -> usize {
        self.hi.len() * self.lo.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    /// `eq(r, j)`.
    #[inline(always)]
    pub fn get(&self, j: usize) -> Fr {
        self.hi[j >> self.bits] * self.lo[j & ((1 << self.bits) - 1)]
    }

    /// Entries per row of the low half: a block of this many entries, aligned, shares one
    /// high-half factor.
    pub fn block_len(&self) -> usize {
        self.lo.len()
    }

    /// The block of `len` entries from `start` (aligned to `len`, `len ≤ block_len()`) as
    /// `(h, lo)`: `eq(r, start + x) = h·lo[x]`.
    pub fn block(&self, start: usize, len: usize) -> (Fr, &[Fr]) {
        debug_assert!(len <= self.lo.len() && start % len == 0, "an aligned block of one row");
        let at = start & (self.lo.len() - 1);
        (self.hi[start >> self.bits], &self.lo[at..at + len])
    }
}

/// Rows below which splitting work across cores costs more than it saves.
const PAR_MIN: usize = 1 << 12;

/// `Σ_m c_m·eq(p_m, x)` at every `x` of the hypercube (the points have one length): each
/// point's weights read from its split table, a block at a time, one multiplication per
/// entry and point.
pub fn eq_sum_table(points: &[&[Fr]], coeffs: &[Fr]) -> Vec<Fr> {
    assert!(!points.is_empty() && points.len() == coeffs.len(), "one coefficient per point");
    let n = points[0].len();
    assert!(points.iter().all(|p| p.len() == n), "points of different lengths");
    let splits: Vec<SplitEq> = points.iter().map(|p| SplitEq::new(p)).collect();
    let block = splits[0].block_len();
    let mut out = vec![Fr::zero(); 1 << n];
    out.par_chunks_mut(block).enumerate().for_each(|(k, chunk)| {
        for (s, c) in splits.iter().zip(coeffs) {
            let (h, lo) = s.block(k * block, block);
            let hc = h * c;
            for (o, l) in chunk.iter_mut().zip(lo) {
                *o += hc * l;
            }
        }
    });
    out
}

fn eq_table_serial(r: &[Fr]) -> Vec<Fr> {
    let mut table = Vec::with_capacity(1 << r.len());
    table.push(Fr::one());
    for &ri in r {
        let len = table.len();
        table.resize(2 * len, Fr::zero());
        // Walk backwards so each source entry is read before being overwritten.
        for j in (0..len).rev() {
            let v = table[j];
            let hi = v * ri;
            table[2 * j + 1] = hi;
            table[2 * j] = v - hi;
        }
    }
    table
}

/// `eq(a, b) = a·b + (1 − a)·(1 − b)` for single coordinates, as `1 − a + b·(2a − 1)` (one
/// multiplication).
#[inline]
pub fn eq1(a: Fr, b: Fr) -> Fr {
    Fr::one() - a + b * (a + a - Fr::one())
}

/// The multilinear extension of equality evaluated at two points of the same length:
/// `Π_i (a_i b_i + (1 - a_i)(1 - b_i))`. O(n).
pub fn eq_eval(a: &[Fr], b: &[Fr]) -> Fr {
    assert_eq!(a.len(), b.len(), "eq_eval on points of different lengths");
    a.iter().zip(b).map(|(&x, &y)| eq1(x, y)).product()
}

/// The multilinear extension of "less than" on `n`-bit integers (most significant bit first):
/// `LT(x, y) = Σ_i eq(x_{<i}, y_{<i})·(1 − x_i)·y_i`, which is `[x < y]` on the hypercube. O(n).
pub fn lt_eval(x: &[Fr], y: &[Fr]) -> Fr {
    assert_eq!(x.len(), y.len(), "lt_eval on points of different lengths");
    let (mut sum, mut prefix) = (Fr::zero(), Fr::one());
    for (&a, &b) in x.iter().zip(y) {
        sum += prefix * (Fr::one() - a) * b;
        prefix *= a * b + (Fr::one() - a) * (Fr::one() - b);
    }
    sum
}

/// `LT(j, y)` for every `j ∈ {0,1}^n` (indexed as in [`DenseMle`]). O(2^n): splitting on the top
/// bit, `LT((0, x'), y) = y_0 + (1 − y_0)·LT(x', y')` and `LT((1, x'), y) = y_0·LT(x', y')`.
pub fn lt_table(y: &[Fr]) -> Vec<Fr> {
    let mut table = vec![Fr::zero()];
    for &y0 in y.iter().rev() {
        let mut next = Vec::with_capacity(2 * table.len());
        next.extend(table.iter().map(|&t| y0 + (Fr::one() - y0) * t));
        next.extend(table.iter().map(|&t| y0 * t));
        table = next;
    }
    table
}

/// The boolean point (MSB first) for hypercube index `index` with `n` variables.
pub fn index_to_point(index: usize, n: usize) -> Vec<Fr> {
    (0..n).map(|i| if (index >> (n - 1 - i)) & 1 == 1 { Fr::one() } else { Fr::zero() }).collect()
}

/// A univariate polynomial in coefficient form: `coeffs[i]` is the coefficient of `X^i`.
/// Trailing zero coefficients are kept as given, so `coeffs.len()` is what was sent on the
/// wire; [`UniPoly::degree`] is the true degree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UniPoly {
    pub coeffs: Vec<Fr>,
}

impl UniPoly {
    pub fn from_coeffs(coeffs: Vec<Fr>) -> Self {
        Self { coeffs }
    }

    /// The unique polynomial of degree ≤ d with `p(i) = evals[i]` for `i = 0..=d`
    /// (`d = evals.len() - 1`). O(d^2).
    pub fn from_evals(evals: &[Fr]) -> Self {
        assert!(!evals.is_empty(), "interpolation needs at least one value");
        let n = evals.len();
        // full(X) = Π_{j=0}^{d} (X - j), coefficients low to high, degree n.
        let mut full = vec![Fr::zero(); n + 1];
        full[0] = Fr::one();
        for j in 0..n {
            let fj = Fr::from(j as u64);
            // multiply by (X - j)
            for k in (0..=j + 1).rev() {
                let below = if k > 0 { full[k - 1] } else { Fr::zero() };
                full[k] = below - fj * full[k];
            }
        }
        // Denominators Π_{j≠i} (i - j) = i! · (d-i)! · (-1)^(d-i).
        let mut fact = vec![Fr::one(); n];
        for i in 1..n {
            fact[i] = fact[i - 1] * Fr::from(i as u64);
        }
        let mut coeffs = vec![Fr::zero(); n];
        let mut quotient = vec![Fr::zero(); n];
        for (i, &y) in evals.iter().enumerate() {
            if y.is_zero() {
                continue;
            }
            // quotient = full / (X - i), by synthetic division from the top.
            let fi = Fr::from(i as u64);
            let mut carry = Fr::zero();
            for k in (0..n).rev() {
                carry = full[k + 1] + fi * carry;
                quotient[k] = carry;
            }
            let mut denom = fact[i] * fact[n - 1 - i];
            if (n - 1 - i) % 2 == 1 {
                denom = -denom;
            }
            let scale = y * denom.inverse().expect("factorials are non-zero in a 254-bit field");
            for (c, q) in coeffs.iter_mut().zip(&quotient) {
                *c += scale * q;
            }
        }
        Self { coeffs }
    }

    /// Horner evaluation.
    pub fn evaluate(&self, x: Fr) -> Fr {
        self.coeffs.iter().rev().fold(Fr::zero(), |acc, c| acc * x + c)
    }

    /// True degree (0 for the zero polynomial).
    pub fn degree(&self) -> usize {
        self.coeffs.iter().rposition(|c| !c.is_zero()).unwrap_or(0)
    }

    /// `p(0)`.
    pub fn at_zero(&self) -> Fr {
        self.coeffs.first().copied().unwrap_or_else(Fr::zero)
    }

    /// `p(1)` = sum of coefficients.
    pub fn at_one(&self) -> Fr {
        self.coeffs.iter().sum()
    }

    /// `self + s · other`, padding to the longer length.
    pub fn add_scaled(&mut self, other: &UniPoly, s: Fr) {
        if self.coeffs.len() < other.coeffs.len() {
            self.coeffs.resize(other.coeffs.len(), Fr::zero());
        }
        for (a, b) in self.coeffs.iter_mut().zip(&other.coeffs) {
            *a += s * b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;
    use proptest::prelude::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    fn rand_vec(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n).map(|_| Fr::rand(rng)).collect()
    }

    #[test]
    fn eq_sum_table_is_the_combination_of_eq_tables() {
        let mut r = rng(41);
        for n in [0, 1, 5, 12] {
            let points: Vec<Vec<Fr>> = (0..3).map(|_| rand_vec(&mut r, n)).collect();
            let coeffs = rand_vec(&mut r, 3);
            let refs: Vec<&[Fr]> = points.iter().map(|p| &p[..]).collect();
            let got = eq_sum_table(&refs, &coeffs);
            for (x, g) in got.iter().enumerate() {
                let want: Fr = points.iter().zip(&coeffs).map(|(p, c)| *c * eq_table(p)[x]).sum();
                assert_eq!(*g, want, "n = {n}, x = {x}");
            }
        }
    }

    #[test]
    fn split_eq_reads_the_whole_table() {
        let mut rng = rng(11);
        for n in 0..9 {
            let r = rand_vec(&mut rng, n);
            let (whole, split) = (eq_table(&r), SplitEq::new(&r));
            assert_eq!(split.len(), whole.len());
            for (j, e) in whole.iter().enumerate() {
                assert_eq!(split.get(j), *e, "n {n}, entry {j}");
            }
            let len = split.block_len().min(2);
            for start in (0..whole.len()).step_by(len) {
                let (h, lo) = split.block(start, len);
                for (x, l) in lo.iter().enumerate() {
                    assert_eq!(h * l, whole[start + x], "n {n}, block at {start}");
                }
            }
        }
    }

    #[test]
    fn constant_and_one_variable() {
        let c = DenseMle::new(vec![Fr::from(7u64)]);
        assert_eq!(c.num_vars(), 0);
        assert_eq!(c.evaluate(&[]), Fr::from(7u64));
        let p = DenseMle::from_u64s(&[3, 10]);
        // p(x) = 3 + 7x
        assert_eq!(p.evaluate(&[Fr::from(2u64)]), Fr::from(17u64));
    }

    #[test]
    fn variable_order_is_msb_first() {
        // index 1 = (x0=0, x1=1); index 2 = (x0=1, x1=0).
        let p = DenseMle::from_u64s(&[0, 1, 2, 3]); // p = 2·x0 + x1
        assert_eq!(p.evaluate(&[Fr::one(), Fr::zero()]), Fr::from(2u64));
        assert_eq!(p.evaluate(&[Fr::zero(), Fr::one()]), Fr::from(1u64));
        assert_eq!(index_to_point(2, 2), vec![Fr::one(), Fr::zero()]);
    }

    #[test]
    fn padding() {
        let p = DenseMle::from_u64s(&[1, 2, 3]);
        assert_eq!(p.len(), 4);
        assert_eq!(p.get(3), Fr::zero());
        assert_eq!(DenseMle::from_padded(vec![]).len(), 1);
    }

    #[test]
    #[should_panic]
    fn non_power_of_two_panics() {
        let _ = DenseMle::new(vec![Fr::one(); 3]);
    }

    #[test]
    fn eq_table_matches_eq_eval_and_sums_to_one() {
        let mut rng = rng(1);
        for n in 0..6 {
            let r = rand_vec(&mut rng, n);
            let t = eq_table(&r);
            assert_eq!(t.len(), 1 << n);
            for (i, v) in t.iter().enumerate() {
                assert_eq!(*v, eq_eval(&r, &index_to_point(i, n)));
            }
            assert_eq!(t.iter().sum::<Fr>(), Fr::one());
        }
    }

    #[test]
    fn eq_eval_on_booleans_is_indicator() {
        for a in 0..8 {
            for b in 0..8 {
                let e = eq_eval(&index_to_point(a, 3), &index_to_point(b, 3));
                assert_eq!(e, if a == b { Fr::one() } else { Fr::zero() });
            }
        }
    }

    #[test]
    fn interpolation_known_polynomial() {
        // p(X) = 5 - 3X + 2X^3
        let p =
            UniPoly::from_coeffs(vec![Fr::from(5u64), -Fr::from(3u64), Fr::zero(), Fr::from(2u64)]);
        let evals: Vec<Fr> = (0..4u64).map(|i| p.evaluate(Fr::from(i))).collect();
        assert_eq!(UniPoly::from_evals(&evals), p);
        assert_eq!(p.degree(), 3);
        assert_eq!(p.at_zero() + p.at_one(), p.evaluate(Fr::zero()) + p.evaluate(Fr::one()));
        let z = UniPoly::from_evals(&[Fr::zero(); 3]);
        assert_eq!(z.degree(), 0);
        assert_eq!(z.coeffs.len(), 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn mle_agrees_on_hypercube(seed in any::<u64>(), n in 0usize..7) {
            let mut rng = rng(seed);
            let p = DenseMle::new(rand_vec(&mut rng, 1 << n));
            for i in 0..(1usize << n) {
                prop_assert_eq!(p.evaluate(&index_to_point(i, n)), p.get(i));
            }
        }

        #[test]
        fn evaluate_equals_eq_weighted_sum(seed in any::<u64>(), n in 0usize..7) {
            let mut rng = rng(seed);
            let p = DenseMle::new(rand_vec(&mut rng, 1 << n));
            let r = rand_vec(&mut rng, n);
            let via_eq: Fr = eq_table(&r).iter().zip(p.evals()).map(|(e, v)| *e * v).sum();
            prop_assert_eq!(p.evaluate(&r), via_eq);
        }

        #[test]
        fn bind_then_evaluate(seed in any::<u64>(), n in 1usize..7) {
            let mut rng = rng(seed);
            let p = DenseMle::new(rand_vec(&mut rng, 1 << n));
            let r = rand_vec(&mut rng, n);
            let full = p.evaluate(&r);

            let mut top = p.clone();
            top.bind_top(r[0]);
            prop_assert_eq!(top.num_vars(), n - 1);
            prop_assert_eq!(top.evaluate(&r[1..]), full);

            let mut bottom = p.clone();
            bottom.bind_bottom(r[n - 1]);
            prop_assert_eq!(bottom.evaluate(&r[..n - 1]), full);

            // Binding every variable from the top leaves the evaluation.
            let mut all = p.clone();
            for &ri in &r { all.bind_top(ri); }
            prop_assert_eq!(all.evals(), &[full][..]);
        }

        #[test]
        fn multilinear_in_each_variable(seed in any::<u64>(), n in 1usize..6) {
            // p(.., t, ..) is affine in t: p(t=2) = 2 p(t=1) - p(t=0).
            let mut rng = rng(seed);
            let p = DenseMle::new(rand_vec(&mut rng, 1 << n));
            let mut r = rand_vec(&mut rng, n);
            let k = (seed as usize) % n;
            let at = |r: &mut Vec<Fr>, t: u64| { r[k] = Fr::from(t); p.evaluate(r) };
            let (a, b, c) = (at(&mut r, 0), at(&mut r, 1), at(&mut r, 2));
            prop_assert_eq!(c, b + b - a);
        }

        #[test]
        fn interpolation_round_trip(seed in any::<u64>(), d in 0usize..9) {
            let mut rng = rng(seed);
            let evals = rand_vec(&mut rng, d + 1);
            let p = UniPoly::from_evals(&evals);
            prop_assert_eq!(p.coeffs.len(), d + 1);
            for (i, e) in evals.iter().enumerate() {
                prop_assert_eq!(p.evaluate(Fr::from(i as u64)), *e);
            }
            // and coefficients → evaluations → coefficients is the identity
            let q = UniPoly::from_coeffs(rand_vec(&mut rng, d + 1));
            let ev: Vec<Fr> = (0..=d as u64).map(|i| q.evaluate(Fr::from(i))).collect();
            prop_assert_eq!(UniPoly::from_evals(&ev), q);
        }
    }
}
