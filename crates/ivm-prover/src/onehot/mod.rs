//! One-hot address matrices: the witness of Shout lookups and Twist memory checking
//! (prover v2; the Twist and Shout paper, eprint 2025/105).
//!
//! A run of `T = 2^log_t` rows that each read (at most) one of `K = 2^log_k` addresses is the
//! `K × T` matrix `ra(k, j) = [row j reads address k]`. As a multilinear polynomial it has
//! `log_k + log_t` variables, **address variables on top** (index `k·T + j`, see
//! [`crate::poly`] for the order), so the sumchecks below bind the address variables first.
//!
//! The matrix is never materialised: [`OneHot`] keeps one address per row (a byte or a `u32`,
//! [`addrs`]), and every operation the arguments need costs `O(T + K)`:
//! * [`OneHot::cycle_weights`]: `G(k) = ra(k, r_cycle) = Σ_{j: addr_j = k} eq(r_cycle, j)`;
//! * [`OneHot::address_eq_column`]: `h(j) = ra(r_addr, j) = eq(r_addr, addr_j)`;
//! * [`OneHot::evaluate`]: `ra(r_addr, r_cycle)`;
//! * [`commit`]: the Dory commitment with group additions only (one per row), and an opening
//!   that never builds the `K·T` table.
//!
//! The arguments over such a matrix:
//! * [`read_check`]: `Σ_k ra(k, r_cycle)·V(k)` for a table `V` the verifier evaluates itself —
//!   Shout's read-checking, its read-address (`raf`) check and the Hamming-weight check are all
//!   this one sumcheck with different tables (and can be folded into one with a random
//!   combination of tables);
//! * [`booleanity`]: every entry of the committed matrix is 0 or 1.
//!
//! Booleanity plus a Hamming weight of 1 per row make a committed matrix one-hot; the prover
//! cannot commit anything else and pass both.

pub mod addrs;
pub mod booleanity;
pub mod chunked;
pub mod commit;
pub mod read_check;

use rayon::prelude::*;

pub use addrs::Addrs;

use crate::field::{Fr, Zero};
use crate::poly::{eq_table, DenseMle};

/// The address of a row that accesses nothing (RAM on a cycle without a load or store): its
/// column of the matrix is all zero.
pub const NO_ACCESS: u32 = u32::MAX;

/// The largest address space a one-hot matrix may have (2^31 addresses; [`NO_ACCESS`] must
/// stay outside it).
pub const MAX_LOG_K: usize = 31;

/// Why a one-hot matrix could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OneHotError {
    #[error("a one-hot matrix needs a power-of-two number of rows (at least 1), got {0}")]
    RowsNotPowerOfTwo(usize),
    #[error("an address space of 2^{0} entries is too large (at most 2^{MAX_LOG_K})")]
    AddressSpaceTooLarge(usize),
    #[error("row {row}: address {addr} is outside the address space of {size} entries")]
    AddressOutOfRange { row: usize, addr: u32, size: u64 },
}

/// A `2^log_k × 2^log_t` one-hot matrix, stored as one address per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneHot {
    log_k: usize,
    log_t: usize,
    addrs: Addrs,
}

impl OneHot {
    /// `addrs[j]` is the address row `j` reads, or [`NO_ACCESS`] (held as given:
    /// [`OneHot::from_fn`] builds the narrowest storage).
    pub fn new(log_k: usize, addrs: Vec<u32>) -> Result<Self, OneHotError> {
        if log_k > MAX_LOG_K {
            return Err(OneHotError::AddressSpaceTooLarge(log_k));
        }
        if !addrs.len().is_power_of_two() {
            return Err(OneHotError::RowsNotPowerOfTwo(addrs.len()));
        }
        let size = 1u64 << log_k;
        if let Some((row, &addr)) =
            addrs.iter().enumerate().find(|(_, &a)| a != NO_ACCESS && u64::from(a) >= size)
        {
            return Err(OneHotError::AddressOutOfRange { row, addr, size });
        }
        let log_t = addrs.len().trailing_zeros() as usize;
        Ok(Self { log_k, log_t, addrs: Addrs::Words(addrs) })
    }

