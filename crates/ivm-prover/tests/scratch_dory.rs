use ivm_prover::field::Fr;
use ivm_prover::pcs::{CommitmentScheme, Dory, DoryProverSetup, DORY_SEED};
use ivm_prover::poly::DenseMle;
use ivm_prover::transcript::Transcript;
#[test]
fn dory_time() {
    for n in [14usize, 16, 18, 20] {
        let t0 = std::time::Instant::now();
        let ps = DoryProverSetup::new(DORY_SEED, n);
        let t_setup = t0.elapsed();
        let poly = DenseMle::new((0..1u64 << n).map(|i| Fr::from(i * 7 + 3)).collect());
        let t0 = std::time::Instant::now();
        let (c, hint) = Dory::commit(&ps, &poly);
        let t_commit = t0.elapsed();
        let point: Vec<Fr> = (0..n).map(|i| Fr::from(i as u64 + 5)).collect();
        let t0 = std::time::Instant::now();
        let mut t = Transcript::new(b"x");
        let _ = Dory::open(&ps, &poly, hint, &c, &point, &mut t);
        eprintln!("n={n}: setup {t_setup:?} commit {t_commit:?} open {:?}", t0.elapsed());
    }
}
