//! Sumcheck over the boolean hypercube, single and batched.
//!
//! Proves `Σ_{x ∈ {0,1}^n} g(x) = C` where `g` is a polynomial of degree ≤ `d` in each
//! variable (typically `g = f(P_1(x), …, P_k(x))` for multilinear `P_j` and a low-degree
//! composition `f`). Each round the prover sends the univariate restriction of the remaining
//! sum to the current (top) variable; the verifier checks it and replies with a random
//! challenge. Variables are bound top-first (see [`crate::poly`]), so the returned challenge
//! vector is the evaluation point in [`DenseMle`] order.
//!
//! # Verifier rules (reference/jolt.md §7.3 items 1 and 9)
//!
//! * The number of rounds and the degree bound come from the **verifier's** arguments, never
//!   from the proof. A round polynomial travels **compressed** ([`CompressedPoly`]): exactly
//!   `degree` coefficients, all but the linear one (canonical form; this is also the degree
//!   check).
//! * Each round's linear coefficient is derived from the running claim, so `g_k(0) + g_k(1)`
//!   equals it by construction: a prover that starts from a false claim must send round
//!   polynomials that are not the true restrictions, and the final check catches it with the
//!   usual probability (`degree/|F|` per round), exactly as when the sum is checked
//!   explicitly. It saves one field element per round.
//! * The input claim (with `num_vars` and `degree`) is absorbed before any round, and every
//!   round polynomial is absorbed before the round's challenge is drawn.
//! * The verifier returns `(final_claim, point)`; the **caller** must check `final_claim`
//!   against `f(P_1(point), …)`, whose inputs must in turn be justified (PCS openings or values
//!   the verifier computes itself). [`check_final`] does the comparison.
//!
//! # Batching
//!
//! Several claims `C_i` over `n_i ≤ n` variables are proven together: all claims are absorbed
//! first, then coefficients `α_i` are drawn, and one sumcheck over `n = max n_i` variables
//! proves `Σ_i α_i 2^{n - n_i} C_i`. An instance with fewer variables sits out the first
//! `n - n_i` rounds (its round polynomial there is the constant `claim_i / 2`), so its own
//! point is the **last** `n_i` challenges ([`BatchedOutput::instance_point`]).

use crate::field::{Field, Fr, Zero};
use crate::poly::{DenseMle, UniPoly};
use crate::transcript::Transcript;
use rayon::prelude::*;

/// Why a sumcheck proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SumcheckError {
    #[error("sumcheck proof has {got} rounds, expected {expected}")]
    WrongRoundCount { expected: usize, got: usize },
    #[error("round {round}: polynomial has {got} coefficients, the degree bound allows exactly {expected}")]
    WrongDegree { round: usize, expected: usize, got: usize },
    #[error("final sumcheck claim does not match the evaluation of the summand")]
    FinalEvalMismatch,
    #[error("batched sumcheck needs at least one claim")]
    EmptyBatch,
}

/// The prover side of one sumcheck instance.
pub trait SumcheckProver {
    /// Variables still unbound.
    fn num_vars(&self) -> usize;
    /// Degree bound of the summand in each variable.
    fn degree(&self) -> usize;
    /// Evaluations at `0, 1, …, degree()` of the current round polynomial
    /// `t ↦ Σ_{x'} g(t, x')` (top variable = t).
    fn round_evals(&self) -> Vec<Fr>;
    /// Bind the top variable to the challenge `r`.
    fn bind(&mut self, r: Fr);
}

/// The round polynomials of a sumcheck, compressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SumcheckProof {
    pub round_polys: Vec<CompressedPoly>,
}

/// A round polynomial `g` as a proof carries it: its coefficients without the linear one,
/// `[c_0, c_2, c_3, …]`. The verifier restores `c_1 = claim − 2·c_0 − Σ_{i≥2} c_i` from the
/// running claim (`g(0) + g(1) = claim`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompressedPoly {
    pub coeffs: Vec<Fr>,
}

impl CompressedPoly {
    /// Drop the linear coefficient of `p` (which has at least two coefficients).
    pub fn compress(p: &UniPoly) -> Self {
        assert!(p.coeffs.len() >= 2, "a round polynomial of degree ≥ 1");
        let mut coeffs = Vec::with_capacity(p.coeffs.len() - 1);
        coeffs.push(p.coeffs[0]);
        coeffs.extend_from_slice(&p.coeffs[2..]);
        Self { coeffs }
    }

