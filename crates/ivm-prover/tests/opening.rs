//! Batch opening reduction: completeness, encoding, rejections. Polynomials stay ≤ 2^12
//! coefficients except the ignored size measurement at 2^16.

use std::sync::OnceLock;
use std::time::Instant;

use ark_std::UniformRand;
use ivm_prover::codec::{Reader, Writer};
use ivm_prover::field::{Fr, One};
use ivm_prover::opening::{self, opened_polys, BatchOpeningProof, OpeningClaim, OpeningError};
use ivm_prover::pcs::{CommitmentScheme, Dory, DoryCommitment, DoryProverSetup, DoryVerifierSetup};
use ivm_prover::poly::DenseMle;
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const MAX_VARS: usize = 12;

fn setups() -> &'static (DoryProverSetup, DoryVerifierSetup) {
    static S: OnceLock<(DoryProverSetup, DoryVerifierSetup)> = OnceLock::new();
    S.get_or_init(|| Dory::setup(MAX_VARS))
}

struct Case {
    n: usize,
    polys: Vec<DenseMle>,
    commitments: Vec<DoryCommitment>,
    claims: Vec<OpeningClaim>,
    proof: BatchOpeningProof,
}

fn rand_point(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
    (0..n).map(|_| Fr::rand(rng)).collect()
}

/// `num_polys` random polynomials; `shape[i] = (poly, point index)` over `num_points` points.
fn make_with(
    seed: u64,
    ps: &DoryProverSetup,
    n: usize,
    num_polys: usize,
    num_points: usize,
    shape: &[(usize, usize)],
) -> Case {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let polys: Vec<DenseMle> = (0..num_polys)
        .map(|_| DenseMle::new((0..1usize << n).map(|_| Fr::rand(&mut rng)).collect()))
        .collect();
    let points: Vec<Vec<Fr>> = (0..num_points).map(|_| rand_point(&mut rng, n)).collect();
    let (commitments, hints): (Vec<_>, Vec<_>) = polys.iter().map(|p| Dory::commit(ps, p)).unzip();
    let claims: Vec<OpeningClaim> = shape
        .iter()
        .map(|&(j, q)| OpeningClaim {
            poly: j,
            point: points[q].clone(),
            eval: polys[j].evaluate(&points[q]),
        })
        .collect();
    let refs: Vec<&DenseMle> = polys.iter().collect();
    let mut t = Transcript::new(b"opening-test");
    let proof = opening::prove(ps, &refs, &commitments, &hints, &claims, &mut t);
    Case { n, polys, commitments, claims, proof }
}

fn make(
    seed: u64,
    n: usize,
    num_polys: usize,
    num_points: usize,
    shape: &[(usize, usize)],
) -> Case {
    make_with(seed, &setups().0, n, num_polys, num_points, shape)
}

fn check(c: &Case, claims: &[OpeningClaim], proof: &BatchOpeningProof) -> Result<(), OpeningError> {
    check_with(&setups().1, c, claims, proof)
}

fn check_with(
    vs: &DoryVerifierSetup,
    c: &Case,
    claims: &[OpeningClaim],
    proof: &BatchOpeningProof,
) -> Result<(), OpeningError> {
    let mut t = Transcript::new(b"opening-test");
    opening::verify(vs, c.n, &c.commitments, claims, proof, &mut t)
}

fn encode(proof: &BatchOpeningProof) -> Vec<u8> {
    let mut w = Writer::new();
    proof.write(&mut w);
    w.finish()
}

fn decode(bytes: &[u8], n: usize, opened: usize) -> Result<BatchOpeningProof, String> {
    let mut r = Reader::new(bytes);
    let p = BatchOpeningProof::read(&mut r, n, opened).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(p)
}

/// A mix: repeated points, one polynomial at several points, a duplicated claim, an
/// unclaimed polynomial (index 4).
const MIX: &[(usize, usize)] = &[(0, 0), (1, 0), (2, 1), (0, 1), (3, 2), (1, 2), (2, 0), (0, 0)];

