//! Twist: read/write memory checking with one-hot addresses and increments (prover v2; the
//! Twist and Shout paper, eprint 2025/105).
//!
//! A memory of `K = 2^log_k` cells is used for `T = 2^log_t` rows. Row `j` may read one cell
//! (`ra`, one-hot) and then write one cell (`wa`, one-hot) with the value `wv(j)`. What is
//! committed is the two address matrices and the **increments**
//! `Inc(j) = wv(j) − Val(w_j, j)` (0 on rows that write nothing), where `Val(k, j)` is the value
//! of cell `k` before row `j`. `Val` itself is never committed: it is determined by the initial
//! memory and the increments,
//!
//! `Val(k, j) = init(k) + Σ_{j' < j} wa(k, j')·Inc(j')`,
//!
//! and the two sumchecks of this module tie everything together:
//! * [`read_write`]: `rv(r_c) + γ·Inc(r_c) = Σ_{k,j} eq(r_c, j)·[ra·Val + γ·wa·(wv − Val)](k, j)`
//!   — every read returns the cell's current value and every increment is the write's change;
//! * [`val_eval`]: the `Val(r_a, r_c)` that sumcheck leaves is
//!   `init(r_a) + Σ_j Inc(j)·wa(r_a, j)·LT(j, r_c)`.
//!
//! # Starting from a committed memory (segments)
//!
//! The only place the initial memory enters is `init(r_a)` in [`val_eval`], a single
//! evaluation the verifier supplies. Today it computes it from the ELF image and the inputs. A
//! later segment mode starts from the memory a previous segment ended with: the verifier then
//! takes `init(r_a)` as an opening claim against that segment's committed final memory
//! (`init + Σ_j wa(·, j)·Inc(j)`, the same formula at `j = T`), and nothing else changes.

mod cycle_first;
pub mod read_write;
pub mod val_eval;

use crate::field::{fr_i64, Fr};
use crate::onehot::{OneHot, OneHotError, NO_ACCESS};

/// Why a memory trace could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error(transparent)]
    Addresses(#[from] OneHotError),
    #[error("reads and writes must cover the same rows ({reads} vs {writes})")]
    RowMismatch { reads: usize, writes: usize },
    #[error("{got} write values for {rows} rows")]
    WriteValues { rows: usize, got: usize },
    #[error("initial memory has {got} cells, the address space {expected}")]
    InitSize { expected: usize, got: usize },
    #[error("read and write address spaces differ (2^{reads} vs 2^{writes})")]
    AddressSpaces { reads: usize, writes: usize },
}

/// One memory's accesses over a run: read-then-write per row.
#[derive(Clone, Debug)]
pub struct MemoryTrace {
    init: Vec<u64>,
    reads: OneHot,
    writes: OneHot,
    write_values: Vec<u64>,
}

impl MemoryTrace {
    /// `write_values[j]` is ignored on rows whose write address is [`NO_ACCESS`].
    pub fn new(
        init: Vec<u64>,
        reads: OneHot,
        writes: OneHot,
        write_values: Vec<u64>,
    ) -> Result<Self, TraceError> {
        if reads.log_k() != writes.log_k() {
            return Err(TraceError::AddressSpaces { reads: reads.log_k(), writes: writes.log_k() });
        }
        let rows = reads.addrs().len();
        if writes.addrs().len() != rows {
            return Err(TraceError::RowMismatch { reads: rows, writes: writes.addrs().len() });
        }
        if write_values.len() != rows {
            return Err(TraceError::WriteValues { rows, got: write_values.len() });
        }
        if init.len() != 1 << reads.log_k() {
            return Err(TraceError::InitSize { expected: 1 << reads.log_k(), got: init.len() });
        }
        Ok(Self { init, reads, writes, write_values })
    }

    pub fn log_k(&self) -> usize {
        self.reads.log_k()
    }

    pub fn log_t(&self) -> usize {
        self.reads.log_t()
    }

    pub fn init(&self) -> &[u64] {
        &self.init
    }

    pub fn reads(&self) -> &OneHot {
        &self.reads
    }

    pub fn writes(&self) -> &OneHot {
        &self.writes
    }

    /// The values as given to [`MemoryTrace::new`] (meaningless where nothing is written).
    pub fn write_values(&self) -> &[u64] {
        &self.write_values
    }