    /// The matrix whose row `j` reads `f(j)` (or nothing, [`NO_ACCESS`]), for `2^log_t` rows,
    /// built on every core without a `u32` per row first: for the chunk matrices, whose
    /// addresses are bytes. The caller guarantees every address is below `2^log_k` (checked
    /// in debug builds).
    pub fn from_fn(log_k: usize, log_t: usize, f: impl Fn(usize) -> u32 + Sync) -> Self {
        assert!(log_k <= MAX_LOG_K, "an address space of 2^{log_k} entries is too large");
        let addrs = Addrs::from_fn(log_k, 1 << log_t, f);
        debug_assert!(addrs.iter().all(|a| a == NO_ACCESS || u64::from(a) < 1u64 << log_k));
        Self { log_k, log_t, addrs }
    }

    pub fn log_k(&self) -> usize {
        self.log_k
    }

    pub fn log_t(&self) -> usize {
        self.log_t
    }

    /// Variables of the matrix's multilinear polynomial: `log_k + log_t`.
    pub fn num_vars(&self) -> usize {
        self.log_k + self.log_t
    }

    /// One address (or [`NO_ACCESS`]) per row.
    pub fn addrs(&self) -> &Addrs {
        &self.addrs
    }

    /// The rows that access something, as `(row, address)`.
    pub fn accesses(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.addrs.iter().enumerate().filter(|&(_, a)| a != NO_ACCESS).map(|(j, a)| (j, a as usize))
    }

    /// Index of entry `(k, j)` in the polynomial's evaluation table (address on top).
    pub fn flat_index(&self, k: usize, j: usize) -> usize {
        (k << self.log_t) | j
    }

    /// The full `K·T` table. Only for small matrices (tests, reference checks).
    pub fn to_dense(&self) -> DenseMle {
        let mut evals = vec![Fr::zero(); 1 << self.num_vars()];
        for (j, k) in self.accesses() {
            evals[self.flat_index(k, j)] = Fr::from(1u64);
        }
        DenseMle::new(evals)
    }

    /// `G(k) = ra(k, r_cycle) = Σ_{j: addr_j = k} eq(r_cycle, j)` for every address `k`.
    /// `O(T + K·threads)`: each worker folds its share of rows into its own `K`-vector. The
    /// eq table is read from its halves (`SplitEq`): the lookup matrix has `8T` rows, and a
    /// whole table of them was 256 MB at `2^20` rows.
    pub fn cycle_weights(&self, r_cycle: &[Fr]) -> Vec<Fr> {
        assert_eq!(r_cycle.len(), self.log_t, "cycle point has the wrong number of coordinates");
        self.cycle_weights_split(&crate::poly::SplitEq::new(r_cycle))
    }

    /// [`OneHot::cycle_weights`] from the table `eq(r_cycle, ·)` (when the caller has it).
    pub fn cycle_weights_from(&self, eq_c: &[Fr]) -> Vec<Fr> {
        assert_eq!(eq_c.len(), self.addrs.len(), "eq table and rows differ in size");
        self.weights_by(|j| eq_c[j])
    }