    /// The polynomial whose `g(0) + g(1)` is `claim`.
    pub fn decompress(&self, claim: Fr) -> UniPoly {
        let c0 = self.coeffs.first().copied().unwrap_or_else(Fr::zero);
        let rest = self.coeffs.get(1..).unwrap_or(&[]);
        let c1 = claim - c0 - c0 - rest.iter().sum::<Fr>();
        let mut coeffs = Vec::with_capacity(self.coeffs.len() + 1);
        coeffs.push(c0);
        coeffs.push(c1);
        coeffs.extend_from_slice(rest);
        UniPoly::from_coeffs(coeffs)
    }
}

/// `Σ_x comb(P_1(x), …, P_k(x))` for multilinear `P_j` and a composition `comb` of total
/// degree ≤ `degree`.
pub struct CompositeSumcheck<F: Fn(&[Fr]) -> Fr + Sync> {
    polys: Vec<DenseMle>,
    degree: usize,
    comb: F,
}

impl<F: Fn(&[Fr]) -> Fr + Sync> CompositeSumcheck<F> {
    /// All `polys` must have the same number of variables.
    pub fn new(polys: Vec<DenseMle>, degree: usize, comb: F) -> Self {
        assert!(!polys.is_empty(), "a composite needs at least one polynomial");
        let n = polys[0].num_vars();
        assert!(polys.iter().all(|p| p.num_vars() == n), "polynomials differ in num_vars");
        Self { polys, degree, comb }
    }

    /// The hypercube sum (the honest claim).
    pub fn claim(&self) -> Fr {
        let mut vals = vec![Fr::zero(); self.polys.len()];
        (0..self.polys[0].len())
            .map(|i| {
                for (v, p) in vals.iter_mut().zip(&self.polys) {
                    *v = p.get(i);
                }
                (self.comb)(&vals)
            })
            .sum()
    }

    /// After all rounds: each polynomial's value at the challenge point.
    pub fn final_evals(&self) -> Vec<Fr> {
        assert_eq!(self.num_vars(), 0, "not all variables are bound yet");
        self.polys.iter().map(|p| p.get(0)).collect()
    }

    /// Apply the composition (what the verifier recomputes from opened values).
    pub fn combine(&self, vals: &[Fr]) -> Fr {
        (self.comb)(vals)
    }
}

impl<F: Fn(&[Fr]) -> Fr + Sync> SumcheckProver for CompositeSumcheck<F> {
    fn num_vars(&self) -> usize {
        self.polys[0].num_vars()
    }

    fn degree(&self) -> usize {
        self.degree
    }

    fn round_evals(&self) -> Vec<Fr> {
        let k = self.polys.len();
        let half = self.polys[0].len() / 2;
        let d = self.degree;
        // Pairs (i, i + half) are independent: both cores take a share, each with its own
        // scratch vectors and partial sums.
        let chunk = (half / (4 * rayon::current_num_threads())).max(1 << 10);
        (0..half)
            .into_par_iter()
            .with_min_len(chunk)
            .fold(
                || (vec![Fr::zero(); d + 1], vec![Fr::zero(); k], vec![Fr::zero(); k]),
                |(mut sums, mut vals, mut diffs), i| {
                    for j in 0..k {
                        let e = self.polys[j].evals();
                        vals[j] = e[i];
                        diffs[j] = e[i + half] - e[i];
                    }
                    sums[0] += (self.comb)(&vals);
                    for s in sums.iter_mut().skip(1) {
                        for (v, d) in vals.iter_mut().zip(&diffs) {
                            *v += d;
                        }
                        *s += (self.comb)(&vals);
                    }
                    (sums, vals, diffs)
                },
            )
            .map(|(sums, _, _)| sums)
            .reduce(|| vec![Fr::zero(); d + 1], crate::par::add_vecs)
    }

    fn bind(&mut self, r: Fr) {
        for p in &mut self.polys {
            p.bind_top(r);
        }
    }
}

