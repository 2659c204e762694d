//! Polynomial commitments: the adapter trait the prover uses, and its Dory implementation.
//!
//! # Dory adapter (`dory-pcs` 0.5, arkworks backend, BN254, transparent mode)
//!
//! * **Setup.** `dory_pcs::setup` samples generators from the OS RNG (and caches them in
//!   `~/.cache`), so a prover and a verifier on different machines would disagree. We instead
//!   build `ProverSetup` ourselves from a public seed: generator `i` of kind `k` (G1 column
//!   generators, G2 row generators, the blinding generators h1/h2) is sampled by arkworks'
//!   try-and-increment curve sampler from a ChaCha20 stream seeded with
//!   `keccak256("ivm/dory-setup/v1" ‖ seed ‖ k ‖ i)`. Nobody knows discrete-log relations
//!   between them, and generator `i` does not depend on the setup size, so setups of different
//!   sizes agree on their common prefix (a commitment does not depend on `max_num_vars`).
//! * **Layout.** A polynomial with `n` variables is a `2^ν × 2^σ` matrix with
//!   `σ = ⌈n/2⌉, ν = ⌊n/2⌋` (Dory requires ν ≤ σ). The verifier derives (ν, σ) from the
//!   point length and rejects a proof that claims another shape (Dory itself takes them from
//!   the proof; reference/jolt.md §7.3 item 8).
//! * **Variable order.** Dory's point is least-significant-bit first; ours (see
//!   [`crate::poly`]) is most-significant first. The adapter reverses the point.
//! * **Transcript.** Dory absorbs only its own messages. Before it runs, both sides absorb
//!   the commitment, the point and the claimed evaluation into our transcript, so every Dory
//!   challenge depends on the full statement.
//! * **Proof bytes.** Dory's arkworks deserializer pre-allocates from an untrusted 32-bit round
//!   count; [`DoryProof::from_bytes`] checks that count against a small bound first, validates
//!   every group element (subgroup checks) and rejects trailing bytes.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use ark_bn254::{G1Affine, G1Projective, G2Projective};
use ark_ec::pairing::Pairing;
use ark_ec::pairing::PairingOutput;
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{AdditiveGroup, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_std::UniformRand;
use dory_pcs::backends::arkworks::{
    ArkDoryProof, ArkFr, ArkG1, ArkG2, ArkGT, G1Routines, G2Routines, BN254,
};
use dory_pcs::primitives::arithmetic::Group;
use dory_pcs::primitives::arithmetic::PairingCurve;
use dory_pcs::primitives::poly::MultilinearLagrange;
use dory_pcs::primitives::serialization::DorySerialize;
use dory_pcs::{ProverSetup, VerifierSetup};

use crate::opening_curve::{OpeningCurve, OpeningG1, OpeningG2, PreparedGenerators};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rayon::prelude::*;
use sha3::{Digest, Keccak256};

use crate::field::{fr_to_u128, Fr};
use crate::poly::DenseMle;
use crate::transcript::Transcript;

/// Why an opening was rejected.
#[derive(Debug, thiserror::Error)]
pub enum PcsError {
    #[error("polynomial has {got} variables, the setup supports at most {max}")]
    TooManyVariables { max: usize, got: usize },
    #[error("proof has matrix shape ({got_nu}, {got_sigma}), expected ({nu}, {sigma})")]
    WrongShape { nu: usize, sigma: usize, got_nu: usize, got_sigma: usize },
    #[error("evaluation proof is invalid: {0}")]
    Invalid(String),
    #[error("malformed proof bytes: {0}")]
    Malformed(String),
}

/// A multilinear polynomial commitment scheme, as the Jolt prover needs it.
pub trait CommitmentScheme {
    type ProverSetup;
    type VerifierSetup;
    type Commitment: Clone + PartialEq + fmt::Debug;
    /// Prover-side data kept from `commit` to speed up `open` (not sent).
    type OpeningHint;
    type Proof: Clone;

    /// Setups for polynomials of up to `max_num_vars` variables (deterministic).
    fn setup(max_num_vars: usize) -> (Self::ProverSetup, Self::VerifierSetup);
    fn commit(setup: &Self::ProverSetup, poly: &DenseMle) -> (Self::Commitment, Self::OpeningHint);
    /// Evaluate `poly` at `point` and prove it. Absorbs the statement and proof into `transcript`.
    fn open(
        setup: &Self::ProverSetup,
        poly: &DenseMle,
        hint: Self::OpeningHint,
        commitment: &Self::Commitment,
        point: &[Fr],
        transcript: &mut Transcript,
    ) -> (Fr, Self::Proof);
    /// Check that the committed polynomial evaluates to `eval` at `point`. Must be called with
    /// the transcript in the same state as the prover's `open`.
    fn verify(
        setup: &Self::VerifierSetup,
        commitment: &Self::Commitment,
        point: &[Fr],
        eval: Fr,
        proof: &Self::Proof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError>;
}

/// The public seed of ivm's Dory setup.
pub const DORY_SEED: &[u8] = b"ivm dory setup: BN254, transparent, 2026";

/// Dory over BN254.
pub struct Dory;

/// A Dory commitment (an element of G_T).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct DoryCommitment(pub PairingOutput<ark_bn254::Bn254>);

impl fmt::Debug for DoryCommitment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = Vec::new();
        self.0.serialize_compressed(&mut bytes).expect("vec write");
        write!(f, "DoryCommitment({:02x?}…)", &bytes[..8])
    }
}

