//! Times the ra-virtualization sumcheck alone on random one-hot chunks (a tuning aid:
//! `bench_kernel <log_rows> <chunks>`).
use std::time::Instant;

use ark_std::UniformRand;
use ivm_prover::eq_product::{EqProduct, Term};
use ivm_prover::field::Fr;
use ivm_prover::onehot::OneHot;
use ivm_prover::sumcheck::{self};
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::SeedableRng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let log_t: usize = args.get(1).map_or(22, |a| a.parse().unwrap());
    let d: usize = args.get(2).map_or(7, |a| a.parse().unwrap());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let chunks: Vec<OneHot> = (0..d)
        .map(|c| {
            OneHot::from_fn(3, log_t, |j| ((j as u64 * 2654435761 + c as u64 * 97) >> 7) as u32 & 7)
        })
        .collect();
    let r_a: Vec<Vec<Fr>> = (0..d).map(|_| (0..3).map(|_| Fr::rand(&mut rng)).collect()).collect();
    let point: Vec<Fr> = (0..log_t).map(|_| Fr::rand(&mut rng)).collect();
    let factors = chunks.iter().zip(&r_a).map(|(m, r)| m.address_eq_factor(r)).collect();
    let t0 = Instant::now();
    let term = Term { coeff: Fr::from(1u64), point: Some(point), factors };
    let mut inst = EqProduct::new(vec![term], log_t);
    let claim = inst.claim();
    let t1 = t0.elapsed().as_secs_f64();
    let (proof, _) = sumcheck::prove(&mut inst, claim, &mut Transcript::new(b"k"));
    let total = t0.elapsed().as_secs_f64();
    eprintln!(
        "first round {t1:.3} s, all {total:.3} s, digest {:?}",
        proof.round_polys.last().map(|p| p.coeffs[0])
    );
}
