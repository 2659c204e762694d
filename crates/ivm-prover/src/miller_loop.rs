//! The BN254 multi-Miller loop for Dory's tier-2 commitments (`pcs::tier2_commitment`: one
//! pair per layout row, hundreds of thousands per proof), over G2 points prepared once, and
//! for the Dory opening's pairings of G2 points used once ([`multi_miller_loop_affine`]:
//! lines computed as the loop goes, in affine coordinates, already normalized).
//!
//! It takes arkworks' steps (`ark_ec::bn`: the line coefficients of `G2Prepared`, evaluated at
//! the G1 point for a D-type twist) with three differences that matter at this scale:
//!
//! * every line is **normalized**: divided by its `F_p2` constant term and by the G1 point's
//!   `y`. A factor in `F_p2` leaves the pairing unchanged (the final exponentiation's
//!   exponent `(p^12 − 1)/r` is a multiple of `p^2 − 1`), and a line with constant term 1
//!   multiplies into the accumulator with one reduction per coefficient
//!   ([`crate::line_mul`]). The points then carry `(x/y, 1/y)` (one batched inversion) and the
//!   prepared G2 points two coefficients per step instead of three ([`NormalizedG2`]);
//! * the prepared points are borrowed (arkworks takes them by value, ~17 KB each);
//! * each core runs one accumulator over its share of the pairs (arkworks runs one per four
//!   pairs, and every accumulator is squared at each of the loop's 64 steps).
//!
//! So [`multi_miller_loop`]'s value differs from arkworks' by a factor that the final
//! exponentiation removes: only final-exponentiated values are equal (tested).
use ark_bn254::{Bn254, Config, Fq, Fq12, Fq2, G1Affine, G1Projective, G2Affine};
use ark_ec::bn::{BnConfig, G2Prepared};
use ark_ec::pairing::{MillerLoopOutput, Pairing, PairingOutput};
use ark_ec::CurveGroup;
use ark_ff::{batch_inversion, AdditiveGroup, CyclotomicMultSubgroup, Field, One, Zero};
use rayon::prelude::*;

/// A G2 point's Miller-loop lines, each divided by its constant term: `(c1/c0, c2/c0)` per
/// step, in the loop's order.
pub struct NormalizedG2 {
    lines: Vec<(Fq2, Fq2)>,
}

impl NormalizedG2 {
    /// Prepares `q` (not the identity).
    pub fn new(q: G2Affine) -> Self {
        let prepared = G2Prepared::<Config>::from(q);
        let mut inverses: Vec<Fq2> = prepared.ell_coeffs.iter().map(|c| c.0).collect();
        assert!(inverses.iter().all(|c| !c.is_zero()), "a line with no constant term");
        batch_inversion(&mut inverses);
        let lines = prepared
            .ell_coeffs
            .iter()
            .zip(&inverses)
            .map(|((_, c1, c2), inv)| (*c1 * inv, *c2 * inv))
            .collect();
        Self { lines }
    }
}

/// A G1 point as its normalized lines read it: `(x/y, 1/y)`.
#[derive(Clone, Copy)]
struct Scaled {
    x_over_y: Fq,
    inv_y: Fq,
}

/// `Π_i f_i` for the pairs `(P_i, Q_i)`, before the final exponentiation — up to a factor
/// the final exponentiation removes. No `P_i` may be the identity.
pub fn multi_miller_loop(pairs: &[(G1Affine, &NormalizedG2)]) -> Fq12 {
    loop_and_twist(&scaled(pairs))
}

/// `Π e(p_i, q_i)` over prepared `q_i`; identities among the `p_i` are left out
/// (`e(0, q) = 1`).
pub fn pairing_with_prepared<'a>(
    ps: impl IntoIterator<Item = &'a G1Projective>,
    qs: &[NormalizedG2],
) -> PairingOutput<Bn254> {
    let (ps, qs): (Vec<G1Projective>, Vec<&NormalizedG2>) =
        ps.into_iter().zip(qs).filter(|(p, _)| !p.is_zero()).map(|(p, q)| (*p, q)).unzip();
    let pairs: Vec<_> = G1Projective::normalize_batch(&ps).into_iter().zip(qs).collect();
    Bn254::final_exponentiation(MillerLoopOutput(multi_miller_loop(&pairs)))
        .expect("a Miller loop output is never zero")
}

