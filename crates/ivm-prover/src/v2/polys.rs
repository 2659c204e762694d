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
/// `g`, low bits `b`) of row `j` is row `(j, b)` of group `g`'s polynomial. Two slots per group
/// keep the lookup polynomials no larger than the bytecode and RAM chunks (`log T + 3`
/// variables, rounded the way Dory's `⌈N/2⌉` rounds), so they do not set the layout's width.
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
            lookups: Chunking::new(LOG_K_OPERANDS),
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
