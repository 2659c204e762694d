//! `Dory::commit` (small-value/sparse row MSMs + tier-2 multi-pairing over non-zero rows)
//! must return exactly what dory-pcs's own `commit` returns: the same G_T commitment and the
//! same row commitments (the opening hint), and openings must still verify.

use std::time::Instant;

use ark_std::UniformRand;
use ivm_prover::field::{fr_i64, fr_u64, Fr};
use ivm_prover::pcs::{dory_reference_commit, CommitmentScheme, Dory, DoryProverSetup};
use ivm_prover::poly::DenseMle;
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const MAX_VARS: usize = 12;

fn setup() -> &'static (DoryProverSetup, ivm_prover::pcs::DoryVerifierSetup) {
    static S: std::sync::OnceLock<(DoryProverSetup, ivm_prover::pcs::DoryVerifierSetup)> =
        std::sync::OnceLock::new();
    S.get_or_init(|| Dory::setup(MAX_VARS))
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Dense,
    Bits,
    Small(u32),
    U64,
    /// Small non-negative values, with some rows holding a negative or a huge value.
    Mixed,
    SignedSmall,
    Sparse,
    Zero,
    /// A polynomial that is zero except for one entry.
    OneHot,
}

fn poly(kind: Kind, n: usize, rng: &mut ChaCha20Rng) -> DenseMle {
    let len = 1usize << n;
    let cols = 1usize << n.div_ceil(2);
    let evals: Vec<Fr> = (0..len)
        .map(|i| match kind {
            Kind::Dense => Fr::rand(rng),
            Kind::Bits => fr_u64(rng.next_u64() & 1),
            Kind::Small(bits) => fr_u64(rng.next_u64() >> (64 - bits)),
            Kind::U64 => fr_u64(rng.next_u64()),
            Kind::Mixed => {
                let row = i / cols;
                if row % 3 == 1 && rng.next_u32() % 4 == 0 {
                    if rng.next_u32() % 2 == 0 {
                        fr_i64(-((rng.next_u32() % 1000) as i64) - 1)
                    } else {
                        Fr::rand(rng)
                    }
                } else {
                    fr_u64(rng.next_u64() >> 40)
                }
            }
            Kind::SignedSmall => fr_i64((rng.next_u32() % 201) as i64 - 100),
            Kind::Sparse => {
                if rng.next_u32() % 16 == 0 {
                    fr_u64(rng.next_u64() >> 32)
                } else {
                    Fr::from(0u64)
                }
            }
            Kind::Zero => Fr::from(0u64),
            Kind::OneHot => fr_u64(u64::from(i == len / 3)),
        })
        .collect();
    DenseMle::new(evals)
}

fn check(kind: Kind, n: usize, rng: &mut ChaCha20Rng, open: bool) {
    let (p, v) = setup();
    let f = poly(kind, n, rng);
    let (c_ref, h_ref) = dory_reference_commit(p, &f);
    let (c, h) = Dory::commit(p, &f);
    assert_eq!(c, c_ref, "commitment differs: {kind:?}, n = {n}");
    assert_eq!(h, h_ref, "hint differs: {kind:?}, n = {n}");
    assert_eq!(h.len(), 1 << (n / 2));
    if open {
        let point: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        let mut tp = Transcript::new(b"pcs-fast-commit");
        let (eval, proof) = Dory::open(p, &f, h, &c, &point, &mut tp);
        assert_eq!(eval, f.evaluate(&point));
        let mut tv = Transcript::new(b"pcs-fast-commit");
        Dory::verify(v, &c, &point, eval, &proof, &mut tv).expect("opening verifies");
        // Same proof as when opening with dory-pcs's own hint.
        let mut tp2 = Transcript::new(b"pcs-fast-commit");
        let (_, proof_ref) = Dory::open(p, &f, h_ref, &c_ref, &point, &mut tp2);
        assert_eq!(proof.to_bytes(), proof_ref.to_bytes());
    }
}

const KINDS: [Kind; 11] = [
    Kind::Dense,
    Kind::Bits,
    Kind::Small(2),
    Kind::Small(9),
    Kind::Small(32),
    Kind::U64,
    Kind::Mixed,
    Kind::SignedSmall,
    Kind::Sparse,
    Kind::Zero,
    Kind::OneHot,
];

#[test]
fn fast_commit_matches_dory_all_sizes() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for n in 0..=MAX_VARS {
        for kind in KINDS {
            // Opening is the slow part; do it on every kind for small n, a few kinds above.
            let open = n <= 6 || matches!(kind, Kind::Bits | Kind::Mixed | Kind::Zero);
            check(kind, n, &mut rng, open);
        }
    }
}

#[test]
fn fast_commit_matches_dory_random_shapes() {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    for _ in 0..40 {
        let n = (rng.next_u32() as usize) % (MAX_VARS - 3);
        let kind = KINDS[(rng.next_u32() as usize) % KINDS.len()];
        check(kind, n, &mut rng, false);
    }
}

/// A setup larger than the polynomial: only the prefix of the generators is used.
#[test]
fn fast_commit_independent_of_setup_size() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let small = DoryProverSetup::new(ivm_prover::pcs::DORY_SEED, 6);
    for kind in KINDS {
        let f = poly(kind, 5, &mut rng);
        assert_eq!(Dory::commit(&small, &f), Dory::commit(&setup().0, &f));
        assert_eq!(Dory::commit(&small, &f), dory_reference_commit(&small, &f));
    }
}

/// User + system CPU time of this process (Linux `/proc/self/stat`, 10 ms ticks): the shared
/// machine is loaded, so CPU time compares the two routines more fairly than wall time.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = [11, 12].iter().filter_map(|&i| f.get(i)?.parse::<f64>().ok()).sum();
    ticks / 100.0
}

/// `cargo test --release -p ivm-prover --test pcs_fast_commit -- --ignored --nocapture`
#[test]
#[ignore]
fn fast_commit_timing() {
    let t = Instant::now();
    let (p, _) = Dory::setup(20);
    eprintln!("setup(20): {:?}", t.elapsed());
    // Warm the fast path's caches (affine G1, prepared G2) outside the measurements.
    let _ = Dory::commit(&p, &DenseMle::new(vec![Fr::from(1u64); 1 << 20]));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for n in [16usize, 20] {
        for kind in
            [Kind::Bits, Kind::Small(8), Kind::Small(32), Kind::Sparse, Kind::Zero, Kind::Dense]
        {
            if n > 16 && matches!(kind, Kind::Dense) {
                continue; // ~25 s each way, and no faster (full-width rows fall back)
            }
            let f = poly(kind, n, &mut rng);
            let (t, c) = (Instant::now(), cpu_secs());
            let old = dory_reference_commit(&p, &f);
            let (t_old, c_old) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
            let (t, c) = (Instant::now(), cpu_secs());
            let new = Dory::commit(&p, &f);
            let (t_new, c_new) = (t.elapsed().as_secs_f64(), cpu_secs() - c);
            assert_eq!(old, new);
            eprintln!(
                "2^{n} {kind:?}: dory {t_old:.3}s wall / {c_old:.2}s cpu, fast {t_new:.3}s wall / {c_new:.2}s cpu \
                 ({:.1}x wall, {:.1}x cpu)",
                t_old / t_new,
                c_old / c_new.max(0.01)
            );
        }
    }
}
