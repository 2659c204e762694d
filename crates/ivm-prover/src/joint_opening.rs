//! One Dory proof for every committed polynomial of a proof (prover v2).
//!
//! Prover v2's sumchecks are arranged so that every committed polynomial ends up claimed at
//! (a suffix of) **one** point `ρ` of `N` variables: the one-hot matrices at
//! `(r_addr, r_cycle)`, the dense per-row columns at `r_cycle`. This module opens them all with
//! a single Dory proof.
//!
//! # Layout
//!
//! Every polynomial of a proof is committed with the same row width `2^σ`, `σ = ⌈N/2⌉`
//! ([`Layout`]): a polynomial of `n ≤ N` variables occupies the first `2^n` entries of the
//! `N`-variable table (`2^(n−σ)` rows, or the start of row 0 when `n < σ`). Its extension to
//! `N` variables is `P'(x) = eq(0, x_{<N−n})·P(x_{≥N−n})`, and because all commitments share
//! the layout they are homomorphic: `Σ_i c_i·C_i` commits to `Σ_i c_i·P'_i`, and the row
//! commitments (the opening hints) combine the same way.
//!
//! # Protocol
//!
//! Both sides absorb `N`, every commitment with its number of variables and claimed value,
//! and the point; draw `c_i` (independent challenges below `2^128`: a false claim survives
//! the combination with probability at most `2^-128`, and each coefficient's scalar
//! multiplications — the hints' combination, the verifier's `G_T` exponentiations — cost half
//! a full-width one); then one Dory proof opens
//! `Q = Σ_i c_i·P'_i` at `ρ` against `Σ_i c_i·C_i` for `Σ_i c_i·eq(0, ρ_{<N−n_i})·v_i`. The
//! prover never materialises `Q`: Dory only needs `L^T·Q`, which is the same combination of
//! each polynomial's own (dense or sparse) vector–matrix product.

use ark_bn254::{G1Affine, G1Projective};
use ark_ec::pairing::PairingOutput;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use dory_pcs::backends::arkworks::{ArkFr, ArkG1};
use dory_pcs::error::DoryError;
use dory_pcs::mode::Mode;
use dory_pcs::primitives::arithmetic::{DoryRoutines, Group, PairingCurve};
use dory_pcs::primitives::poly::{MultilinearLagrange, Polynomial};
use dory_pcs::ProverSetup;
use rayon::prelude::*;

use crate::field::{Fr, One};
use crate::onehot::commit::{commit_with_width, DoryOneHot};
use crate::onehot::OneHot;
use crate::pcs::{
    dory_open_with, row_commitments, small_row_commitments, tier2_commitment, wide_row_commitments,
    CommitmentScheme, Dory,
};
use crate::pcs::{DoryCommitment, DoryProof, DoryProverSetup, DoryVerifierSetup, PcsError};
use crate::transcript::Transcript;

/// The shared commitment layout of a proof whose largest polynomial has `num_vars` variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    num_vars: usize,
    sigma: usize,
}

impl Layout {
    /// Dory's balanced shape for the largest polynomial: `σ = ⌈N/2⌉`.
    pub fn new(num_vars: usize) -> Self {
        Self { num_vars, sigma: num_vars.div_ceil(2) }
    }

    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    /// Row width, as a power of two.
    pub fn sigma(&self) -> usize {
        self.sigma
    }
}

