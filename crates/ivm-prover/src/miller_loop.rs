//! The BN254 multi-Miller loop over borrowed prepared G2 points, for Dory's tier-2
//! commitments (`pcs::tier2_commitment`: one pair per layout row, hundreds of thousands per
//! proof).
//!
//! It takes arkworks' exact steps (`ark_ec::bn`: the line coefficients of `G2Prepared`,
//! evaluated at the G1 point for a D-type twist) with two differences that matter at this
//! scale: the prepared points are borrowed (arkworks takes them by value, ~17 KB each, so
//! a caller with cached points copies every one), and each core runs one accumulator over
//! its share of the pairs (arkworks runs one per four pairs, and every accumulator is
//! squared at each of the loop's 64 steps).
use ark_bn254::{Config, Fq12, G1Affine};
use ark_ec::bn::{BnConfig, G2Prepared};
use ark_ff::{CyclotomicMultSubgroup, Field, One};
use rayon::prelude::*;

/// `Π_i f_i` for the pairs `(P_i, Q_i)`, before the final exponentiation (the value
/// `Bn254::multi_miller_loop` returns for them). Every `Q_i` must be a prepared point other
/// than the identity, and no `P_i` the identity.
pub fn multi_miller_loop(pairs: &[(G1Affine, &G2Prepared<Config>)]) -> Fq12 {
    let Some((_, first)) = pairs.first() else { return Fq12::one() };
    let steps = first.ell_coeffs.len();
    debug_assert!(pairs.iter().all(|(_, q)| q.ell_coeffs.len() == steps), "prepared points");
    let per_core = pairs.len().div_ceil(rayon::current_num_threads()).max(1);
    let mut f: Fq12 = pairs.par_chunks(per_core).map(loop_over).product();
    if <Config as BnConfig>::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    // The two lines of the Frobenius-twisted points, after the loop.
    for k in [steps - 2, steps - 1] {
        for (p, q) in pairs {
            line(&mut f, &q.ell_coeffs[k], p);
        }
    }
    f
}

/// The loop's steps (a doubling line per bit, an addition line per non-zero digit) for some
/// of the pairs, with one accumulator.
fn loop_over(pairs: &[(G1Affine, &G2Prepared<Config>)]) -> Fq12 {
    let digits = <Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    let mut k = 0; // the line's index: the same in every prepared point
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            f.square_in_place();
        }
        let lines = if digits[i - 1] == 0 { 1 } else { 2 };
        for _ in 0..lines {
            for (p, q) in pairs {
                line(&mut f, &q.ell_coeffs[k], p);
            }
            k += 1;
        }
    }
    f
}

/// `f ← f · ℓ(P)`: a line with coefficients `(c0, c1, c2)` evaluated at `P` (D-type twist).
#[inline(always)]
fn line(f: &mut Fq12, (c0, c1, c2): &ark_ec::bn::g2::EllCoeff<Config>, p: &G1Affine) {
    let (mut c0, mut c1) = (*c0, *c1);
    c0.mul_assign_by_fp(&p.y);
    c1.mul_assign_by_fp(&p.x);
    f.mul_by_034(&c0, &c1, c2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Bn254, G1Projective, G2Projective};
    use ark_ec::pairing::Pairing;
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;

    /// The same Miller-loop value as arkworks' for any number of pairs (one, fewer than the
    /// cores, uneven shares).
    #[test]
    fn equals_arkworks_multi_miller_loop() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for n in [1usize, 2, 5, 33] {
            let ps: Vec<G1Affine> =
                (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let qs: Vec<G2Prepared<Config>> = (0..n)
                .map(|_| G2Prepared::from(G2Projective::rand(&mut rng).into_affine()))
                .collect();
            let pairs: Vec<(G1Affine, &G2Prepared<Config>)> = ps.iter().copied().zip(&qs).collect();
            let ours = multi_miller_loop(&pairs);
            let theirs = Bn254::multi_miller_loop(ps.clone(), qs.clone()).0;
            assert_eq!(ours, theirs, "{n} pairs");
        }
        assert_eq!(multi_miller_loop(&[]), Fq12::one());
    }
}
