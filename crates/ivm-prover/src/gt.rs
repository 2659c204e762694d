//! Membership in `G_T`, the order-`r` subgroup of `F_p^12*` where BN254's pairings land.
//!
//! arkworks checks a decoded `G_T` element as `f^r == 1`: a generic 254-bit exponentiation,
//! ~0.45 ms each, and a proof carries ~130 of them (the commitments and Dory's messages) —
//! about a third of a verification. [`in_gt`] decides the same question with one
//! 127-bit exponentiation in the cyclotomic subgroup (squarings there cost about half of
//! general ones) and three Frobenius maps:
//!
//! 1. `f ≠ 0` and `f^(p^4) · f == f^(p^2)`, i.e. the order of `f` divides
//!    `Φ12(p) = p^4 − p^2 + 1`: `f` is in the cyclotomic subgroup, where
//!    [`CyclotomicMultSubgroup`]'s squaring formulas are valid (outside it they compute
//!    something else, so this step is what makes step 2 meaningful).
//! 2. `f^p == f^(6u²)`. BN curves have `p − r = 6u²` (`p = 36u⁴ + 36u³ + 24u² + 6u + 1`,
//!    `r = 36u⁴ + 36u³ + 18u² + 6u + 1`), so this is exactly `f^r == 1`.
use ark_bn254::{Config, Fq12};
use ark_ec::bn::BnConfig;
use ark_ff::{CyclotomicMultSubgroup, Field, Zero};

/// `6u²` for BN254's curve parameter `u` (`p − r`), as little-endian limbs.
fn six_u_squared() -> [u64; 2] {
    let u = u128::from(Config::X[0]);
    debug_assert!(Config::X.len() == 1 && !Config::X_IS_NEGATIVE);
    let e = 6 * u * u; // u < 2^63: 6u² < 2^128
    [e as u64, (e >> 64) as u64]
}

/// Whether `f` is in `G_T` (the order-`r` subgroup of `F_p^12*`).
pub fn in_gt(f: &Fq12) -> bool {
    if f.is_zero() {
        return false;
    }
    let cyclotomic = f.frobenius_map(4) * f == f.frobenius_map(2);
    cyclotomic && f.frobenius_map(1) == f.cyclotomic_exp(six_u_squared())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
    use ark_ec::pairing::Pairing;
    use ark_ff::{One, PrimeField};
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;

    fn rng() -> rand_chacha::ChaCha20Rng {
        rand_chacha::ChaCha20Rng::seed_from_u64(7)
    }

    /// The reference: arkworks' check, `f^r == 1`.
    fn reference(f: &Fq12) -> bool {
        f.pow(Fr::MODULUS) == Fq12::one()
    }

    /// A cyclotomic element: `f^((p^6 − 1)(p^2 + 1))`, of order dividing `Φ12(p)`.
    fn cyclotomic(f: &Fq12) -> Fq12 {
        let g = f.frobenius_map(6) * f.inverse().unwrap();
        g.frobenius_map(2) * g
    }

    #[test]
    fn six_u_squared_is_p_minus_r() {
        use ark_ff::BigInteger;
        let mut diff = ark_bn254::Fq::MODULUS;
        assert!(!diff.sub_with_borrow(&Fr::MODULUS));
        let [lo, hi] = six_u_squared();
        assert_eq!(diff.0, [lo, hi, 0, 0]);
    }

    #[test]
    fn pairing_outputs_are_members() {
        let mut rng = rng();
        for _ in 0..8 {
            let f = Bn254::pairing(G1Projective::rand(&mut rng), G2Projective::rand(&mut rng)).0;
            assert!(in_gt(&f) && reference(&f));
        }
        assert!(in_gt(&Fq12::one()));
    }

    #[test]
    fn non_members_are_rejected() {
        let mut rng = rng();
        assert!(!in_gt(&Fq12::zero()));
        let gt = Bn254::pairing(G1Projective::rand(&mut rng), G2Projective::rand(&mut rng)).0;
        for _ in 0..8 {
            // Outside the cyclotomic subgroup.
            let f = Fq12::rand(&mut rng);
            assert!(!in_gt(&f) && !reference(&f));
            // Inside it but of another order, alone and times a member.
            let c = cyclotomic(&f);
            assert!(!in_gt(&c) && !reference(&c));
            // c^r has order dividing the cofactor: not 1, and not in G_T.
            let small = c.pow(Fr::MODULUS);
            assert!(!small.is_one());
            for x in [small, small * gt] {
                assert!(!in_gt(&x) && !reference(&x));
            }
        }
    }
}
