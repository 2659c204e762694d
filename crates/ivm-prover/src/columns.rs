//! Trace columns as the constraint prover ([`crate::spartan`]) reads them.
//!
//! Most of a VM trace's columns are not free per row: the bytecode fields (pc, registers,
//! immediate, flags, table) are a function of the instruction the row fetched. Storing them
//! per row costs 32 bytes per field per row — half of the witness — and evaluating them at a
//! point costs a pass over `T` rows each. An [`Column::Indexed`] column is instead a small
//! table and a per-row index into it (the fetch addresses, which the prover keeps anyway), so
//! it costs nothing per row, and all indexed columns that share an index are evaluated at a
//! point together with one `O(T)` pass of additions (the eq weight of each table entry) and
//! `O(K)` work per column.

use rayon::prelude::*;

use ark_ff::PrimeField;

use crate::field::{Field, Fr, One, SmallSum, Zero};
use crate::poly::DenseMle;

/// One column of `T` rows.
#[derive(Clone, Copy, Debug)]
pub enum Column<'a> {
    /// One field element per row.
    Dense(&'a [Fr]),
    /// A value below 2^32 per row (register and memory values, addresses, bytes, bits): an
    /// eighth of a field element's memory.
    Small(&'a [u32]),
    /// An `i64` per row (signed offsets and differences, products of machine words below
    /// 2^63): a quarter of a field element's memory.
    Wide(&'a [i64]),
    /// `table[index[i]·stride + offset]` on row `i`: a column of a row-major table with
    /// `stride` entries per table row, selected per trace row by `index`. `small` is the
    /// table's entries as words ([`small_entries`]), for sums that need not multiply in full.
    Indexed { index: &'a [u32], table: &'a [Fr], small: &'a [i32], stride: usize, offset: usize },
}

impl<'a> From<&'a Vec<Fr>> for Column<'a> {
    fn from(v: &'a Vec<Fr>) -> Self {
        Column::Dense(v)
    }
}

impl<'a> From<&'a [Fr]> for Column<'a> {
    fn from(v: &'a [Fr]) -> Self {
        Column::Dense(v)
    }
}

/// A column the prover owns: field elements, or values below 2^32 (an eighth of the memory;
/// most committed CPU columns are machine words, bytes and bits), or `i64`s (a quarter of it:
/// signed offsets and differences, most products of machine words — an unsigned product of
/// 2^63 or more makes its column field elements).
pub enum Stored {
    Field(DenseMle),
    Small(Vec<u32>),
    Wide(Vec<i64>),
}

impl Stored {
    /// A column of `rows` zeros, to be filled with [`Stored::set`].
    pub fn zeros(rows: usize) -> Self {
        Stored::Small(vec![0; rows])
    }

    /// Sets row `i` to `x`; the column widens at its first value that does not fit (so a
    /// column is never held wider than it needs).
    pub fn set(&mut self, i: usize, x: Fr) {
        use crate::field::{fr_i64, fr_to_i64, fr_to_u64};
        match self {
            Stored::Small(v) => match fr_to_u64(&x).and_then(|x| u32::try_from(x).ok()) {
                Some(x) => v[i] = x,
                None => {
                    *self = Stored::Wide(v.par_iter().map(|&x| i64::from(x)).collect());
                    self.set(i, x);
                }
            },
            Stored::Wide(v) => match fr_to_i64(&x) {
                Some(x) => v[i] = x,
                None => {
                    let field = v.par_iter().map(|&x| fr_i64(x)).collect();
                    *self = Stored::Field(DenseMle::new(field));
                    self.set(i, x);
                }
            },
            Stored::Field(p) => p.evals_mut()[i] = x,
        }
    }

    /// Sets row `i` to the word `x` (as [`Stored::set`], without converting a field
    /// element back to a word).
    #[inline]
    pub fn set_word(&mut self, i: usize, x: u64) {
        match (self, u32::try_from(x)) {
            (Stored::Small(v), Ok(x)) => v[i] = x,
            (Stored::Wide(v), _) if x <= i64::MAX as u64 => v[i] = x as i64,
            (s, _) => s.set(i, crate::field::fr_u64(x)),
        }
    }

    pub fn column(&self) -> Column<'_> {
        match self {
            Stored::Field(p) => Column::Dense(p.evals()),
            Stored::Small(v) => Column::Small(v),
            Stored::Wide(v) => Column::Wide(v),
        }
    }
}