#[test]
fn completeness() {
    for (seed, n) in [(1, 1), (2, 2), (3, 5), (4, 8), (5, 12)] {
        let c = make(seed, n, 5, 3, MIX);
        assert_eq!(c.proof.evals.len(), 4);
        check(&c, &c.claims, &c.proof).unwrap_or_else(|e| panic!("n = {n}: {e}"));
    }
    // One polynomial, one claim; and every polynomial at one shared point.
    let c = make(6, 6, 1, 1, &[(0, 0)]);
    check(&c, &c.claims, &c.proof).unwrap();
    let c = make(7, 7, 6, 1, &[(5, 0), (2, 0), (0, 0), (1, 0), (3, 0), (4, 0)]);
    check(&c, &c.claims, &c.proof).unwrap();
    // Zero variables.
    let c = make(8, 0, 2, 2, &[(0, 0), (1, 1)]);
    check(&c, &c.claims, &c.proof).unwrap();
}

#[test]
fn evals_are_the_polynomials_at_the_sumcheck_point() {
    // Recover r* the way the verifier does and compare the sent values.
    let c = make(9, 6, 4, 2, &[(0, 0), (3, 1), (1, 1)]);
    let opened = opened_polys(&c.claims);
    assert_eq!(opened, vec![0, 1, 3]);
    check(&c, &c.claims, &c.proof).unwrap();
    // Each value is P_j(r*): tampering with any one of them is caught.
    for k in 0..opened.len() {
        let mut proof = c.proof.clone();
        proof.evals[k] += Fr::one();
        assert!(check(&c, &c.claims, &proof).is_err(), "eval {k}");
    }
    let _ = &c.polys;
}

#[test]
fn rejects_wrong_claimed_eval() {
    let c = make(10, 6, 5, 3, MIX);
    for i in 0..c.claims.len() {
        let mut claims = c.claims.clone();
        claims[i].eval += Fr::one();
        assert!(check(&c, &claims, &c.proof).is_err(), "claim {i}");
    }
}

#[test]
fn rejects_wrong_point_or_polynomial() {
    let c = make(11, 6, 5, 3, MIX);
    for i in 0..c.claims.len() {
        let mut claims = c.claims.clone();
        claims[i].point[i % 6] += Fr::one();
        assert!(check(&c, &claims, &c.proof).is_err(), "point of claim {i}");
    }
    // The claim moved to another (committed) polynomial.
    let mut claims = c.claims.clone();
    claims[0].poly = 1;
    assert!(check(&c, &claims, &c.proof).is_err());
    // Out-of-range polynomial, wrong point length, no claims.
    let mut claims = c.claims.clone();
    claims[1].poly = 5;
    assert!(matches!(check(&c, &claims, &c.proof), Err(OpeningError::BadShape(_))));
    let mut claims = c.claims.clone();
    claims[2].point.push(Fr::one());
    assert!(matches!(check(&c, &claims, &c.proof), Err(OpeningError::BadShape(_))));
    assert!(matches!(check(&c, &[], &c.proof), Err(OpeningError::BadShape(_))));
    // Dropping a claim changes the opened set / the sum.
    assert!(check(&c, &c.claims[1..], &c.proof).is_err());
}

#[test]
fn rejects_wrong_commitments() {
    let c = make(12, 5, 5, 3, MIX);
    let mut swapped = Case { commitments: c.commitments.clone(), ..make(12, 5, 5, 3, MIX) };
    swapped.commitments.swap(0, 1);
    assert!(check(&swapped, &c.claims, &c.proof).is_err());
    // A commitment to another polynomial (index 2 recommitted to poly 4's values).
    let mut other = Case { commitments: c.commitments.clone(), ..make(12, 5, 5, 3, MIX) };
    other.commitments[2] = other.commitments[4];
    assert!(check(&other, &c.claims, &c.proof).is_err());
}

#[test]
fn rejects_tampered_sumcheck_and_evals() {
    let c = make(13, 5, 5, 3, MIX);
    for round in 0..5 {
        for k in 0..3 {
            let mut proof = c.proof.clone();
            proof.sumcheck.round_polys[round].coeffs[k] += Fr::one();
            assert!(check(&c, &c.claims, &proof).is_err(), "round {round} coeff {k}");
        }
        // Sum-preserving change (c0 += 1, c1 -= 2).
        let mut proof = c.proof.clone();
        let co = &mut proof.sumcheck.round_polys[round].coeffs;
        co[0] += Fr::one();
        co[1] -= Fr::from(2u64);
        assert!(check(&c, &c.claims, &proof).is_err(), "sum-preserving round {round}");
    }
    let mut proof = c.proof.clone();
    proof.evals.pop();
    assert!(matches!(check(&c, &c.claims, &proof), Err(OpeningError::BadShape(_))));
    // Evals consistent with the sumcheck's final claim but for a *different* combination:
    // move weight between two evals of polynomials at the same point — the final check or
    // Dory catches it.
    let mut proof = c.proof.clone();
    proof.evals.swap(0, 1);
    assert!(check(&c, &c.claims, &proof).is_err());
}

