//! The addresses of a one-hot matrix, one per row, as narrow as its address space allows.
//!
//! The committed chunk matrices have at most `2^3` addresses, and the lookup chunks alone are
//! seven matrices of `8T` rows: as `u32` they were 224 MiB of a `2^20`-row proof's peak, as
//! bytes 56 MiB. A space of up to `2^7` addresses is held as bytes (with `u8::MAX` for
//! [`NO_ACCESS`]), a larger one as `u32`; [`Addrs::get`] reads either as `u32`.
use std::ops::Range;

use rayon::prelude::*;

use super::NO_ACCESS;

/// The widest address space held as bytes: `u8::MAX` must stay outside it.
pub const MAX_LOG_K_BYTES: usize = 7;
const NO_ACCESS_BYTE: u8 = u8::MAX;

/// One address (or [`NO_ACCESS`]) per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addrs {
    Bytes(Vec<u8>),
    Words(Vec<u32>),
}

impl Addrs {
    /// The addresses `f(0), …, f(len − 1)` of a `2^log_k` space (each below `2^log_k` or
    /// [`NO_ACCESS`]; the caller checks), computed on every core.
    pub fn from_fn(log_k: usize, len: usize, f: impl Fn(usize) -> u32 + Sync) -> Self {
        if log_k <= MAX_LOG_K_BYTES {
            Addrs::Bytes((0..len).into_par_iter().map(|j| to_byte(f(j))).collect())
        } else {
            // A closure, not `f` itself: `map` needs `Send`, and `f` is only `Sync`.
            #[allow(clippy::redundant_closure)]
            Addrs::Words((0..len).into_par_iter().map(|j| f(j)).collect())
        }
    }

    /// `words` of a `2^log_k` space, narrowed to bytes when it is small enough.
    pub fn from_words(log_k: usize, words: Vec<u32>) -> Self {
        if log_k <= MAX_LOG_K_BYTES {
            Self::from_fn(log_k, words.len(), |j| words[j])
        } else {
            Addrs::Words(words)
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Addrs::Bytes(v) => v.len(),
            Addrs::Words(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The address of row `j`, or [`NO_ACCESS`].
    #[inline]
    pub fn get(&self, j: usize) -> u32 {
        match self {
            Addrs::Bytes(v) => from_byte(v[j]),
            Addrs::Words(v) => v[j],
        }
    }

    /// Every row's address, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map(|j| self.get(j))
    }

    /// Every row's address, on every core.
    pub fn par_iter(&self) -> impl IndexedParallelIterator<Item = u32> + '_ {
        (0..self.len()).into_par_iter().map(|j| self.get(j))
    }

    /// `f(j, address)` for the rows `j` in `rows` that access something. The storage is
    /// matched once, not per row: the loops over the rows stay tight.
    #[inline]
    pub fn for_each_access(&self, rows: Range<usize>, mut f: impl FnMut(usize, usize)) {
        let start = rows.start;
        match self {
            Addrs::Bytes(v) => {
                for (j, &a) in v[rows].iter().enumerate() {
                    if a != NO_ACCESS_BYTE {
                        f(start + j, a as usize);
                    }
                }
            }
            Addrs::Words(v) => {
                for (j, &a) in v[rows].iter().enumerate() {
                    if a != NO_ACCESS {
                        f(start + j, a as usize);
                    }
                }
            }
        }
    }

    /// The addresses as `u32`s, if they are held so.
    pub fn words(&self) -> Option<&[u32]> {
        match self {
            Addrs::Bytes(_) => None,
            Addrs::Words(v) => Some(v),
        }
    }

    /// Bytes per row.
    pub fn width(&self) -> usize {
        match self {
            Addrs::Bytes(_) => 1,
            Addrs::Words(_) => 4,
        }
    }
}

fn to_byte(a: u32) -> u8 {
    if a == NO_ACCESS {
        NO_ACCESS_BYTE
    } else {
        debug_assert!(a < 1 << MAX_LOG_K_BYTES, "address {a} does not fit a byte");
        a as u8
    }
}

fn from_byte(a: u8) -> u32 {
    if a == NO_ACCESS_BYTE {
        NO_ACCESS
    } else {
        u32::from(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_words_read_the_same() {
        let words: Vec<u32> =
            (0..300u32).map(|i| if i % 7 == 3 { NO_ACCESS } else { i % 128 }).collect();
        let bytes = Addrs::from_words(7, words.clone());
        let wide = Addrs::from_words(8, words.clone());
        let built = Addrs::from_fn(7, words.len(), |j| words[j]);
        assert_eq!((bytes.width(), wide.width()), (1, 4));
        assert_eq!(built, bytes);
        for a in [&bytes, &wide] {
            assert_eq!(a.iter().collect::<Vec<_>>(), words);
            assert_eq!(a.par_iter().collect::<Vec<_>>(), words);
            let mut seen = Vec::new();
            a.for_each_access(10..200, |j, k| seen.push((j, k as u32)));
            let expected: Vec<(usize, u32)> =
                (10..200).filter(|&j| words[j] != NO_ACCESS).map(|j| (j, words[j])).collect();
            assert_eq!(seen, expected);
        }
    }
}