/// A committed polynomial, in the form the prover holds it.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Dense(&'a crate::poly::DenseMle),
    /// Values below 2^32, one per row (`columns::Stored::Small`).
    Small(&'a [u32]),
    /// `i64`s, one per row (`columns::Stored::Wide`).
    Wide(&'a [i64]),
    OneHot(&'a OneHot),
}

impl Source<'_> {
    pub fn num_vars(&self) -> usize {
        match self {
            Source::Dense(p) => p.num_vars(),
            Source::Small(v) => v.len().trailing_zeros() as usize,
            Source::Wide(v) => v.len().trailing_zeros() as usize,
            Source::OneHot(m) => m.num_vars(),
        }
    }

    /// Value at `point` (of this polynomial's own `num_vars` coordinates).
    pub fn evaluate(&self, point: &[Fr]) -> Fr {
        match self {
            Source::Dense(p) => p.evaluate(point),
            Source::Small(v) => crate::columns::Column::Small(v).evaluate(point),
            Source::Wide(v) => crate::columns::Column::Wide(v).evaluate(point),
            Source::OneHot(m) => m.evaluate(point),
        }
    }

    /// `L^T·M` over this polynomial's rows (it has `2^(n−σ)` of them, or one).
    fn vector_matrix_product(&self, left: &[ArkFr], sigma: usize) -> Vec<Fr> {
        let cols = 1usize << sigma;
        match self {
            Source::Dense(p) => rows_times(p.evals(), left, cols, |c: &Fr| *c),
            Source::Small(values) => {
                rows_times(values, left, cols, |&c: &u32| crate::field::fr_u32(c))
            }
            Source::Wide(values) => rows_times(values, left, cols, |&c| crate::field::fr_i64(c)),
            Source::OneHot(m) => {
                let rows = 1usize << m.num_vars().saturating_sub(sigma);
                DoryOneHot(m)
                    .vector_matrix_product(&left[..rows], 0, sigma)
                    .into_iter()
                    .map(|x| x.0)
                    .collect()
            }
        }
    }
}

/// `Σ_row left[row]·values[row]` over rows of `cols` values, each value read as a field
/// element by `value` (zeros skipped, ones added: most committed values are bits and small).
fn rows_times<T: Sync + PartialEq + Default>(
    values: &[T],
    left: &[ArkFr],
    cols: usize,
    value: impl Fn(&T) -> Fr + Sync,
) -> Vec<Fr> {
    let mut v = vec![Fr::zero(); cols];
    for (row, chunk) in values.chunks(cols).enumerate() {
        let l = left[row].0;
        v.par_iter_mut().zip(chunk).for_each(|(x, c)| {
            if *c != T::default() {
                let c = value(c);
                if c.is_one() {
                    *x += l;
                } else {
                    *x += l * c;
                }
            }
        });
    }
    v
}

/// Commit to `source` in `layout`; the hint (row commitments) is kept for [`prove`].
pub fn commit(
    setup: &DoryProverSetup,
    layout: Layout,
    source: Source,
) -> (DoryCommitment, Vec<ArkG1>) {
    let n = source.num_vars();
    assert!(
        n <= layout.num_vars,
        "a {n}-variable polynomial does not fit a {}-variable layout",
        layout.num_vars
    );
    let sigma = layout.sigma;
    let rows = match source {
        Source::OneHot(m) => return commit_with_width(setup, m, sigma),
        Source::Dense(p) => {
            in_layout_rows(p.evals(), sigma, |values, nu| row_commitments(setup, values, nu, sigma))
        }
        Source::Small(v) => {
            in_layout_rows(v, sigma, |values, nu| small_row_commitments(setup, values, nu, sigma))
        }
        Source::Wide(v) => {
            in_layout_rows(v, sigma, |values, nu| wide_row_commitments(setup, values, nu, sigma))
        }
    };
    (tier2_commitment(setup, &rows), rows)
}

/// Commits `values` (a power-of-two count) as rows of the layout's width `2^σ` with
/// `commit_rows(values, ν)`: as they are when they fill whole rows, else as one row padded
/// with zeros (a polynomial smaller than a row).
fn in_layout_rows<T: Copy + Default>(
    values: &[T],
    sigma: usize,
    commit_rows: impl Fn(&[T], usize) -> Vec<ArkG1>,
) -> Vec<ArkG1> {
    let n = values.len().trailing_zeros() as usize;
    if n >= sigma {
        commit_rows(values, n - sigma)
    } else {
        let mut row = values.to_vec();
        row.resize(1 << sigma, T::default());
        commit_rows(&row, 0)
    }
}

/// What the verifier knows about one committed polynomial: its size and the value claimed
/// at the suffix of the common point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JointClaim {
    pub commitment: DoryCommitment,
    pub num_vars: usize,
    pub eval: Fr,
}

