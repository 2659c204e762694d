//! The committed polynomials of a v2 proof, in commitment order, and their sizes — a function
//! of the proof's shape (`log_rows`, the bytecode and RAM address spaces), which the verifier
//! derives itself.
//!
//! Order: the committed CPU columns (`cpu::FIRST_COMMITTED..NUM_COLS`), the register and RAM
//! increments, the chunks of the bytecode and RAM matrices (`onehot::chunked`), then the
//! lookup matrix's chunks, each cut into [`LOOKUP_GROUPS`] slot groups (`slot_split`). The
//! register address matrices are not committed (`registers` docs).
use super::cpu::{FIRST_COMMITTED, NUM_COLS, NUM_COMMITTED};
use super::lookups::LOG_K_OPERANDS;
use super::witness::{LOG_REGISTER_ROWS, LOG_SLOT_ROWS};
use crate::onehot::chunked::Chunking;

/// The lookup matrix's chunks are committed per group of slots: slot `s = (g, b)` (high bits
/// `g`, low bits `b`) of row `j` is row `(j, b)` of group `g`'s polynomial. With two slots per
/// group and 4-bit chunks ([`LOOKUP_CHUNK_BITS`]) the lookup polynomials have `log T + 5`
/// variables and set the layout (rows of `2^⌈N/2⌉` columns): against eight groups of one
/// slot (`log T + 4`), half the tier-2 pairings per polynomial for a larger opening; measured
/// at `2^20` rows, 31.0 s against 31.7 s.

/// The widest lookup chunk: four chunks of the 16 operand bits. Six 3-bit chunks (every other
/// matrix's width, `chunked::MAX_LOG_CHUNK`) cost a degree-7 virtualization and 24 committed
/// slot groups instead of degree 5 and 16: at `2^20` rows 32.4 s against 31.0 s (commitment
/// −1.2 s, one-hot stage −1.3 s, claim reduction −0.2 s, the opening of the larger layout
/// +2 s).
pub const LOOKUP_CHUNK_BITS: usize = 4;
pub const LOOKUP_GROUP_BITS: usize = 2;
pub const LOOKUP_GROUPS: usize = 1 << LOOKUP_GROUP_BITS;

/// The three matrices committed as chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunked {
    Bytecode,
    Ram,
    Lookups,
}

impl Chunked {
    /// How many address points the claims the stages leave on the matrix as a whole have
    /// (lists of chunk values the virtualization states): bytecode — one (its seven claims
    /// come from one batched sumcheck, `bytecode::prove_fetches`); RAM — three (read/write
    /// checking and `Val` share theirs; the address check; the final state); lookups — one.
    pub fn virtual_groups(self) -> usize {
        match self {
            Chunked::Bytecode => 1,
            Chunked::Ram => 3,
            Chunked::Lookups => 1,
        }
    }
}

/// Indices and sizes of the committed polynomials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polys {
    pub log_rows: usize,
    pub bytecode: Chunking,
    pub ram: Chunking,
    pub lookups: Chunking,
}

impl Polys {
    pub fn new(log_rows: usize, log_k_bc: usize, log_k_ram: usize) -> Self {
        Polys {
            log_rows,
            bytecode: Chunking::new(log_k_bc),
            ram: Chunking::new(log_k_ram),
            lookups: Chunking::with_max(LOG_K_OPERANDS, LOOKUP_CHUNK_BITS),
        }
    }

    /// Committed CPU column `col` (`FIRST_COMMITTED ≤ col < NUM_COLS`).
    pub fn column(&self, col: usize) -> usize {
        assert!((FIRST_COMMITTED..NUM_COLS).contains(&col), "column {col} is not committed");
        col - FIRST_COMMITTED
    }

    pub fn inc_registers(&self) -> usize {
        NUM_COMMITTED
    }

    pub fn inc_ram(&self) -> usize {
        NUM_COMMITTED + 1
    }

    pub fn chunking(&self, m: Chunked) -> &Chunking {
        match m {
            Chunked::Bytecode => &self.bytecode,
            Chunked::Ram => &self.ram,
            Chunked::Lookups => &self.lookups,
        }
    }

    /// Index of chunk `i` of the bytecode or RAM matrix.
    pub fn chunk(&self, m: Chunked, i: usize) -> usize {
        let base = NUM_COMMITTED + 2;
        match m {
            Chunked::Bytecode => base + i,
            Chunked::Ram => base + self.bytecode.d() + i,
            Chunked::Lookups => panic!("lookup chunks are committed per slot group"),
        }
    }

    /// Index of slot group `g` of lookup chunk `i`.
    pub fn lookup_group(&self, i: usize, g: usize) -> usize {
        NUM_COMMITTED + 2 + self.bytecode.d() + self.ram.d() + LOOKUP_GROUPS * i + g
    }

    /// Rows of matrix `m` (as a power of two).
    pub fn log_t(&self, m: Chunked) -> usize {
        match m {
            Chunked::Bytecode | Chunked::Ram => self.log_rows,
            Chunked::Lookups => self.log_rows + LOG_SLOT_ROWS,
        }
    }

    pub fn count(&self) -> usize {
        self.lookup_group(self.lookups.d(), 0)
    }

    /// Number of variables of every committed polynomial, in order.
    pub fn sizes(&self) -> Vec<usize> {
        let t = self.log_rows;
        let mut v = vec![t; NUM_COMMITTED];
        v.extend([t + LOG_REGISTER_ROWS, t]);
        for m in [Chunked::Bytecode, Chunked::Ram] {
            v.extend(self.chunking(m).widths().iter().map(|w| w + self.log_t(m)));
        }
        let group_rows = self.log_t(Chunked::Lookups) - LOOKUP_GROUP_BITS;
        for w in self.lookups.widths() {
            v.extend([w + group_rows; LOOKUP_GROUPS]);
        }
        debug_assert_eq!(v.len(), self.count());
        v
    }

    /// Variables of the shared commitment layout (the largest polynomial).
    pub fn layout_vars(&self) -> usize {
        self.sizes().into_iter().max().expect("there are committed polynomials")
    }
}

/// The claims a v2 proof's stages leave: on committed polynomials (for the final opening) and
/// on the three chunked matrices as wholes (for ra virtualization).
#[derive(Default, Debug)]
pub struct Claims {
    pub committed: Vec<crate::claim_reduction::Claim>,
    pub bytecode: Vec<crate::onehot::read_check::RaClaim>,
    pub ram: Vec<crate::onehot::read_check::RaClaim>,
    pub lookups: Vec<crate::onehot::read_check::RaClaim>,
}

impl Claims {
    pub fn commit(&mut self, poly: usize, point: Vec<crate::field::Fr>, eval: crate::field::Fr) {
        self.committed.push(crate::claim_reduction::Claim { poly, point, eval });
    }

    pub fn matrix(&mut self, m: Chunked) -> &mut Vec<crate::onehot::read_check::RaClaim> {
        match m {
            Chunked::Bytecode => &mut self.bytecode,
            Chunked::Ram => &mut self.ram,
            Chunked::Lookups => &mut self.lookups,
        }
    }
}