/// `Σ_x w(x)·p(x)` for two multilinear polynomials (a degree-2 sumcheck: three products per
/// pair of rows).
pub struct ProductSumcheck {
    w: DenseMle,
    p: DenseMle,
}

impl ProductSumcheck {
    pub fn new(w: DenseMle, p: DenseMle) -> Self {
        assert_eq!(w.num_vars(), p.num_vars(), "factors differ in num_vars");
        Self { w, p }
    }

    /// The hypercube sum (the honest claim).
    pub fn claim(&self) -> Fr {
        self.w.evals().par_iter().zip(self.p.evals().par_iter()).map(|(a, b)| *a * b).sum()
    }

    /// After all rounds: `(w, p)` at the challenge point.
    pub fn final_evals(&self) -> (Fr, Fr) {
        assert_eq!(self.w.num_vars(), 0, "not all variables are bound yet");
        (self.w.get(0), self.p.get(0))
    }
}

/// One round of `Σ_x w(x)·p(x)` over `2·half` rows, the factors read through `w` and `p`:
/// the round polynomial at 0, 1 and 2.
pub fn product_round(
    half: usize,
    w: impl Fn(usize) -> Fr + Sync,
    p: impl Fn(usize) -> Fr + Sync,
) -> Vec<Fr> {
    let sums = (0..half)
        .into_par_iter()
        .with_min_len(1 << 10)
        .fold(
            || [Fr::zero(); 3],
            |mut acc, i| {
                let (w0, w1, p0, p1) = (w(i), w(i + half), p(i), p(i + half));
                acc[0] += w0 * p0;
                acc[1] += w1 * p1;
                acc[2] += (w1 + w1 - w0) * (p1 + p1 - p0);
                acc
            },
        )
        .reduce(|| [Fr::zero(); 3], crate::par::add_arrays);
    sums.to_vec()
}