/// Each pair with its G1 point as the normalized lines read it (one batched inversion).
fn scaled<Q: Copy>(pairs: &[(G1Affine, Q)]) -> Vec<(Scaled, Q)> {
    let mut inv_y: Vec<Fq> = pairs.iter().map(|(p, _)| p.y).collect();
    batch_inversion(&mut inv_y);
    pairs
        .iter()
        .zip(inv_y)
        .map(|((p, q), inv_y)| (Scaled { x_over_y: p.x * inv_y, inv_y }, *q))
        .collect()
}

/// [`multi_miller_loop`] for G2 points used once: each point's lines are computed as the
/// loop goes, in affine coordinates, the points of a core's share stepping together so that
/// one field inversion per step serves them all (Montgomery's trick). A line through `T`
/// with slope `s` comes out normalized, `(−s, s·x_T − y_T)`, so nothing is stored per point
/// and each line costs the normalized product. Neither point of a pair may be the identity.
pub fn multi_miller_loop_affine(pairs: &[(G1Affine, G2Affine)]) -> Fq12 {
    // The loop below multiplies the Frobenius lines into each share's accumulator, which is
    // right only for a positive curve parameter (BN254's).
    const _: () = assert!(!<Config as BnConfig>::X_IS_NEGATIVE);
    let scaled = scaled(pairs);
    let per_core = scaled.len().div_ceil(rayon::current_num_threads()).max(1);
    scaled.par_chunks(per_core).map(affine_loop).product()
}

/// The whole loop, Frobenius lines included, for some of the pairs, with one accumulator.
fn affine_loop(pairs: &[(Scaled, G2Affine)]) -> Fq12 {
    let digits = <Config as BnConfig>::ATE_LOOP_COUNT;
    let mut f = Fq12::one();
    let mut t: Vec<(Fq2, Fq2)> = pairs.iter().map(|(_, q)| (q.x, q.y)).collect();
    let mut inverses = vec![Fq2::zero(); pairs.len()];
    for i in (1..digits.len()).rev() {
        if i != digits.len() - 1 {
            f.square_in_place();
        }
        affine_step(&mut f, pairs, &mut t, &mut inverses, None);
        match digits[i - 1] {
            1 => affine_step(&mut f, pairs, &mut t, &mut inverses, Some(&|q: &G2Affine| *q)),
            -1 => affine_step(&mut f, pairs, &mut t, &mut inverses, Some(&|q: &G2Affine| -*q)),
            _ => {}
        }
    }
    let q1 = |q: &G2Affine| frobenius(q);
    let q2 = |q: &G2Affine| -frobenius(&frobenius(q));
    affine_step(&mut f, pairs, &mut t, &mut inverses, Some(&q1));
    affine_step(&mut f, pairs, &mut t, &mut inverses, Some(&q2));
    f
}

/// One step for every pair: the tangent at `T` (`add = None`) or the chord through `T` and
/// `add(Q)`; multiplies its line into `f` and moves `T` to the doubled or summed point.
fn affine_step(
    f: &mut Fq12,
    pairs: &[(Scaled, G2Affine)],
    t: &mut [(Fq2, Fq2)],
    inverses: &mut [Fq2],
    add: Option<&dyn Fn(&G2Affine) -> G2Affine>,
) {
    for (k, (_, q)) in pairs.iter().enumerate() {
        inverses[k] = match add {
            None => t[k].1.double(),
            Some(add) => t[k].0 - add(q).x,
        };
    }
    assert!(
        inverses.iter().all(|d| !d.is_zero()),
        "a vertical line: points outside the prime-order subgroup"
    );
    batch_inversion(inverses);
    for (k, (p, q)) in pairs.iter().enumerate() {
        let (x, y) = t[k];
        let (s, other_x) = match add {
            None => {
                let x2 = x.square();
                ((x2.double() + x2) * inverses[k], x)
            }
            Some(add) => {
                let q = add(q);
                ((y - q.y) * inverses[k], q.x)
            }
        };
        line(f, &(-s, s * x - y), p);
        let x3 = s.square() - x - other_x;
        t[k] = (x3, s * (x - x3) - y);
    }
}