/// Every vector as a dense column.
pub fn dense(cols: &[Vec<Fr>]) -> Vec<Column<'_>> {
    cols.iter().map(Column::from).collect()
}

/// The columns of a row-major table (`stride` entries per row), each selected by `index`;
/// `small` is [`small_entries`] of the table.
pub fn indexed<'a>(
    index: &'a [u32],
    table: &'a [Fr],
    small: &'a [i32],
    stride: usize,
) -> Vec<Column<'a>> {
    assert_eq!(table.len() % stride, 0, "a table of whole rows");
    assert_eq!(table.len(), small.len(), "a small form of every entry");
    (0..stride).map(|offset| Column::Indexed { index, table, small, stride, offset }).collect()
}

/// [`small_entries`]' mark of an entry that is not a signed word.
pub const NOT_SMALL: i32 = i32::MIN;

/// Each entry as the signed value it is if `|x| < 2^31` (negative `x` being `p − |x|`),
/// else [`NOT_SMALL`] (four bytes an entry: the CLOB's table is `2^15 × 48` entries).
pub fn small_entries(table: &[Fr]) -> Vec<i32> {
    let word = |x: &Fr| crate::field::fr_to_u64(x).filter(|&v| v <= i32::MAX as u64);
    table
        .par_iter()
        .map(|x| match (word(x), word(&-*x)) {
            (Some(v), _) => v as i32,
            (None, Some(v)) => -(v as i32),
            (None, None) => NOT_SMALL,
        })
        .collect()
}