    /// [`OneHot::cycle_weights_from`] a split eq table. For a small address space the rows
    /// of a block sharing the table's high factor are first summed per address (additions
    /// only), and each sum is weighted once per block: `K` multiplications per block instead
    /// of one per row.
    pub fn cycle_weights_split(&self, eq_c: &crate::poly::SplitEq) -> Vec<Fr> {
        assert_eq!(eq_c.len(), self.addrs.len(), "eq table and rows differ in size");
        let (k, b) = (1usize << self.log_k, eq_c.block_len().min(self.addrs.len()));
        if k * 8 > b {
            return self.weights_by(|j| eq_c.get(j));
        }
        let (acc, _) = crate::par::fold_block_shares(
            self.addrs.len() / b,
            || (vec![Fr::zero(); k], vec![Fr::zero(); k]),
            |(acc, local), block| {
                let (h, lo) = eq_c.block(block * b, b);
                local.fill(Fr::zero());
                let start = block * b;
                self.addrs.for_each_access(start..start + b, |j, a| local[a] += lo[j - start]);
                for (g, l) in acc.iter_mut().zip(local.iter()) {
                    *g += h * l;
                }
            },
            |a, b| (crate::par::add_vecs(a.0, b.0), a.1),
        );
        acc
    }

    /// `G(k) = Σ_{j: addr_j = k} eq(j)` on every core.
    fn weights_by(&self, eq: impl Fn(usize) -> Fr + Sync) -> Vec<Fr> {
        let k = 1usize << self.log_k;
        // Each task folds into its own K-vector: for a large address space (the 2^21 lookup
        // cells) one task per core, not four.
        let rows = self.addrs.len();
        let block = if k >= 1 << 16 {
            rows.div_ceil(rayon::current_num_threads()).max(1)
        } else {
            rows_per_task(rows)
        };
        (0..rows.div_ceil(block))
            .into_par_iter()
            .fold(
                || vec![Fr::zero(); k],
                |mut acc, b| {
                    let range = b * block..((b + 1) * block).min(rows);
                    self.addrs.for_each_access(range, |j, a| acc[a] += eq(j));
                    acc
                },
            )
            // Without an identity: `reduce`'s would be one more K-vector per task.
            .reduce_with(crate::par::add_vecs)
            .unwrap_or_else(|| vec![Fr::zero(); k])
    }

    /// [`OneHot::address_eq_column`] read through the addresses (`crate::factor`): nothing
    /// per row until it is bound.
    pub fn address_eq_factor(&self, r_addr: &[Fr]) -> crate::factor::Factor<'_> {
        assert_eq!(r_addr.len(), self.log_k, "address point has the wrong number of coordinates");
        crate::factor::Factor::one_hot(&self.addrs, eq_table(r_addr))
    }

    /// `h(j) = ra(r_addr, j) = eq(r_addr, addr_j)` (0 on rows without access), as a
    /// `log_t`-variable polynomial.
    pub fn address_eq_column(&self, r_addr: &[Fr]) -> DenseMle {
        assert_eq!(r_addr.len(), self.log_k, "address point has the wrong number of coordinates");
        let eq_a = eq_table(r_addr);
        DenseMle::new(
            self.addrs
                .par_iter()
                .map(|a| if a == NO_ACCESS { Fr::zero() } else { eq_a[a as usize] })
                .collect(),
        )
    }

    /// `ra(point)` for `point = (r_addr, r_cycle)`, in `O(K + T)`.
    pub fn evaluate(&self, point: &[Fr]) -> Fr {
        assert_eq!(point.len(), self.num_vars(), "point has the wrong number of coordinates");
        let (r_addr, r_cycle) = point.split_at(self.log_k);
        self.evaluate_with(r_addr, &eq_table(r_cycle))
    }

    /// `ra(r_addr, r_cycle)` from the table `eq(r_cycle, ·)`: the rows' eq values summed per
    /// address (additions only), then one product per address.
    pub fn evaluate_with(&self, r_addr: &[Fr], eq_c: &[Fr]) -> Fr {
        assert_eq!(r_addr.len(), self.log_k, "address point has the wrong number of coordinates");
        let weights = self.cycle_weights_from(eq_c);
        weights.iter().zip(eq_table(r_addr)).map(|(w, e)| e * w).sum()
    }
}

