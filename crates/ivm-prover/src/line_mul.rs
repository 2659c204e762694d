//! The Miller loop's inner step, `f ← f·(1 + c3·w + c4·vw)` in BN254's `F_p^12` (a
//! normalized line evaluated at a G1 point), with one Montgomery reduction per output
//! coefficient.
//!
//! arkworks multiplies a line in as two sparse `F_p^6` products (ten `F_p2` products, each
//! reduced, and some forty reduced additions). Written out, each of the twelve `F_p`
//! coefficients of the result is the old coefficient plus four signed products of reduced
//! coefficients; we sum those as 512-bit integers and reduce once. The value is the same
//! field element (tested against arkworks): a Miller loop, and so every commitment and
//! proof, is unchanged.
//!
//! Bounds: inputs are reduced (`p < 2^253.7`), so a product is `< p² < 2^507.4`. A real part
//! is `base·R + 2p² + a0b0 + c0d0 − a1b1 − c1d1 ∈ [0, 2^511)`, an imaginary part
//! `base·R` plus four products `< 2^511`; Montgomery reduction of `T < 2^511 < 3pR` gives a
//! value `< 4p < 2^256`, brought below `p` by at most three subtractions.
use ark_bn254::{Fq, Fq12, Fq2, Fq6Config, FqConfig};
use ark_ff::fields::models::fp6_3over2::Fp6Config;
use ark_ff::{BigInt, MontConfig};

type Limbs = [u64; 4];
type Wide = [u64; 8];

const P: Limbs = <FqConfig as MontConfig<4>>::MODULUS.0;
const INV: u64 = <FqConfig as MontConfig<4>>::INV;
/// `k·p²`: added to a real part of `k` products so that subtracting `k` products cannot go
/// below zero.
const fn p_squared_times(k: u64) -> Wide {
    let sq = mul_wide(&P, &P);
    let mut out = [0u64; 8];
    let mut carry = 0u128;
    let mut i = 0;
    while i < 8 {
        let t = (sq[i] as u128) * (k as u128) + carry;
        out[i] = t as u64;
        carry = t >> 64;
        i += 1;
    }
    out
}
const TWO_P_SQUARED: Wide = p_squared_times(2);

/// `f ← f·(1 + c3·w + c4·vw)`, i.e. `f·(1 + L·w)` with `L = c3 + c4·v`:
/// `f0' = f0 + v·(f1·L)`, `f1' = f1 + f0·L`, where for `X ∈ F_p^6`
/// `X·L = (x0c3 + ξx2c4, x0c4 + x1c3, x1c4 + x2c3)` and `v·(y0, y1, y2) = (ξy2, y0, y1)`.
#[inline]
pub fn mul_by_line(f: &mut Fq12, c3: &Fq2, c4: &Fq2) {
    let xi_c3 = Fq6Config::mul_fp2_by_nonresidue(*c3);
    let xi_c4 = Fq6Config::mul_fp2_by_nonresidue(*c4);
    let (f0, f1) = (f.c0, f.c1);
    let out = |base: &Fq2, a: &Fq2, b: &Fq2, c: &Fq2, d: &Fq2| {
        reduce_fq2(plus_two_products(limbs(base), [a, b, c, d]))
    };
    f.c0.c0 = out(&f0.c0, &f1.c1, &xi_c4, &f1.c2, &xi_c3);
    f.c0.c1 = out(&f0.c1, &f1.c0, c3, &f1.c2, &xi_c4);
    f.c0.c2 = out(&f0.c2, &f1.c0, c4, &f1.c1, c3);
    f.c1.c0 = out(&f1.c0, &f0.c0, c3, &f0.c2, &xi_c4);
    f.c1.c1 = out(&f1.c1, &f0.c0, c4, &f0.c1, c3);
    f.c1.c2 = out(&f1.c2, &f0.c1, c4, &f0.c2, c3);
}

fn limbs(x: &Fq2) -> [Limbs; 2] {
    [x.c0.0 .0, x.c1.0 .0]
}

fn reduce_fq2([re, im]: [Wide; 2]) -> Fq2 {
    Fq2::new(reduce(re), reduce(im))
}

/// `base·R + a·b + c·d` as unreduced (real, imaginary) parts, `u² = −1`.
#[inline(always)]
fn plus_two_products(base: [Limbs; 2], [a, b, c, d]: [&Fq2; 4]) -> [Wide; 2] {
    let mut re = TWO_P_SQUARED;
    add_high(&mut re, &base[0]);
    let mut im = [0u64; 8];
    add_high(&mut im, &base[1]);
    add_product(&mut re, &mut im, a, b);
    add_product(&mut re, &mut im, c, d);
    [re, im]
}

/// `(re, im) += a·b`: `re += a0b0 − a1b1`, `im += a0b1 + a1b0` (the caller's offset in `re`
/// covers the subtraction).
#[inline(always)]
fn add_product(re: &mut Wide, im: &mut Wide, a: &Fq2, b: &Fq2) {
    let ([a0, a1], [b0, b1]) = (limbs(a), limbs(b));
    add_wide(re, &mul_wide(&a0, &b0));
    sub_wide(re, &mul_wide(&a1, &b1));
    add_wide(im, &mul_wide(&a0, &b1));
    add_wide(im, &mul_wide(&a1, &b0));
}

