//! Dory adapter: round trips and rejections. Polynomials stay ≤ 2^12 coefficients.

use std::sync::OnceLock;

use ark_std::UniformRand;
use ivm_prover::field::Fr;
use ivm_prover::pcs::{
    CommitmentScheme, Dory, DoryCommitment, DoryProof, DoryProverSetup, DoryVerifierSetup, PcsError,
};
use ivm_prover::poly::DenseMle;
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const MAX_VARS: usize = 12;

fn setups() -> &'static (DoryProverSetup, DoryVerifierSetup) {
    static S: OnceLock<(DoryProverSetup, DoryVerifierSetup)> = OnceLock::new();
    S.get_or_init(|| Dory::setup(MAX_VARS))
}

struct Opened {
    poly: DenseMle,
    commitment: DoryCommitment,
    point: Vec<Fr>,
    eval: Fr,
    proof: DoryProof,
}

fn open_random(seed: u64, n: usize) -> Opened {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let poly = DenseMle::new((0..1 << n).map(|_| Fr::rand(&mut rng)).collect());
    let point: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
    let (ps, _) = setups();
    let (commitment, hint) = Dory::commit(ps, &poly);
    let mut t = Transcript::new(b"pcs-test");
    let (eval, proof) = Dory::open(ps, &poly, hint, &commitment, &point, &mut t);
    assert_eq!(eval, poly.evaluate(&point));
    Opened { poly, commitment, point, eval, proof }
}

fn check(c: &DoryCommitment, point: &[Fr], eval: Fr, proof: &DoryProof) -> Result<(), PcsError> {
    let (_, vs) = setups();
    let mut t = Transcript::new(b"pcs-test");
    Dory::verify(vs, c, point, eval, proof, &mut t)
}

#[test]
fn round_trip_at_several_sizes() {
    for (seed, n) in [(1, 0), (2, 1), (3, 2), (4, 3), (5, 6), (6, 9), (7, 12)] {
        let o = open_random(seed, n);
        check(&o.commitment, &o.point, o.eval, &o.proof).unwrap_or_else(|e| panic!("n = {n}: {e}"));
    }
}

#[test]
fn boolean_point_opens_the_table_entry() {
    let poly = DenseMle::from_u64s(&(0..64).map(|i| i * i + 1).collect::<Vec<_>>());
    let (ps, _) = setups();
    let (c, hint) = Dory::commit(ps, &poly);
    // index 37 = 100101 (MSB first)
    let point: Vec<Fr> = [1u64, 0, 0, 1, 0, 1].iter().map(|&b| Fr::from(b)).collect();
    let mut t = Transcript::new(b"pcs-test");
    let (eval, proof) = Dory::open(ps, &poly, hint, &c, &point, &mut t);
    assert_eq!(eval, Fr::from(37u64 * 37 + 1));
    check(&c, &point, eval, &proof).unwrap();
}

#[test]
fn rejects_wrong_evaluation() {
    let o = open_random(10, 7);
    assert!(check(&o.commitment, &o.point, o.eval + Fr::from(1u64), &o.proof).is_err());
    assert!(check(&o.commitment, &o.point, Fr::from(0u64), &o.proof).is_err());
}

#[test]
fn rejects_wrong_point() {
    let o = open_random(11, 8);
    for i in [0, 3, 7] {
        let mut p = o.point.clone();
        p[i] += Fr::from(1u64);
        assert!(check(&o.commitment, &p, o.eval, &o.proof).is_err(), "coordinate {i}");
    }
    // Swapping two coordinates (a variable-order bug) is caught too.
    let mut p = o.point.clone();
    p.swap(0, 7);
    assert!(check(&o.commitment, &p, o.eval, &o.proof).is_err());
    // A point of another length: shape mismatch.
    assert!(matches!(
        check(&o.commitment, &o.point[1..], o.eval, &o.proof),
        Err(PcsError::WrongShape { .. })
    ));
}

#[test]
fn rejects_wrong_commitment() {
    let o = open_random(12, 6);
    let other = open_random(13, 6);
    assert!(check(&other.commitment, &o.point, o.eval, &o.proof).is_err());
    // The commitment of the same table with one entry changed.
    let mut evals = o.poly.evals().to_vec();
    evals[5] += Fr::from(1u64);
    let (c2, _) = Dory::commit(&setups().0, &DenseMle::new(evals));
    assert!(check(&c2, &o.point, o.eval, &o.proof).is_err());
}