impl<'a> Column<'a> {
    /// The column as a sumcheck factor, read where it is (an indexed column is copied).
    pub fn factor(&self) -> crate::factor::Factor<'a> {
        use crate::factor::Factor;
        match *self {
            Column::Dense(v) => Factor::Slice(v),
            Column::Small(v) => Factor::Small(v),
            Column::Wide(v) => Factor::Wide(v),
            Column::Indexed { .. } => Factor::Dense(self.to_vec()),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Dense(v) => v.len(),
            Column::Small(v) => v.len(),
            Column::Wide(v) => v.len(),
            Column::Indexed { index, .. } => index.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value on row `i`.
    #[inline(always)]
    pub fn get(&self, i: usize) -> Fr {
        match *self {
            Column::Dense(v) => v[i],
            Column::Small(v) => crate::field::fr_u32(v[i]),
            Column::Wide(v) => crate::field::fr_i64(v[i]),
            Column::Indexed { index, table, stride, offset, .. } => {
                table[index[i] as usize * stride + offset]
            }
        }
    }

    /// `Σ_(i, w) w · col[i + shift]` over the given rows (rows past the end read 0): one
    /// bound value of the column. Zeros are skipped and ones added, the rest multiplied.
    #[inline]
    pub fn weighted_sum(&self, rows: &[(usize, Fr)], shift: usize) -> Fr {
        fn sum<T>(v: &[T], rows: &[(usize, Fr)], shift: usize, f: impl Fn(&T, Fr) -> Fr) -> Fr {
            let mut acc = Fr::zero();
            for &(i, w) in rows {
                if let Some(x) = v.get(i + shift) {
                    acc += f(x, w);
                }
            }
            acc
        }
        let times = |x: Fr, w: Fr| {
            if x.is_zero() {
                x
            } else if x.is_one() {
                w
            } else {
                w * x
            }
        };
        match *self {
            Column::Dense(v) => sum(v, rows, shift, |x, w| times(*x, w)),
            Column::Small(v) => {
                // Ones added, other words summed unreduced and reduced once.
                let (mut ones, mut words) = (Fr::zero(), SmallSum::new());
                for &(i, w) in rows {
                    match v.get(i + shift) {
                        None | Some(0) => {}
                        Some(1) => ones += w,
                        Some(&x) => words.add(&w, x),
                    }
                }
                ones + words.finish()
            }
            Column::Wide(v) => sum(v, rows, shift, |&x, w| match x {
                0 => Fr::zero(),
                x => w * crate::field::fr_i64(x),
            }),
            Column::Indexed { index, table, small, stride, offset } => {
                // Mostly flags and small fields: ones added, words summed unreduced.
                let (mut ones, mut big) = (Fr::zero(), Fr::zero());
                let (mut pos, mut neg) = (SmallSum::new(), SmallSum::new());
                for &(i, w) in rows {
                    let Some(&a) = index.get(i + shift) else { continue };
                    let at = a as usize * stride + offset;
                    match small[at] {
                        0 => {}
                        1 => ones += w,
                        x if x > 1 => pos.add(&w, x as u32),
                        NOT_SMALL => big += w * table[at],
                        x => neg.add(&w, x.unsigned_abs()),
                    }
                }
                ones + big + pos.finish() - neg.finish()
            }
        }
    }

    /// The column's multilinear extension at `point`.
    pub fn evaluate(&self, point: &[Fr]) -> Fr {
        evaluate(&[*self], &crate::poly::eq_table(point), 0)[0]
    }

    /// Every row's value (for tests and small traces).
    pub fn to_vec(&self) -> Vec<Fr> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

/// `Σ_i eq[i] · col[i + shift]` for every column (rows past the end read 0): with
/// `shift = 0` the columns' multilinear extensions at the point `eq` is the table of, with
/// `shift = 1` those of the columns read one row later.
pub fn evaluate(cols: &[Column<'_>], eq: &[Fr], shift: usize) -> Vec<Fr> {
    let r2_inv = montgomery_r2_inverse();
    let mut out = vec![Fr::zero(); cols.len()];
    // Dense and small columns: one lazily reduced dot product per column, one column per
    // task.
    let stored: Vec<usize> =
        (0..cols.len()).filter(|&j| !matches!(cols[j], Column::Indexed { .. })).collect();
    let stored_evals: Vec<Fr> = stored
        .par_iter()
        .map(|&j| {
            let mut acc = DotAcc::new();
            match cols[j] {
                Column::Dense(v) => {
                    for (e, x) in eq.iter().zip(v.get(shift..).unwrap_or(&[])) {
                        acc.add(e, x);
                    }
                }
                Column::Small(v) => {
                    for (e, &x) in eq.iter().zip(v.get(shift..).unwrap_or(&[])) {
                        acc.add_small(e, x);
                    }
                }
                Column::Wide(v) => {
                    for (e, &x) in eq.iter().zip(v.get(shift..).unwrap_or(&[])) {
                        acc.add(e, &crate::field::fr_i64(x));
                    }
                }
                Column::Indexed { .. } => unreachable!("indexed columns are evaluated below"),
            }
            acc.finish(r2_inv)
        })
        .collect();
    for (&j, e) in stored.iter().zip(stored_evals) {
        out[j] = e;
    }
    // Indexed columns: the eq weight of each table row once per distinct index, then a
    // K-term dot product per column.
    for (index, members) in group_by_index(cols) {
        let k = members.iter().map(|&j| table_rows(&cols[j])).max().unwrap_or(0);
        let weights = index_weights(index, k, eq, shift);
        let evals: Vec<Fr> = members
            .par_iter()
            .map(|&j| match cols[j] {
                Column::Indexed { table, stride, offset, .. } => {
                    weights.iter().enumerate().map(|(r, w)| *w * table[r * stride + offset]).sum()
                }
                Column::Dense(_) | Column::Small(_) | Column::Wide(_) => {
                    unreachable!("grouped columns are indexed")
                }
            })
            .collect();
        for (&j, e) in members.iter().zip(evals) {
            out[j] = e;
        }
    }
    out
}

/// `Σ_j coeffs[j] · col_j` row by row.
pub fn combine(cols: &[Column<'_>], coeffs: &[Fr]) -> Vec<Fr> {
    assert_eq!(cols.len(), coeffs.len(), "one coefficient per column");
    let rows = cols.first().map_or(0, Column::len);
    let mut out = vec![Fr::zero(); rows];
    const BLOCK: usize = 1 << 12;
    for (j, c) in cols.iter().enumerate() {
        let rho = coeffs[j];
        match *c {
            Column::Dense(v) => {
                out.par_chunks_mut(BLOCK).zip(v.par_chunks(BLOCK)).for_each(|(o, v)| {
                    for (g, x) in o.iter_mut().zip(v) {
                        if x.is_zero() {
                            continue;
                        } else if x.is_one() {
                            *g += rho;
                        } else {
                            *g += rho * x;
                        }
                    }
                });
            }
            Column::Small(v) => {
                out.par_chunks_mut(BLOCK).zip(v.par_chunks(BLOCK)).for_each(|(o, v)| {
                    for (g, &x) in o.iter_mut().zip(v) {
                        match x {
                            0 => {}
                            1 => *g += rho,
                            _ => *g += crate::field::mul_u32(&rho, x),
                        }
                    }
                });
            }
            Column::Wide(v) => {
                out.par_chunks_mut(BLOCK).zip(v.par_chunks(BLOCK)).for_each(|(o, v)| {
                    for (g, &x) in o.iter_mut().zip(v) {
                        if x != 0 {
                            *g += rho * crate::field::fr_i64(x);
                        }
                    }
                });
            }
            Column::Indexed { .. } => {}
        }
    }
    // Indexed columns sharing an index: combine their tables, then one gather per row.
    for (index, members) in group_by_index(cols) {
        let k = members.iter().map(|&j| table_rows(&cols[j])).max().unwrap_or(0);
        let mut combined = vec![Fr::zero(); k];
        for &j in &members {
            if let Column::Indexed { table, stride, offset, .. } = cols[j] {
                for (r, c) in combined.iter_mut().enumerate().take(table.len() / stride) {
                    *c += coeffs[j] * table[r * stride + offset];
                }
            }
        }
        out.par_chunks_mut(BLOCK).zip(index.par_chunks(BLOCK)).for_each(|(o, idx)| {
            for (g, &a) in o.iter_mut().zip(idx) {
                *g += combined[a as usize];
            }
        });
    }
    out
}

fn table_rows(c: &Column<'_>) -> usize {
    match *c {
        Column::Indexed { table, stride, .. } => table.len() / stride,
        Column::Dense(_) | Column::Small(_) | Column::Wide(_) => 0,
    }
}

/// The indexed columns grouped by their index (the same slice), in first-seen order.
fn group_by_index<'a>(cols: &[Column<'a>]) -> Vec<(&'a [u32], Vec<usize>)> {
    let mut groups: Vec<(&'a [u32], Vec<usize>)> = Vec::new();
    for (j, c) in cols.iter().enumerate() {
        if let Column::Indexed { index, .. } = *c {
            let same = |g: &&mut (&[u32], Vec<usize>)| {
                std::ptr::eq(g.0.as_ptr(), index.as_ptr()) && g.0.len() == index.len()
            };
            match groups.iter_mut().find(|g| same(g)) {
                Some(g) => g.1.push(j),
                None => groups.push((index, vec![j])),
            }
        }
    }
    groups
}

/// `w[k] = Σ_{i : index[i + shift] = k} eq[i]`, on every core.
fn index_weights(index: &[u32], k: usize, eq: &[Fr], shift: usize) -> Vec<Fr> {
    let index = index.get(shift..).unwrap_or(&[]);
    let n = eq.len().min(index.len());
    let block = n.div_ceil(rayon::current_num_threads().max(1)).max(1 << 12);
    eq[..n]
        .par_chunks(block)
        .zip(index[..n].par_chunks(block))
        .fold(
            || vec![Fr::zero(); k],
            |mut w, (e, idx)| {
                for (e, &a) in e.iter().zip(idx) {
                    w[a as usize] += e;
                }
                w
            },
        )
        .reduce(|| vec![Fr::zero(); k], crate::par::add_vecs)
}

/// `Σ_i e_i · x_i` with a single modular reduction at the end.
///
/// Each product of the two 256-bit Montgomery representations is added, unreduced, into a
/// 576-bit integer (16 word multiplications instead of a full Montgomery multiplication).
/// Since `mont(a) · mont(b) = a b R²` as integers mod p, the final value is
/// `(acc mod p) · R^{-2}`. Small `x_i` go to a [`SmallSum`] (four word multiplications each,
/// for fewer than 2^30 of them). Zeros are skipped and ones (bits, flags) only add `e_i`.
/// Uses the (hidden but public) Montgomery limbs of arkworks' `Fp`; checked against plain
/// field arithmetic in the tests.
pub(crate) struct DotAcc {
    wide: [u64; 9],
    small: SmallSum,
    plain: Fr,
}

impl DotAcc {
    pub(crate) fn new() -> Self {
        Self { wide: [0; 9], small: SmallSum::new(), plain: Fr::zero() }
    }

    #[inline(always)]
    pub(crate) fn add(&mut self, e: &Fr, x: &Fr) {
        if x.is_zero() {
            return;
        }
        if x.is_one() {
            self.plain += e;
            return;
        }
        let (a, b) = (&e.0 .0, &x.0 .0);
        let mut prod = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 {
                let t = (a[i] as u128) * (b[j] as u128) + prod[i + j] as u128 + carry;
                prod[i + j] = t as u64;
                carry = t >> 64;
            }
            prod[i + 4] = carry as u64;
        }
        let mut carry = 0u128;
        for (w, p) in self.wide.iter_mut().zip(prod) {
            let t = *w as u128 + p as u128 + carry;
            *w = t as u64;
            carry = t >> 64;
        }
        // At most one carry per term, so the top limb cannot overflow for < 2^64 terms.
        self.wide[8] += carry as u64;
    }

    /// Add `e·x` for a small `x`.
    #[inline(always)]
    pub(crate) fn add_small(&mut self, e: &Fr, x: u32) {
        match x {
            0 => {}
            1 => self.plain += e,
            _ => self.small.add(e, x),
        }
    }

    /// `r2_inv` = `R^{-2}` (see [`montgomery_r2_inverse`]).
    pub(crate) fn finish(&self, r2_inv: Fr) -> Fr {
        let mut bytes = [0u8; 72];
        for (k, limb) in self.wide.iter().enumerate() {
            bytes[8 * k..8 * k + 8].copy_from_slice(&limb.to_le_bytes());
        }
        Fr::from_le_bytes_mod_order(&bytes) * r2_inv + self.small.finish() + self.plain
    }
}

/// `R^{-2}` for the Montgomery radix `R = 2^256`.
pub(crate) fn montgomery_r2_inverse() -> Fr {
    Fr::from(2u64).pow([512u64]).inverse().expect("2 is invertible")
}

#[cfg(test)]
mod tests {
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::poly::{eq_table, DenseMle};

    /// A column filled row by row stays `u32`s until a value needs more, then `i64`s until
    /// one needs a field element, holding every value written before and after.
    #[test]
    fn a_stored_column_widens_at_its_first_large_value() {
        let mut c = Stored::zeros(4);
        c.set(0, Fr::from(7u64));
        c.set(1, Fr::from(u32::MAX as u64));
        assert!(matches!(c, Stored::Small(_)));
        c.set(2, -Fr::from(1u64));
        assert!(matches!(c, Stored::Wide(_)));
        let big = Fr::from(1u64 << 63);
        c.set(3, -big);
        assert!(matches!(c, Stored::Wide(_)), "−2^63 is an i64");
        c.set(3, Fr::from(i64::MAX as u64));
        assert!(matches!(c, Stored::Wide(_)), "2^63 − 1 is an i64");
        c.set(3, big);
        assert!(matches!(c, Stored::Field(_)), "2^63 is not");
        let expected = [Fr::from(7u64), Fr::from(u32::MAX as u64), -Fr::from(1u64), big];
        assert_eq!(c.column().to_vec(), expected);
    }

    /// A weighted sum over some rows, as and one row later, equals the field computation for
    /// every storage (rows past the end read 0).
    #[test]
    fn weighted_sums_match_field_arithmetic() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let small: Vec<u32> = vec![0, 1, 7, u32::MAX];
        let wide: Vec<i64> = vec![0, -1, i64::MIN, 3];
        let dense: Vec<Fr> = (0..4).map(|_| Fr::rand(&mut rng)).collect();
        let index: Vec<u32> = vec![2, 0, 1, 3, 2];
        // Entries of every kind: 0, 1, words, negated words, the extremes, and field
        // elements that are not words.
        let table: Vec<Fr> = vec![
            Fr::zero(),
            Fr::one(),
            Fr::from(7u64),
            -Fr::from(5u64),
            Fr::from(1u64 << 31),
            -Fr::from(1u64 << 31),
            Fr::rand(&mut rng),
            Fr::from(1u64 << 32),
        ];
        let small_table = small_entries(&table);
        assert_eq!(small_table[..4], [0, 1, 7, -5]);
        assert_eq!(small_table[4..], [NOT_SMALL; 4]);
        let mut cols = vec![Column::Small(&small), Column::Wide(&wide), Column::Dense(&dense)];
        cols.extend(indexed(&index, &table, &small_table, 2));
        let rows: Vec<(usize, Fr)> =
            [3usize, 0, 2, 4, 1].iter().map(|&i| (i, Fr::rand(&mut rng))).collect();
        for col in &cols {
            let values = col.to_vec();
            for shift in [0, 1] {
                let naive: Fr = rows
                    .iter()
                    .map(|&(i, w)| w * values.get(i + shift).copied().unwrap_or_else(Fr::zero))
                    .sum();
                assert_eq!(col.weighted_sum(&rows, shift), naive, "{col:?} shift {shift}");
            }
        }
    }

    #[test]
    fn lazy_dot_product_matches_field_arithmetic() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let r2_inv = montgomery_r2_inverse();
        for len in [0usize, 1, 2, 7, 100] {
            let e: Vec<Fr> = (0..len).map(|_| Fr::rand(&mut rng)).collect();
            // mixed: random, zero, one, small, p − 1
            let x: Vec<Fr> = (0..len)
                .map(|i| match i % 5 {
                    0 => Fr::rand(&mut rng),
                    1 => Fr::zero(),
                    2 => Fr::one(),
                    3 => Fr::from(i as u64 * 977),
                    _ => -Fr::one(),
                })
                .collect();
            let mut acc = DotAcc::new();
            for (a, b) in e.iter().zip(&x) {
                acc.add(a, b);
            }
            let naive: Fr = e.iter().zip(&x).map(|(a, b)| *a * b).sum();
            assert_eq!(acc.finish(r2_inv), naive, "len {len}");
        }
        // Many maximal terms, full and small: the wide accumulator does not overflow.
        let big = -Fr::one();
        let mut acc = DotAcc::new();
        for _ in 0..5000 {
            acc.add(&big, &big);
            acc.add_small(&big, u32::MAX);
            acc.add_small(&big, 1);
        }
        let want = Fr::from(5000u64) - Fr::from(5000 * (u32::MAX as u64 + 1));
        assert_eq!(acc.finish(r2_inv), want);
    }