/// Absorb the statement and draw the combination coefficients; returns them with the joint
/// commitment and value.
fn combine(
    layout: Layout,
    claims: &[JointClaim],
    point: &[Fr],
    transcript: &mut Transcript,
) -> (Vec<u128>, DoryCommitment, Fr) {
    transcript.append_u64(b"joint/num_vars", layout.num_vars as u64);
    transcript.append_u64(b"joint/count", claims.len() as u64);
    for c in claims {
        transcript.append_serializable(b"joint/commitment", &c.commitment.0);
        transcript.append_u64(b"joint/poly_vars", c.num_vars as u64);
        transcript.append_scalar(b"joint/eval", &c.eval);
    }
    transcript.append_scalars(b"joint/point", point);
    let coeffs = transcript.challenge_u128s(b"joint/coeff", claims.len());
    let mut commitment = PairingOutput::<ark_bn254::Bn254>::zero();
    let mut eval = Fr::zero();
    for (&c, claim) in coeffs.iter().zip(claims) {
        let c = Fr::from(c);
        commitment += claim.commitment.0 * c;
        // eq(0, ρ_{<N−n}) = Π (1 − ρ_l) over the coordinates the polynomial does not use.
        let pad: Fr =
            point[..layout.num_vars - claim.num_vars].iter().map(|x| Fr::one() - x).product();
        eval += c * pad * claim.eval;
    }
    (coeffs, DoryCommitment(commitment), eval)
}

/// Open every `sources[i]` (committed as `claims[i].commitment` in `layout`, with hint
/// `hints[i]`) at the suffix of `point`. The claims' values must be true.
pub fn prove(
    setup: &DoryProverSetup,
    layout: Layout,
    sources: &[Source],
    hints: Vec<Vec<ArkG1>>,
    claims: &[JointClaim],
    point: &[Fr],
    transcript: &mut Transcript,
) -> DoryProof {
    assert_eq!(point.len(), layout.num_vars, "the point must have the layout's variables");
    assert!(
        sources.len() == claims.len() && hints.len() == claims.len(),
        "one source, hint and claim each"
    );
    let (coeffs, commitment, eval) = combine(layout, claims, point, transcript);
    let rows = combine_hints(layout, &coeffs, hints);
    let terms = coeffs.into_iter().map(Fr::from).zip(sources.iter().copied()).collect();
    let joint = JointPoly { layout, terms };
    dory_open_with(setup, &joint, eval, rows, &commitment, point, transcript)
}

/// The joint hint: row `r` of `Q` is `Σ_i c_i·(row r of P'_i)` (smaller polynomials have
/// fewer rows). One multi-scalar multiplication per row over the polynomials that have it —
/// a scalar multiplication per (polynomial, row) would cost several times more.
fn combine_hints(layout: Layout, coeffs: &[u128], hints: Vec<Vec<ArkG1>>) -> Vec<ArkG1> {
    let rows_q = 1usize << (layout.num_vars - layout.sigma);
    let affine: Vec<Vec<G1Affine>> = hints
        .into_par_iter()
        .map(|h| G1Projective::normalize_batch(&h.into_iter().map(|g| g.0).collect::<Vec<_>>()))
        .collect();
    (0..rows_q)
        .into_par_iter()
        .map(|r| {
            let (bases, scalars): (Vec<G1Affine>, Vec<u128>) =
                affine.iter().zip(coeffs).filter_map(|(h, c)| h.get(r).map(|g| (*g, *c))).unzip();
            // arkworks' MSM runs over the scalars' bits: 128-bit coefficients, half the windows.
            let scalars: Vec<Fr> = scalars.into_iter().map(Fr::from).collect();
            ArkG1(G1Projective::msm(&bases, &scalars).expect("equal lengths"))
        })
        .collect()
}

