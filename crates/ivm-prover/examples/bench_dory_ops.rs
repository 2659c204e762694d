//! Times the Dory opening's building blocks, dory-pcs's arkworks backend against
//! `opening_curve`'s routines (a tuning aid: `bench_dory_ops <log_n>`).
use std::time::Instant;

use ark_std::UniformRand;
use dory_pcs::backends::arkworks::{ArkFr, ArkG1, ArkG2, G1Routines, G2Routines, BN254};
use dory_pcs::primitives::arithmetic::{DoryRoutines, PairingCurve};
use ivm_prover::field::Fr;
use ivm_prover::opening_curve::{OpeningCurve, OpeningG1, OpeningG2};
use rand_chacha::rand_core::SeedableRng;

fn time<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let v = f();
    eprintln!("{name:40} {:8.1} ms", t.elapsed().as_secs_f64() * 1e3);
    v
}

fn main() {
    let log_n: usize = std::env::args().nth(1).map_or(11, |a| a.parse().unwrap());
    let n = 1usize << log_n;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let g1: Vec<ArkG1> = (0..n).map(|_| ArkG1(ark_bn254::G1Projective::rand(&mut rng))).collect();
    let g2: Vec<ArkG2> = (0..n).map(|_| ArkG2(ark_bn254::G2Projective::rand(&mut rng))).collect();
    let s: Vec<ArkFr> = (0..n).map(|_| ArkFr(Fr::rand(&mut rng))).collect();
    let k = s[0];
    dory_pcs::backends::arkworks::init_cache(&g1, &g2);
    time("multi_pair (both dynamic)", || BN254::multi_pair(&g1, &g2));
    time("multi_pair_g2_setup (cached G2)", || BN254::multi_pair_g2_setup(&g1, &g2));
    time("multi_pair_g1_setup (cached G1)", || BN254::multi_pair_g1_setup(&g1, &g2));
    time("G1 msm", || G1Routines::msm(&g1, &s));
    time("G2 msm", || G2Routines::msm(&g2, &s));
    let mut v1 = g1.clone();
    time("G1 fixed_scalar_mul_bases_then_add", || {
        G1Routines::fixed_scalar_mul_bases_then_add(&g1, &mut v1, &k)
    });
    let mut v2 = g2.clone();
    time("G2 fixed_scalar_mul_bases_then_add", || {
        G2Routines::fixed_scalar_mul_bases_then_add(&g2, &mut v2, &k)
    });
    time("G2 fixed_base_vector_scalar_mul", || {
        G2Routines::fixed_base_vector_scalar_mul(&g2[0], &s)
    });
    time("ours multi_pair", || OpeningCurve::multi_pair(&g1, &g2));
    let mut v1 = g1.clone();
    time("ours G1 bases_then_add", || OpeningG1::fixed_scalar_mul_bases_then_add(&g1, &mut v1, &k));
    let mut v2 = g2.clone();
    time("ours G2 bases_then_add", || OpeningG2::fixed_scalar_mul_bases_then_add(&g2, &mut v2, &k));
    time("ours G2 fixed_base_vector", || OpeningG2::fixed_base_vector_scalar_mul(&g2[0], &s));
}
