//! Booleanity of a committed matrix: `Σ_{k,j} eq(r_a, k)·eq(r_c, j)·(ra(k,j)² − ra(k,j)) = 0`
//! for random `(r_a, r_c)` drawn after the commitment, which holds (except with negligible
//! probability) only if every entry is 0 or 1.
//!
//! The sumcheck runs over all `log_k + log_t` variables, address variables first, in two
//! phases that never touch the `K·T` table:
//!
//! * **Address rounds.** With the first `m` address variables bound to `ρ`, an honest one-hot
//!   matrix has `ra(ρ, t, x, j) = eq(ρ, top(a_j))·eq(t, bit(a_j))·[x = rest(a_j)]`, so the
//!   round polynomial depends on row `j` only through its address. Grouped by address with
//!   `G(k) = Σ_{j: a_j = k} eq(r_c, j)`, one round costs `O(K)`:
//!   `s(t) = eq(r_a[..m], ρ)·eq(r_a[m], t)·Σ_k G(k)·eq(r_a[m+1..], rest(k))·(E² e(t)² − E e(t))`
//!   with `E = eq(ρ, top(k))` and `e(t) = eq(t, bit(k))`.
//! * **Cycle rounds.** With all address variables bound to `ρ_a`, the remaining sum is
//!   `eq(r_a, ρ_a)·Σ_j eq(r_c, j)·(h(j)² − h(j))` for `h(j) = eq(ρ_a, a_j)`: a dense degree-3
//!   sumcheck over `T` rows, in parallel.
//!
//! The verifier ends with the claim `ra(ρ_a, ρ_c) = ra_eval` to discharge against the
//! commitment.

use rayon::prelude::*;

use super::read_check::RaClaim;
use super::OneHot;
use crate::columns::{montgomery_r2_inverse, DotAcc};
use crate::factor::Factor;
use crate::field::{Field, Fr, One, Zero};
use crate::par::add_arrays;
use crate::poly::{eq1, eq_eval, eq_table, SplitEq};
use crate::sumcheck::{self, BatchClaim, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// The booleanity sumcheck and the prover's claimed `ra` at its final point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BooleanityProof {
    pub sumcheck: SumcheckProof,
    pub ra_eval: Fr,
}

/// Degree of the summand in each variable (`eq · ra²`).
const DEGREE: usize = 3;

/// Draw the random point `(r_a, r_c)` (after absorbing the shape).
fn draw_point(log_k: usize, log_t: usize, t: &mut Transcript) -> (Vec<Fr>, Vec<Fr>) {
    t.append_u64(b"booleanity/log_k", log_k as u64);
    t.append_u64(b"booleanity/log_t", log_t as u64);
    let r_a = t.challenge_scalars(b"booleanity/r_addr", log_k);
    let r_c = t.challenge_scalars(b"booleanity/r_cycle", log_t);
    (r_a, r_c)
}

/// Prove that the committed matrix `oh` is boolean. The commitment must already be in the
/// transcript.
pub fn prove(oh: &OneHot, transcript: &mut Transcript) -> (BooleanityProof, RaClaim) {
    let (r_a, r_c) = draw_point(oh.log_k(), oh.log_t(), transcript);
    let mut prover = BooleanityProver::new(oh, r_a, &r_c);
    let (sumcheck, point) = sumcheck::prove(&mut prover, Fr::zero(), transcript);
    let ra_eval = prover.final_ra();
    transcript.append_scalar(b"booleanity/ra_eval", &ra_eval);
    (BooleanityProof { sumcheck, ra_eval }, RaClaim { point, eval: ra_eval })
}

/// Verify booleanity of a committed `2^log_k × 2^log_t` matrix.
pub fn verify(
    log_k: usize,
    log_t: usize,
    proof: &BooleanityProof,
    transcript: &mut Transcript,
) -> Result<RaClaim, SumcheckError> {
    let (r_a, r_c) = draw_point(log_k, log_t, transcript);
    let (final_claim, point) =
        sumcheck::verify(Fr::zero(), log_k + log_t, DEGREE, &proof.sumcheck, transcript)?;
    let (p_a, p_c) = point.split_at(log_k);
    let v = proof.ra_eval;
    sumcheck::check_final(final_claim, eq_eval(&r_a, p_a) * eq_eval(&r_c, p_c) * (v * v - v))?;
    transcript.append_scalar(b"booleanity/ra_eval", &v);
    Ok(RaClaim { point, eval: v })
}

