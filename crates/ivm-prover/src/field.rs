//! The proof system's field: the BN254 scalar field `Fr`.
//!
//! We use `ark-bn254` 0.5, the arkworks release `dory-pcs` 0.5 is built on, so our scalars are
//! the very type inside Dory's `ArkFr` wrapper and cross the PCS boundary without conversion.
//!
//! BN254's scalar field has a 254-bit modulus, so sums and products of 64-bit machine values
//! never wrap inside the field; the R1CS relies on that (reference/jolt.md §5.3).

use ark_ff::{BigInteger, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

pub use ark_bn254::Fr;
pub use ark_ff::{Field, One, Zero};

/// Bytes of a canonically encoded field element (little-endian, arkworks compressed form).
pub const FR_BYTES: usize = 32;

/// Field element from a 32-bit value: zeros and ones (bits, flags, rows without an access:
/// most of a trace's values) free, the rest [`mul_u32`] of one (a third of `Fr::from`'s
/// time, which multiplies by `R²` in full).
#[inline]
pub fn fr_u32(v: u32) -> Fr {
    match v {
        0 => Fr::zero(),
        1 => Fr::one(),
        v => mul_u32(&Fr::one(), v),
    }
}

/// Field element from an unsigned machine value.
#[inline]
pub fn fr_u64(v: u64) -> Fr {
    match u32::try_from(v) {
        Ok(small) => fr_u32(small),
        Err(_) => Fr::from(v),
    }
}

/// Field element from a signed machine value: negative values map to `p - |v|`.
#[inline]
pub fn fr_i64(v: i64) -> Fr {
    if v >= 0 {
        fr_u64(v as u64)
    } else {
        -fr_u64(v.unsigned_abs())
    }
}

/// `⌊2^317 / p⌋`: [`mul_u32`]'s estimate of a quotient by `p` from its top bits.
const QUOTIENT_SCALE: u64 = 0xa948_e8c4_c474_094f;

/// `w·x` for a small `x`, without a full field multiplication: the Montgomery limbs of `w`
/// times `x` (a 286-bit integer that is already `w·x` in Montgomery form, unreduced), then
/// reduced by `p` with a quotient estimated from its top 33 bits (short by at most two).
/// About half a multiplication's time (9 against 17 ns here), and `mul_u32(&Fr::one(), x)`
/// converts `x` to a field element for a third of `Fr::from`'s.
#[inline]
pub fn mul_u32(w: &Fr, x: u32) -> Fr {
    let mut sum = SmallSum::new();
    sum.add(w, x);
    sum.finish()
}

/// `Σ w_i·x_i` for 32-bit `x_i`: each term is the Montgomery limbs of `w_i` times `x_i` (four
/// word multiplications) added into a 320-bit integer that is the sum in Montgomery form,
/// unreduced; [`SmallSum::finish`] reduces it once, by a quotient estimated from its top
/// bits. A term is below `p·2^32 < 2^286`, so fewer than `2^30` terms stay below `2^316`,
/// where the estimate holds.
#[derive(Clone, Copy, Default)]
pub struct SmallSum {
    t: [u64; 5],
}

impl SmallSum {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `w·x`.
    #[inline(always)]
    pub fn add(&mut self, w: &Fr, x: u32) {
        let mut carry = 0u128;
        for (ti, ai) in self.t[..4].iter_mut().zip(&w.0 .0) {
            let v = (*ai as u128) * (x as u128) + *ti as u128 + carry;
            *ti = v as u64;
            carry = v >> 64;
        }
        self.t[4] += carry as u64;
    }

    /// The sum as a field element.
    #[inline]
    pub fn finish(self) -> Fr {
        let t = self.t;
        // t < 2^316, so t >> 253 fits in 63 bits; with `QUOTIENT_SCALE` < 2^317/p the
        // estimate is short of ⌊t / p⌋ by at most two.
        let top = (t[3] >> 61) | (t[4] << 3);
        let q = (((top as u128) * (QUOTIENT_SCALE as u128)) >> 64) as u64;
        let p = &Fr::MODULUS.0;
        // t − q·p (< 3p < 2^256: the fifth limb cancels).
        let (mut borrow, mut carry) = (0u64, 0u128);
        let mut r = [0u64; 4];
        for i in 0..4 {
            let qp = (q as u128) * (p[i] as u128) + carry;
            carry = qp >> 64;
            let (d1, b1) = t[i].overflowing_sub(qp as u64);
            let (d2, b2) = d1.overflowing_sub(borrow);
            r[i] = d2;
            borrow = u64::from(b1 | b2);
        }
        let mut r = ark_ff::BigInt::new(r);
        while r >= Fr::MODULUS {
            r.sub_with_borrow(&Fr::MODULUS);
        }
        Fr::new_unchecked(r)
    }
}

/// `1` for true, `0` for false.
#[inline]
pub fn fr_bool(b: bool) -> Fr {
    if b {
        Fr::one()
    } else {
        Fr::zero()
    }
}

/// Canonical 32-byte little-endian encoding (what the transcript absorbs and proofs store).
pub fn fr_to_bytes(x: &Fr) -> [u8; FR_BYTES] {
    let mut out = [0u8; FR_BYTES];
    x.serialize_compressed(&mut out[..]).expect("a field element always fits in 32 bytes");
    out
}

/// Strict decoding: rejects any encoding that is not the canonical one (values ≥ p, or any
/// of the spare top bits set). Use this for untrusted bytes, never `from_le_bytes_mod_order`.
pub fn fr_from_bytes(bytes: &[u8; FR_BYTES]) -> Option<Fr> {
    let x = Fr::deserialize_compressed(&bytes[..]).ok()?;
    // Defensive: the decoder must round-trip exactly.
    (fr_to_bytes(&x) == *bytes).then_some(x)
}

/// Reduce an arbitrary little-endian byte string modulo p (used to turn hash output into a
/// challenge; with 64 bytes of input the bias is below 2^-250).
#[inline]
pub fn fr_from_le_bytes_mod_order(bytes: &[u8]) -> Fr {
    Fr::from_le_bytes_mod_order(bytes)
}

/// The value of `x` as a u64, if it is below 2^64 (handy for tests and range checks).
pub fn fr_to_u64(x: &Fr) -> Option<u64> {
    // Zeros and ones (flags, unset columns) without the Montgomery reduction.
    if x.is_zero() {
        return Some(0);
    }
    if x.is_one() {
        return Some(1);
    }
    let big = x.into_bigint();
    let limbs = big.as_ref();
    if limbs[1..].iter().all(|&l| l == 0) {
        Some(limbs[0])
    } else {
        None
    }
}

/// `x` as a `u128`, if it is one (products of machine words).
pub fn fr_to_u128(x: &Fr) -> Option<u128> {
    let big = x.into_bigint();
    let limbs = big.as_ref();
    limbs[2..].iter().all(|&l| l == 0).then(|| u128::from(limbs[0]) | u128::from(limbs[1]) << 64)
}

/// `x` as an `i64`, if it is one (signed offsets, differences, most products of machine
/// words).
pub fn fr_to_i64(x: &Fr) -> Option<i64> {
    let below = |y: &Fr| {
        let big = y.into_bigint();
        let l = big.as_ref();
        (l[1..].iter().all(|&w| w == 0) && l[0] <= i64::MAX as u64).then_some(l[0] as i64)
    };
    // −2^63 is the one value whose negation is not an i64.
    below(x)
        .or_else(|| below(&-*x).map(|v| -v))
        .or_else(|| (*x == -Fr::from(1u64 << 63)).then_some(i64::MIN))
}

/// Number of bits of the field modulus.
pub fn modulus_bits() -> u32 {
    Fr::MODULUS_BIT_SIZE
}

/// Invert every element in place (zeros stay zero). One inversion plus 3(n-1) multiplications.
pub fn batch_inverse(values: &mut [Fr]) {
    ark_ff::batch_inversion(values);
}

/// Little-endian bits of `x` (exactly 256 of them, top ones zero).
pub fn fr_bits_le(x: &Fr) -> Vec<bool> {
    x.into_bigint().to_bits_le()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_conversions() {
        assert_eq!(fr_u64(5) + fr_i64(-5), Fr::zero());
        assert_eq!(fr_i64(i64::MIN), -fr_u64(1u64 << 63));
        assert_eq!(fr_bool(true), Fr::one());
        assert_eq!(fr_to_u64(&fr_u64(u64::MAX)), Some(u64::MAX));
        assert_eq!(fr_to_u64(&fr_i64(-1)), None);
        assert_eq!(modulus_bits(), 254);
    }

    /// The short multiplication is the field's, at the extremes of both factors and at
    /// random; its quotient scale is `⌊2^317 / p⌋`.
    #[test]
    fn small_sums_are_field_sums() {
        use ark_std::UniformRand;
        use rand_chacha::rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(10);
        for n in [0usize, 1, 2, 5, 32, 1000] {
            let mut sum = SmallSum::new();
            let mut expected = Fr::zero();
            for k in 0..n {
                // The extremes first: the largest weight times the largest word.
                let (w, x) = if k < 3 {
                    (-Fr::one(), u32::MAX)
                } else {
                    (Fr::rand(&mut rng), rng.next_u32())
                };
                sum.add(&w, x);
                expected += w * Fr::from(x);
            }
            assert_eq!(sum.finish(), expected, "{n} terms");
        }
    }

    #[test]
    fn mul_u32_is_field_multiplication() {
        use ark_std::UniformRand;
        use rand_chacha::rand_core::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let mut ws = vec![Fr::zero(), Fr::one(), -Fr::one(), -Fr::from(2u64), Fr::from(u64::MAX)];
        ws.extend((0..2000).map(|_| Fr::rand(&mut rng)));
        let xs = [0u32, 1, 2, 3, 255, 65_536, u32::MAX - 1, u32::MAX];
        for w in &ws {
            for &x in xs.iter().chain(&[rng.next_u32()]) {
                assert_eq!(mul_u32(w, x), *w * Fr::from(x as u64), "{w} · {x}");
            }
        }
        // scale·p ≤ 2^317 < (scale + 1)·p, as 320-bit integers (limbs, little-endian).
        let times_p = |c: u64| {
            let mut out = [0u64; 5];
            let mut carry = 0u128;
            for (o, l) in out.iter_mut().zip(&Fr::MODULUS.0) {
                let v = (c as u128) * (*l as u128) + carry;
                *o = v as u64;
                carry = v >> 64;
            }
            out[4] = carry as u64;
            out
        };
        let two_317 = [0, 0, 0, 0, 1u64 << 61];
        let le = |a: [u64; 5], b: [u64; 5]| a.iter().rev().cmp(b.iter().rev()).is_le();
        assert!(le(times_p(QUOTIENT_SCALE), two_317));
        assert!(!le(times_p(QUOTIENT_SCALE + 1), two_317));
    }

    #[test]
    fn bytes_round_trip_and_strictness() {
        let x = fr_i64(-12345);
        let b = fr_to_bytes(&x);
        assert_eq!(fr_from_bytes(&b), Some(x));
        // p itself (and anything with the top bits set) is not canonical.
        let mut p = [0u8; 32];
        p.copy_from_slice(&Fr::MODULUS.to_bytes_le());
        assert_eq!(fr_from_bytes(&p), None);
        assert_eq!(fr_from_bytes(&[0xff; 32]), None);
        // Reduction accepts anything.
        assert_eq!(fr_from_le_bytes_mod_order(&p), Fr::zero());
    }

    #[test]
    fn batch_inverse_works() {
        let mut v = vec![fr_u64(2), fr_u64(0), fr_u64(7)];
        batch_inverse(&mut v);
        assert_eq!(v[0] * fr_u64(2), Fr::one());
        assert_eq!(v[1], Fr::zero());
        assert_eq!(v[2] * fr_u64(7), Fr::one());
    }
}