/// `π(q)` on the twist: the `p`-power Frobenius of the coordinates, times the twist's
/// constants.
fn frobenius(q: &G2Affine) -> G2Affine {
    let (mut x, mut y) = (q.x, q.y);
    x.frobenius_map_in_place(1);
    x *= <Config as BnConfig>::TWIST_MUL_BY_Q_X;
    y.frobenius_map_in_place(1);
    y *= <Config as BnConfig>::TWIST_MUL_BY_Q_Y;
    G2Affine::new_unchecked(x, y)
}

/// The loop over every pair (one accumulator per core), then the two lines of the
/// Frobenius-twisted points.
fn loop_and_twist(pairs: &[(Scaled, &NormalizedG2)]) -> Fq12 {
    let Some((_, first)) = pairs.first() else { return Fq12::one() };
    let steps = first.lines.len();
    debug_assert!(pairs.iter().all(|(_, q)| q.lines.len() == steps), "prepared points");
    let per_core = pairs.len().div_ceil(rayon::current_num_threads()).max(1);
    let mut f: Fq12 = pairs.par_chunks(per_core).map(loop_over).product();
    if <Config as BnConfig>::X_IS_NEGATIVE {
        f.cyclotomic_inverse_in_place();
    }
    for k in [steps - 2, steps - 1] {
        for (p, q) in pairs {
            line(&mut f, &q.lines[k], p);
        }
    }
    f
}

/// The loop's steps (a doubling line per bit, an addition line per non-zero digit) for some
/// of the pairs, with one accumulator.
fn loop_over(pairs: &[(Scaled, &NormalizedG2)]) -> Fq12 {
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
                line(&mut f, &q.lines[k], p);
            }
            k += 1;
        }
    }
    f
}

/// `f ← f · ℓ(P)/(c0·y)`: a normalized line `1 + (n1·x/y)·w + (n2/y)·vw` (D-type twist).
#[inline(always)]
fn line(f: &mut Fq12, (n1, n2): &(Fq2, Fq2), p: &Scaled) {
    let (mut c3, mut c4) = (*n1, *n2);
    c3.mul_assign_by_fp(&p.x_over_y);
    c4.mul_assign_by_fp(&p.inv_y);
    crate::line_mul::mul_by_line(f, &c3, &c4);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::G2Projective;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;

    /// The same pairing product as arkworks' once final-exponentiated, for any number of
    /// pairs (one, fewer than the cores, uneven shares); none is `Fq12::one()` for pairs.
    #[test]
    fn equals_arkworks_after_the_final_exponentiation() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        for n in [1usize, 2, 5, 33] {
            let ps: Vec<G1Affine> =
                (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let qs: Vec<G2Affine> =
                (0..n).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
            let prepared: Vec<NormalizedG2> = qs.iter().map(|q| NormalizedG2::new(*q)).collect();
            let pairs: Vec<(G1Affine, &NormalizedG2)> = ps.iter().copied().zip(&prepared).collect();
            let ours = Bn254::final_exponentiation(MillerLoopOutput(multi_miller_loop(&pairs)));
            assert_eq!(ours, Some(Bn254::multi_pairing(ps, qs)), "{n} pairs");
        }
        assert_eq!(multi_miller_loop(&[]), Fq12::one());
    }

    /// The affine variant gives arkworks' pairing product too.
    #[test]
    fn affine_equals_arkworks_after_the_final_exponentiation() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(13);
        for n in [1usize, 2, 3, 17] {
            let ps: Vec<G1Affine> =
                (0..n).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
            let qs: Vec<G2Affine> =
                (0..n).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
            let pairs: Vec<_> = ps.iter().copied().zip(qs.iter().copied()).collect();
            let ours =
                Bn254::final_exponentiation(MillerLoopOutput(multi_miller_loop_affine(&pairs)));
            assert_eq!(ours, Some(Bn254::multi_pairing(ps, qs)), "{n} pairs");
        }
    }
}