/// Check every claim with one Dory proof. The claims (sizes and values) are the verifier's
/// own: they come from its sumchecks, never from the proof.
pub fn verify(
    setup: &DoryVerifierSetup,
    layout: Layout,
    claims: &[JointClaim],
    point: &[Fr],
    proof: &DoryProof,
    transcript: &mut Transcript,
) -> Result<(), PcsError> {
    if point.len() != layout.num_vars {
        return Err(PcsError::Invalid(format!(
            "joint opening point has {} coordinates, the layout {}",
            point.len(),
            layout.num_vars
        )));
    }
    if let Some(c) = claims.iter().find(|c| c.num_vars > layout.num_vars) {
        return Err(PcsError::TooManyVariables { max: layout.num_vars, got: c.num_vars });
    }
    let (_, commitment, eval) = combine(layout, claims, point, transcript);
    Dory::verify(setup, &commitment, point, eval, proof, transcript)
}

/// `Q = Σ_i c_i·P'_i` as Dory sees it: only its vector–matrix product is ever computed.
struct JointPoly<'a> {
    layout: Layout,
    terms: Vec<(Fr, Source<'a>)>,
}

impl Polynomial<ArkFr> for JointPoly<'_> {
    fn num_vars(&self) -> usize {
        self.layout.num_vars
    }

    /// Dory's point is least-significant variable first; ours the reverse.
    fn evaluate(&self, point: &[ArkFr]) -> ArkFr {
        let ours: Vec<Fr> = point.iter().rev().map(|x| x.0).collect();
        let n = self.layout.num_vars;
        ArkFr(
            self.terms
                .iter()
                .map(|(c, s)| {
                    let k = s.num_vars();
                    let pad: Fr = ours[..n - k].iter().map(|x| Fr::one() - x).product();
                    *c * pad * s.evaluate(&ours[n - k..])
                })
                .sum(),
        )
    }

    /// Never called: [`prove`] always passes the combined row commitments.
    fn commit<E, Mo, M1>(
        &self,
        _nu: usize,
        _sigma: usize,
        _setup: &ProverSetup<E>,
    ) -> Result<(E::GT, Vec<E::G1>, ArkFr), DoryError>
    where
        E: PairingCurve,
        Mo: Mode,
        M1: DoryRoutines<E::G1>,
        E::G1: Group<Scalar = ArkFr>,
        E::GT: Group<Scalar = ArkFr>,
    {
        Err(DoryError::InvalidSize { expected: 0, actual: self.layout.num_vars })
    }
}

