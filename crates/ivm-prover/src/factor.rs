//! A multilinear factor of a sumcheck over the rows, bound top variable first, that is not
//! materialized while it has few distinct values.
//!
//! The one-hot arguments multiply columns like `h(j) = eq(r_addr, addr_j)`: one value of a
//! `K`-entry table per row. Stored as field elements such a column of a `2^20`-row run's eight
//! lookup slots is 256 MB, and the ra virtualization and booleanity sumchecks hold one per
//! chunk at once (gigabytes). Read through the addresses it costs nothing; after the top
//! variable is bound to `r`, row `i` holds `t[a_i] + r·(t[a_{i+half}] − t[a_i])`, a function
//! of the *pair* of addresses — still one small index per row into a table of `K²`
//! combinations, and so on while the table stays small ([`MAX_TABLE`]). Only then is the
//! factor stored densely, at a fraction of the rows.
use rayon::prelude::*;

use crate::field::{Fr, One, Zero};
use crate::onehot::{Addrs, NO_ACCESS};

/// The largest table an index may select from (a `u16` index).
pub const MAX_TABLE: usize = 1 << 16;

/// [`Factor::pair_weights`] sums into at most `2^this` entries per core.
pub const MAX_PAIR_BUCKETS_LOG: usize = 13;

/// Rows per parallel task when binding.
const PAR_MIN: usize = 1 << 12;

/// Rows a [`Factor::Streamed`] reads from its source at a time in [`Factor::fill`].
const FILL_CHUNK: usize = 32;