/// Booleanity of several committed matrices with the same rows in one batched sumcheck (each
/// matrix keeps its own random point; the batched sumcheck's point ends with each one's own
/// coordinates), and every matrix's value at its point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchedBooleanityProof {
    pub sumcheck: SumcheckProof,
    pub ra_evals: Vec<Fr>,
}

/// The prover's side of a batch of booleanity checks, for a caller that runs them in a
/// larger batched sumcheck (their points drawn, their claims all zero).
pub struct Booleanity<'a> {
    provers: Vec<BooleanityProver<'a>>,
}

impl<'a> Booleanity<'a> {
    /// Draw every matrix's random point (their commitments already absorbed).
    pub fn draw(ohs: &[&'a OneHot], transcript: &mut Transcript) -> Self {
        let provers = ohs
            .iter()
            .map(|oh| {
                let (r_a, r_c) = draw_point(oh.log_k(), oh.log_t(), transcript);
                BooleanityProver::new(oh, r_a, &r_c)
            })
            .collect();
        Booleanity { provers }
    }

    /// The sumcheck instances, one per matrix (claim 0, degree [`DEGREE`]).
    pub fn instances(&mut self) -> Vec<&mut dyn SumcheckProver> {
        self.provers.iter_mut().map(|p| p as &mut dyn SumcheckProver).collect()
    }

    /// Every matrix's value at its suffix of the batch's `point`, absorbed, and the claims.
    pub fn finish(&self, point: &[Fr], transcript: &mut Transcript) -> (Vec<Fr>, Vec<RaClaim>) {
        let ra_evals: Vec<Fr> = self.provers.iter().map(BooleanityProver::final_ra).collect();
        transcript.append_scalars(b"booleanity/ra_evals", &ra_evals);
        let claims = self
            .provers
            .iter()
            .zip(&ra_evals)
            .map(|(p, &eval)| RaClaim {
                point: point[point.len() - p.oh.num_vars()..].to_vec(),
                eval,
            })
            .collect();
        (ra_evals, claims)
    }
}

/// The verifier's side of [`Booleanity`]: matrices of shapes `(log_k, log_t)`.
pub struct BooleanityCheck {
    shapes: Vec<(usize, usize)>,
    points: Vec<(Vec<Fr>, Vec<Fr>)>,
}

impl BooleanityCheck {
    pub fn draw(shapes: &[(usize, usize)], transcript: &mut Transcript) -> Self {
        let points = shapes.iter().map(|&(k, t)| draw_point(k, t, transcript)).collect();
        BooleanityCheck { shapes: shapes.to_vec(), points }
    }

    /// What the verifier knows of each instance: claim 0, its size and degree.
    pub fn batch_claims(&self) -> Vec<BatchClaim> {
        let claim = |&(k, t): &(usize, usize)| BatchClaim {
            claim: Fr::zero(),
            num_vars: k + t,
            degree: DEGREE,
        };
        self.shapes.iter().map(claim).collect()
    }