impl MultilinearLagrange<ArkFr> for JointPoly<'_> {
    fn vector_matrix_product(&self, left_vec: &[ArkFr], _nu: usize, sigma: usize) -> Vec<ArkFr> {
        let mut v = vec![Fr::zero(); 1 << sigma];
        for (c, s) in &self.terms {
            let part = s.vector_matrix_product(left_vec, sigma);
            v.par_iter_mut().zip(&part).for_each(|(x, p)| *x += *c * p);
        }
        v.into_iter().map(ArkFr).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::{random_onehot, random_point};
    use crate::pcs::DORY_SEED;
    use crate::poly::DenseMle;

    struct Fixture {
        dense: Vec<DenseMle>,
        small: Vec<Vec<u32>>,
        onehot: Vec<OneHot>,
    }

    fn small_values(n: usize) -> Vec<u32> {
        (0..1u32 << n)
            .map(|i| [0, 1, u32::MAX, i.wrapping_mul(2_654_435_761)][i as usize % 4])
            .collect()
    }

    fn fixture() -> Fixture {
        let dense = [2usize, 5, 6, 9]
            .iter()
            .enumerate()
            .map(|(i, &n)| DenseMle::new(random_point(100 + i as u64, 1 << n)))
            .collect();
        let onehot = vec![
            random_onehot(1, 3, 6, true),
            random_onehot(2, 2, 7, false),
            random_onehot(3, 1, 4, false),
        ];
        let small = vec![small_values(3), small_values(9)];
        Fixture { dense, small, onehot }
    }

    fn sources(f: &Fixture) -> Vec<Source<'_>> {
        let small = f.small.iter().map(|v| Source::Small(v));
        f.dense
            .iter()
            .map(Source::Dense)
            .chain(small)
            .chain(f.onehot.iter().map(Source::OneHot))
            .collect()
    }

    #[test]
    fn shared_layout_commitment_of_a_full_size_polynomial_is_the_plain_one() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let p = DenseMle::new(random_point(7, 1 << 9));
        let (joint, _) = commit(&setup, Layout::new(9), Source::Dense(&p));
        assert_eq!(joint, Dory::commit(&setup, &p).0);
    }

    /// A column of small values commits as its field copy does (in any row layout).
    #[test]
    fn a_small_column_commits_as_its_field_copy() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        for n in [3, 9] {
            let v = small_values(n);
            let p = DenseMle::new(v.iter().map(|&x| Fr::from(x as u64)).collect());
            let (small, _) = commit(&setup, Layout::new(9), Source::Small(&v));
            let (field, _) = commit(&setup, Layout::new(9), Source::Dense(&p));
            assert_eq!(small, field, "{n} variables");
            let point = random_point(n as u64, n);
            assert_eq!(Source::Small(&v).evaluate(&point), p.evaluate(&point));
        }
    }

    #[test]
    fn a_wide_column_commits_and_opens_as_its_field_copy() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        for n in [3, 9] {
            let v: Vec<i64> = small_values(n)
                .iter()
                .enumerate()
                .map(|(i, &x)| [x as i64, -(x as i64), (x as i64) << 31, i64::MIN][i % 4])
                .collect();
            let p = DenseMle::new(v.iter().map(|&x| crate::field::fr_i64(x)).collect());
            let (wide, _) = commit(&setup, Layout::new(9), Source::Wide(&v));
            let (field, _) = commit(&setup, Layout::new(9), Source::Dense(&p));
            assert_eq!(wide, field, "{n} variables");
            let point = random_point(n as u64, n);
            assert_eq!(Source::Wide(&v).evaluate(&point), p.evaluate(&point));
            let left: Vec<ArkFr> = random_point(7, 1 << n).into_iter().map(ArkFr).collect();
            assert_eq!(
                Source::Wide(&v).vector_matrix_product(&left, 3.min(n)),
                Source::Dense(&p).vector_matrix_product(&left, 3.min(n))
            );
        }
    }

    #[test]
    fn one_proof_opens_polynomials_of_every_size_and_kind() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let vsetup = setup.verifier_setup();
        let layout = Layout::new(9);
        let f = fixture();
        let srcs = sources(&f);
        let point = random_point(9, 9);
        let (mut claims, mut hints) = (Vec::new(), Vec::new());
        for s in &srcs {
            let (commitment, hint) = commit(&setup, layout, *s);
            let n = s.num_vars();
            claims.push(JointClaim { commitment, num_vars: n, eval: s.evaluate(&point[9 - n..]) });
            hints.push(hint);
        }
        let mut pt = Transcript::new(b"joint");
        let proof = prove(&setup, layout, &srcs, hints, &claims, &point, &mut pt);
        let mut vt = Transcript::new(b"joint");
        verify(&vsetup, layout, &claims, &point, &proof, &mut vt).expect("honest joint opening");
        assert_eq!(pt.state(), vt.state());

        // Any one wrong value, size, commitment or point fails.
        for i in 0..claims.len() {
            let mut bad = claims.clone();
            bad[i].eval += Fr::one();
            assert!(
                verify(&vsetup, layout, &bad, &point, &proof, &mut Transcript::new(b"joint"))
                    .is_err(),
                "value {i}"
            );
        }
        let mut bad = claims.clone();
        bad[1].num_vars += 1;
        assert!(
            verify(&vsetup, layout, &bad, &point, &proof, &mut Transcript::new(b"joint")).is_err(),
            "size"
        );
        let mut bad = claims.clone();
        bad.swap(0, 1);
        assert!(
            verify(&vsetup, layout, &bad, &point, &proof, &mut Transcript::new(b"joint")).is_err(),
            "order"
        );
        let mut other = point.clone();
        other[4] += Fr::one();
        assert!(
            verify(&vsetup, layout, &claims, &other, &proof, &mut Transcript::new(b"joint"))
                .is_err(),
            "point"
        );
        assert!(
            verify(&vsetup, layout, &claims[1..], &point, &proof, &mut Transcript::new(b"joint"))
                .is_err(),
            "dropped claim"
        );
    }
}
