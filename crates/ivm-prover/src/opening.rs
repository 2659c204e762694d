//! Batch opening reduction (docs/prover-architecture.md §5).
//!
//! Input: committed polynomials `P_0, …, P_{m-1}` with the same number of variables `n`, and
//! claims `P_{j(i)}(r_i) = e_i` at arbitrary (possibly repeated) points. One Dory proof opens
//! them all:
//!
//! 1. Both sides absorb `n`, the opened polynomials' indices and commitments, and every claim
//!    `(j(i), r_i, e_i)`; then draw `ρ` (`challenge_powers`).
//! 2. Sumcheck (degree 2, `n` rounds) for
//!    `Σ_i ρ^i e_i = Σ_x Σ_i ρ^i eq(r_i, x) P_{j(i)}(x)`, ending at `r*`. The prover groups the
//!    claims by point, so each distinct point's eq table is built once
//!    (`Σ_p eq(p, x) · F_p(x)` with `F_p = Σ_{i: r_i = p} ρ^i P_{j(i)}`).
//! 3. The prover sends `P_j(r*)` for every opened `j` (increasing index order, see
//!    [`opened_polys`]); both sides absorb them. The verifier checks the final claim equals
//!    `Σ_i ρ^i eq(r_i, r*) P_{j(i)}(r*)`.
//! 4. Draw `η` (`challenge_powers`); open `Q = Σ_k η^k P_{j_k}` at `r*` with one Dory proof
//!    against `C_Q = Σ_k η^k C_{j_k}` (computed by the verifier) for the value
//!    `Σ_k η^k P_{j_k}(r*)`.
//!
//! # Opening hints
//!
//! `Dory`'s opening hint is the vector of row commitments `⟨row_i(P), Γ_1⟩ ∈ G1` (not blinded:
//! we run Dory in transparent mode). It is linear in the polynomial, so the hint of `Q` is the
//! same `η`-combination of the opened polynomials' hints: one small MSM (size = number of
//! opened polynomials) per row instead of re-committing `Q` (an MSM over all `2^n`
//! coefficients).

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use dory_pcs::backends::arkworks::ArkG1;

use crate::codec::{DecodeError, Reader, Writer};
use crate::field::{Fr, Zero, FR_BYTES};
use crate::gkr::{num_threads, par_map};
use crate::pcs::{
    dory_shape, CommitmentScheme, Dory, DoryCommitment, DoryProof, DoryProverSetup,
    DoryVerifierSetup, PcsError,
};
use crate::poly::{eq_eval, eq_table, DenseMle};
use crate::sumcheck::{self, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// A claim `P_poly(point) = eval` on one of the committed polynomials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningClaim {
    pub poly: usize,
    pub point: Vec<Fr>,
    pub eval: Fr,
}

/// Why a batch opening was rejected.
#[derive(Debug, thiserror::Error)]
pub enum OpeningError {
    #[error("batch opening shape: {0}")]
    BadShape(String),
    #[error("batch opening sumcheck: {0}")]
    Sumcheck(#[from] SumcheckError),
    #[error("batch opening: the evaluations at the sumcheck point do not match its final claim")]
    FinalMismatch,
    #[error("batch opening PCS proof: {0}")]
    Pcs(#[from] PcsError),
}

/// The proof: the reduction sumcheck, the opened polynomials' values at its point, one Dory
/// proof of their random combination.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOpeningProof {
    pub sumcheck: SumcheckProof,
    /// `P_j(r*)` for `j` in [`opened_polys`] order.
    pub evals: Vec<Fr>,
    pub pcs: DoryProof,
}

/// Upper bound on the encoded Dory proof for `num_vars` variables (σ = ⌈n/2⌉ reduce rounds of
/// six G_T, three G1 and three G2 elements, plus the fixed messages), with one spare round.
pub fn max_dory_proof_bytes(num_vars: usize) -> usize {
    const GT: usize = 12 * FR_BYTES; // compressed G_T (F_p^12): 384 bytes
    const G1: usize = FR_BYTES;
    const G2: usize = 2 * FR_BYTES;
    let (_, sigma) = dory_shape(num_vars);
    let rounds = sigma + 1;
    2 * GT + G1 + 4 + rounds * (6 * GT + 3 * G1 + 3 * G2) + (1 + G1 + G2) + 8 + 64
}

impl BatchOpeningProof {
    pub fn write(&self, w: &mut Writer) {
        w.sumcheck(&self.sumcheck);
        w.frs(&self.evals);
        w.bytes(&self.pcs.to_bytes());
    }