    /// Absorb the stated `ra_evals` (one per matrix); returns each summand's value at its
    /// suffix of the batch's `point` given them (for the caller's final check) and the
    /// claims they leave.
    pub fn finish(
        &self,
        point: &[Fr],
        ra_evals: &[Fr],
        transcript: &mut Transcript,
    ) -> (Vec<Fr>, Vec<RaClaim>) {
        assert_eq!(ra_evals.len(), self.shapes.len(), "one value per matrix");
        let mut finals = Vec::with_capacity(self.shapes.len());
        let mut claims = Vec::with_capacity(self.shapes.len());
        for ((&(k, t), (r_a, r_c)), &v) in self.shapes.iter().zip(&self.points).zip(ra_evals) {
            let p = &point[point.len() - (k + t)..];
            let (p_a, p_c) = p.split_at(k);
            finals.push(eq_eval(r_a, p_a) * eq_eval(r_c, p_c) * (v * v - v));
            claims.push(RaClaim { point: p.to_vec(), eval: v });
        }
        transcript.append_scalars(b"booleanity/ra_evals", ra_evals);
        (finals, claims)
    }
}

/// Prove that every matrix in `ohs` is boolean (their commitments already absorbed).
pub fn prove_batched(
    ohs: &[&OneHot],
    transcript: &mut Transcript,
) -> (BatchedBooleanityProof, Vec<RaClaim>) {
    let mut batch = Booleanity::draw(ohs, transcript);
    let mut refs = batch.instances();
    let zeros = vec![Fr::zero(); ohs.len()];
    let (sumcheck, point) = sumcheck::prove_batched(&mut refs, &zeros, transcript);
    let (ra_evals, claims) = batch.finish(&point, transcript);
    (BatchedBooleanityProof { sumcheck, ra_evals }, claims)
}

/// Verify booleanity of matrices of shapes `(log_k, log_t)`.
pub fn verify_batched(
    shapes: &[(usize, usize)],
    proof: &BatchedBooleanityProof,
    transcript: &mut Transcript,
) -> Result<Vec<RaClaim>, SumcheckError> {
    if proof.ra_evals.len() != shapes.len() || shapes.is_empty() {
        return Err(SumcheckError::EmptyBatch);
    }
    let check = BooleanityCheck::draw(shapes, transcript);
    let out = sumcheck::verify_batched(&check.batch_claims(), &proof.sumcheck, transcript)?;
    let (finals, claims) = check.finish(&out.point, &proof.ra_evals, transcript);
    out.check(&finals)?;
    Ok(claims)
}

enum Phase<'a> {
    /// Binding address variables; `bound` holds `ρ` so far.
    Address { g: Vec<Fr>, bound: Vec<Fr>, prefix_eq: Fr, eq_bound: Vec<Fr> },
    /// Binding cycle variables: `scale·Σ_j eq(r_c, j)·(h(j)² − h(j))`, `r_c[..bound]` already
    /// bound (their eq factors are in `scale`).
    Cycle(CycleState<'a>),
}

/// The cycle phase with the eq factor of the variable being bound taken out (as in
/// [`crate::eq_product`]): the inner sum `q(t) = Σ_{j'} eq(r_rest, j')·(h(t, j')² − h(t, j'))`
/// has degree 2, `q(1)` follows from the running sum, and eq over the unbound variables is
/// a fresh table each round.
struct CycleState<'a> {
    /// Read through the matrix's addresses until binding makes it dense (`crate::factor`).
    h: Factor<'a>,
    scale: Fr,
    bound: usize,
    /// `q` at the current round's point, once bound: `(1 − r)·q(0) + r·q(1)`.
    inner: Option<Fr>,
    /// `q(0..=3)` of the current round.
    last: std::cell::RefCell<Vec<Fr>>,
}

struct BooleanityProver<'a> {
    oh: &'a OneHot,
    r_a: Vec<Fr>,
    r_c: Vec<Fr>,
    phase: Phase<'a>,
}

impl<'a> BooleanityProver<'a> {
    fn new(oh: &'a OneHot, r_a: Vec<Fr>, r_c: &[Fr]) -> Self {
        let g = oh.cycle_weights(r_c);
        let phase = Phase::Address {
            g,
            bound: Vec::new(),
            prefix_eq: Fr::one(),
            eq_bound: vec![Fr::one()],
        };
        let mut p = Self { oh, r_a, r_c: r_c.to_vec(), phase };
        p.enter_cycle_phase_if_done();
        p
    }