impl DoryCommitment {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.0.serialize_compressed(&mut out).expect("vec write");
        out
    }

    /// Strict decoding (canonical, in the order-r subgroup of G_T).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PcsError> {
        let mut r = bytes;
        // Canonical field elements here; membership in G_T below (`gt`: faster than
        // arkworks' own check, which `deserialize_compressed` would make).
        let x = PairingOutput::<ark_bn254::Bn254>::deserialize_compressed_unchecked(&mut r)
            .map_err(|e| PcsError::Malformed(e.to_string()))?;
        if !r.is_empty() {
            return Err(PcsError::Malformed("trailing bytes after commitment".into()));
        }
        if !crate::gt::in_gt(&x.0) {
            return Err(PcsError::Malformed("commitment is not in G_T".into()));
        }
        Ok(Self(x))
    }
}

/// A Dory evaluation proof.
#[derive(Clone, Debug, PartialEq)]
pub struct DoryProof(pub ArkDoryProof);

/// More reduce rounds than any supported polynomial needs (σ ≤ 32 ⇒ 2^64 coefficients).
pub const MAX_DORY_ROUNDS: u32 = 32;

impl DoryProof {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        CanonicalSerialize::serialize_compressed(&self.0, &mut out).expect("vec write");
        out
    }

    /// Strict, allocation-safe decoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PcsError> {
        // Layout: c (G_T), d2 (G_T), e1 (G1), then the u32 round count.
        let gt = CanonicalSerialize::compressed_size(&ArkGT(PairingOutput::default()));
        let g1 = CanonicalSerialize::compressed_size(&ArkG1(G1Projective::default()));
        let at = 2 * gt + g1;
        let rounds = bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
            .ok_or_else(|| PcsError::Malformed("proof too short".into()))?;
        if rounds > MAX_DORY_ROUNDS {
            return Err(PcsError::Malformed(format!(
                "{rounds} reduce rounds (max {MAX_DORY_ROUNDS})"
            )));
        }
        // Decode, then check every group element's subgroup membership on every core (the
        // same checks `deserialize_compressed` makes one after another).
        let mut r = bytes;
        let proof =
            <ArkDoryProof as CanonicalDeserialize>::deserialize_compressed_unchecked(&mut r)
                .map_err(|e| PcsError::Malformed(e.to_string()))?;
        if !r.is_empty() {
            return Err(PcsError::Malformed("trailing bytes after proof".into()));
        }
        check_group_elements(&proof).map_err(|e| PcsError::Malformed(e.to_string()))?;
        Ok(Self(proof))
    }
}

/// Every G1, G2 and G_T element of a Dory proof is in its prime-order subgroup.
fn check_group_elements(p: &ArkDoryProof) -> Result<(), ark_serialize::SerializationError> {
    use ark_serialize::Valid;
    let mut gt: Vec<&ArkGT> = vec![&p.vmv_message.c, &p.vmv_message.d2];
    let mut g1: Vec<&ArkG1> = vec![&p.vmv_message.e1];
    let mut g2: Vec<&dory_pcs::backends::arkworks::ArkG2> = Vec::new();
    for m in &p.first_messages {
        gt.extend([&m.d1_left, &m.d1_right, &m.d2_left, &m.d2_right]);
        g1.push(&m.e1_beta);
        g2.push(&m.e2_beta);
    }
    for m in &p.second_messages {
        gt.extend([&m.c_plus, &m.c_minus]);
        g1.extend([&m.e1_plus, &m.e1_minus]);
        g2.extend([&m.e2_plus, &m.e2_minus]);
    }
    if let Some(m) = &p.final_message {
        g1.push(&m.e1);
        g2.push(&m.e2);
    }
    gt.par_iter().try_for_each(|x| match crate::gt::in_gt(&x.0 .0) {
        true => Ok(()),
        false => Err(ark_serialize::SerializationError::InvalidData),
    })?;
    g1.par_iter().try_for_each(|x| x.0.check())?;
    g2.par_iter().try_for_each(|x| x.0.check())
}

/// Dory's matrix shape for `n` variables: (ν, σ) = (⌊n/2⌋, ⌈n/2⌉).
pub fn dory_shape(num_vars: usize) -> (usize, usize) {
    (num_vars / 2, num_vars.div_ceil(2))
}

/// Upper bound on an encoded commitment (a compressed `G_T` element is 384 bytes).
pub const MAX_COMMITMENT_BYTES: usize = 1024;

/// Upper bound on an encoded Dory proof for `num_vars` variables (σ = ⌈n/2⌉ reduce rounds of
/// six G_T, three G1 and three G2 elements, plus the fixed messages), with one spare round.
pub fn max_dory_proof_bytes(num_vars: usize) -> usize {
    use crate::field::FR_BYTES;
    const GT: usize = 12 * FR_BYTES; // compressed G_T (F_p^12): 384 bytes
    const G1: usize = FR_BYTES;
    const G2: usize = 2 * FR_BYTES;
    let (_, sigma) = dory_shape(num_vars);
    let rounds = sigma + 1;
    2 * GT + G1 + 4 + rounds * (6 * GT + 3 * G1 + 3 * G2) + (1 + G1 + G2) + 8 + 64
}

