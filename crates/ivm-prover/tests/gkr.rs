//! Batched grand products (GKR): completeness, encoding, and rejection of tampered proofs.
//! Sizes stay ≤ 2^12 leaves.

use std::time::Instant;

use ark_std::UniformRand;
use ivm_prover::codec::{Reader, Writer};
use ivm_prover::field::{Fr, One, Zero};
use ivm_prover::gkr::{self, GkrError, GrandProductProof};
use ivm_prover::memory::fingerprint;
use ivm_prover::poly::DenseMle;
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn random_leaves(seed: u64, inst: usize, n: usize) -> Vec<Vec<Fr>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..inst).map(|_| (0..1usize << n).map(|_| Fr::rand(&mut rng)).collect()).collect()
}

struct Proven {
    leaves: Vec<Vec<Fr>>,
    n: usize,
    products: Vec<Fr>,
    proof: GrandProductProof,
    point: Vec<Fr>,
    claims: Vec<Fr>,
}

fn prove(leaves: Vec<Vec<Fr>>) -> Proven {
    let n = leaves[0].len().trailing_zeros() as usize;
    let mut t = Transcript::new(b"gkr-test");
    let (products, proof, point, claims) = gkr::prove(leaves.clone(), &mut t);
    Proven { leaves, n, products, proof, point, claims }
}

fn verify(
    p: &Proven,
    products: &[Fr],
    proof: &GrandProductProof,
) -> Result<(Vec<Fr>, Vec<Fr>), GkrError> {
    gkr::verify(p.n, products, proof, &mut Transcript::new(b"gkr-test"))
}

/// The full check a caller makes: the GKR, then the leaf claims against the real leaves.
fn verify_with_leaves(
    p: &Proven,
    products: &[Fr],
    proof: &GrandProductProof,
    leaves: &[Vec<Fr>],
) -> Result<(), String> {
    let (point, claims) = verify(p, products, proof).map_err(|e| e.to_string())?;
    for (i, (c, l)) in claims.iter().zip(leaves).enumerate() {
        if *c != DenseMle::new(l.clone()).evaluate(&point) {
            return Err(format!("leaf claim {i} is wrong"));
        }
    }
    Ok(())
}

#[test]
fn completeness_several_sizes_and_instance_counts() {
    for (seed, inst, n) in
        [(1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 3, 3), (5, 7, 5), (6, 2, 8), (7, 4, 12), (8, 40, 6)]
    {
        let p = prove(random_leaves(seed, inst, n));
        assert_eq!(p.proof.layers.len(), n);
        assert_eq!(p.point.len(), n);
        for (i, l) in p.leaves.iter().enumerate() {
            assert_eq!(p.products[i], l.iter().product::<Fr>(), "product {i}");
            assert_eq!(p.claims[i], DenseMle::new(l.clone()).evaluate(&p.point), "leaf claim {i}");
        }
        let (point, claims) =
            verify(&p, &p.products, &p.proof).unwrap_or_else(|e| panic!("inst {inst}, n {n}: {e}"));
        assert_eq!(point, p.point);
        assert_eq!(claims, p.claims);
    }
}

#[test]
fn completeness_with_zeros_and_ones() {
    // Zero leaves (product 0), all-ones, and a fingerprinted multiset.
    let n = 4;
    let mut zeros = random_leaves(10, 1, n).remove(0);
    zeros[5] = Fr::zero();
    let ones = vec![Fr::one(); 1 << n];
    let gamma = [Fr::one(), Fr::from(1000u64), Fr::from(1_000_000u64)];
    let tau = Fr::from(77u64);
    let tuples: Vec<Fr> = (0..1u64 << n)
        .map(|a| fingerprint(&[Fr::from(a), Fr::from(a * a), Fr::from(3u64)], &gamma, tau))
        .collect();
    let p = prove(vec![zeros.clone(), ones, tuples]);
    assert_eq!(p.products[0], Fr::zero());
    assert_eq!(p.products[1], Fr::one());
    verify_with_leaves(&p, &p.products, &p.proof, &p.leaves).unwrap();
}

#[test]
fn multiset_equality_use() {
    // Two permutations of the same fingerprinted multiset have equal products.
    let gamma = [Fr::one(), Fr::from(12345u64)];
    let tau = Fr::from(999u64);
    let a: Vec<Fr> =
        (0..32u64).map(|i| fingerprint(&[Fr::from(i), Fr::from(i * 7)], &gamma, tau)).collect();
    let mut b = a.clone();
    b.reverse();
    b.swap(3, 17);
    let p = prove(vec![a, b]);
    assert_eq!(p.products[0], p.products[1]);
    verify_with_leaves(&p, &p.products, &p.proof, &p.leaves).unwrap();
}