#[test]
fn rejects_tampered_proof_fields() {
    let o = open_random(14, 8);
    let mut p = o.proof.clone();
    p.0.vmv_message.e1 = p.0.vmv_message.e1 + p.0.vmv_message.e1;
    assert!(check(&o.commitment, &o.point, o.eval, &p).is_err());
    let mut p = o.proof.clone();
    p.0.first_messages[1].d1_left = p.0.first_messages[0].d1_left;
    assert!(check(&o.commitment, &o.point, o.eval, &p).is_err());
    let mut p = o.proof.clone();
    p.0.second_messages[2].e1_plus = p.0.second_messages[2].e1_plus + p.0.vmv_message.e1;
    assert!(check(&o.commitment, &o.point, o.eval, &p).is_err());
    let mut p = o.proof.clone();
    p.0.final_message = None;
    assert!(check(&o.commitment, &o.point, o.eval, &p).is_err());
    // Proof-supplied shape is not trusted.
    let mut p = o.proof.clone();
    p.0.nu += 1;
    p.0.sigma -= 1;
    assert!(matches!(check(&o.commitment, &o.point, o.eval, &p), Err(PcsError::WrongShape { .. })));
}

#[test]
fn rejects_flipped_bytes_and_malformed_encodings() {
    let o = open_random(15, 6);
    let bytes = o.proof.to_bytes();
    assert_eq!(DoryProof::from_bytes(&bytes).unwrap(), o.proof);
    let step = (bytes.len() / 24).max(1);
    for pos in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
        let mut b = bytes.clone();
        b[pos] ^= 0x01;
        let ok =
            DoryProof::from_bytes(&b).map(|p| check(&o.commitment, &o.point, o.eval, &p).is_ok());
        assert!(!matches!(ok, Ok(true)), "flipping byte {pos} of {} was accepted", bytes.len());
    }
    // Truncation, trailing bytes, a huge round count.
    assert!(DoryProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    assert!(DoryProof::from_bytes(&bytes[..10]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(DoryProof::from_bytes(&longer).is_err());
    let mut huge = bytes.clone();
    let at = 2 * 384 + 32;
    huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(DoryProof::from_bytes(&huge), Err(PcsError::Malformed(_))));
    // Commitments decode strictly too.
    let cb = o.commitment.to_bytes();
    assert_eq!(DoryCommitment::from_bytes(&cb).unwrap(), o.commitment);
    let mut bad = cb.clone();
    bad[17] ^= 0x40;
    assert!(
        DoryCommitment::from_bytes(&bad).is_err()
            || DoryCommitment::from_bytes(&bad).unwrap() != o.commitment
    );
    assert!(DoryCommitment::from_bytes(&cb[1..]).is_err());
}

#[test]
fn transcript_state_is_bound() {
    let o = open_random(16, 5);
    let (_, vs) = setups();
    let mut t = Transcript::new(b"pcs-test");
    t.append_bytes(b"statement", b"something else");
    assert!(Dory::verify(vs, &o.commitment, &o.point, o.eval, &o.proof, &mut t).is_err());
}

#[test]
fn setup_is_deterministic_and_prefix_consistent() {
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    let poly = DenseMle::new((0..1 << 5).map(|_| Fr::rand(&mut rng)).collect());
    let small = DoryProverSetup::new(ivm_prover::pcs::DORY_SEED, 6);
    let (c_small, _) = Dory::commit(&small, &poly);
    let (c_big, _) = Dory::commit(&setups().0, &poly);
    assert_eq!(c_small, c_big);
    let other_seed = DoryProverSetup::new(b"another seed", 6);
    assert_ne!(Dory::commit(&other_seed, &poly).0, c_big);
    // Too many variables for the verifier setup.
    let vs = small.verifier_setup();
    let o = open_random(18, 8);
    let mut t = Transcript::new(b"pcs-test");
    assert!(matches!(
        Dory::verify(&vs, &o.commitment, &o.point, o.eval, &o.proof, &mut t),
        Err(PcsError::TooManyVariables { .. })
    ));
}

#[test]
fn commitments_are_additively_homomorphic() {
    // Needed later to batch openings by a random linear combination.
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    let a = DenseMle::new((0..1 << 6).map(|_| Fr::rand(&mut rng)).collect());
    let b = DenseMle::new((0..1 << 6).map(|_| Fr::rand(&mut rng)).collect());
    let s = Fr::rand(&mut rng);
    let sum = DenseMle::new(a.evals().iter().zip(b.evals()).map(|(x, y)| *x + s * y).collect());
    let ps = &setups().0;
    let (ca, _) = Dory::commit(ps, &a);
    let (cb, _) = Dory::commit(ps, &b);
    let (csum, _) = Dory::commit(ps, &sum);
    assert_eq!(DoryCommitment(ca.0 + cb.0 * s), csum);
}

/// The verifier setup compiled into the binary is exactly the one the public seed generates
/// (every byte), and cutting it down gives the setup generated at the smaller size. With
/// `IVM_REGENERATE_DORY_SETUP=1` the embedded file is rewritten instead.
#[test]
fn embedded_verifier_setup_is_the_seeded_one() {
    use ivm_prover::pcs::{DORY_SEED, EMBEDDED_VERIFIER_MAX_VARS};
    // Generating the full 32-variable setup takes over a minute: CI compares a 24-variable
    // prefix (every round up to 2^12 generators); `embedded_verifier_setup_in_full` (ignored,
    // run it after regenerating) compares every byte.
    const CHECKED: usize = 24;
    let generated = DoryProverSetup::new(DORY_SEED, CHECKED).verifier_setup();
    let embedded = DoryVerifierSetup::standard(EMBEDDED_VERIFIER_MAX_VARS);
    assert!(
        embedded.truncated(CHECKED).to_bytes() == generated.to_bytes(),
        "embedded Dory verifier setup differs from the seeded one: regenerate it"
    );
    for vars in [1, 2, 7, 12, 23] {
        let small = DoryProverSetup::new(DORY_SEED, vars).verifier_setup();
        let cut = DoryVerifierSetup::standard(vars);
        assert_eq!(cut.max_num_vars, vars);
        assert!(
            cut.to_bytes() == small.to_bytes(),
            "truncated setup for {vars} variables differs from the generated one"
        );
    }
    // Decoding checks the size it is asked for.
    assert!(DoryVerifierSetup::from_bytes(&generated.to_bytes(), CHECKED - 2).is_err());
    let bytes = generated.to_bytes();
    assert!(DoryVerifierSetup::from_bytes(&bytes[..bytes.len() - 1], CHECKED).is_err());
}

/// Every byte of the embedded setup (`IVM_REGENERATE_DORY_SETUP=1` rewrites it).
#[test]
#[ignore = "generates the full 32-variable setup (over a minute)"]
fn embedded_verifier_setup_in_full() {
    use ivm_prover::pcs::{DORY_SEED, EMBEDDED_VERIFIER_MAX_VARS};
    let generated = DoryProverSetup::new(DORY_SEED, EMBEDDED_VERIFIER_MAX_VARS).verifier_setup();
    if std::env::var_os("IVM_REGENERATE_DORY_SETUP").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/dory_verifier_setup_v1.bin");
        std::fs::write(path, generated.to_embedded_bytes()).unwrap();
        return;
    }
    let embedded = DoryVerifierSetup::standard(EMBEDDED_VERIFIER_MAX_VARS);
    assert!(embedded.to_bytes() == generated.to_bytes(), "regenerate the embedded setup");
}