impl SumcheckProver for ProductSumcheck {
    fn num_vars(&self) -> usize {
        self.w.num_vars()
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<Fr> {
        let (w, p) = (self.w.evals(), self.p.evals());
        product_round(w.len() / 2, |i| w[i], |i| p[i])
    }

    fn bind(&mut self, r: Fr) {
        self.w.bind_top(r);
        self.p.bind_top(r);
    }
}

fn absorb_claim(t: &mut Transcript, claim: &Fr, num_vars: usize, degree: usize) {
    t.append_u64(b"sumcheck/num_vars", num_vars as u64);
    t.append_u64(b"sumcheck/degree", degree as u64);
    t.append_scalar(b"sumcheck/claim", claim);
}

fn padded(mut p: UniPoly, len: usize) -> UniPoly {
    assert!(p.coeffs.len() <= len, "prover produced a round polynomial above its degree bound");
    p.coeffs.resize(len, Fr::zero());
    p
}

/// Prove `Σ_x g(x) = claim` for one instance. Returns the proof and the challenge point.
pub fn prove(
    instance: &mut dyn SumcheckProver,
    claim: Fr,
    transcript: &mut Transcript,
) -> (SumcheckProof, Vec<Fr>) {
    let (n, d) = (instance.num_vars(), instance.degree());
    assert!(d >= 1, "a sumcheck of degree ≥ 1");
    absorb_claim(transcript, &claim, n, d);
    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    let mut running = claim;
    for _ in 0..n {
        let poly = padded(UniPoly::from_evals(&instance.round_evals()), d + 1);
        debug_assert_eq!(
            poly.at_zero() + poly.at_one(),
            running,
            "prover's round polynomial is inconsistent"
        );
        let sent = CompressedPoly::compress(&poly);
        transcript.append_scalars(b"sumcheck/round", &sent.coeffs);
        let r = transcript.challenge_scalar(b"sumcheck/challenge");
        running = poly.evaluate(r);
        instance.bind(r);
        round_polys.push(sent);
        point.push(r);
    }
    (SumcheckProof { round_polys }, point)
}

/// The round loop shared by the single and batched verifiers (claim already absorbed).
fn verify_rounds(
    mut claim: Fr,
    num_vars: usize,
    degree: usize,
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<(Fr, Vec<Fr>), SumcheckError> {
    if proof.round_polys.len() != num_vars {
        return Err(SumcheckError::WrongRoundCount {
            expected: num_vars,
            got: proof.round_polys.len(),
        });
    }
    let mut point = Vec::with_capacity(num_vars);
    for (round, sent) in proof.round_polys.iter().enumerate() {
        if degree == 0 || sent.coeffs.len() != degree {
            return Err(SumcheckError::WrongDegree {
                round,
                expected: degree,
                got: sent.coeffs.len(),
            });
        }
        let poly = sent.decompress(claim);
        transcript.append_scalars(b"sumcheck/round", &sent.coeffs);
        let r = transcript.challenge_scalar(b"sumcheck/challenge");
        claim = poly.evaluate(r);
        point.push(r);
    }
    Ok((claim, point))
}

/// Verify a single sumcheck for `claim` over `num_vars` variables with per-variable degree
/// ≤ `degree`. Returns `(final_claim, point)`; the caller must still check the final claim.
pub fn verify(
    claim: Fr,
    num_vars: usize,
    degree: usize,
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<(Fr, Vec<Fr>), SumcheckError> {
    absorb_claim(transcript, &claim, num_vars, degree);
    verify_rounds(claim, num_vars, degree, proof, transcript)
}

/// Compare a final claim with the value the verifier computed itself.
pub fn check_final(final_claim: Fr, expected: Fr) -> Result<(), SumcheckError> {
    if final_claim == expected {
        Ok(())
    } else {
        Err(SumcheckError::FinalEvalMismatch)
    }
}

/// What the verifier knows about one claim of a batch (all of it from the verifier's side).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchClaim {
    pub claim: Fr,
    pub num_vars: usize,
    pub degree: usize,
}

/// Absorb every claim of the batch, then draw one coefficient per claim. Prover and verifier
/// both call this, so the coefficients depend on all claims.
pub fn batch_coefficients(claims: &[BatchClaim], transcript: &mut Transcript) -> Vec<Fr> {
    transcript.append_u64(b"sumcheck/batch_size", claims.len() as u64);
    for c in claims {
        absorb_claim(transcript, &c.claim, c.num_vars, c.degree);
    }
    transcript.challenge_scalars(b"sumcheck/batch_coeff", claims.len())
}

fn batch_shape(claims: &[BatchClaim]) -> (usize, usize) {
    let n = claims.iter().map(|c| c.num_vars).max().unwrap_or(0);
    let d = claims.iter().map(|c| c.degree).max().unwrap_or(0);
    (n, d)
}

fn scale_pow2(x: Fr, k: usize) -> Fr {
    let mut y = x;
    for _ in 0..k {
        y += y;
    }
    y
}

/// The verifier's output for a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchedOutput {
    /// The challenge point over all `n = max n_i` variables.
    pub point: Vec<Fr>,
    /// The final claim of the combined sumcheck.
    pub final_claim: Fr,
    /// The batching coefficients α_i.
    pub coeffs: Vec<Fr>,
}

impl BatchedOutput {
    /// Instance `i`'s own evaluation point: the last `num_vars_i` challenges.
    pub fn instance_point(&self, num_vars: usize) -> &[Fr] {
        &self.point[self.point.len() - num_vars..]
    }