    /// Dense and indexed columns (two indices, tables of different sizes) evaluate, shift
    /// and combine exactly as their materialised vectors do.
    #[test]
    fn indexed_columns_agree_with_their_dense_copies() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        for n in 0..14 {
            let t = 1usize << n;
            let dense_col: Vec<Fr> = (0..t).map(|_| Fr::rand(&mut rng)).collect();
            let idx_a: Vec<u32> = (0..t).map(|i| (i * 7 % 5) as u32).collect();
            let idx_b: Vec<u32> = (0..t).map(|i| (i % 3) as u32).collect();
            let table_a: Vec<Fr> = (0..5 * 3).map(|_| Fr::rand(&mut rng)).collect();
            let table_b: Vec<Fr> = (0..3 * 2).map(|i| Fr::from(i as u64 % 2)).collect();
            let small_col: Vec<u32> =
                (0..t).map(|i| [0, 1, u32::MAX, i as u32 * 977][i % 4]).collect();
            let mut cols = vec![Column::Dense(&dense_col), Column::Small(&small_col)];
            let (small_a, small_b) = (small_entries(&table_a), small_entries(&table_b));
            cols.extend(indexed(&idx_a, &table_a, &small_a, 3));
            cols.extend(indexed(&idx_b, &table_b, &small_b, 2));
            let copies: Vec<Vec<Fr>> = cols.iter().map(Column::to_vec).collect();
            let point: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let eq = eq_table(&point);
            for (j, e) in evaluate(&cols, &eq, 0).into_iter().enumerate() {
                assert_eq!(e, DenseMle::new(copies[j].clone()).evaluate(&point), "col {j}");
            }
            for (j, e) in evaluate(&cols, &eq, 1).into_iter().enumerate() {
                let mut next = copies[j][1..].to_vec();
                next.push(Fr::zero());
                assert_eq!(e, DenseMle::new(next).evaluate(&point), "next of col {j}");
            }
            let coeffs: Vec<Fr> = (0..cols.len()).map(|_| Fr::rand(&mut rng)).collect();
            let combined = combine(&cols, &coeffs);
            for (i, g) in combined.iter().enumerate() {
                let want: Fr = copies.iter().zip(&coeffs).map(|(c, k)| c[i] * k).sum();
                assert_eq!(*g, want, "row {i}");
            }
        }
    }
}