/// Row values of a factor over `len` rows.
pub enum Factor<'a> {
    /// Borrowed field elements (a committed column; binding streams it, then copies it).
    Slice(&'a [Fr]),
    /// Owned field elements.
    Dense(Vec<Fr>),
    /// Borrowed values below 2^32 (binding streams them, then copies them as field elements).
    Small(&'a [u32]),
    /// Borrowed `i64`s (bound like [`Factor::Small`]).
    Wide(&'a [i64]),
    /// `table[addr_i]`, `table[K]` for [`NO_ACCESS`] (so `table` has `K + 1` entries).
    Rows { addrs: &'a Addrs, table: Vec<Fr> },
    /// `table[index_i]`.
    Indexed { index: Vec<u16>, table: Vec<Fr> },
    /// A factor that is not yet copied (borrowed values, or indices into a table too large
    /// to pair up) with its next variables bound by reading it:
    /// row `i` is `Σ_y weights[y]·base(y·len + i)`, `weights` the eq table of the bound
    /// challenges (at most [`STREAMED_BINDINGS`] of them; the next binding makes the copy).
    Streamed { base: Box<Factor<'a>>, weights: Vec<Fr> },
}

/// Variables a factor is bound by reading its source rows before a copy of it is made (with
/// the next binding, a quarter of the rows smaller than without: dozens of committed columns
/// reduced side by side then cost an eighth of their size each, not half).
pub const STREAMED_BINDINGS: usize = 2;

impl<'a> Factor<'a> {
    /// `table[addr_i]` per row, with `table` over the `K` addresses; rows without an access
    /// read 0.
    pub fn one_hot(addrs: &'a Addrs, mut table: Vec<Fr>) -> Self {
        table.push(Fr::zero());
        Factor::Rows { addrs, table }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Factor::Slice(v) => v.len(),
            Factor::Dense(v) => v.len(),
            Factor::Small(v) => v.len(),
            Factor::Wide(v) => v.len(),
            Factor::Rows { addrs, .. } => addrs.len(),
            Factor::Indexed { index, .. } => index.len(),
            Factor::Streamed { base, weights } => base.len() / weights.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn num_vars(&self) -> usize {
        self.len().trailing_zeros() as usize
    }

    /// The value on row `i`.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Fr {
        match self {
            Factor::Slice(v) => v[i],
            Factor::Dense(v) => v[i],
            Factor::Small(v) => crate::field::fr_u32(v[i]),
            Factor::Wide(v) => crate::field::fr_i64(v[i]),
            Factor::Rows { addrs, table } => table[slot(addrs.get(i), table.len())],
            Factor::Indexed { index, table } => table[index[i] as usize],
            Factor::Streamed { base, weights } => {
                let len = base.len() / weights.len();
                let mut acc = Fr::zero();
                for (y, w) in weights.iter().enumerate() {
                    let v = base.get(y * len + i);
                    if v.is_one() {
                        acc += w;
                    } else if !v.is_zero() {
                        acc += *w * v;
                    }
                }
                acc
            }
        }
    }

    /// The values of rows `start..start + out.len()` into `out`: what [`Factor::get`] gives,
    /// with the representation matched once for the rows, not once per row (the sumcheck
    /// kernels read their factors a few dozen rows at a time through this).
    pub fn fill(&self, start: usize, out: &mut [Fr]) {
        let rows = start..start + out.len();
        match self {
            Factor::Slice(v) => out.copy_from_slice(&v[rows]),
            Factor::Dense(v) => out.copy_from_slice(&v[rows]),
            Factor::Small(v) => {
                for (o, &x) in out.iter_mut().zip(&v[rows]) {
                    *o = crate::field::fr_u32(x);
                }
            }
            Factor::Wide(v) => {
                for (o, &x) in out.iter_mut().zip(&v[rows]) {
                    *o = crate::field::fr_i64(x);
                }
            }
            Factor::Rows { addrs: Addrs::Bytes(v), table } => {
                // A byte address is below `K = table.len() − 1`, or `NO_ACCESS`'s byte (255),
                // whose row is the table's last.
                let last = table.len() - 1;
                for (o, &b) in out.iter_mut().zip(&v[rows]) {
                    *o = table[usize::from(b).min(last)];
                }
            }
            Factor::Rows { addrs: Addrs::Words(v), table } => {
                for (o, &a) in out.iter_mut().zip(&v[rows]) {
                    *o = table[slot(a, table.len())];
                }
            }
            Factor::Indexed { index, table } => {
                for (o, &k) in out.iter_mut().zip(&index[rows]) {
                    *o = table[k as usize];
                }
            }
            Factor::Streamed { base, weights } => {
                let len = base.len() / weights.len();
                out.fill(Fr::zero());
                let mut part = [Fr::zero(); FILL_CHUNK];
                for (at, chunk) in out.chunks_mut(FILL_CHUNK).enumerate() {
                    let part = &mut part[..chunk.len()];
                    for (y, w) in weights.iter().enumerate() {
                        base.fill(y * len + start + at * FILL_CHUNK, part);
                        for (o, v) in chunk.iter_mut().zip(part.iter()) {
                            if v.is_one() {
                                *o += w;
                            } else if !v.is_zero() {
                                *o += *w * v;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The table index of row `i` for a factor read through a table.
    #[inline(always)]
    pub(crate) fn index(&self, i: usize) -> usize {
        match self {
            Factor::Rows { addrs, table } => slot(addrs.get(i), table.len()),
            Factor::Indexed { index, .. } => index[i] as usize,
            Factor::Slice(_)
            | Factor::Dense(_)
            | Factor::Small(_)
            | Factor::Wide(_)
            | Factor::Streamed { .. } => {
                unreachable!("stored factors have no index")
            }
        }
    }

    /// The table a row's value is read from, if any.
    pub fn table(&self) -> Option<&[Fr]> {
        match self {
            Factor::Rows { table, .. } | Factor::Indexed { table, .. } => Some(table),
            Factor::Slice(_)
            | Factor::Dense(_)
            | Factor::Small(_)
            | Factor::Wide(_)
            | Factor::Streamed { .. } => None,
        }
    }

    /// For a factor read through a table of `m ≤ 2^(MAX_PAIR_BUCKETS_LOG/2)` entries: the
    /// weights `w(i)` (one per row of the lower half, from their split eq table) summed per
    /// pair of table entries `(index(i), index(i + half))`, at `p·m + q`, with the table. A
    /// round polynomial that depends on a row pair only through its two values then costs
    /// one multiplication and one addition per row and a little work per pair of entries.
    pub fn pair_weights(&self, w: &crate::poly::SplitEq) -> Option<(&[Fr], Vec<Fr>)> {
        let table = self.table()?;
        let m = table.len();
        if m * m > 1 << MAX_PAIR_BUCKETS_LOG {
            return None;
        }
        let half = w.len();
        debug_assert_eq!(2 * half, self.len());
        let b = w.block_len().min(half);
        let sums = crate::par::fold_block_shares(
            half / b,
            || vec![Fr::zero(); m * m],
            |sums, k| {
                let (h, lo) = w.block(k * b, b);
                for (x, l) in lo.iter().enumerate() {
                    let i = k * b + x;
                    sums[self.index(i) * m + self.index(i + half)] += h * l;
                }
            },
            crate::par::add_vecs,
        );
        Some((table, sums))
    }

    /// Fix the top variable to `r` (the rows halve).
    pub fn bind_top(&mut self, r: Fr) {
        let half = self.len() / 2;
        assert!(half > 0, "cannot bind a factor with no variables");
        let one = Fr::one();
        let next = match self {
            Factor::Streamed { weights, .. } if weights.len() < 1 << STREAMED_BINDINGS => {
                // The new variable is the lowest bit of the bound prefix.
                let w = weights.iter().flat_map(|w| [*w - *w * r, *w * r]).collect();
                *weights = w;
                return;
            }
            Factor::Streamed { .. } | Factor::Dense(_) => self.bound_copy(r, half),
            _ if self.table().is_some_and(|t| t.len() * t.len() <= MAX_TABLE) => {
                self.bound_copy(r, half)
            }
            _ if STREAMED_BINDINGS > 0 => {
                let base = std::mem::replace(self, Factor::Dense(Vec::new()));
                Factor::Streamed { base: Box::new(base), weights: vec![one - r, r] }
            }
            _ => self.bound_copy(r, half),
        };
        *self = next;
    }

    /// The factor with its top variable bound to `r`, as indices into a table of pairs while
    /// that stays small, else as field elements.
    fn bound_copy(&self, r: Fr, half: usize) -> Factor<'a> {
        match self.table() {
            Some(table) if table.len() * table.len() <= MAX_TABLE => {
                let n = table.len();
                let combined = (0..n * n)
                    .map(|b| {
                        let (lo, hi) = (table[b / n], table[b % n]);
                        lo + r * (hi - lo)
                    })
                    .collect();
                let index = (0..half)
                    .into_par_iter()
                    .with_min_len(PAR_MIN)
                    .map(|i| (self.index(i) * n + self.index(i + half)) as u16)
                    .collect();
                Factor::Indexed { index, table: combined }
            }
            _ => Factor::Dense(
                (0..half)
                    .into_par_iter()
                    .with_min_len(PAR_MIN)
                    .map(|i| {
                        let (lo, hi) = (self.get(i), self.get(i + half));
                        lo + r * (hi - lo)
                    })
                    .collect(),
            ),
        }
    }

    /// Every row's value (for tests).
    pub fn to_vec(&self) -> Vec<Fr> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

/// Row of a one-hot factor's table (with `k1 = K + 1` entries) for address `a`.
#[inline(always)]
pub fn slot(a: u32, k1: usize) -> usize {
    if a == NO_ACCESS {
        k1 - 1
    } else {
        a as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::DenseMle;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    /// Bound variable by variable, a one-hot factor equals its dense copy bound the same way,
    /// through every representation (rows, indices into growing tables, dense).
    #[test]
    fn a_small_factor_binds_like_its_field_copy() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let v: Vec<u32> = (0..64u32).map(|i| [0, 1, u32::MAX, i * 7919][i as usize % 4]).collect();
        let mut f = Factor::Small(&v);
        let mut d = DenseMle::new(v.iter().map(|&x| Fr::from(x as u64)).collect());
        assert_eq!(f.to_vec(), d.evals());
        let copy = d.evals().to_vec();
        let mut g = Factor::Slice(&copy);
        let signed: Vec<i64> = v.iter().map(|&x| x as i64).collect();
        let mut w = Factor::Wide(&signed);
        for round in 0..6 {
            let r = Fr::rand(&mut rng);
            f.bind_top(r);
            g.bind_top(r);
            w.bind_top(r);
            d.bind_top(r);
            assert_eq!(f.to_vec(), d.evals(), "small, after {} bindings", round + 1);
            assert_eq!(g.to_vec(), d.evals(), "slice, after {} bindings", round + 1);
            assert_eq!(w.to_vec(), d.evals(), "wide, after {} bindings", round + 1);
            [&f, &g, &w].into_iter().for_each(fill_matches_get);
            let streamed = matches!(f, Factor::Streamed { .. });
            assert_eq!(streamed, round < STREAMED_BINDINGS, "copied after the streamed bindings");
        }
    }

    /// [`Factor::fill`] reads what [`Factor::get`] reads, at any start and length.
    fn fill_matches_get(f: &Factor) {
        let n = f.len();
        for (start, len) in [(0, n), (1, n - 1), (n / 2, n / 2), (n / 2, 0), (n - 1, 1)] {
            let mut out = vec![Fr::from(7u64); len];
            f.fill(start, &mut out);
            let want: Vec<Fr> = (start..start + len).map(|i| f.get(i)).collect();
            assert_eq!(out, want, "rows {start}..{}", start + len);
        }
    }

    #[test]
    fn one_hot_factors_fill_like_they_get() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let words: Vec<u32> =
            (0..1u32 << 9).map(|i| if i % 3 == 1 { NO_ACCESS } else { (i * 11) % 8 }).collect();
        for addrs in [Addrs::from_words(3, words.clone()), Addrs::Words(words)] {
            let table: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
            let mut f = Factor::one_hot(&addrs, table);
            // Rows, indices into pairs, into pairs of pairs, streamed, dense.
            for _ in 0..6 {
                fill_matches_get(&f);
                f.bind_top(Fr::rand(&mut rng));
            }
        }
    }

    /// Pair weights are the row weights summed per pair of table entries, for as long as the
    /// table is small enough, and absent after.
    #[test]
    fn pair_weights_group_the_rows_by_their_pair_of_entries() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let addrs: Vec<u32> =
            (0..1u32 << 12).map(|i| if i % 5 == 1 { NO_ACCESS } else { (i * 13) % 8 }).collect();
        let table: Vec<Fr> = (0..8).map(|_| Fr::rand(&mut rng)).collect();
        let addrs = Addrs::from_words(3, addrs);
        let mut f = Factor::one_hot(&addrs, table);
        for round in 0..3 {
            let half = f.len() / 2;
            let p: Vec<Fr> = (0..half.trailing_zeros()).map(|_| Fr::rand(&mut rng)).collect();
            let w = crate::poly::eq_table(&p);
            let Some((t, pairs)) = f.pair_weights(&crate::poly::SplitEq::new(&p)) else {
                assert_eq!(round, 2, "a table of 6561 entries has too many pairs");
                break;
            };
            let m = t.len();
            // The same sums of w·g(lo, hi) for a function g of the pair of values.
            let g = |lo: Fr, hi: Fr| lo * hi + hi;
            let direct: Fr = (0..half).map(|i| w[i] * g(f.get(i), f.get(i + half))).sum();
            let grouped: Fr =
                pairs.iter().enumerate().map(|(k, s)| *s * g(t[k / m], t[k % m])).sum();
            assert_eq!(direct, grouped, "round {round}");
            f.bind_top(Fr::rand(&mut rng));
        }
    }

    #[test]
    fn binds_exactly_like_its_dense_copy() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for k in [2usize, 8, 300] {
            let n = 10;
            let addrs: Vec<u32> = (0..1u32 << n)
                .map(|i| if i % 7 == 3 { NO_ACCESS } else { (i * 31 + 5) % k as u32 })
                .collect();
            let table: Vec<Fr> = (0..k).map(|_| Fr::rand(&mut rng)).collect();
            // Bytes for the small spaces, words for the large one: both storages bind alike.
            let log_k = k.next_power_of_two().trailing_zeros() as usize;
            let held = Addrs::from_words(log_k, addrs.clone());
            let mut f = Factor::one_hot(&held, table.clone());
            let dense: Vec<Fr> = addrs
                .iter()
                .map(|&a| if a == NO_ACCESS { Fr::zero() } else { table[a as usize] })
                .collect();
            let mut d = DenseMle::new(dense);
            assert_eq!(f.to_vec(), d.evals());
            let mut kinds = Vec::new();
            for _ in 0..n {
                let r = Fr::rand(&mut rng);
                f.bind_top(r);
                d.bind_top(r);
                assert_eq!(f.to_vec(), d.evals());
                kinds.push(f.table().map(<[Fr]>::len));
            }
            // 9 addresses (with "no access") stay indexed for two bindings, 301 for none.
            match k {
                8 => assert_eq!(&kinds[..3], &[Some(81), Some(6561), None]),
                300 => assert_eq!(kinds[0], None),
                _ => {}
            }
        }
    }
}