fn generator_rng(seed: &[u8], kind: u8, index: u64) -> ChaCha20Rng {
    let mut h = Keccak256::new();
    h.update(b"ivm/dory-setup/v1");
    h.update((seed.len() as u64).to_le_bytes());
    h.update(seed);
    h.update([kind]);
    h.update(index.to_le_bytes());
    ChaCha20Rng::from_seed(h.finalize().into())
}

/// The deterministic prover setup for polynomials of up to `max_num_vars` variables.
pub fn dory_prover_setup(seed: &[u8], max_num_vars: usize) -> ProverSetup<BN254> {
    let n = 1usize << max_num_vars.div_ceil(2);
    // Each generator has its own stream, so they are sampled in parallel (G2's cofactor
    // clearing makes them ~0.25 ms each).
    let g1_vec = (0..n as u64)
        .into_par_iter()
        .map(|i| ArkG1(G1Projective::rand(&mut generator_rng(seed, 1, i))))
        .collect();
    let g2_vec = (0..n as u64)
        .into_par_iter()
        .map(|i| ArkG2(G2Projective::rand(&mut generator_rng(seed, 2, i))))
        .collect();
    let h1 = ArkG1(G1Projective::rand(&mut generator_rng(seed, 3, 0)));
    let h2 = ArkG2(G2Projective::rand(&mut generator_rng(seed, 4, 0)));
    let ht = ArkGT(ark_bn254::Bn254::pairing(h1.0, h2.0));
    ProverSetup { g1_vec, g2_vec, h1, h2, ht }
}

/// Prover setup plus the number of variables it supports.
pub struct DoryProverSetup {
    pub inner: ProverSetup<BN254>,
    pub max_num_vars: usize,
    /// `inner.g1_vec` in affine form, computed on first use by [`Dory::commit`].
    g1_affine: OnceLock<Vec<G1Affine>>,
    /// The G2 row generators prepared for the Miller loop (normalized line coefficients,
    /// `miller_loop::NormalizedG2`), computed on first use by [`Dory::commit`] (~11 KB per
    /// generator: ~47 MB for `2^12` rows), and
    /// released by [`DoryProverSetup::release_prepared_generators`] once a proof's
    /// commitments are made (nothing after them pairs with these generators).
    g2_prepared: Mutex<Option<Arc<Vec<NormalizedG2>>>>,
    /// The sums of every subset of each aligned byte of the first `2^σ` G1 generators
    /// ([`DoryProverSetup::g1_byte_sums`]), for one `σ` at a time; released with the prepared
    /// G2 generators.
    g1_byte_sums: Mutex<Option<ByteSums>>,
}

use crate::miller_loop::NormalizedG2;

/// The byte sums of the first `2^σ` G1 generators, with their `σ`.
pub(crate) type ByteSums = Arc<(usize, Vec<G1Affine>)>;

/// Verifier setup plus the number of variables it supports.
#[derive(Clone)]
pub struct DoryVerifierSetup {
    pub inner: VerifierSetup<BN254>,
    pub max_num_vars: usize,
}

impl DoryProverSetup {
    pub fn new(seed: &[u8], max_num_vars: usize) -> Self {
        Self::from_inner(dory_prover_setup(seed, max_num_vars), max_num_vars)
    }

    /// Wrap an existing Dory setup (its vectors must hold at least `2^⌈max_num_vars/2⌉`
    /// generators).
    pub fn from_inner(inner: ProverSetup<BN254>, max_num_vars: usize) -> Self {
        Self {
            inner,
            max_num_vars,
            g1_affine: OnceLock::new(),
            g2_prepared: Mutex::new(None),
            g1_byte_sums: Mutex::new(None),
        }
    }

    /// Frees the prepared G2 generators (and the G1 byte sums) until the next commitment
    /// needs them again.
    pub fn release_prepared_generators(&self) {
        *lock_cache(&self.g2_prepared) = None;
        *lock_cache(&self.g1_byte_sums) = None;
    }

    /// For rows of `2^sigma` columns (`sigma ≥ 3`): entry `256·g + mask` is
    /// `Σ_{b ∈ mask} G1[8g + b]`, the sum of the generators of byte `g`'s set bits (entry
    /// `256·g` is the identity). A one-hot row then costs one addition per byte of columns
    /// that holds a one, not one per one (`onehot::commit`). `32·2^σ` points: ~9 MB for
    /// `σ = 12`; built once per proof (~`2^σ·32` additions).
    pub(crate) fn g1_byte_sums(&self, sigma: usize) -> ByteSums {
        assert!(sigma >= 3, "byte sums need rows of at least 8 columns");
        if let Some(t) = lock_cache(&self.g1_byte_sums).as_ref().filter(|t| t.0 == sigma) {
            return Arc::clone(t);
        }
        // Computed without the lock held (`lock_cache`).
        let g1 = &self.g1_affine()[..1 << sigma];
        let sums: Vec<G1Projective> = g1
            .par_chunks(8)
            .flat_map_iter(|byte| {
                let mut t = vec![G1Projective::zero(); 256];
                for mask in 1..256usize {
                    t[mask] = t[mask & (mask - 1)] + byte[mask.trailing_zeros() as usize];
                }
                t
            })
            .collect();
        let table = Arc::new((sigma, G1Projective::normalize_batch(&sums)));
        *lock_cache(&self.g1_byte_sums) = Some(Arc::clone(&table));
        table
    }