    /// Decode a proof over `num_vars` variables opening `num_opened` polynomials (both from the
    /// verifier: `num_opened = opened_polys(claims).len()`).
    pub fn read(r: &mut Reader, num_vars: usize, num_opened: usize) -> Result<Self, DecodeError> {
        let sumcheck = r.sumcheck(num_vars, 2, "opening sumcheck")?;
        let evals = r.frs_exact(num_opened, "opening evaluations")?;
        let bytes = r.bytes(max_dory_proof_bytes(num_vars), "opening Dory proof")?;
        let pcs = DoryProof::from_bytes(&bytes)
            .map_err(|e| DecodeError(format!("opening Dory proof: {e}")))?;
        Ok(Self { sumcheck, evals, pcs })
    }
}

/// The polynomials the claims touch, in increasing index order (no repeats).
pub fn opened_polys(claims: &[OpeningClaim]) -> Vec<usize> {
    let mut v: Vec<usize> = claims.iter().map(|c| c.poly).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Claims grouped by point: `(point, claim indices)` in order of first appearance.
fn group_by_point(claims: &[OpeningClaim]) -> Vec<(&[Fr], Vec<usize>)> {
    let mut groups: Vec<(&[Fr], Vec<usize>)> = Vec::new();
    for (i, c) in claims.iter().enumerate() {
        match groups.iter_mut().find(|(p, _)| *p == &c.point[..]) {
            Some((_, idx)) => idx.push(i),
            None => groups.push((&c.point, vec![i])),
        }
    }
    groups
}

/// Checks shared by prover and verifier; returns the opened polynomial indices.
fn check_shape(
    num_vars: usize,
    num_polys: usize,
    claims: &[OpeningClaim],
) -> Result<Vec<usize>, OpeningError> {
    if claims.is_empty() {
        return Err(OpeningError::BadShape("no claims".into()));
    }
    for (i, c) in claims.iter().enumerate() {
        if c.poly >= num_polys {
            return Err(OpeningError::BadShape(format!(
                "claim {i} is on polynomial {} of {num_polys}",
                c.poly
            )));
        }
        if c.point.len() != num_vars {
            return Err(OpeningError::BadShape(format!(
                "claim {i} has a point of {} coordinates, expected {num_vars}",
                c.point.len()
            )));
        }
    }
    Ok(opened_polys(claims))
}

/// Absorb the statement and draw the claim weights `ρ^i`.
fn absorb_claims(
    t: &mut Transcript,
    num_vars: usize,
    opened: &[usize],
    commitments: &[DoryCommitment],
    claims: &[OpeningClaim],
) -> Vec<Fr> {
    t.append_u64(b"opening/num_vars", num_vars as u64);
    t.append_u64(b"opening/num_opened", opened.len() as u64);
    for &j in opened {
        t.append_u64(b"opening/poly", j as u64);
        t.append_serializable(b"opening/commitment", &commitments[j].0);
    }
    t.append_u64(b"opening/num_claims", claims.len() as u64);
    for c in claims {
        t.append_u64(b"opening/claim_poly", c.poly as u64);
        t.append_scalars(b"opening/claim_point", &c.point);
        t.append_scalar(b"opening/claim_eval", &c.eval);
    }
    t.challenge_powers(b"opening/rho", claims.len())
}

/// Below this many field elements per pass, threads cost more than they save.
const PAR_THRESHOLD: usize = 1 << 13;

/// `out[x] = Σ_k coeffs[k] · polys[k][x]`, in parallel chunks.
fn linear_combination(polys: &[&[Fr]], coeffs: &[Fr], len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::zero(); len];
    let parallel = len * polys.len() >= PAR_THRESHOLD;
    let chunk = if parallel { len.div_ceil(num_threads()).max(1) } else { len.max(1) };
    let jobs: Vec<(usize, &mut [Fr])> = out.chunks_mut(chunk).enumerate().collect();
    par_map(jobs, parallel, |(c, dst)| {
        let (base, m) = (c * chunk, dst.len());
        for (p, &a) in polys.iter().zip(coeffs) {
            for (d, v) in dst.iter_mut().zip(&p[base..base + m]) {
                *d += a * v;
            }
        }
    });
    out
}

/// `Σ_x eq_p(x)·F_p(x)` summed over groups `p`, as a degree-2 sumcheck instance.
struct EqSumProver {
    /// Per distinct point: (eq table, combined polynomial), both bound top-first.
    groups: Vec<(Vec<Fr>, Vec<Fr>)>,
}

impl SumcheckProver for EqSumProver {
    fn num_vars(&self) -> usize {
        self.groups[0].0.len().trailing_zeros() as usize
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<Fr> {
        let half = self.groups[0].0.len() / 2;
        let parallel = half * self.groups.len() >= PAR_THRESHOLD;
        let pieces = if parallel { num_threads() } else { 1 };
        let chunk = half.div_ceil(pieces).max(1);
        let jobs: Vec<(usize, usize)> = (0..self.groups.len())
            .flat_map(|g| (0..half).step_by(chunk).map(move |a| (g, a)))
            .collect();
        let partial = par_map(jobs, parallel, |(g, a)| {
            let (eq, f) = &self.groups[g];
            let b = (a + chunk).min(half);
            let mut acc = [Fr::zero(); 3];
            for j in a..b {
                let (e0, e1, f0, f1) = (eq[j], eq[j + half], f[j], f[j + half]);
                acc[0] += e0 * f0;
                acc[1] += e1 * f1;
                acc[2] += (e1 + e1 - e0) * (f1 + f1 - f0);
            }
            acc
        });
        let mut sums = vec![Fr::zero(); 3];
        for acc in partial {
            for (s, a) in sums.iter_mut().zip(acc) {
                *s += a;
            }
        }
        sums
    }

    fn bind(&mut self, r: Fr) {
        let half = self.groups[0].0.len() / 2;
        let parallel = half * self.groups.len() >= PAR_THRESHOLD;
        let pieces = if parallel { num_threads() } else { 1 };
        let chunk = half.div_ceil(pieces).max(1);
        let jobs: Vec<(&mut [Fr], &[Fr])> = self
            .groups
            .iter_mut()
            .flat_map(|(e, f)| [e, f])
            .flat_map(|v| {
                let (lo, hi) = v.split_at_mut(half);
                lo.chunks_mut(chunk).zip(hi.chunks(chunk))
            })
            .collect();
        par_map(jobs, parallel, |(lo, hi)| {
            for (l, h) in lo.iter_mut().zip(hi) {
                *l += r * (*h - *l);
            }
        });
        for (e, f) in &mut self.groups {
            e.truncate(half);
            f.truncate(half);
        }
    }
}

/// The η-combination of the opened polynomials' row commitments (see module docs).
fn combine_hints(hints: &[&Vec<ArkG1>], coeffs: &[Fr]) -> Vec<ArkG1> {
    let rows = hints[0].len();
    assert!(hints.iter().all(|h| h.len() == rows), "opening hints of different shapes");
    // Row-major affine bases: bases[row * k + poly].
    let k = hints.len();
    let mut proj = Vec::with_capacity(rows * k);
    for row in 0..rows {
        proj.extend(hints.iter().map(|h| h[row].0));
    }
    let bases: Vec<G1Affine> = G1Projective::normalize_batch(&proj);
    let parallel = rows * k >= 64;
    let per = rows.div_ceil(if parallel { num_threads() } else { 1 }).max(1);
    let jobs: Vec<usize> = (0..rows).step_by(per).collect();
    par_map(jobs, parallel, |start| {
        (start..(start + per).min(rows))
            .map(|row| {
                ArkG1(
                    G1Projective::msm(&bases[row * k..(row + 1) * k], coeffs)
                        .expect("equal lengths"),
                )
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Prove every claim. `polys`, `commitments` and `hints` are indexed alike (the hints are the
/// ones `Dory::commit` returned; only the opened polynomials' hints are used). The claims'
/// evaluations must be correct (the prover asserts nothing beyond debug checks).
pub fn prove(
    setup: &DoryProverSetup,
    polys: &[&DenseMle],
    commitments: &[DoryCommitment],
    hints: &[<Dory as CommitmentScheme>::OpeningHint],
    claims: &[OpeningClaim],
    transcript: &mut Transcript,
) -> BatchOpeningProof {
    assert!(!polys.is_empty(), "no polynomials");
    assert_eq!(polys.len(), commitments.len(), "one commitment per polynomial");
    assert_eq!(polys.len(), hints.len(), "one opening hint per polynomial");
    let n = polys[0].num_vars();
    assert!(polys.iter().all(|p| p.num_vars() == n), "polynomials differ in num_vars");
    let opened = check_shape(n, polys.len(), claims).unwrap_or_else(|e| panic!("{e}"));
    debug_assert!(
        claims.iter().all(|c| polys[c.poly].evaluate(&c.point) == c.eval),
        "a claimed evaluation is wrong"
    );

    let rho = absorb_claims(transcript, n, &opened, commitments, claims);
    let claim: Fr = rho.iter().zip(claims).map(|(w, c)| *w * c.eval).sum();

    // One (eq table, F_p) pair per distinct point.
    let groups: Vec<(Vec<Fr>, Vec<Fr>)> = group_by_point(claims)
        .into_iter()
        .map(|(point, idx)| {
            let mut coeff: Vec<(usize, Fr)> = Vec::new();
            for i in idx {
                match coeff.iter_mut().find(|(j, _)| *j == claims[i].poly) {
                    Some((_, c)) => *c += rho[i],
                    None => coeff.push((claims[i].poly, rho[i])),
                }
            }
            let ps: Vec<&[Fr]> = coeff.iter().map(|(j, _)| polys[*j].evals()).collect();
            let cs: Vec<Fr> = coeff.iter().map(|(_, c)| *c).collect();
            (eq_table(point), linear_combination(&ps, &cs, 1 << n))
        })
        .collect();
    let mut inst = EqSumProver { groups };
    let (sc, r_star) = sumcheck::prove(&mut inst, claim, transcript);
    drop(inst);

    // P_j(r*) for the opened polynomials.
    let eq_star = eq_table(&r_star);
    let parallel = opened.len() << n >= PAR_THRESHOLD;
    let evals: Vec<Fr> = par_map(opened.clone(), parallel, |j| {
        polys[j].evals().iter().zip(&eq_star).map(|(a, b)| *a * b).sum()
    });
    drop(eq_star);
    transcript.append_scalars(b"opening/evals", &evals);
    let eta = transcript.challenge_powers(b"opening/eta", opened.len());

    let ps: Vec<&[Fr]> = opened.iter().map(|&j| polys[j].evals()).collect();
    let q = DenseMle::new(linear_combination(&ps, &eta, 1 << n));
    let c_q = combine_commitments(commitments, &opened, &eta);
    let hint_refs: Vec<&Vec<ArkG1>> = opened.iter().map(|&j| &hints[j]).collect();
    let hint = combine_hints(&hint_refs, &eta);
    let (eval, pcs) = Dory::open(setup, &q, hint, &c_q, &r_star, transcript);
    debug_assert_eq!(eval, eta.iter().zip(&evals).map(|(a, b)| *a * b).sum::<Fr>());
    BatchOpeningProof { sumcheck: sc, evals, pcs }
}

fn combine_commitments(
    commitments: &[DoryCommitment],
    opened: &[usize],
    eta: &[Fr],
) -> DoryCommitment {
    let mut acc = commitments[opened[0]].0 * eta[0];
    for (k, &j) in opened.iter().enumerate().skip(1) {
        acc += commitments[j].0 * eta[k];
    }
    DoryCommitment(acc)
}

/// Verify a batch opening of `claims` against `commitments` (all polynomials have `num_vars`
/// variables; every length here is the verifier's own).
pub fn verify(
    setup: &DoryVerifierSetup,
    num_vars: usize,
    commitments: &[DoryCommitment],
    claims: &[OpeningClaim],
    proof: &BatchOpeningProof,
    transcript: &mut Transcript,
) -> Result<(), OpeningError> {
    let opened = check_shape(num_vars, commitments.len(), claims)?;
    if proof.evals.len() != opened.len() {
        return Err(OpeningError::BadShape(format!(
            "{} evaluations for {} opened polynomials",
            proof.evals.len(),
            opened.len()
        )));
    }
    let rho = absorb_claims(transcript, num_vars, &opened, commitments, claims);
    let claim: Fr = rho.iter().zip(claims).map(|(w, c)| *w * c.eval).sum();
    let (final_claim, r_star) = sumcheck::verify(claim, num_vars, 2, &proof.sumcheck, transcript)?;

    let eval_of =
        |j: usize| proof.evals[opened.binary_search(&j).expect("claimed polynomials are opened")];
    let mut expected = Fr::zero();
    for (point, idx) in group_by_point(claims) {
        let eq = eq_eval(point, &r_star);
        let inner: Fr = idx.iter().map(|&i| rho[i] * eval_of(claims[i].poly)).sum();
        expected += eq * inner;
    }
    if final_claim != expected {
        return Err(OpeningError::FinalMismatch);
    }

    transcript.append_scalars(b"opening/evals", &proof.evals);
    let eta = transcript.challenge_powers(b"opening/eta", opened.len());
    let c_q = combine_commitments(commitments, &opened, &eta);
    let eval: Fr = eta.iter().zip(&proof.evals).map(|(a, b)| *a * b).sum();
    Dory::verify(setup, &c_q, &r_star, eval, &proof.pcs, transcript)?;
    Ok(())
}