    fn enter_cycle_phase_if_done(&mut self) {
        if let Phase::Address { bound, prefix_eq, g, .. } = &self.phase {
            if bound.len() == self.oh.log_k() {
                let h = self.oh.address_eq_factor(bound);
                // The running sum: Σ_j eq(r_c, j)·(h² − h) grouped by address.
                let e = eq_table(bound);
                let inner = g.iter().zip(&e).map(|(gk, ek)| *gk * (*ek * ek - ek)).sum();
                self.phase = Phase::Cycle(CycleState {
                    h,
                    scale: *prefix_eq,
                    bound: 0,
                    inner: Some(inner),
                    last: Default::default(),
                });
            }
        }
    }

    fn final_ra(&self) -> Fr {
        match &self.phase {
            Phase::Cycle(c) if c.h.num_vars() == 0 => c.h.get(0),
            _ => panic!("booleanity sumcheck is not finished"),
        }
    }
}

/// Address round: `s(t)` at `t = 0..=3` (see the module docs).
fn address_round(g: &[Fr], r_a: &[Fr], bound: &[Fr], prefix_eq: Fr, eq_bound: &[Fr]) -> Vec<Fr> {
    let m = bound.len();
    let rest_bits = r_a.len() - m - 1;
    let suffix = eq_table(&r_a[m + 1..]);
    let ts: [Fr; DEGREE + 1] = std::array::from_fn(|t| Fr::from(t as u64));
    let sums = g
        .par_iter()
        .enumerate()
        .filter(|(_, gk)| !gk.is_zero())
        .fold(
            || [Fr::zero(); DEGREE + 1],
            |mut acc, (k, gk)| {
                let e = eq_bound[k >> (rest_bits + 1)];
                let bit = (k >> rest_bits) & 1 == 1;
                let w = *gk * suffix[k & ((1 << rest_bits) - 1)];
                for (a, &t) in acc.iter_mut().zip(&ts) {
                    let v = e * if bit { t } else { Fr::one() - t };
                    *a += w * (v * v - v);
                }
                acc
            },
        )
        .reduce(|| [Fr::zero(); DEGREE + 1], add_arrays);
    sums.iter().zip(&ts).map(|(s, &t)| *s * prefix_eq * eq1(r_a[m], t)).collect()
}

/// Cycle round: `scale·eq(r, t)·q(t)` at `t = 0..=3`, with `q(0)` and `q(2)` summed over the
/// rows and `q(1)` from the running sum (computed too if `r = 0`, probability ~2^−254).
fn cycle_round(c: &CycleState, r_c: &[Fr]) -> Vec<Fr> {
    let r = r_c[c.bound];
    // Split: whole, the first round's table over the lookup slots' `8T / 2` rows was 128 MB.
    let eq_rest = SplitEq::new(&r_c[c.bound + 1..]);
    let half = eq_rest.len();
    let h = &c.h;
    // q(1) follows from the running sum unless this is the first cycle round (or r = 0).
    let need_q1 = c.inner.is_none() || r.is_zero();
    // The summand of a row pair at X = 0, 1, 2 (X = 2 by extrapolating the line), weighted.
    let add = |acc: &mut [Fr; 3], w: Fr, h0: Fr, h1: Fr| {
        let h2 = h1 + h1 - h0;
        acc[0] += w * (h0 * h0 - h0);
        if need_q1 {
            acc[1] += w * (h1 * h1 - h1);
        }
        acc[2] += w * (h2 * h2 - h2);
    };
    let sums = match h.pair_weights(&eq_rest) {
        // While h is read through a small table, rows are summed per pair of its entries.
        Some((table, pairs)) => {
            let m = table.len();
            let mut acc = [Fr::zero(); 3];
            for (k, w) in pairs.iter().enumerate().filter(|(_, w)| !w.is_zero()) {
                add(&mut acc, *w, table[k / m], table[k % m]);
            }
            acc
        }
        // A block of rows at a time: the low eq half weighs each row, the high half the
        // block's sums once.
        // The products are summed unreduced (`DotAcc`), h read a block at a time.
        None => {
            let b = eq_rest.block_len().min(half);
            let r2_inv = montgomery_r2_inverse();
            (0..half / b)
                .into_par_iter()
                .with_min_len(((1 << 10) / b).max(1))
                .map_init(
                    || vec![Fr::zero(); 2 * b],
                    |rows, k| {
                        let (hi, lo) = eq_rest.block(k * b, b);
                        let (h0s, h1s) = rows.split_at_mut(b);
                        h.fill(k * b, h0s);
                        h.fill(k * b + half, h1s);
                        let mut acc = [DotAcc::new(), DotAcc::new(), DotAcc::new()];
                        for ((w, h0), h1) in lo.iter().zip(h0s.iter()).zip(h1s.iter()) {
                            // Rows without an access pair up to zero: no summand.
                            if h0.is_zero() && h1.is_zero() {
                                continue;
                            }
                            let h2 = *h1 + h1 - h0;
                            acc[0].add(w, &(h0.square() - h0));
                            if need_q1 {
                                acc[1].add(w, &(h1.square() - h1));
                            }
                            acc[2].add(w, &(h2.square() - h2));
                        }
                        acc.map(|a| hi * a.finish(r2_inv))
                    },
                )
                .reduce(|| [Fr::zero(); 3], add_arrays)
        }
    };
    let q1 = match c.inner {
        Some(inner) if !r.is_zero() => {
            (inner - (Fr::one() - r) * sums[0]) * r.inverse().expect("r is not zero")
        }
        _ => sums[1],
    };
    // q has degree 2: q(3) = 3·q(2) − 3·q(1) + q(0).
    let q3 = Fr::from(3u64) * (sums[2] - q1) + sums[0];
    let q = vec![sums[0], q1, sums[2], q3];
    let out = q.iter().enumerate().map(|(t, v)| c.scale * eq1(r, Fr::from(t as u64)) * v).collect();
    *c.last.borrow_mut() = q;
    out
}

