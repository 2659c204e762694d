//! RAM remapped to the pages a run touches (prover v2).
//!
//! Twist over RAM costs in proportion to the address space `K`, so v2 does not use the guest's
//! address space (or v1's fixed 2^20-word window): it lists the 4 KiB pages the run touches,
//! strictly increasing, and gives page `pages[s]` the slot `s` of a small remapped memory of
//! `K = 2^log_slots · 1024` words. Remapped word `k = s·1024 + o` is the word at byte address
//! `phys(k) = pages[s]·4096 + 4·o`; slots past the list are padding (`phys = 0`, never
//! accessed).
//!
//! What the verifier needs, all in `O(K)` or less and all from public data plus the page list:
//! * [`PageMap::check`]: the list is strictly increasing and inside the regions the program's
//!   layout maps (so the map is injective and names only real memory);
//! * [`PageMap::phys_eval`]: the multilinear extension of `phys` at a point, which a Shout
//!   read-address check (`Σ_k ra(k, r_c)·phys(k) = addr(r_c)`) uses to tie each row's
//!   remapped one-hot address to the physical address the CPU computed;
//! * [`PageMap::init_eval`]: the extension of the initial memory (ELF image, inputs) over the
//!   remapped space, Twist's `init(r_a)`.

use std::collections::BTreeMap;

use crate::field::{Fr, Zero};
use crate::onehot::read_check::identity_eval;
use crate::poly::eq_table;

/// Words per page, as a power of two (4 KiB pages).
pub const LOG_PAGE_WORDS: usize = 10;
const PAGE_BYTES: u32 = 4 << LOG_PAGE_WORDS;

/// Why a page list is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageMapError {
    #[error("the page list is not strictly increasing at position {0}")]
    NotIncreasing(usize),
    #[error("page {page:#x} (address {addr:#010x}) is outside every mapped region")]
    Unmapped { page: u32, addr: u32 },
    #[error("{got} pages, more than the {max} the layout has")]
    TooMany { got: usize, max: usize },
}

/// The touched pages of a run and their slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageMap {
    /// Page numbers (`address >> 12`), strictly increasing.
    pages: Vec<u32>,
    /// Slots in the remapped memory (a power of two, at least the number of pages).
    log_slots: usize,
}

impl PageMap {
    /// The pages of every address in `addrs` (any order, repeats allowed).
    pub fn from_addresses(addrs: impl IntoIterator<Item = u32>) -> Self {
        let mut pages: Vec<u32> = addrs.into_iter().map(|a| a / PAGE_BYTES).collect();
        pages.sort_unstable();
        pages.dedup();
        let log_slots = pages.len().max(1).next_power_of_two().trailing_zeros() as usize;
        PageMap { pages, log_slots }
    }

    /// The verifier's checks on a page list taken from a proof: strictly increasing, each page
    /// inside one of `regions` (`[start, end)` byte ranges the program's layout maps).
    pub fn check(pages: Vec<u32>, regions: &[(u32, u32)]) -> Result<Self, PageMapError> {
        let max: usize =
            regions.iter().map(|(a, b)| (b - a).div_ceil(PAGE_BYTES) as usize + 1).sum();
        if pages.len() > max {
            return Err(PageMapError::TooMany { got: pages.len(), max });
        }
        if let Some(i) = pages.windows(2).position(|w| w[0] >= w[1]) {
            return Err(PageMapError::NotIncreasing(i + 1));
        }
        for &page in &pages {
            let (lo, hi) = (
                u64::from(page) * u64::from(PAGE_BYTES),
                u64::from(page + 1) * u64::from(PAGE_BYTES),
            );
            let inside = regions.iter().any(|&(a, b)| lo < u64::from(b) && hi > u64::from(a));
            if !inside {
                return Err(PageMapError::Unmapped { page, addr: page.wrapping_mul(PAGE_BYTES) });
            }
        }
        let log_slots = pages.len().max(1).next_power_of_two().trailing_zeros() as usize;
        Ok(PageMap { pages, log_slots })
    }

    pub fn pages(&self) -> &[u32] {
        &self.pages
    }

    /// Address bits of the remapped memory: `log_slots + 10`.
    pub fn log_k(&self) -> usize {
        self.log_slots + LOG_PAGE_WORDS
    }

    /// The remapped word index of byte address `addr` (any byte of the word), if its page is
    /// listed.
    pub fn remap(&self, addr: u32) -> Option<u32> {
        let slot = self.pages.binary_search(&(addr / PAGE_BYTES)).ok()? as u32;
        Some((slot << LOG_PAGE_WORDS) | ((addr % PAGE_BYTES) >> 2))
    }

    /// The byte address of remapped word `k` (0 for padding slots).
    pub fn phys(&self, k: u32) -> u32 {
        match self.pages.get((k >> LOG_PAGE_WORDS) as usize) {
            Some(&page) => page * PAGE_BYTES + 4 * (k & ((1 << LOG_PAGE_WORDS) - 1)),
            None => 0,
        }
    }