/// Rows per parallel task: a few tasks per core, never tiny ones.
fn rows_per_task(rows: usize) -> usize {
    (rows / (4 * rayon::current_num_threads())).max(1 << 12)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::poly::index_to_point;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// A random matrix with about one row in eight accessing nothing (when `gaps`).
    pub(crate) fn random_onehot(seed: u64, log_k: usize, log_t: usize, gaps: bool) -> OneHot {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let addrs = (0..1usize << log_t)
            .map(|_| {
                if gaps && rng.next_u32() % 8 == 0 {
                    NO_ACCESS
                } else {
                    rng.next_u32() % (1 << log_k)
                }
            })
            .collect();
        OneHot::new(log_k, addrs).unwrap()
    }

    pub(crate) fn random_point(seed: u64, n: usize) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::rand(&mut rng)).collect()
    }

    #[test]
    fn rejects_bad_shapes_and_addresses() {
        assert_eq!(OneHot::new(4, vec![0; 3]), Err(OneHotError::RowsNotPowerOfTwo(3)));
        assert_eq!(OneHot::new(4, vec![]), Err(OneHotError::RowsNotPowerOfTwo(0)));
        assert_eq!(OneHot::new(32, vec![0; 4]), Err(OneHotError::AddressSpaceTooLarge(32)));
        assert_eq!(
            OneHot::new(4, vec![0, 15, 16, NO_ACCESS]),
            Err(OneHotError::AddressOutOfRange { row: 2, addr: 16, size: 16 })
        );
        assert!(OneHot::new(4, vec![0, 15, NO_ACCESS, 3]).is_ok());
    }

    /// Per-address cycle weights from a split eq table, summed per block for small address
    /// spaces and per row otherwise, equal those from the whole table.
    #[test]
    fn cycle_weights_from_a_split_table_match_the_whole_table() {
        let mut paths = Vec::new();
        for (seed, log_k, log_t) in [(4, 3, 12), (5, 2, 13), (6, 9, 10), (7, 0, 6)] {
            let oh = random_onehot(seed, log_k, log_t, true);
            let r_cycle = random_point(seed + 7, log_t);
            let split = crate::poly::SplitEq::new(&r_cycle);
            paths.push((1usize << log_k) * 8 <= split.block_len());
            let whole = oh.cycle_weights_from(&eq_table(&r_cycle));
            assert_eq!(oh.cycle_weights_split(&split), whole, "log_k {log_k}, log_t {log_t}");
        }
        assert_eq!(paths, [true, true, false, true], "both paths are taken");
    }

    #[test]
    fn sparse_operations_match_the_dense_table() {
        for (seed, log_k, log_t, gaps) in [(1, 3, 4, false), (2, 5, 6, true), (3, 0, 3, true)] {
            let oh = random_onehot(seed, log_k, log_t, gaps);
            let dense = oh.to_dense();
            // On the hypercube: exactly the accessed entries are 1.
            for j in 0..1 << log_t {
                let ones: usize = (0..1 << log_k)
                    .filter(|&k| dense.get(oh.flat_index(k, j)) == Fr::from(1u64))
                    .count();
                assert_eq!(ones, usize::from(oh.addrs().get(j) != NO_ACCESS));
            }
            let point = random_point(seed + 100, log_k + log_t);
            let (r_addr, r_cycle) = point.split_at(log_k);
            assert_eq!(oh.evaluate(&point), dense.evaluate(&point));
            let g = oh.cycle_weights(r_cycle);
            for (k, gk) in g.iter().enumerate() {
                let at = [index_to_point(k, log_k), r_cycle.to_vec()].concat();
                assert_eq!(*gk, dense.evaluate(&at), "G({k})");
            }
            let h = oh.address_eq_column(r_addr);
            let lazy = oh.address_eq_factor(r_addr);
            for j in 0..1 << log_t {
                let at = [r_addr.to_vec(), index_to_point(j, log_t)].concat();
                assert_eq!(h.get(j), dense.evaluate(&at), "h({j})");
                assert_eq!(lazy.get(j), h.get(j), "h({j}) read through the addresses");
            }
        }
    }
}
