//! A sumcheck prover for `Σ_j Π_i F_i(j)` over [`Factor`]s: the same round polynomials as
//! [`crate::sumcheck::CompositeSumcheck`] over the factors' dense copies, without the copies
//! (a one-hot factor is read through its addresses, a borrowed column through its values,
//! until binding has made them small).
use rayon::prelude::*;

use crate::factor::Factor;
use crate::field::Fr;
use crate::sumcheck::SumcheckProver;

pub struct FactorProduct<'a> {
    factors: Vec<Factor<'a>>,
}

impl<'a> FactorProduct<'a> {
    /// All factors must have the same number of rows (a power of two).
    pub fn new(factors: Vec<Factor<'a>>) -> Self {
        assert!(!factors.is_empty(), "a product needs at least one factor");
        let len = factors[0].len();
        assert!(len.is_power_of_two(), "factors have a power-of-two number of rows");
        assert!(factors.iter().all(|f| f.len() == len), "factors differ in size");
        Self { factors }
    }

    /// `Σ_j Π_i F_i(j)`.
    pub fn claim(&self) -> Fr {
        let len = self.factors[0].len();
        (0..len)
            .into_par_iter()
            .map(|j| self.factors.iter().map(|f| f.get(j)).product::<Fr>())
            .sum()
    }

    /// Each factor's value at the sumcheck's point, once every variable is bound.
    pub fn final_evals(&self) -> Vec<Fr> {
        assert_eq!(self.factors[0].len(), 1, "not all variables are bound yet");
        self.factors.iter().map(|f| f.get(0)).collect()
    }
}

impl SumcheckProver for FactorProduct<'_> {
    fn num_vars(&self) -> usize {
        self.factors[0].len().trailing_zeros() as usize
    }

    fn degree(&self) -> usize {
        self.factors.len()
    }

    /// `s(t) = Σ_{i < half} Π_f (F_f(i) + t·(F_f(i + half) − F_f(i)))` at `t = 0..=d`.
    fn round_evals(&self) -> Vec<Fr> {
        let half = self.factors[0].len() / 2;
        crate::eq_product::round_sums(&self.factors, half, None)
    }

    fn bind(&mut self, r: Fr) {
        for f in &mut self.factors {
            f.bind_top(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::Addrs;
    use crate::poly::DenseMle;
    use crate::sumcheck::{self, CompositeSumcheck};
    use crate::transcript::Transcript;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// The generic prover's proof, point and final values, from a one-hot, a wide and a
    /// dense factor.
    #[test]
    fn matches_the_generic_prover() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let n = 9;
        let addrs: Vec<u32> =
            (0..1u32 << n).map(|i| if i % 3 == 0 { u32::MAX } else { i % 8 }).collect();
        let addrs = Addrs::from_words(3, addrs);
        let wide: Vec<i64> = (0..1i64 << n).map(|i| (i * 7919) - 1_000_000_000_000).collect();
        let dense: Vec<Fr> = (0..1 << n).map(|_| Fr::rand(&mut rng)).collect();
        let table: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
        let factors = || {
            vec![
                Factor::one_hot(&addrs, table.clone()),
                Factor::Wide(&wide),
                Factor::Dense(dense.clone()),
            ]
        };
        let polys: Vec<DenseMle> = factors().iter().map(|f| DenseMle::new(f.to_vec())).collect();
        let mut generic = CompositeSumcheck::new(polys, 3, |v: &[Fr]| v[0] * v[1] * v[2]);
        let claim = generic.claim();
        let (expected, point) = sumcheck::prove(&mut generic, claim, &mut Transcript::new(b"t"));
        let mut fast = FactorProduct::new(factors());
        assert_eq!(fast.claim(), claim);
        let (proof, fast_point) = sumcheck::prove(&mut fast, claim, &mut Transcript::new(b"t"));
        assert_eq!((proof, fast_point), (expected, point));
        assert_eq!(fast.final_evals(), generic.final_evals());
    }
}