    /// The G2 row generators a `max_num_vars` polynomial can use (`2^⌊max/2⌋` of them),
    /// prepared for the Miller loop once and cached.
    fn g2_prepared(&self) -> Arc<Vec<NormalizedG2>> {
        if let Some(p) = lock_cache(&self.g2_prepared).as_ref() {
            return Arc::clone(p);
        }
        // Computed without the lock held (`lock_cache`); a racing caller's copy may win.
        let rows = (1usize << (self.max_num_vars / 2)).min(self.inner.g2_vec.len());
        let proj: Vec<G2Projective> = self.inner.g2_vec[..rows].iter().map(|g| g.0).collect();
        let prepared: Arc<Vec<NormalizedG2>> = Arc::new(
            G2Projective::normalize_batch(&proj).into_par_iter().map(NormalizedG2::new).collect(),
        );
        Arc::clone(lock_cache(&self.g2_prepared).get_or_insert(prepared))
    }

    /// The G1 column generators in affine form (batch-normalized once, then cached).
    pub(crate) fn g1_affine(&self) -> &[G1Affine] {
        if let Some(g) = self.g1_affine.get() {
            return g;
        }
        // Not `get_or_init`: it would block other callers while the normalization runs on
        // the rayon pool, whose workers may be those callers (`lock_cache`).
        let proj: Vec<G1Projective> = self.inner.g1_vec.iter().map(|g| g.0).collect();
        let _ = self.g1_affine.set(G1Projective::normalize_batch(&proj));
        self.g1_affine.get().expect("set above")
    }

    pub fn verifier_setup(&self) -> DoryVerifierSetup {
        DoryVerifierSetup { inner: self.inner.to_verifier_setup(), max_num_vars: self.max_num_vars }
    }
}

/// One of the setup's caches, locked only to read or store it. What is cached is computed on
/// the rayon pool, and commitments run on that pool in parallel and read these caches: a
/// lock held while computing would leave the pool's workers waiting for it and the
/// computation waiting for them (a deadlock two concurrent proofs hit). So callers compute
/// with the lock released (a racing caller may compute the same value; one copy is kept).
fn lock_cache<T>(cache: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    cache.lock().expect("a panicked commitment poisoned the setup")
}

/// The largest polynomial (in variables) the verifier setup compiled into the binary covers.
pub const EMBEDDED_VERIFIER_MAX_VARS: usize = 32;

/// `DoryProverSetup::new(DORY_SEED, EMBEDDED_VERIFIER_MAX_VARS).verifier_setup()` (32 variables),
/// in the uncompressed encoding of [`DoryVerifierSetup::to_embedded_bytes`].
/// Generating it takes over a minute (2^16 G2 samples and pairings); reading it takes
/// microseconds. The `embedded_verifier_setup_is_the_seeded_one` test checks a 24-variable
/// prefix against the seed in CI; `embedded_verifier_setup_in_full` (ignored) checks every byte
/// and rewrites the file when run with `IVM_REGENERATE_DORY_SETUP=1`.
const EMBEDDED_VERIFIER_SETUP: &[u8] = include_bytes!("dory_verifier_setup_v1.bin");

/// The embedded setup's own encoding: every group element uncompressed, so decoding is a copy
/// (no square roots, no subgroup checks — ~110 ms for the 32-variable setup otherwise). Only
/// for the bytes compiled into the binary, which a test compares with the seeded setup.
mod trusted {
    use super::*;

    const MAGIC: &[u8; 8] = b"IVMDORYV";

    pub(super) fn encode(v: &VerifierSetup<BN254>) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend((v.max_log_n as u32).to_le_bytes());
        for vec in [&v.delta_1l, &v.delta_1r, &v.delta_2l, &v.delta_2r, &v.chi] {
            out.extend((vec.len() as u32).to_le_bytes());
            for x in vec {
                x.0.serialize_uncompressed(&mut out).expect("vec write");
            }
        }
        v.g1_0.0.serialize_uncompressed(&mut out).expect("vec write");
        v.g2_0.0.serialize_uncompressed(&mut out).expect("vec write");
        v.h1.0.serialize_uncompressed(&mut out).expect("vec write");
        v.h2.0.serialize_uncompressed(&mut out).expect("vec write");
        v.ht.0.serialize_uncompressed(&mut out).expect("vec write");
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<VerifierSetup<BN254>> {
        let mut r = bytes.strip_prefix(MAGIC)?;
        let u32_at = |r: &mut &[u8]| -> Option<usize> {
            let (head, rest) = r.split_at_checked(4)?;
            *r = rest;
            Some(u32::from_le_bytes(head.try_into().ok()?) as usize)
        };
        let max_log_n = u32_at(&mut r)?;
        let gt = |r: &mut &[u8]| {
            PairingOutput::<ark_bn254::Bn254>::deserialize_uncompressed_unchecked(r).ok().map(ArkGT)
        };
        let mut vecs = Vec::with_capacity(5);
        for _ in 0..5 {
            let n = u32_at(&mut r)?;
            vecs.push((0..n).map(|_| gt(&mut r)).collect::<Option<Vec<_>>>()?);
        }
        let g1 =
            |r: &mut &[u8]| G1Projective::deserialize_uncompressed_unchecked(r).ok().map(ArkG1);
        let g2 =
            |r: &mut &[u8]| G2Projective::deserialize_uncompressed_unchecked(r).ok().map(ArkG2);
        let (g1_0, g2_0, h1, h2, ht) =
            (g1(&mut r)?, g2(&mut r)?, g1(&mut r)?, g2(&mut r)?, gt(&mut r)?);
        if !r.is_empty() {
            return None;
        }
        let [delta_1l, delta_1r, delta_2l, delta_2r, chi]: [Vec<ArkGT>; 5] =
            vecs.try_into().ok()?;
        Some(VerifierSetup {
            delta_1l,
            delta_1r,
            delta_2l,
            delta_2r,
            chi,
            g1_0,
            g2_0,
            h1,
            h2,
            ht,
            max_log_n,
        })
    }
}