/// The 512-bit product of two 256-bit integers.
#[inline(always)]
const fn mul_wide(a: &Limbs, b: &Limbs) -> Wide {
    let mut r = [0u64; 8];
    let mut i = 0;
    while i < 4 {
        let mut carry = 0u64;
        let mut j = 0;
        while j < 4 {
            let t = r[i + j] as u128 + (a[i] as u128) * (b[j] as u128) + carry as u128;
            r[i + j] = t as u64;
            carry = (t >> 64) as u64;
            j += 1;
        }
        r[i + 4] = carry;
        i += 1;
    }
    r
}

/// `acc += x` over limbs of equal length; the carry out.
#[inline(always)]
fn add_limbs(acc: &mut [u64], x: &[u64]) -> bool {
    let mut carry = false;
    for (a, x) in acc.iter_mut().zip(x) {
        let (s, c1) = a.overflowing_add(*x);
        let (s, c2) = s.overflowing_add(carry as u64);
        *a = s;
        carry = c1 | c2;
    }
    carry
}

/// `acc −= x` over limbs of equal length; the borrow out.
#[inline(always)]
fn sub_limbs(acc: &mut [u64], x: &[u64]) -> bool {
    let mut borrow = false;
    for (a, x) in acc.iter_mut().zip(x) {
        let (s, b1) = a.overflowing_sub(*x);
        let (s, b2) = s.overflowing_sub(borrow as u64);
        *a = s;
        borrow = b1 | b2;
    }
    borrow
}

#[inline(always)]
fn add_wide(acc: &mut Wide, x: &Wide) {
    let carry = add_limbs(acc, x);
    debug_assert!(!carry, "sums stay below 2^512");
}

#[inline(always)]
fn sub_wide(acc: &mut Wide, x: &Wide) {
    let borrow = sub_limbs(acc, x);
    debug_assert!(!borrow, "the k·p² offset covers the subtracted products");
}

/// `acc += x·2^256`: a reduced coefficient in Montgomery form (`x = aR`) that the
/// reduction's division by `R` returns as `aR`.
#[inline(always)]
fn add_high(acc: &mut Wide, x: &Limbs) {
    let carry = add_limbs(&mut acc[4..], x);
    debug_assert!(!carry, "sums stay below 2^512");
}

/// `t·R⁻¹ mod p` for `t < 2^511`, fully reduced.
#[inline(always)]
fn reduce(mut t: Wide) -> Fq {
    for i in 0..4 {
        let m = t[i].wrapping_mul(INV);
        let mut carry = 0u64;
        for j in 0..4 {
            let s = t[i + j] as u128 + (m as u128) * (P[j] as u128) + carry as u128;
            t[i + j] = s as u64;
            carry = (s >> 64) as u64;
        }
        for limb in &mut t[i + 4..] {
            let (s, c) = limb.overflowing_add(carry);
            *limb = s;
            carry = c as u64;
        }
        debug_assert_eq!(carry, 0, "t + m·p stays below 2^512");
    }
    let mut r = [t[4], t[5], t[6], t[7]];
    while !less_than(&r, &P) {
        sub_limbs(&mut r, &P);
    }
    Fq::new_unchecked(BigInt::new(r))
}

#[inline(always)]
fn less_than(a: &Limbs, b: &Limbs) -> bool {
    for k in (0..4).rev() {
        if a[k] != b[k] {
            return a[k] < b[k];
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Field, One, Zero};
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;

    /// arkworks' product by the line's full element `1 + c3·w + c4·vw`.
    fn reference(f: &Fq12, c3: &Fq2, c4: &Fq2) -> Fq12 {
        let line = Fq12::new(
            ark_bn254::Fq6::new(Fq2::one(), Fq2::zero(), Fq2::zero()),
            ark_bn254::Fq6::new(*c3, *c4, Fq2::zero()),
        );
        *f * line
    }

    /// Equals arkworks on random values and at the extremes (0, 1, p − 1 in every
    /// coefficient), where the sums are largest and the offsets matter.
    #[test]
    fn equals_arkworks() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(21);
        let max = -Fq::one();
        let extreme = |x: Fq| Fq2::new(x, x);
        let mut cases: Vec<(Fq12, Fq2, Fq2)> = Vec::new();
        for x in [Fq::zero(), Fq::one(), max] {
            for y in [Fq::zero(), Fq::one(), max] {
                let e = extreme(x);
                let f = Fq12::new(ark_bn254::Fq6::new(e, e, e), ark_bn254::Fq6::new(e, e, e));
                cases.push((f, extreme(y), extreme(max)));
                cases.push((f, Fq2::new(max, Fq::zero()), Fq2::new(Fq::zero(), max)));
            }
        }
        for _ in 0..2000 {
            cases.push((Fq12::rand(&mut rng), Fq2::rand(&mut rng), Fq2::rand(&mut rng)));
        }
        for (f, c3, c4) in cases {
            let mut ours = f;
            mul_by_line(&mut ours, &c3, &c4);
            assert_eq!(ours, reference(&f, &c3, &c4));
        }
        let mut f = Fq12::rand(&mut rng);
        let before = f;
        mul_by_line(&mut f, &Fq2::zero(), &Fq2::zero());
        assert_eq!(f, before, "the line 1 leaves f");
        assert!(f.inverse().is_some());
    }
}
