//! The InfinityVM square-root example over the full `uint256` range.
//!
//! - Onchain input: `abi.encode(uint256 x)` — exactly 32 bytes, big-endian. Any other length
//!   panics (as `abi_decode` of a `uint256` would).
//! - Offchain input: ignored.
//! - Output: `abi.encode(uint256 x, uint256 root)` — 64 bytes, with `root = floor(sqrt(x))`.
//!
//! The 256-bit arithmetic is a small fixed-width integer implemented here ([`U256`]).
#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// An unsigned 256-bit integer: four 64-bit limbs, least significant first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct U256(pub [u64; 4]);

impl U256 {
    pub const ZERO: U256 = U256([0; 4]);

    pub fn from_be_bytes(b: &[u8; 32]) -> U256 {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let start = 32 - 8 * (i + 1);
            *limb = u64::from_be_bytes(b[start..start + 8].try_into().unwrap());
        }
        U256(limbs)
    }

    pub fn to_be_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            let start = 32 - 8 * (i + 1);
            out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    pub fn is_zero(self) -> bool {
        self.0 == [0; 4]
    }

    /// Number of significant bits (0 for zero).
    pub fn bits(self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + (64 - self.0[i].leading_zeros());
            }
        }
        0
    }

    /// `2^k` for `k < 256`.
    pub fn pow2(k: u32) -> U256 {
        let mut limbs = [0u64; 4];
        limbs[(k / 64) as usize] = 1u64 << (k % 64);
        U256(limbs)
    }

    pub fn wrapping_add(self, o: U256) -> U256 {
        let mut out = [0u64; 4];
        let mut carry = false;
        for (r, (a, b)) in out.iter_mut().zip(self.0.iter().zip(o.0)) {
            let (s, c1) = a.overflowing_add(b);
            let (s, c2) = s.overflowing_add(carry as u64);
            *r = s;
            carry = c1 | c2;
        }
        U256(out)
    }

    pub fn wrapping_sub(self, o: U256) -> U256 {
        let mut out = [0u64; 4];
        let mut borrow = false;
        for (r, (a, b)) in out.iter_mut().zip(self.0.iter().zip(o.0)) {
            let (d, b1) = a.overflowing_sub(b);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            *r = d;
            borrow = b1 | b2;
        }
        U256(out)
    }

    /// Logical right shift by `0 < k < 64`.
    pub fn shr_small(self, k: u32) -> U256 {
        debug_assert!(0 < k && k < 64);
        let l = self.0;
        U256([
            (l[0] >> k) | (l[1] << (64 - k)),
            (l[1] >> k) | (l[2] << (64 - k)),
            (l[2] >> k) | (l[3] << (64 - k)),
            l[3] >> k,
        ])
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        for i in (0..4).rev() {
            match self.0[i].cmp(&other.0[i]) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

/// `floor(sqrt(x))` by the binary digit-by-digit method: one result bit per iteration, at
/// most 128 iterations. With `bit = 4^k`, `res < 2^129` and `bit <= 2^254`, so `res + bit`
/// never overflows.
pub fn isqrt(x: U256) -> U256 {
    if x.is_zero() {
        return U256::ZERO;
    }
    let mut n = x;
    let mut res = U256::ZERO;
    // The highest power of four not above x.
    let mut bit = U256::pow2((x.bits() - 1) & !1);
    while !bit.is_zero() {
        let t = res.wrapping_add(bit);
        if n >= t {
            n = n.wrapping_sub(t);
            res = res.shr_small(1).wrapping_add(bit);
        } else {
            res = res.shr_small(1);
        }
        bit = bit.shr_small(2);
    }
    res
}

/// The program: decodes `x`, computes its integer square root, encodes `(x, root)`.
pub fn run(onchain: &[u8]) -> Vec<u8> {
    let input: &[u8; 32] =
        onchain.try_into().expect("input must be abi.encode(uint256): exactly 32 bytes");
    let x = U256::from_be_bytes(input);
    let root = isqrt(x);
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(input);
    out.extend_from_slice(&root.to_be_bytes());
    out
}