impl DoryVerifierSetup {
    /// The embedded setup's bytes in their own encoding (for regenerating the file).
    pub fn to_embedded_bytes(&self) -> Vec<u8> {
        trusted::encode(&self.inner)
    }

    /// The verifier setup for polynomials of up to `max_num_vars` variables: the embedded
    /// one cut to size when it is large enough, otherwise generated from the seed. Both are
    /// the same values — Dory's verifier setup for `2^σ` generators is the prefix
    /// (rounds `0..=σ`) of any larger one built from the same generators.
    pub fn standard(max_num_vars: usize) -> Self {
        if max_num_vars <= EMBEDDED_VERIFIER_MAX_VARS {
            Self {
                inner: trusted::decode(EMBEDDED_VERIFIER_SETUP)
                    .expect("the embedded setup is checked by a test"),
                max_num_vars: EMBEDDED_VERIFIER_MAX_VARS,
            }
            .truncated(max_num_vars)
        } else {
            DoryProverSetup::new(DORY_SEED, max_num_vars).verifier_setup()
        }
    }

    /// The same setup restricted to polynomials of at most `max_num_vars` variables.
    pub fn truncated(&self, max_num_vars: usize) -> Self {
        assert!(max_num_vars <= self.max_num_vars, "cannot extend a setup by truncating it");
        let rounds = max_num_vars.div_ceil(2);
        let v = &self.inner;
        let cut = |x: &Vec<ArkGT>| x[..=rounds].to_vec();
        let inner = VerifierSetup {
            delta_1l: cut(&v.delta_1l),
            delta_1r: cut(&v.delta_1r),
            delta_2l: cut(&v.delta_2l),
            delta_2r: cut(&v.delta_2r),
            chi: cut(&v.chi),
            g1_0: v.g1_0,
            g2_0: v.g2_0,
            h1: v.h1,
            h2: v.h2,
            ht: v.ht,
            max_log_n: 2 * rounds,
        };
        Self { inner, max_num_vars }
    }

    /// Compressed serialization (the setup's own encoding; the size bound is implied).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.inner.serialize_compressed(&mut out).expect("vec write");
        out
    }

    /// Decodes [`Self::to_bytes`] output, checking every group element.
    pub fn from_bytes(bytes: &[u8], max_num_vars: usize) -> Result<Self, PcsError> {
        use dory_pcs::primitives::serialization::DoryDeserialize;
        let mut r = bytes;
        let inner = VerifierSetup::<BN254>::deserialize_compressed(&mut r)
            .map_err(|e| PcsError::Malformed(e.to_string()))?;
        let rounds = max_num_vars.div_ceil(2);
        let lens = [&inner.delta_1l, &inner.delta_1r, &inner.delta_2l, &inner.delta_2r, &inner.chi]
            .map(Vec::len);
        if !r.is_empty() || inner.max_log_n != 2 * rounds || lens.iter().any(|&l| l != rounds + 1) {
            return Err(PcsError::Malformed(format!(
                "not a verifier setup for {max_num_vars} variables"
            )));
        }
        Ok(Self { inner, max_num_vars })
    }
}

/// Dory's coefficient order is LSB-first in the point; ours MSB-first. The coefficient
/// vectors are the same (index = row·2^σ + column), only the point is reversed.
fn to_dory_point(point: &[Fr]) -> Vec<ArkFr> {
    point.iter().rev().map(|&x| ArkFr(x)).collect()
}

fn to_dory_poly(poly: &DenseMle) -> dory_pcs::backends::arkworks::ArkworksPolynomial {
    dory_pcs::backends::arkworks::ArkworksPolynomial::new(
        poly.evals().iter().map(|&x| ArkFr(x)).collect(),
    )
}

/// Dory's own commitment routine (one full-width arkworks MSM per row). [`Dory::commit`]
/// computes the same commitment and hint faster; this is kept as the reference for tests and
/// benchmarks.
pub fn dory_reference_commit(
    setup: &DoryProverSetup,
    poly: &DenseMle,
) -> (DoryCommitment, Vec<ArkG1>) {
    use dory_pcs::Polynomial as _;
    let (nu, sigma) = dory_shape(poly.num_vars());
    let (tier2, rows, _blind) = to_dory_poly(poly)
        .commit::<BN254, dory_pcs::Transparent, G1Routines>(nu, sigma, &setup.inner)
        .expect("shape is consistent by construction");
    (DoryCommitment(tier2.0), rows)
}