    /// `Σ_k eq(r, k)·phys(k)` for `r = (r_slot, r_offset)`, in `O(slots)`:
    /// `phys(s, o) = valid(s)·(4096·page(s) + 4·o)`.
    pub fn phys_eval(&self, r: &[Fr]) -> Fr {
        assert_eq!(r.len(), self.log_k(), "point has the wrong number of coordinates");
        let (r_slot, r_off) = r.split_at(self.log_slots);
        let eq_s = eq_table(r_slot);
        let (mut pages, mut valid) = (Fr::zero(), Fr::zero());
        for (e, &page) in eq_s.iter().zip(&self.pages) {
            pages += *e * Fr::from(u64::from(page) * u64::from(PAGE_BYTES));
            valid += e;
        }
        pages + Fr::from(4u64) * identity_eval(r_off) * valid
    }

    /// `Σ_k eq(r, k)·init(phys(k))`, the initial memory over the remapped space, from the
    /// non-zero initial words (`byte address → word`, word-aligned). `O(K)`.
    pub fn init_eval(&self, initial: &BTreeMap<u32, u32>, r: &[Fr]) -> Fr {
        assert_eq!(r.len(), self.log_k(), "point has the wrong number of coordinates");
        let (r_slot, r_off) = r.split_at(self.log_slots);
        let eq_s = eq_table(r_slot);
        let eq_o = eq_table(r_off);
        let mut sum = Fr::zero();
        for (slot, &page) in self.pages.iter().enumerate() {
            let start = page * PAGE_BYTES;
            let words = initial.range(start..start.saturating_add(PAGE_BYTES - 1));
            let inner: Fr =
                words.map(|(&a, &w)| eq_o[((a - start) >> 2) as usize] * Fr::from(w)).sum();
            sum += eq_s[slot] * inner;
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::random_point;
    use crate::poly::DenseMle;

    fn map() -> PageMap {
        PageMap::from_addresses([0x8000_0010, 0x8000_0ffc, 0x8020_1000, 0x7fff_f004, 0x8000_0014])
    }

    #[test]
    fn pages_are_sorted_unique_and_remap_round_trips() {
        let m = map();
        assert_eq!(m.pages(), &[0x0007_ffff, 0x0008_0000, 0x0008_0201]);
        assert_eq!(m.log_k(), 2 + LOG_PAGE_WORDS);
        for addr in [0x8000_0010u32, 0x8000_0ffc, 0x8020_1000, 0x7fff_f004] {
            let k = m.remap(addr).unwrap();
            assert_eq!(m.phys(k), addr & !3);
        }
        assert_eq!(m.remap(0x9000_0000), None, "an unlisted page");
        assert_eq!(m.phys(3 << LOG_PAGE_WORDS), 0, "padding slot");
    }

    #[test]
    fn phys_and_init_evaluations_match_dense_tables() {
        let m = map();
        let k = 1usize << m.log_k();
        let phys = DenseMle::new((0..k as u32).map(|i| Fr::from(m.phys(i))).collect());
        let initial: BTreeMap<u32, u32> =
            [(0x8000_0010, 7), (0x8000_0ffc, 9), (0x8020_1000, 11), (0x9000_0000, 5)].into();
        let init = DenseMle::new(
            (0..k as u32)
                .map(|i| match m.phys(i) {
                    0 => Fr::zero(),
                    a => Fr::from(*initial.get(&a).unwrap_or(&0)),
                })
                .collect(),
        );
        for seed in 0..3 {
            let r = random_point(seed, m.log_k());
            assert_eq!(m.phys_eval(&r), phys.evaluate(&r));
            assert_eq!(m.init_eval(&initial, &r), init.evaluate(&r));
        }
    }

    #[test]
    fn the_verifier_refuses_bad_page_lists() {
        let regions = [(0x8000_0000u32, 0x8010_0000u32), (0x7fff_0000, 0x8000_0000)];
        assert!(PageMap::check(vec![0x0007_ffff, 0x0008_0000, 0x0008_0001], &regions).is_ok());
        assert_eq!(
            PageMap::check(vec![0x0008_0000, 0x0008_0000], &regions),
            Err(PageMapError::NotIncreasing(1)),
            "a page twice would map two slots to one address"
        );
        assert_eq!(
            PageMap::check(vec![0x0008_0001, 0x0008_0000], &regions),
            Err(PageMapError::NotIncreasing(1))
        );
        assert!(matches!(
            PageMap::check(vec![0x0008_0000, 0x0009_0000], &regions),
            Err(PageMapError::Unmapped { page: 0x0009_0000, .. })
        ));
        let many: Vec<u32> = (0x0008_0000..0x0008_0200).collect();
        assert!(matches!(PageMap::check(many, &regions), Err(PageMapError::TooMany { .. })));
    }
}
