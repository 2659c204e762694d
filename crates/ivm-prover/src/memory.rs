//! Offline memory checking, the algebra part: tuples of linear forms over named polynomials,
//! their fingerprints (the leaves of the grand products, prover side) and the same
//! fingerprints evaluated from opening claims (verifier side).
//!
//! A memory is consistent when `Init · Writes = Reads · Final` as multisets of tuples
//! (Blum et al.; Spice/Lasso/Jolt v1). Tuples are `(address, value…, timestamp)`; each field
//! is a [`Lin`] over a list of polynomials that the caller chooses (committed columns, the row
//! index, table MLEs the verifier computes itself). The fingerprint of a tuple `f` is
//! `Σ_j γ^j·f_j − τ`, so a leaf's MLE at a point is the same linear form of the polynomials'
//! evaluations there: the GKR leaf claims reduce to opening claims.
use crate::field::Fr;
use ark_ff::Zero;

/// `Σ coef·poly_i + constant`, over a caller-defined list of polynomials.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lin {
    pub terms: Vec<(usize, Fr)>,
    pub constant: Fr,
}

impl Lin {
    /// Polynomial `i`.
    pub fn poly(i: usize) -> Self {
        Lin { terms: vec![(i, Fr::from(1u64))], constant: Fr::from(0u64) }
    }
    /// Polynomial `i` plus a constant.
    pub fn poly_plus(i: usize, c: u64) -> Self {
        Lin { terms: vec![(i, Fr::from(1u64))], constant: Fr::from(c) }
    }
    pub fn constant(c: Fr) -> Self {
        Lin { terms: Vec::new(), constant: c }
    }
    /// `Σ coef·poly_i` for small integer coefficients.
    pub fn sum(terms: &[(usize, u64)]) -> Self {
        Lin {
            terms: terms.iter().map(|&(i, c)| (i, Fr::from(c))).collect(),
            constant: Fr::from(0u64),
        }
    }
    pub fn eval(&self, values: &[Fr]) -> Fr {
        self.terms.iter().map(|&(i, c)| c * values[i]).sum::<Fr>() + self.constant
    }
}

/// The multiset fingerprint of one tuple: `Σ_j γ^j·f_j − τ` (`gammas[j] = γ^j`).
pub fn fingerprint(fields: &[Fr], gammas: &[Fr], tau: Fr) -> Fr {
    assert!(fields.len() <= gammas.len(), "not enough powers of γ for the tuple");
    fields.iter().zip(gammas).map(|(f, g)| *f * g).sum::<Fr>() - tau
}

/// A tuple shape: one [`Lin`] per field.
#[derive(Clone, Debug, Default)]
pub struct Tuple(pub Vec<Lin>);

impl Tuple {
    /// Prover: the fingerprint of every row, from the full polynomials (all of length `n`).
    pub fn leaves(&self, polys: &[&[Fr]], n: usize, gammas: &[Fr], tau: Fr) -> Vec<Fr> {
        assert!(gammas.len() >= self.0.len(), "not enough fingerprint challenges");
        // Accumulate field by field so each term is one pass over a column.
        let mut out = vec![-tau; n];
        for (lin, g) in self.0.iter().zip(gammas) {
            if !lin.constant.is_zero() {
                let c = lin.constant * g;
                out.iter_mut().for_each(|o| *o += c);
            }
            for &(i, coef) in &lin.terms {
                let c = coef * g;
                let p = polys[i];
                assert_eq!(p.len(), n, "polynomial {i} has the wrong length");
                out.iter_mut().zip(p).for_each(|(o, v)| *o += c * v);
            }
        }
        out
    }

    /// Verifier: the leaf MLE at a point, from the polynomials' evaluations there.
    pub fn leaf_at(&self, values: &[Fr], gammas: &[Fr], tau: Fr) -> Fr {
        let fields: Vec<Fr> = self.0.iter().map(|l| l.eval(values)).collect();
        fingerprint(&fields, gammas, tau)
    }

    /// The polynomials this tuple reads.
    pub fn polys(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.0.iter().flat_map(|l| l.terms.iter().map(|t| t.0)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The MLE of the index function `i ↦ i` at a point (MSB-first): `Σ_k 2^{n−1−k}·r_k`.
pub fn index_mle(point: &[Fr]) -> Fr {
    let mut acc = Fr::from(0u64);
    for r in point {
        acc = acc + acc + r;
    }
    acc
}

/// The index polynomial `[0, 1, …, n−1]` as field elements.
pub fn index_poly(n: usize) -> Vec<Fr> {
    (0..n as u64).map(Fr::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::DenseMle;
    use ark_std::UniformRand;

    #[test]
    fn fingerprint_formula() {
        let g = [Fr::from(1u64), Fr::from(3u64), Fr::from(9u64)];
        let f = fingerprint(&[Fr::from(2u64), Fr::from(1u64), Fr::from(1u64)], &g, Fr::from(5u64));
        assert_eq!(f, Fr::from(2u64 + 3 + 9 - 5));
    }

    #[test]
    fn leaves_and_leaf_at_agree_as_mles() {
        let mut rng = ark_std::test_rng();
        let n = 16;
        let a: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let b: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let idx = index_poly(n);
        let tuple = Tuple(vec![Lin::poly(2), Lin::sum(&[(0, 3), (1, 5)]), Lin::poly_plus(1, 1)]);
        let gammas = [Fr::from(1u64), Fr::rand(&mut rng), Fr::rand(&mut rng)];
        let tau = Fr::rand(&mut rng);
        let leaves = tuple.leaves(&[&a, &b, &idx], n, &gammas, tau);
        let point: Vec<Fr> = (0..4).map(|_| Fr::rand(&mut rng)).collect();
        let values = [
            DenseMle::new(a.clone()).evaluate(&point),
            DenseMle::new(b.clone()).evaluate(&point),
            index_mle(&point),
        ];
        assert_eq!(DenseMle::new(leaves).evaluate(&point), tuple.leaf_at(&values, &gammas, tau));
        assert_eq!(DenseMle::new(idx).evaluate(&point), index_mle(&point));
        assert_eq!(tuple.polys(), vec![0, 1, 2]);
    }
}