/// A proof checks against the embedded (cut) setup exactly as against the generated one.
#[test]
fn proofs_verify_against_the_embedded_setup() {
    let o = open_random(7, 9);
    let vs = DoryVerifierSetup::standard(MAX_VARS);
    let mut t = Transcript::new(b"pcs-test");
    Dory::verify(&vs, &o.commitment, &o.point, o.eval, &o.proof, &mut t).expect("valid proof");
    let mut t = Transcript::new(b"pcs-test");
    assert!(Dory::verify(&vs, &o.commitment, &o.point, o.eval + Fr::from(1u64), &o.proof, &mut t)
        .is_err());
}

/// An element of the cyclotomic subgroup of small order (dividing its cofactor over `r`):
/// multiplied into a `G_T` element it passes every check but the order-`r` one.
fn small_order_element() -> ark_bn254::Fq12 {
    use ark_ff::{Field, One, PrimeField};
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let f = ark_bn254::Fq12::rand(&mut rng);
    let g = f.frobenius_map(6) * f.inverse().unwrap();
    let cyclotomic = g.frobenius_map(2) * g;
    let small = cyclotomic.pow(ark_bn254::Fr::MODULUS);
    assert!(!small.is_one());
    small
}

#[test]
fn rejects_group_elements_outside_g_t() {
    use ark_serialize::CanonicalSerialize;
    let o = open_random(16, 6);
    let small = small_order_element();
    // A commitment times a small-order element: canonical bytes, not in G_T.
    let mut forged = o.commitment;
    forged.0 .0 *= small;
    let err = DoryCommitment::from_bytes(&forged.to_bytes()).unwrap_err();
    assert!(err.to_string().contains("not in G_T"), "{err}");
    // The same inside a Dory proof's messages (its first G_T element, then a round's).
    let mut p = o.proof.clone();
    p.0.vmv_message.c.0 .0 *= small;
    assert!(matches!(DoryProof::from_bytes(&p.to_bytes()), Err(PcsError::Malformed(_))));
    let mut p = o.proof.clone();
    p.0.second_messages[0].c_plus.0 .0 *= small;
    assert!(matches!(DoryProof::from_bytes(&p.to_bytes()), Err(PcsError::Malformed(_))));
    // And a zero field element.
    let mut zero = Vec::new();
    ark_bn254::Fq12::from(0u64).serialize_compressed(&mut zero).unwrap();
    assert!(DoryCommitment::from_bytes(&zero).is_err());
}