    /// Check the final claim against each instance's summand value at its own point
    /// (`finals[i]` = g_i(instance_point(i)), computed by the caller from justified values).
    pub fn check(&self, finals: &[Fr]) -> Result<(), SumcheckError> {
        assert_eq!(finals.len(), self.coeffs.len(), "one final value per claim");
        let expected: Fr = self.coeffs.iter().zip(finals).map(|(a, f)| *a * f).sum();
        check_final(self.final_claim, expected)
    }
}

/// Prove several claims at once. `claims[i]` must be the true sum of `instances[i]`.
/// Returns the proof and the full challenge point (see [`BatchedOutput::instance_point`]).
pub fn prove_batched(
    instances: &mut [&mut dyn SumcheckProver],
    claims: &[Fr],
    transcript: &mut Transcript,
) -> (SumcheckProof, Vec<Fr>) {
    assert_eq!(instances.len(), claims.len(), "one claim per instance");
    assert!(!instances.is_empty(), "empty batch");
    let shape: Vec<BatchClaim> = instances
        .iter()
        .zip(claims)
        .map(|(inst, &claim)| BatchClaim {
            claim,
            num_vars: inst.num_vars(),
            degree: inst.degree(),
        })
        .collect();
    let coeffs = batch_coefficients(&shape, transcript);
    prove_batched_drawn(instances, &shape, &coeffs, transcript)
}

/// [`prove_batched`] once its coefficients are drawn ([`batch_coefficients`] of the claims
/// the verifier sees). `shape[i]` and `coeffs[i]` belong to `instances[i]`, which may stand
/// for several of the verifier's claims of one size at once: their combination (its claim
/// `Σ c_m·claim_m`, coefficient 1, round polynomials `Σ c_m·s_m`) gives the same round
/// polynomials as the members apart.
pub fn prove_batched_drawn(
    instances: &mut [&mut dyn SumcheckProver],
    shape: &[BatchClaim],
    coeffs: &[Fr],
    transcript: &mut Transcript,
) -> (SumcheckProof, Vec<Fr>) {
    assert!(instances.len() == shape.len() && shape.len() == coeffs.len(), "one each");
    let (n, d) = batch_shape(shape);
    // Running claim of each instance, scaled for its dummy rounds.
    let mut running: Vec<Fr> = shape.iter().map(|c| scale_pow2(c.claim, n - c.num_vars)).collect();
    let half = Fr::from(2u64).inverse().expect("2 is invertible");
    let mut round_polys = Vec::with_capacity(n);
    let mut point = Vec::with_capacity(n);
    for round in 0..n {
        let mut combined = UniPoly::from_coeffs(vec![Fr::zero(); d + 1]);
        let mut polys = Vec::with_capacity(instances.len());
        for (i, inst) in instances.iter().enumerate() {
            let active = round >= n - shape[i].num_vars;
            let p = if active {
                UniPoly::from_evals(&inst.round_evals())
            } else {
                UniPoly::from_coeffs(vec![running[i] * half])
            };
            debug_assert_eq!(
                p.at_zero() + p.at_one(),
                running[i],
                "instance {i} is inconsistent in round {round}"
            );
            combined.add_scaled(&p, coeffs[i]);
            polys.push((active, p));
        }
        let combined = padded(combined, d + 1);
        let sent = CompressedPoly::compress(&combined);
        transcript.append_scalars(b"sumcheck/round", &sent.coeffs);
        let r = transcript.challenge_scalar(b"sumcheck/challenge");
        for (i, (active, p)) in polys.into_iter().enumerate() {
            running[i] = p.evaluate(r);
            if active {
                instances[i].bind(r);
            }
        }
        round_polys.push(sent);
        point.push(r);
    }
    (SumcheckProof { round_polys }, point)
}

/// Verify a batched sumcheck. The claims, their sizes and degrees are the verifier's own.
pub fn verify_batched(
    claims: &[BatchClaim],
    proof: &SumcheckProof,
    transcript: &mut Transcript,
) -> Result<BatchedOutput, SumcheckError> {
    if claims.is_empty() {
        return Err(SumcheckError::EmptyBatch);
    }
    let coeffs = batch_coefficients(claims, transcript);
    let (n, d) = batch_shape(claims);
    let combined: Fr =
        claims.iter().zip(&coeffs).map(|(c, a)| *a * scale_pow2(c.claim, n - c.num_vars)).sum();
    let (final_claim, point) = verify_rounds(combined, n, d, proof, transcript)?;
    Ok(BatchedOutput { point, final_claim, coeffs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rand_mle(rng: &mut ChaCha20Rng, n: usize) -> DenseMle {
        DenseMle::new((0..1 << n).map(|_| Fr::rand(rng)).collect())
    }

    /// g = a·b·e − c·e: degree 3 (the shape of a Spartan outer sumcheck).
    fn comb3(v: &[Fr]) -> Fr {
        (v[0] * v[1] - v[2]) * v[3]
    }

    struct Instance {
        polys: Vec<DenseMle>,
        claim: Fr,
        proof: SumcheckProof,
        point: Vec<Fr>,
    }

    fn make(seed: u64, n: usize) -> Instance {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let polys: Vec<DenseMle> = (0..4).map(|_| rand_mle(&mut rng, n)).collect();
        let mut inst = CompositeSumcheck::new(polys.clone(), 3, comb3);
        let claim = inst.claim();
        let mut t = Transcript::new(b"test");
        let (proof, point) = prove(&mut inst, claim, &mut t);
        let finals = inst.final_evals();
        for (p, f) in polys.iter().zip(&finals) {
            assert_eq!(p.evaluate(&point), *f);
        }
        Instance { polys, claim, proof, point }
    }

    /// The full verifier: rounds, then the final check against the true MLE values.
    fn full_verify(
        inst: &Instance,
        claim: Fr,
        proof: &SumcheckProof,
    ) -> Result<Vec<Fr>, SumcheckError> {
        let mut t = Transcript::new(b"test");
        let n = inst.polys[0].num_vars();
        let (fin, point) = verify(claim, n, 3, proof, &mut t)?;
        let vals: Vec<Fr> = inst.polys.iter().map(|p| p.evaluate(&point)).collect();
        check_final(fin, comb3(&vals))?;
        Ok(point)
    }

    #[test]
    fn completeness_random_instances() {
        for (seed, n) in [(1, 1), (2, 2), (3, 5), (4, 8)] {
            let inst = make(seed, n);
            let point = full_verify(&inst, inst.claim, &inst.proof).unwrap();
            assert_eq!(point, inst.point);
        }
    }

    #[test]
    fn product_of_two_and_eq_weighted() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let n = 6;
        let a = rand_mle(&mut rng, n);
        let r: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        // Σ_x eq(r, x)·a(x) = a(r): a degree-2 sumcheck proves an evaluation.
        let eq = DenseMle::new(crate::poly::eq_table(&r));
        let mut inst = CompositeSumcheck::new(vec![eq, a.clone()], 2, |v| v[0] * v[1]);
        let claim = inst.claim();
        assert_eq!(claim, a.evaluate(&r));
        let mut t = Transcript::new(b"eq");
        let (proof, _) = prove(&mut inst, claim, &mut t);
        let mut t = Transcript::new(b"eq");
        let (fin, point) = verify(claim, n, 2, &proof, &mut t).unwrap();
        check_final(fin, crate::poly::eq_eval(&r, &point) * a.evaluate(&point)).unwrap();
    }

    #[test]
    fn rejects_wrong_claim() {
        let inst = make(5, 4);
        // The rounds restore their linear coefficients from the false claim, so they are not
        // the true restrictions and the final check fails.
        let err = full_verify(&inst, inst.claim + Fr::from(1u64), &inst.proof).unwrap_err();
        assert_eq!(err, SumcheckError::FinalEvalMismatch);
    }

    #[test]
    fn rejects_every_tampered_coefficient() {
        let inst = make(6, 4);
        for round in 0..4 {
            // Degree 3: three coefficients travel (the linear one is derived).
            for c in 0..3 {
                let mut proof = inst.proof.clone();
                proof.round_polys[round].coeffs[c] += Fr::from(1u64);
                assert!(full_verify(&inst, inst.claim, &proof).is_err(), "round {round} coeff {c}");
            }
        }
    }

    #[test]
    fn a_tampered_round_fails_the_final_check() {
        // Whatever a round polynomial is changed to, its derived linear coefficient keeps
        // g(0) + g(1) equal to the running claim; the next claim is wrong and the final
        // check catches it, in every round.
        let inst = make(7, 5);
        for round in 0..5 {
            let mut proof = inst.proof.clone();
            proof.round_polys[round].coeffs[0] += Fr::from(1u64);
            let err = full_verify(&inst, inst.claim, &proof).unwrap_err();
            assert_eq!(err, SumcheckError::FinalEvalMismatch, "round {round}");
        }
    }

    #[test]
    fn rejects_too_high_degree() {
        let inst = make(8, 3);
        // An extra (even zero) coefficient exceeds the verifier's bound.
        let mut proof = inst.proof.clone();
        proof.round_polys[1].coeffs.push(Fr::from(0u64));
        assert_eq!(
            full_verify(&inst, inst.claim, &proof).unwrap_err(),
            SumcheckError::WrongDegree { round: 1, expected: 3, got: 4 }
        );
        // A degree-4 polynomial with the right sum: g + X^2(X-1)^2 ... adds 0 at 0 and 1.
        let mut proof = inst.proof.clone();
        let c = &mut proof.round_polys[0].coeffs; // [c0, c2, c3]
                                                  // X^2 (X-1)^2 = X^4 - 2X^3 + X^2
        c[1] += Fr::from(1u64);
        c[2] -= Fr::from(2u64);
        c.push(Fr::from(1u64));
        assert!(matches!(
            full_verify(&inst, inst.claim, &proof),
            Err(SumcheckError::WrongDegree { round: 0, .. })
        ));
        // The verifier's degree bound wins over the prover's: verifying a degree-3 proof
        // with bound 2 fails.
        let mut t = Transcript::new(b"test");
        assert!(matches!(
            verify(inst.claim, 3, 2, &inst.proof, &mut t),
            Err(SumcheckError::WrongDegree { .. })
        ));
    }

    #[test]
    fn rejects_wrong_final_evaluation_and_round_count() {
        let inst = make(10, 4);
        let mut t = Transcript::new(b"test");
        let (fin, point) = verify(inst.claim, 4, 3, &inst.proof, &mut t).unwrap();
        let vals: Vec<Fr> = inst.polys.iter().map(|p| p.evaluate(&point)).collect();
        assert!(check_final(fin, comb3(&vals)).is_ok());
        assert_eq!(
            check_final(fin, comb3(&vals) + Fr::from(1u64)),
            Err(SumcheckError::FinalEvalMismatch)
        );
        // Evaluations at another point do not pass either.
        let mut other = point.clone();
        other[0] += Fr::from(1u64);
        let vals: Vec<Fr> = inst.polys.iter().map(|p| p.evaluate(&other)).collect();
        assert!(check_final(fin, comb3(&vals)).is_err());
        // Round count comes from the verifier.
        let mut t = Transcript::new(b"test");
        assert_eq!(
            verify(inst.claim, 5, 3, &inst.proof, &mut t).unwrap_err(),
            SumcheckError::WrongRoundCount { expected: 5, got: 4 }
        );
        let mut short = inst.proof.clone();
        short.round_polys.pop();
        let mut t = Transcript::new(b"test");
        assert!(verify(inst.claim, 4, 3, &short, &mut t).is_err());
    }

    #[test]
    fn transcript_divergence_is_caught() {
        // A verifier whose transcript absorbed something else draws other challenges.
        let inst = make(11, 4);
        let mut t = Transcript::new(b"test");
        t.append_bytes(b"extra", b"statement");
        // Every later claim is taken at other challenges, so the final check fails.
        let (fin, point) = verify(inst.claim, 4, 3, &inst.proof, &mut t).unwrap();
        let vals: Vec<Fr> = inst.polys.iter().map(|p| p.evaluate(&point)).collect();
        assert_eq!(check_final(fin, comb3(&vals)), Err(SumcheckError::FinalEvalMismatch));
    }

    #[test]
    fn zero_variable_instance() {
        let mut inst =
            CompositeSumcheck::new(vec![DenseMle::new(vec![Fr::from(3u64)])], 1, |v| v[0]);
        let mut t = Transcript::new(b"z");
        let (proof, point) = prove(&mut inst, Fr::from(3u64), &mut t);
        assert!(proof.round_polys.is_empty() && point.is_empty());
        let mut t = Transcript::new(b"z");
        let (fin, _) = verify(Fr::from(3u64), 0, 1, &proof, &mut t).unwrap();
        assert_eq!(fin, Fr::from(3u64));
    }

    struct Batch {
        polys: Vec<Vec<DenseMle>>,
        claims: Vec<BatchClaim>,
        proof: SumcheckProof,
    }

    type Comb = fn(&[Fr]) -> Fr;

    fn comb_for(i: usize) -> Comb {
        match i % 3 {
            0 => comb3,
            1 => |v: &[Fr]| v[0] * v[1],
            _ => |v: &[Fr]| v[0] + v[1],
        }
    }

    fn degree_for(i: usize) -> usize {
        [3, 2, 1][i % 3]
    }

    fn make_batch(seed: u64, sizes: &[usize]) -> Batch {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let polys: Vec<Vec<DenseMle>> =
            sizes.iter().map(|&n| (0..4).map(|_| rand_mle(&mut rng, n)).collect()).collect();
        let mut insts: Vec<CompositeSumcheck<Comb>> = polys
            .iter()
            .enumerate()
            .map(|(i, p)| CompositeSumcheck::new(p.clone(), degree_for(i), comb_for(i)))
            .collect();
        let claim_vals: Vec<Fr> = insts.iter().map(|s| s.claim()).collect();
        let claims: Vec<BatchClaim> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| BatchClaim { claim: claim_vals[i], num_vars: n, degree: degree_for(i) })
            .collect();
        let mut t = Transcript::new(b"batch");
        let mut refs: Vec<&mut dyn SumcheckProver> =
            insts.iter_mut().map(|s| s as &mut dyn SumcheckProver).collect();
        let (proof, point) = prove_batched(&mut refs, &claim_vals, &mut t);
        // The prover's instances end at their own points.
        let nmax = *sizes.iter().max().unwrap();
        for (i, s) in insts.iter().enumerate() {
            let own = &point[nmax - sizes[i]..];
            for (p, f) in polys[i].iter().zip(s.final_evals()) {
                assert_eq!(p.evaluate(own), f);
            }
        }
        Batch { polys, claims, proof }
    }

    fn verify_batch(
        b: &Batch,
        claims: &[BatchClaim],
        proof: &SumcheckProof,
    ) -> Result<(), SumcheckError> {
        let mut t = Transcript::new(b"batch");
        let out = verify_batched(claims, proof, &mut t)?;
        let finals: Vec<Fr> = b
            .polys
            .iter()
            .take(claims.len())
            .enumerate()
            .map(|(i, ps)| {
                // The instance's true values (a claim may state another size).
                let pt = out.instance_point(ps[0].num_vars());
                let vals: Vec<Fr> = ps.iter().map(|p| p.evaluate(pt)).collect();
                comb_for(i)(&vals)
            })
            .collect();
        out.check(&finals)
    }

    #[test]
    fn batched_completeness_mixed_sizes_and_degrees() {
        for (seed, sizes) in
            [(20, vec![3]), (21, vec![4, 4, 4]), (22, vec![5, 2, 0, 5, 3]), (23, vec![1, 7])]
        {
            let b = make_batch(seed, &sizes);
            verify_batch(&b, &b.claims, &b.proof).unwrap();
        }
    }

    #[test]
    fn batched_rejects_any_wrong_claim_or_shape() {
        let b = make_batch(30, &[4, 2, 3]);
        for i in 0..3 {
            let mut claims = b.claims.clone();
            claims[i].claim += Fr::from(1u64);
            assert!(verify_batch(&b, &claims, &b.proof).is_err(), "claim {i}");
            let mut claims = b.claims.clone();
            claims[i].num_vars += 1;
            assert!(verify_batch(&b, &claims, &b.proof).is_err(), "num_vars {i}");
        }
        // Dropping a claim or tampering a round fails too.
        assert!(verify_batch(&b, &b.claims[..2], &b.proof).is_err());
        let mut proof = b.proof.clone();
        proof.round_polys[2].coeffs[1] += Fr::from(1u64);
        assert!(verify_batch(&b, &b.claims, &proof).is_err());
        let mut t = Transcript::new(b"batch");
        assert_eq!(verify_batched(&[], &b.proof, &mut t).unwrap_err(), SumcheckError::EmptyBatch);
    }

    #[test]
    fn batch_coefficients_depend_on_every_claim() {
        let claims: Vec<BatchClaim> = (0..3)
            .map(|i| BatchClaim { claim: Fr::from(i as u64), num_vars: 2, degree: 2 })
            .collect();
        let base = batch_coefficients(&claims, &mut Transcript::new(b"c"));
        for i in 0..3 {
            let mut c = claims.clone();
            c[i].claim += Fr::from(1u64);
            // The FIRST coefficient changes even when the LAST claim does: drawn after all.
            assert_ne!(batch_coefficients(&c, &mut Transcript::new(b"c"))[0], base[0]);
            let mut c = claims.clone();
            c[i].degree += 1;
            assert_ne!(batch_coefficients(&c, &mut Transcript::new(b"c"))[0], base[0]);
        }
    }
}
