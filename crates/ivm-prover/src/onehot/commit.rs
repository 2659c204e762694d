//! Committing to and opening a one-hot matrix with Dory, without its `K·T` table.
//!
//! Dory lays a polynomial of `n` variables out as a `2^ν × 2^σ` matrix (row-major over the
//! evaluation table, [`crate::pcs`]). Entry `(k, j)` of a one-hot matrix sits at flat index
//! `k·T + j`, so tier 1 of the commitment — each row's `Σ_c M[row][c]·G1_c` — is a sum of the
//! generators at the columns of that row's ones: **one group addition per accessed row** and
//! no scalar multiplication at all. Tier 2 is the usual multi-pairing.
//!
//! The opening needs only `L^T·M` (Dory's vector–matrix product), which for a one-hot matrix
//! is one field addition per accessed row ([`DoryOneHot`]).

use ark_ff::Zero;
use dory_pcs::backends::arkworks::{ArkFr, ArkG1};
use dory_pcs::error::DoryError;
use dory_pcs::mode::Mode;
use dory_pcs::primitives::arithmetic::{DoryRoutines, Group, PairingCurve};
use dory_pcs::primitives::poly::{MultilinearLagrange, Polynomial};
use dory_pcs::ProverSetup;
use rayon::prelude::*;

use super::OneHot;
use crate::field::Fr;
use crate::pcs::DoryProverSetup;
use crate::pcs::{dory_open_with, dory_shape, tier2_commitment, DoryCommitment, DoryProof};
use crate::transcript::Transcript;

/// Where entry `(k, j)` lands in Dory's matrix: `(row, column)`.
fn cell(oh: &OneHot, k: usize, j: usize, sigma: usize) -> (usize, usize) {
    let idx = oh.flat_index(k, j);
    (idx >> sigma, idx & ((1 << sigma) - 1))
}

/// The Dory commitment of `oh` and the row commitments the opening needs (the same values
/// [`crate::pcs::Dory::commit`] computes from the dense table).
pub fn commit(setup: &DoryProverSetup, oh: &OneHot) -> (DoryCommitment, Vec<ArkG1>) {
    commit_with_width(setup, oh, dory_shape(oh.num_vars()).1)
}

/// As [`commit`], with rows of `2^sigma` entries whatever the matrix's size (the layout that
/// [`crate::joint_opening`] gives every polynomial of a proof, so that their commitments
/// combine). A matrix smaller than one row fills the start of row 0.
pub fn commit_with_width(
    setup: &DoryProverSetup,
    oh: &OneHot,
    sigma: usize,
) -> (DoryCommitment, Vec<ArkG1>) {
    let n = oh.num_vars();
    assert!(
        n <= setup.max_num_vars,
        "matrix has {n} variables, setup supports {}",
        setup.max_num_vars
    );
    let num_rows = 1usize << n.saturating_sub(sigma);
    let (members, start) = columns_by_row(oh, sigma, num_rows);
    let rows = if sigma >= 3 {
        let (members, start) = by_bytes(&members, &start);
        crate::batch_add::subset_sums(&setup.g1_byte_sums(sigma).1, &members, &start)
    } else {
        crate::batch_add::subset_sums(setup.g1_affine(), &members, &start)
    };
    let rows: Vec<ArkG1> = rows.into_iter().map(ArkG1).collect();
    (tier2_commitment(setup, &rows), rows)
}

/// The Dory columns of every row's ones, row after row (`members[start[r]..start[r + 1]]`
/// for row `r`).
fn columns_by_row(oh: &OneHot, sigma: usize, num_rows: usize) -> (Vec<u32>, Vec<usize>) {
    crate::batch_add::into_sets(num_rows, || {
        oh.accesses().map(move |(j, k)| {
            let (r, c) = cell(oh, k, j, sigma);
            (r, c as u32)
        })
    })
}

/// Each row's columns (ascending within a row) as entries of the setup's byte sums
/// (`DoryProverSetup::g1_byte_sums`): one entry `256·g + mask` per byte `g` of columns that
/// holds a one. A row of `n` ones then sums at most `n` points, and a dense one an eighth.
fn by_bytes(members: &[u32], start: &[usize]) -> (Vec<u32>, Vec<usize>) {
    let mut out = Vec::with_capacity(members.len());
    let mut out_start = Vec::with_capacity(start.len());
    out_start.push(0);
    for row in start.windows(2) {
        let mut current: Option<(u32, u32)> = None; // (byte, mask)
        for &c in &members[row[0]..row[1]] {
            let (byte, bit) = (c >> 3, 1u32 << (c & 7));
            match &mut current {
                Some((b, mask)) if *b == byte => *mask |= bit,
                _ => {
                    if let Some((b, mask)) = current {
                        out.push(256 * b + mask);
                    }
                    current = Some((byte, bit));
                }
            }
        }
        if let Some((b, mask)) = current {
            out.push(256 * b + mask);
        }
        out_start.push(out.len());
    }
    (out, out_start)
}

/// Prove `ra(point)`; returns the evaluation and the Dory proof. Verify it with
/// [`crate::pcs::Dory`]'s `verify`, exactly as for a dense polynomial: a commitment does not
/// say how it was computed.
pub fn open(
    setup: &DoryProverSetup,
    oh: &OneHot,
    hint: Vec<ArkG1>,
    commitment: &DoryCommitment,
    point: &[Fr],
    transcript: &mut Transcript,
) -> (Fr, DoryProof) {
    let eval = oh.evaluate(point);
    let proof = dory_open_with(setup, &DoryOneHot(oh), eval, hint, commitment, point, transcript);
    (eval, proof)
}