    /// The value written on row `j` as a field element (0 where nothing is written).
    pub fn write_value(&self, j: usize) -> Fr {
        if self.writes.addrs().get(j) == NO_ACCESS {
            Fr::from(0u64)
        } else {
            crate::field::fr_u64(self.write_values[j])
        }
    }

    /// The value row `j` writes as given (meaningless where it writes nothing).
    pub(crate) fn raw_write_value(&self, j: usize) -> u64 {
        self.write_values[j]
    }

    /// Replays the run: calls `step(j, memory before row j)` for every row in order.
    pub fn replay(&self, mut step: impl FnMut(usize, &[u64])) {
        let mut mem = self.init.clone();
        for j in 0..self.write_values.len() {
            step(j, &mem);
            let w = self.writes.addrs().get(j);
            if w != NO_ACCESS {
                mem[w as usize] = self.write_values[j];
            }
        }
    }

    /// What each row read (0 on rows that read nothing).
    pub fn read_values(&self) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.write_values.len());
        self.replay(|j, mem| {
            let a = self.reads.addrs().get(j);
            out.push(if a == NO_ACCESS { 0 } else { mem[a as usize] });
        });
        out
    }

    /// `Inc(j) = wv(j) − Val(w_j, j)` (0 on rows that write nothing).
    pub fn increments(&self) -> Vec<Fr> {
        self.signed_increments().into_iter().map(fr_i64).collect()
    }

    /// [`MemoryTrace::increments`] as integers (a quarter of the memory).
    pub fn signed_increments(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.write_values.len());
        self.replay(|j, mem| {
            let w = self.writes.addrs().get(j);
            out.push(if w == NO_ACCESS {
                0
            } else {
                self.write_values[j] as i64 - mem[w as usize] as i64
            });
        });
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand_chacha::rand_core::{RngCore, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    /// A random register-file-like trace: most rows read, about half write, values < 2^32.
    pub(crate) fn random_trace(seed: u64, log_k: usize, log_t: usize) -> MemoryTrace {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let t = 1usize << log_t;
        let mut addr = |p: u32| {
            if rng.next_u32() % 8 < p {
                rng.next_u32() % (1 << log_k)
            } else {
                NO_ACCESS
            }
        };
        let reads: Vec<u32> = (0..t).map(|_| addr(7)).collect();
        let writes: Vec<u32> = (0..t).map(|_| addr(4)).collect();
        let mut rng = ChaCha20Rng::seed_from_u64(seed + 1);
        let values = (0..t).map(|_| u64::from(rng.next_u32())).collect();
        let init = (0..1u64 << log_k).map(|k| k * 1000 + 7).collect();
        MemoryTrace::new(
            init,
            OneHot::new(log_k, reads).unwrap(),
            OneHot::new(log_k, writes).unwrap(),
            values,
        )
        .unwrap()
    }

    #[test]
    fn reads_see_the_last_write_and_increments_are_the_changes() {
        let oh = |a: Vec<u32>| OneHot::new(2, a).unwrap();
        let trace = MemoryTrace::new(
            vec![5, 6, 7, 8],
            oh(vec![1, 1, NO_ACCESS, 3]),
            oh(vec![1, NO_ACCESS, 3, 3]),
            vec![10, 99, 2, 4],
        )
        .unwrap();
        assert_eq!(trace.read_values(), vec![6, 10, 0, 2]);
        assert_eq!(
            trace.increments(),
            vec![Fr::from(4u64), Fr::from(0u64), -Fr::from(6u64), Fr::from(2u64)]
        );
    }

    #[test]
    fn rejects_inconsistent_shapes() {
        let oh = |k, n| OneHot::new(k, vec![0; n]).unwrap();
        assert!(matches!(
            MemoryTrace::new(vec![0; 4], oh(2, 4), oh(2, 8), vec![0; 4]),
            Err(TraceError::RowMismatch { .. })
        ));
        assert!(matches!(
            MemoryTrace::new(vec![0; 4], oh(2, 4), oh(3, 4), vec![0; 4]),
            Err(TraceError::AddressSpaces { .. })
        ));
        assert!(matches!(
            MemoryTrace::new(vec![0; 3], oh(2, 4), oh(2, 4), vec![0; 4]),
            Err(TraceError::InitSize { .. })
        ));
        assert!(matches!(
            MemoryTrace::new(vec![0; 4], oh(2, 4), oh(2, 4), vec![0; 2]),
            Err(TraceError::WriteValues { .. })
        ));
    }
}