#[test]
fn rejects_wrong_product() {
    let p = prove(random_leaves(20, 3, 5));
    for i in 0..3 {
        let mut products = p.products.clone();
        products[i] += Fr::one();
        assert!(verify(&p, &products, &p.proof).is_err(), "instance {i}");
    }
    // Scaling a product together with the root's child claim passes layer 0 but fails below.
    let mut products = p.products.clone();
    let mut proof = p.proof.clone();
    products[1] *= Fr::from(2u64);
    proof.layers[0].left[1] *= Fr::from(2u64);
    assert!(verify(&p, &products, &proof).is_err());
    // Fewer or more products than instances.
    assert!(verify(&p, &p.products[..2], &p.proof).is_err());
    let mut more = p.products.clone();
    more.push(Fr::one());
    assert!(verify(&p, &more, &p.proof).is_err());
}

#[test]
fn rejects_tampered_round_polynomials() {
    let p = prove(random_leaves(21, 2, 6));
    for k in 1..p.n {
        for round in 0..k {
            for c in 0..4 {
                let mut proof = p.proof.clone();
                proof.layers[k].sumcheck.round_polys[round].coeffs[c] += Fr::one();
                assert!(
                    verify(&p, &p.products, &proof).is_err(),
                    "layer {k} round {round} coeff {c}"
                );
            }
            // A change that keeps g(0) + g(1) (c0 += 1, c1 -= 2) is caught later.
            let mut proof = p.proof.clone();
            let co = &mut proof.layers[k].sumcheck.round_polys[round].coeffs;
            co[0] += Fr::one();
            co[1] -= Fr::from(2u64);
            assert!(
                verify(&p, &p.products, &proof).is_err(),
                "sum-preserving, layer {k} round {round}"
            );
        }
    }
    // Wrong round count or degree.
    let mut proof = p.proof.clone();
    proof.layers[3].sumcheck.round_polys.pop();
    assert!(matches!(verify(&p, &p.products, &proof), Err(GkrError::Sumcheck { layer: 3, .. })));
    let mut proof = p.proof.clone();
    proof.layers[2].sumcheck.round_polys[0].coeffs.push(Fr::zero());
    assert!(matches!(verify(&p, &p.products, &proof), Err(GkrError::Sumcheck { layer: 2, .. })));
}

#[test]
fn rejects_tampered_child_claims() {
    let p = prove(random_leaves(22, 3, 5));
    for k in 0..p.n {
        for i in 0..3 {
            let mut proof = p.proof.clone();
            proof.layers[k].left[i] += Fr::one();
            assert!(
                matches!(verify(&p, &p.products, &proof), Err(GkrError::LayerMismatch { layer }) if layer == k)
            );
            let mut proof = p.proof.clone();
            proof.layers[k].right[i] -= Fr::one();
            assert!(
                matches!(verify(&p, &p.products, &proof), Err(GkrError::LayerMismatch { layer }) if layer == k)
            );
            // Swapping the two children keeps L·R but moves the next claim.
            let mut proof = p.proof.clone();
            let l = &mut proof.layers[k];
            if l.left[i] != l.right[i] {
                std::mem::swap(&mut l.left[i], &mut l.right[i]);
                let r = verify_with_leaves(&p, &p.products, &proof, &p.leaves);
                assert!(r.is_err(), "swap at layer {k}, instance {i}");
            }
        }
    }
    // Missing child claims.
    let mut proof = p.proof.clone();
    proof.layers[2].right.pop();
    assert!(matches!(verify(&p, &p.products, &proof), Err(GkrError::BadShape(_))));
}

#[test]
fn wrong_leaves_fail_the_final_leaf_check() {
    // A proof for a permutation of the leaves has the same products and verifies, but its
    // leaf claims do not match the original leaves' MLEs.
    let leaves = random_leaves(23, 2, 6);
    let mut permuted = leaves.clone();
    permuted[1].swap(0, 63);
    let p = prove(permuted);
    assert_eq!(p.products[1], leaves[1].iter().product::<Fr>());
    verify_with_leaves(&p, &p.products, &p.proof, &p.leaves).unwrap();
    assert!(verify_with_leaves(&p, &p.products, &p.proof, &leaves).is_err());
    // Also a leaf claim off by one.
    let (point, mut claims) = verify(&p, &p.products, &p.proof).unwrap();
    claims[0] += Fr::one();
    assert_ne!(claims[0], DenseMle::new(p.leaves[0].clone()).evaluate(&point));
}