impl SumcheckProver for BooleanityProver<'_> {
    fn num_vars(&self) -> usize {
        match &self.phase {
            Phase::Address { bound, .. } => self.oh.num_vars() - bound.len(),
            Phase::Cycle(c) => c.h.num_vars(),
        }
    }

    fn degree(&self) -> usize {
        DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        match &self.phase {
            Phase::Address { g, bound, prefix_eq, eq_bound } => {
                address_round(g, &self.r_a, bound, *prefix_eq, eq_bound)
            }
            Phase::Cycle(c) => cycle_round(c, &self.r_c),
        }
    }

    fn bind(&mut self, r: Fr) {
        match &mut self.phase {
            Phase::Address { bound, prefix_eq, eq_bound, .. } => {
                *prefix_eq *= eq1(self.r_a[bound.len()], r);
                bound.push(r);
                *eq_bound = eq_table(bound);
            }
            Phase::Cycle(c) => {
                let q = std::mem::take(&mut *c.last.borrow_mut());
                c.inner = Some(crate::poly::UniPoly::from_evals(&q).evaluate(r));
                c.scale *= eq1(self.r_c[c.bound], r);
                c.bound += 1;
                c.h.bind_top(r);
            }
        }
        self.enter_cycle_phase_if_done();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::{random_onehot, random_point};
    use crate::poly::DenseMle;
    use crate::sumcheck::CompositeSumcheck;

    #[test]
    fn honest_matrices_pass_with_a_true_ra_claim() {
        for (seed, log_k, log_t, gaps) in
            [(1, 4, 6, false), (2, 6, 5, true), (3, 0, 4, false), (4, 3, 0, false)]
        {
            let oh = random_onehot(seed, log_k, log_t, gaps);
            let mut pt = Transcript::new(b"bool");
            let (proof, ra) = prove(&oh, &mut pt);
            let mut vt = Transcript::new(b"bool");
            let got = verify(log_k, log_t, &proof, &mut vt).expect("honest booleanity verifies");
            assert_eq!(got, ra);
            assert_eq!(oh.evaluate(&got.point), got.eval, "the ra claim is true");
            assert_eq!(pt.state(), vt.state());
        }
    }

    #[test]
    fn the_two_phase_prover_matches_a_dense_sumcheck() {
        // Same transcript, same rounds: the efficient prover computes exactly the dense
        // sumcheck's round polynomials.
        let (log_k, log_t) = (3, 4);
        let oh = random_onehot(9, log_k, log_t, true);
        let (proof, _) = prove(&oh, &mut Transcript::new(b"bool"));
        let mut t = Transcript::new(b"bool");
        let (r_a, r_c) = draw_point(log_k, log_t, &mut t);
        let eq = DenseMle::new(eq_table(&[r_a, r_c].concat()));
        let mut dense = CompositeSumcheck::new(vec![eq, oh.to_dense()], DEGREE, |v| {
            v[0] * (v[1] * v[1] - v[1])
        });
        assert_eq!(dense.claim(), Fr::zero());
        let (dense_proof, _) = sumcheck::prove(&mut dense, Fr::zero(), &mut t);
        assert_eq!(proof.sumcheck, dense_proof);
    }

    #[test]
    fn a_non_boolean_entry_is_rejected() {
        // A cheating prover commits a matrix with a 2 in it (or a "half" access): the true
        // booleanity sum is not 0, so the verifier's claim of 0 fails in the first round.
        let (log_k, log_t) = (3, 4);
        let oh = random_onehot(5, log_k, log_t, false);
        for bad in [Fr::from(2u64), -Fr::one()] {
            let mut m = oh.to_dense().into_evals();
            m[oh.flat_index(oh.addrs().get(7) as usize, 7)] = bad;
            let mut t = Transcript::new(b"bool");
            let (r_a, r_c) = draw_point(log_k, log_t, &mut t);
            let eq = DenseMle::new(eq_table(&[r_a, r_c].concat()));
            let mut dense = CompositeSumcheck::new(vec![eq, DenseMle::new(m)], DEGREE, |v| {
                v[0] * (v[1] * v[1] - v[1])
            });
            let true_sum = dense.claim();
            assert_ne!(true_sum, Fr::zero());
            let (sumcheck, _) = sumcheck::prove(&mut dense, true_sum, &mut t);
            let proof = BooleanityProof { sumcheck, ra_eval: dense.final_evals()[1] };
            let err = verify(log_k, log_t, &proof, &mut Transcript::new(b"bool"));
            assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
        }
    }

    #[test]
    fn a_lie_about_the_final_ra_value_is_rejected() {
        let oh = random_onehot(6, 4, 5, true);
        let (mut proof, _) = prove(&oh, &mut Transcript::new(b"bool"));
        proof.ra_eval += Fr::one();
        let err = verify(4, 5, &proof, &mut Transcript::new(b"bool"));
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
        // Another shape than the verifier derives is another statement.
        let (proof, _) = prove(&oh, &mut Transcript::new(b"bool"));
        assert!(verify(5, 4, &proof, &mut Transcript::new(b"bool")).is_err());
        let _ = random_point(0, 0);
    }

    #[test]
    fn batched_booleanity_of_chunks_of_different_widths() {
        use crate::onehot::tests::random_onehot;
        let ohs = [
            random_onehot(41, 3, 6, true),
            random_onehot(42, 2, 6, false),
            random_onehot(43, 3, 6, false),
        ];
        let refs: Vec<&OneHot> = ohs.iter().collect();
        let mut pt = Transcript::new(b"bool-batch");
        let (proof, claims) = prove_batched(&refs, &mut pt);
        let shapes: Vec<(usize, usize)> = ohs.iter().map(|m| (m.log_k(), m.log_t())).collect();
        let mut vt = Transcript::new(b"bool-batch");
        let checked = verify_batched(&shapes, &proof, &mut vt).expect("honest batch");
        assert_eq!(checked, claims);
        assert_eq!(pt.state(), vt.state());
        for (m, c) in ohs.iter().zip(&claims) {
            assert_eq!(m.evaluate(&c.point), c.eval);
        }
        let mut bad = proof.clone();
        bad.ra_evals[1] += Fr::one();
        assert!(verify_batched(&shapes, &bad, &mut Transcript::new(b"bool-batch")).is_err());
        let other = [(3, 6), (3, 6), (3, 6)];
        assert!(verify_batched(&other, &proof, &mut Transcript::new(b"bool-batch")).is_err());
    }
}