/// `v[c] = Σ_row left[row]·M[row][c]` over Dory's `2^σ` columns: one pass over the rows,
/// each worker into its own vector, the vectors then summed.
fn vector_times_matrix(oh: &OneHot, left: &[ArkFr], sigma: usize) -> Vec<Fr> {
    const CHUNK: usize = 1 << 14;
    let len = 1usize << sigma;
    let rows = oh.addrs().len();
    (0..rows.div_ceil(CHUNK))
        .into_par_iter()
        .fold(
            || vec![Fr::zero(); len],
            |mut acc, chunk| {
                let range = chunk * CHUNK..((chunk + 1) * CHUNK).min(rows);
                oh.addrs().for_each_access(range, |j, a| {
                    let (r, c) = cell(oh, a, j, sigma);
                    acc[c] += left[r].0;
                });
                acc
            },
        )
        .reduce(|| vec![Fr::zero(); len], crate::par::add_vecs)
}

/// A one-hot matrix as Dory's polynomial type: the vector–matrix product is sparse.
pub struct DoryOneHot<'a>(pub &'a OneHot);

impl Polynomial<ArkFr> for DoryOneHot<'_> {
    fn num_vars(&self) -> usize {
        self.0.num_vars()
    }

    /// Dory's point order is least-significant variable first (ours is the reverse).
    fn evaluate(&self, point: &[ArkFr]) -> ArkFr {
        let ours: Vec<Fr> = point.iter().rev().map(|x| x.0).collect();
        ArkFr(self.0.evaluate(&ours))
    }

    /// Never called: ivm's prover always passes the row commitments from [`commit`].
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
        Err(DoryError::InvalidSize { expected: 0, actual: self.0.num_vars() })
    }
}

impl MultilinearLagrange<ArkFr> for DoryOneHot<'_> {
    /// `v[c] = Σ_row left[row]·M[row][c]`: one addition per accessed row.
    fn vector_matrix_product(&self, left_vec: &[ArkFr], _nu: usize, sigma: usize) -> Vec<ArkFr> {
        vector_times_matrix(self.0, left_vec, sigma).into_iter().map(ArkFr).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::{random_onehot, random_point};
    use crate::pcs::{CommitmentScheme, Dory, DORY_SEED};

    #[test]
    fn sparse_commitment_equals_the_dense_one() {
        let setup = DoryProverSetup::new(DORY_SEED, 12);
        for (seed, log_k, log_t, gaps) in [(1, 4, 6, false), (2, 3, 8, true), (3, 6, 5, true)] {
            let oh = random_onehot(seed, log_k, log_t, gaps);
            let (sparse, sparse_rows) = commit(&setup, &oh);
            let (dense, dense_rows) = Dory::commit(&setup, &oh.to_dense());
            assert_eq!(sparse, dense, "log_k {log_k}, log_t {log_t}");
            assert_eq!(sparse_rows, dense_rows);
        }
    }

    /// Rows of any width — narrower than a byte (no byte sums), one byte, many bytes — for a
    /// matrix smaller than a row, one whose rows are all ones, and a random one.
    #[test]
    fn row_sums_by_bytes_equal_the_dense_rows() {
        let setup = DoryProverSetup::new(DORY_SEED, 12);
        let all_ones = OneHot::new(1, vec![0; 1 << 9]).unwrap();
        let matrices = [
            random_onehot(6, 1, 2, false),
            random_onehot(4, 2, 3, true),
            all_ones,
            random_onehot(5, 3, 8, true),
        ];
        for sigma in [2, 3, 6] {
            let layout = crate::joint_opening::Layout::new(2 * sigma);
            for oh in matrices.iter().filter(|m| m.num_vars() <= 2 * sigma) {
                let (sparse, rows) = commit_with_width(&setup, oh, sigma);
                let dense = oh.to_dense();
                let (expected, expected_rows) = crate::joint_opening::commit(
                    &setup,
                    layout,
                    crate::joint_opening::Source::Dense(&dense),
                );
                assert_eq!(sparse, expected, "σ {sigma}, {} variables", oh.num_vars());
                assert_eq!(rows, expected_rows);
            }
        }
    }

    #[test]
    fn sparse_opening_verifies_and_binds_the_value() {
        let setup = DoryProverSetup::new(DORY_SEED, 12);
        let vsetup = setup.verifier_setup();
        let oh = random_onehot(7, 5, 6, true);
        let (com, hint) = commit(&setup, &oh);
        let point = random_point(8, oh.num_vars());
        let mut pt = Transcript::new(b"onehot-open");
        let (eval, proof) = open(&setup, &oh, hint, &com, &point, &mut pt);
        assert_eq!(eval, oh.to_dense().evaluate(&point));
        let mut vt = Transcript::new(b"onehot-open");
        Dory::verify(&vsetup, &com, &point, eval, &proof, &mut vt)
            .expect("honest opening verifies");
        assert_eq!(pt.state(), vt.state(), "prover and verifier transcripts agree");

        let mut vt = Transcript::new(b"onehot-open");
        let wrong = eval + Fr::from(1u64);
        assert!(
            Dory::verify(&vsetup, &com, &point, wrong, &proof, &mut vt).is_err(),
            "wrong value"
        );
        let other = random_onehot(9, 5, 6, true);
        let (other_com, _) = commit(&setup, &other);
        let mut vt = Transcript::new(b"onehot-open");
        assert!(
            Dory::verify(&vsetup, &other_com, &point, eval, &proof, &mut vt).is_err(),
            "other matrix"
        );
    }
}