#[test]
fn rejects_shape_and_transcript_mismatch() {
    let p = prove(random_leaves(24, 2, 4));
    assert!(gkr::verify(3, &p.products, &p.proof, &mut Transcript::new(b"gkr-test")).is_err());
    assert!(gkr::verify(5, &p.products, &p.proof, &mut Transcript::new(b"gkr-test")).is_err());
    assert!(gkr::verify(
        0,
        &p.products,
        &GrandProductProof { layers: vec![] },
        &mut Transcript::new(b"gkr-test")
    )
    .is_err());
    assert!(gkr::verify(4, &[], &p.proof, &mut Transcript::new(b"gkr-test")).is_err());
    assert!(gkr::verify(4, &p.products, &p.proof, &mut Transcript::new(b"other")).is_err());
}

fn encode(proof: &GrandProductProof) -> Vec<u8> {
    let mut w = Writer::new();
    proof.write(&mut w);
    w.finish()
}

fn decode(bytes: &[u8], n: usize, inst: usize) -> Result<GrandProductProof, String> {
    let mut r = Reader::new(bytes);
    let proof = GrandProductProof::read(&mut r, n, inst).map_err(|e| e.to_string())?;
    r.finish().map_err(|e| e.to_string())?;
    Ok(proof)
}

#[test]
fn encoding_round_trip_and_bounds() {
    let p = prove(random_leaves(25, 3, 5));
    let bytes = encode(&p.proof);
    // Σ_k (4 + k·(4 + 4·32)) + 5·2·(4 + 3·32)
    let expected: usize =
        (0..5).map(|k| 4 + k * (4 + 4 * 32)).sum::<usize>() + 5 * 2 * (4 + 3 * 32);
    assert_eq!(bytes.len(), expected);
    let back = decode(&bytes, 5, 3).unwrap();
    assert_eq!(back, p.proof);
    verify(&p, &p.products, &back).unwrap();
    // Every truncation fails.
    for cut in [0, 1, 4, bytes.len() / 2, bytes.len() - 1] {
        assert!(decode(&bytes[..cut], 5, 3).is_err(), "cut at {cut}");
    }
    // Trailing bytes fail.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(decode(&longer, 5, 3).is_err());
    // The verifier's shape wins: other num_vars or instance counts do not decode.
    assert!(decode(&bytes, 4, 3).is_err());
    assert!(decode(&bytes, 6, 3).is_err());
    assert!(decode(&bytes, 5, 2).is_err());
    assert!(decode(&bytes, 5, 4).is_err());
    // An inflated length prefix (layer 0's round count) is rejected without allocating.
    let mut bad = bytes.clone();
    bad[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode(&bad, 5, 3).is_err());
    // A non-canonical field element is rejected.
    let mut bad = bytes.clone();
    let at = 4 + 4; // layer 0: round count, left length, then left[0]
    bad[at..at + 32].copy_from_slice(&[0xff; 32]);
    assert!(decode(&bad, 5, 3).is_err());
}

/// Timing of the real-size shape scaled down (run with `--ignored --nocapture`).
#[test]
#[ignore]
fn timing_40_instances() {
    for n in [12usize, 16] {
        let leaves = random_leaves(30, 40, n);
        let start = Instant::now();
        let mut t = Transcript::new(b"gkr-time");
        let (products, proof, _, _) = gkr::prove(leaves, &mut t);
        let prove_time = start.elapsed();
        let start = Instant::now();
        gkr::verify(n, &products, &proof, &mut Transcript::new(b"gkr-time")).unwrap();
        println!(
            "gkr 40 x 2^{n}: prove {:?}, verify {:?}, proof {} bytes",
            prove_time,
            start.elapsed(),
            encode(&proof).len()
        );
    }
}

/// Recomputing the leaves on demand gives exactly the proof of the materialized leaves.
#[test]
fn recomputed_leaves_give_the_same_proof() {
    for (inst, n) in [(1, 1), (3, 5), (42, 6)] {
        let p = prove(random_leaves(inst as u64 + 100, inst, n));
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let leaf = |i: usize| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            p.leaves[i].clone()
        };
        let mut t = Transcript::new(b"gkr-test");
        let (products, proof, point, claims) = gkr::prove_recomputing(inst, &leaf, &mut t);
        assert_eq!(
            (&products, &proof, &point, &claims),
            (&p.products, &p.proof, &p.point, &p.claims),
            "{inst} × 2^{n}"
        );
        assert_eq!(calls.into_inner(), 2 * inst, "each leaf vector is built twice");
        verify(&p, &products, &proof).unwrap();
    }
}