/// Tier 1 of a Dory commitment: row `i` of the `2^ν × 2^σ` coefficient matrix committed as
/// `Σ_j M[i][j]·G1_j` — the same group elements dory-pcs's `commit` returns, computed per
/// row with the cheapest MSM the row's coefficients allow (see [`row_msm`]). Rows run in
/// parallel.
pub(crate) fn row_commitments(
    setup: &DoryProverSetup,
    coeffs: &[Fr],
    nu: usize,
    sigma: usize,
) -> Vec<ArkG1> {
    rows_committed_by(setup, coeffs, nu, sigma, row_msm)
}

/// [`row_commitments`] of values below 2^32: each row a bucket MSM over the bits it uses.
pub(crate) fn small_row_commitments(
    setup: &DoryProverSetup,
    values: &[u32],
    nu: usize,
    sigma: usize,
) -> Vec<ArkG1> {
    rows_committed_by(setup, values, nu, sigma, |bases, row| {
        let wide: Vec<u64> = row.iter().map(|&v| v as u64).collect();
        small_msm(bases, &wide)
    })
}

/// [`row_commitments`] of `i64`s, one row at a time as field elements.
pub(crate) fn wide_row_commitments(
    setup: &DoryProverSetup,
    values: &[i64],
    nu: usize,
    sigma: usize,
) -> Vec<ArkG1> {
    rows_committed_by(setup, values, nu, sigma, |bases, row| {
        let row: Vec<Fr> = row.iter().map(|&v| crate::field::fr_i64(v)).collect();
        row_msm(bases, &row)
    })
}

/// The rows of a `2^ν × 2^σ` matrix, each committed against the first `2^σ` G1 generators by
/// `msm`, in parallel.
fn rows_committed_by<T: Sync>(
    setup: &DoryProverSetup,
    values: &[T],
    nu: usize,
    sigma: usize,
    msm: impl Fn(&[G1Affine], &[T]) -> G1Projective + Sync,
) -> Vec<ArkG1> {
    let num_cols = 1usize << sigma;
    assert_eq!(values.len(), num_cols << nu, "value count must be 2^(ν+σ)");
    let bases = &setup.g1_affine()[..num_cols];
    values.par_chunks(num_cols).map(|row| ArkG1(msm(bases, row))).collect()
}

/// Tier 2: `Π_i e(row_i, G2_i)` — the value dory-pcs's `commit` computes with
/// `multi_pair_g2_setup(rows, g2_vec[..2^ν])` (a pairing product is a unique element of G_T,
/// however it is evaluated). We evaluate it as one multi-Miller loop over the cached prepared
/// G2 generators ([`crate::miller_loop`]: borrowed, one accumulator per core) and one final
/// exponentiation. Rows that are the identity contribute `e(0, G2_i) = 1` and are left out.
pub(crate) fn tier2_commitment(setup: &DoryProverSetup, rows: &[ArkG1]) -> DoryCommitment {
    let g2 = setup.g2_prepared();
    DoryCommitment(crate::miller_loop::pairing_with_prepared(
        rows.iter().map(|r| &r.0),
        &g2[..rows.len()],
    ))
}

/// `Σ_j scalars[j]·bases[j]`. Rows whose coefficients are all `±v` with `v < 2^128` (the
/// common case: witness columns are small machine values, flags, zeros and products of
/// words) take bucket MSMs over only the bits they use — the positive and the negated
/// coefficients apart, each split into its low and high 64 bits (mostly zero, so nearly
/// free); anything else takes arkworks' full-width MSM.
fn row_msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    debug_assert_eq!(bases.len(), scalars.len());
    let n = scalars.len();
    // [positive low, positive high, negated low, negated high]
    let mut parts = [vec![0u64; n], vec![0u64; n], vec![0u64; n], vec![0u64; n]];
    for (j, x) in scalars.iter().enumerate() {
        let (at, v) = match (fr_to_u128(x), fr_to_u128(&-*x)) {
            (Some(v), _) => (0, v),
            (None, Some(v)) => (2, v),
            (None, None) => return G1Projective::msm(bases, scalars).expect("equal lengths"),
        };
        parts[at][j] = v as u64;
        parts[at + 1][j] = (v >> 64) as u64;
    }
    let [pos_lo, pos_hi, neg_lo, neg_hi] = parts.map(|p| small_msm(bases, &p));
    let shifted = |mut p: G1Projective| {
        for _ in 0..64 {
            p.double_in_place();
        }
        p
    };
    pos_lo + shifted(pos_hi) - neg_lo - shifted(neg_hi)
}