#[test]
fn rejects_tampered_dory_proof_bytes() {
    let c = make(14, 6, 5, 3, MIX);
    let bytes = encode(&c.proof);
    let opened = opened_polys(&c.claims).len();
    // The Dory proof is the tail after the length prefix; flip bytes across it.
    let dory_len = c.proof.pcs.to_bytes().len();
    let start = bytes.len() - dory_len;
    let mut rejected = 0;
    for off in (0..dory_len).step_by(dory_len / 23) {
        let mut bad = bytes.clone();
        bad[start + off] ^= 0x01;
        match decode(&bad, c.n, opened) {
            Err(_) => rejected += 1,
            Ok(p) => {
                assert!(check(&c, &c.claims, &p).is_err(), "flip at Dory byte {off} accepted");
                rejected += 1;
            }
        }
    }
    assert!(rejected >= 20);
    // A valid Dory proof from another opening does not verify here.
    let other = make(15, 6, 5, 3, MIX);
    let mut proof = c.proof.clone();
    proof.pcs = other.proof.pcs.clone();
    assert!(matches!(check(&c, &c.claims, &proof), Err(OpeningError::Pcs(_))));
}

#[test]
fn encoding_round_trip_and_bounds() {
    let c = make(16, 7, 5, 3, MIX);
    let opened = opened_polys(&c.claims).len();
    let bytes = encode(&c.proof);
    let back = decode(&bytes, c.n, opened).unwrap();
    assert_eq!(back, c.proof);
    check(&c, &c.claims, &back).unwrap();
    for cut in [0, 3, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(decode(&bytes[..cut], c.n, opened).is_err(), "cut at {cut}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode(&longer, c.n, opened).is_err());
    assert!(decode(&bytes, c.n - 1, opened).is_err());
    assert!(decode(&bytes, c.n + 1, opened).is_err());
    assert!(decode(&bytes, c.n, opened - 1).is_err());
    assert!(decode(&bytes, c.n, opened + 1).is_err());
    // Oversized Dory length prefix: rejected before allocating.
    let dory_len = c.proof.pcs.to_bytes().len();
    let at = bytes.len() - dory_len - 4;
    assert_eq!(&bytes[at..at + 4], &(dory_len as u32).to_le_bytes());
    let mut bad = bytes.clone();
    bad[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode(&bad, c.n, opened).is_err());
    assert!(dory_len <= opening::max_dory_proof_bytes(c.n));
}

#[test]
fn proof_size_at_2_12() {
    let c = make(17, 12, 5, 3, MIX);
    let bytes = encode(&c.proof);
    println!(
        "batch opening, 2^12, {} claims on {} polys at 3 points: {} bytes (Dory {} bytes)",
        c.claims.len(),
        c.proof.evals.len(),
        bytes.len(),
        c.proof.pcs.to_bytes().len()
    );
    check(&c, &c.claims, &c.proof).unwrap();
}

/// The 2^16 measurement (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn proof_size_at_2_16() {
    let (ps, vs) = Dory::setup(16);
    let start = Instant::now();
    let c = make_with(
        18,
        &ps,
        16,
        8,
        3,
        &[(0, 0), (1, 0), (2, 0), (3, 1), (4, 1), (5, 2), (6, 2), (7, 2), (0, 2)],
    );
    let prove_time = start.elapsed();
    let start = Instant::now();
    check_with(&vs, &c, &c.claims, &c.proof).unwrap();
    let bytes = encode(&c.proof);
    println!(
        "batch opening, 2^16, {} claims on {} polys at 3 points: {} bytes (sumcheck {} B, evals {} B, Dory {} B); commit+prove {:?}, verify {:?}",
        c.claims.len(),
        c.proof.evals.len(),
        bytes.len(),
        4 + 16 * (4 + 3 * 32),
        4 + 32 * c.proof.evals.len(),
        c.proof.pcs.to_bytes().len(),
        prove_time,
        start.elapsed()
    );
}