/// `Σ_j scalars[j]·bases[j]` for 64-bit scalars: zero terms are skipped, a 0/1 vector is a
/// plain sum of the selected bases, otherwise Pippenger's bucket method with the window width
/// chosen for the number of non-zero terms and the largest bit length. Sums of bases (the
/// selected ones, each window's buckets) are taken as batched affine additions
/// (`batch_add::subset_sums`: one field inversion per level), not one projective addition
/// each.
fn small_msm(bases: &[G1Affine], scalars: &[u64]) -> G1Projective {
    let max = scalars.iter().fold(0u64, |m, &s| m | s);
    if max == 0 {
        return G1Projective::zero();
    }
    if max == 1 {
        let members: Vec<u32> =
            (0..scalars.len() as u32).filter(|&j| scalars[j as usize] != 0).collect();
        return crate::batch_add::subset_sums(bases, &members, &[0, members.len()])[0];
    }
    let bits = 64 - max.leading_zeros() as usize;
    let nnz = scalars.iter().filter(|&&s| s != 0).count();
    // Cost model in additions: per window, one addition per non-zero term plus ~2 per
    // bucket for the running-sum reduction.
    let c = (1..=bits.min(16))
        .min_by_key(|&c| bits.div_ceil(c) * (nnz + (2usize << c)))
        .expect("bits ≥ 2");
    let windows = bits.div_ceil(c);
    let mask = (1u64 << c) - 1;
    // Buckets never needed above the largest digit that occurs in a single-window MSM.
    let num_buckets = if windows == 1 { max as usize } else { mask as usize };
    let mut acc = G1Projective::zero();
    for w in (0..windows).rev() {
        for _ in 0..c {
            acc.double_in_place();
        }
        // The columns of each bucket: digit d ≥ 1 is set d − 1.
        let (members, start) = crate::batch_add::into_sets(num_buckets, || {
            scalars.iter().enumerate().filter_map(move |(j, &s)| {
                let d = ((s >> (w * c)) & mask) as usize;
                (d != 0).then(|| (d - 1, j as u32))
            })
        });
        let buckets = crate::batch_add::subset_sums(bases, &members, &start);
        let mut running = G1Projective::zero();
        let mut sum = G1Projective::zero();
        for bucket in buckets.iter().rev() {
            running += bucket;
            sum += &running;
        }
        acc += &sum;
    }
    acc
}

/// Prove that the committed polynomial `poly` (of `point.len()` variables) evaluates to `eval`
/// at `point`, for a polynomial in any form Dory can take a vector–matrix product of: a dense
/// table, or a sparse one ([`crate::onehot`]) whose dense form would not fit in memory. `hint`
/// holds the row commitments computed at commit time; `eval` must be the true evaluation
/// (the caller computes it in whatever way suits the form).
pub fn dory_open_with<P: MultilinearLagrange<ArkFr>>(
    setup: &DoryProverSetup,
    poly: &P,
    eval: Fr,
    hint: Vec<ArkG1>,
    commitment: &DoryCommitment,
    point: &[Fr],
    transcript: &mut Transcript,
) -> DoryProof {
    absorb_statement(transcript, commitment, point, &eval);
    // The opening runs over `OpeningCurve`'s routines (the same values, faster), with the
    // setup's G2 generators prepared as for the tier-2 commitments: ~47 MB at 2^12
    // generators, prepared here rather than kept from the commitments (the stages between
    // need the memory more) and freed when the opening is done.
    let opening_setup = ProverSetup::<OpeningCurve> {
        g1_vec: setup.inner.g1_vec.clone(),
        g2_vec: setup.inner.g2_vec.clone(),
        h1: setup.inner.h1,
        h2: setup.inner.h2,
        ht: setup.inner.ht,
    };
    let prepared = PreparedGenerators::register(&opening_setup, setup.g2_prepared());
    let (nu, sigma) = dory_shape(point.len());
    let (proof, _) =
        dory_pcs::prove::<ArkFr, OpeningCurve, OpeningG1, OpeningG2, _, _, dory_pcs::Transparent>(
            poly,
            &to_dory_point(point),
            hint,
            ArkFr(Fr::from(0u64)),
            nu,
            sigma,
            &opening_setup,
            &mut DoryTranscript::new(transcript),
        )
        .expect("shape is consistent by construction");
    drop(prepared);
    setup.release_prepared_generators();
    DoryProof(proof)
}

fn absorb_statement(t: &mut Transcript, commitment: &DoryCommitment, point: &[Fr], eval: &Fr) {
    t.append_serializable(b"pcs/commitment", &commitment.0);
    t.append_scalars(b"pcs/point", point);
    t.append_scalar(b"pcs/eval", eval);
}

/// Our transcript, seen through Dory's transcript trait (for the curve type `C` the prover
/// or the verifier runs Dory over).
struct DoryTranscript<'a, C>(&'a mut Transcript, std::marker::PhantomData<C>);

impl<'a, C> DoryTranscript<'a, C> {
    fn new(transcript: &'a mut Transcript) -> Self {
        Self(transcript, std::marker::PhantomData)
    }
}

impl<C: PairingCurve<G1 = ArkG1>> dory_pcs::primitives::transcript::Transcript
    for DoryTranscript<'_, C>
{
    type Curve = C;

    fn append_bytes(&mut self, label: &[u8], bytes: &[u8]) {
        self.0.append_bytes(label, bytes);
    }

    fn append_field(&mut self, label: &[u8], x: &ArkFr) {
        self.0.append_scalar(label, &x.0);
    }

    fn append_group<G: Group>(&mut self, label: &[u8], g: &G) {
        let mut buf = Vec::new();
        g.serialize_compressed(&mut buf).expect("vec write");
        self.0.append_bytes(label, &buf);
    }

    fn append_serde<S: DorySerialize>(&mut self, label: &[u8], s: &S) {
        let mut buf = Vec::new();
        s.serialize_compressed(&mut buf).expect("vec write");
        self.0.append_bytes(label, &buf);
    }

    fn challenge_scalar(&mut self, label: &[u8]) -> ArkFr {
        ArkFr(self.0.challenge_scalar(label))
    }

    fn reset(&mut self, domain_label: &[u8]) {
        // Dory 0.5 never calls this during prove/verify; a fresh transcript is the only
        // meaning that cannot silently reuse state.
        *self.0 = Transcript::new(domain_label);
    }
}

impl CommitmentScheme for Dory {
    type ProverSetup = DoryProverSetup;
    type VerifierSetup = DoryVerifierSetup;
    type Commitment = DoryCommitment;
    type OpeningHint = Vec<ArkG1>;
    type Proof = DoryProof;

    fn setup(max_num_vars: usize) -> (DoryProverSetup, DoryVerifierSetup) {
        let p = DoryProverSetup::new(DORY_SEED, max_num_vars);
        let v = p.verifier_setup();
        (p, v)
    }

    fn commit(setup: &DoryProverSetup, poly: &DenseMle) -> (DoryCommitment, Vec<ArkG1>) {
        let n = poly.num_vars();
        assert!(
            n <= setup.max_num_vars,
            "polynomial has {n} variables, setup supports {}",
            setup.max_num_vars
        );
        let (nu, sigma) = dory_shape(n);
        let rows = row_commitments(setup, poly.evals(), nu, sigma);
        (tier2_commitment(setup, &rows), rows)
    }

    fn open(
        setup: &DoryProverSetup,
        poly: &DenseMle,
        hint: Vec<ArkG1>,
        commitment: &DoryCommitment,
        point: &[Fr],
        transcript: &mut Transcript,
    ) -> (Fr, DoryProof) {
        assert_eq!(point.len(), poly.num_vars(), "point length must equal the number of variables");
        let eval = poly.evaluate(point);
        let proof =
            dory_open_with(setup, &to_dory_poly(poly), eval, hint, commitment, point, transcript);
        (eval, proof)
    }

    fn verify(
        setup: &DoryVerifierSetup,
        commitment: &DoryCommitment,
        point: &[Fr],
        eval: Fr,
        proof: &DoryProof,
        transcript: &mut Transcript,
    ) -> Result<(), PcsError> {
        let n = point.len();
        if n > setup.max_num_vars {
            return Err(PcsError::TooManyVariables { max: setup.max_num_vars, got: n });
        }
        let (nu, sigma) = dory_shape(n);
        if proof.0.nu != nu || proof.0.sigma != sigma {
            return Err(PcsError::WrongShape {
                nu,
                sigma,
                got_nu: proof.0.nu,
                got_sigma: proof.0.sigma,
            });
        }
        absorb_statement(transcript, commitment, point, &eval);
        dory_pcs::verify::<ArkFr, BN254, G1Routines, G2Routines, _>(
            ArkGT(commitment.0),
            ArkFr(eval),
            &to_dory_point(point),
            &proof.0,
            setup.inner.clone(),
            &mut DoryTranscript::new(transcript),
        )
        .map_err(|e| PcsError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tier 2 is the multi-pairing of the rows with the generators, identity rows left out —
    /// and again after the prepared generators were released and prepared anew.
    #[test]
    fn tier2_is_the_multi_pairing() {
        let setup = DoryProverSetup::new(DORY_SEED, 20);
        let mut rng = generator_rng(b"tier2 test", 0, 0);
        let rows: Vec<ArkG1> = (0..600)
            .map(|i| {
                ArkG1(if i % 7 == 3 { G1Projective::zero() } else { G1Projective::rand(&mut rng) })
            })
            .collect();
        let g2: Vec<G2Projective> = setup.inner.g2_vec[..rows.len()].iter().map(|g| g.0).collect();
        let expected = ark_bn254::Bn254::multi_pairing(rows.iter().map(|r| r.0), g2);
        assert_eq!(tier2_commitment(&setup, &rows).0, expected);
        setup.release_prepared_generators();
        assert_eq!(tier2_commitment(&setup, &rows).0, expected);
    }

    /// Every path of a row's MSM — bits, small values, negated ones, values above 64 bits of
    /// either sign, and a full-width value — gives arkworks' MSM.
    #[test]
    fn row_msm_is_the_msm_for_every_coefficient_width() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let bases = &setup.g1_affine()[..32];
        let mut rng = generator_rng(b"row msm test", 0, 0);
        let big = |hi: u64, lo: u64| Fr::from(hi) * Fr::from(1u128 << 64) + Fr::from(lo);
        let rows: Vec<Vec<Fr>> = vec![
            (0..32).map(|j| Fr::from(j % 2)).collect(),
            (0..32).map(|j| Fr::from(j * 1_000_003)).collect(),
            (0..32).map(|j| -Fr::from(j * 77) + Fr::from(j % 3)).collect(),
            (0..32).map(|j| if j % 3 == 0 { big(j + 1, j) } else { -big(j, 5) }).collect(),
            (0..32).map(|j| if j == 7 { Fr::rand(&mut rng) } else { Fr::from(j) }).collect(),
        ];
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row_msm(bases, row), G1Projective::msm(bases, row).unwrap(), "row {i}");
        }
    }
}
