//! RAM over the pages a run touches (`paged_ram::PageMap`), as both sides of a v2 proof see
//! it: the initial memory, the permission tables and the I/O words the statement fixes, all
//! over the remapped address space.
//!
//! The remapped word `k = slot·1024 + offset` is v1's word index `base(slot) + offset`
//! (`ram::RamLayout::index`, counted from the page-aligned I/O base), so every range of v1
//! word indices becomes one range of remapped indices per listed page it meets, and the
//! verifier evaluates a table of ranges with `ram::range_mle` in `O(log K)` per piece.
use std::collections::BTreeMap;

use ivm_abi::{
    CONTROL_BASE, CONTROL_END, OFFCHAIN_INPUT_LEN_ADDR, ONCHAIN_INPUT_LEN_ADDR, OUTPUT_LEN_ADDR,
    PAGE, PANIC_ADDR, TERMINATION_ADDR,
};

use crate::field::Fr;
use crate::paged_ram::{PageMap, PageMapError, LOG_PAGE_WORDS};
use crate::ram::{range_mle, sparse_mle, FinalControl, RamLayout, RamPermissions};
use crate::statement::{FaultClass, Outcome, Statement};

/// The byte regions a listed page may lie in: the window from the I/O base to the heap end
/// (pages in its unmapped gaps have no permissions, so no access to them can be proven).
pub fn regions(layout: &RamLayout) -> [(u32, u32); 1] {
    [(layout.io_base, layout.end)]
}

/// Whether `page` lies in the window of [`regions`].
fn in_window(layout: &RamLayout, page: u32) -> bool {
    let (lo, hi) = (u64::from(page) * u64::from(PAGE), u64::from(page + 1) * u64::from(PAGE));
    lo < u64::from(layout.end) && hi > u64::from(layout.io_base)
}

/// How many listed pages may lie outside the window: one for a run that faulted on a memory
/// access or a misaligned one (the page of the address it could not access, e.g. page 0 for a
/// null pointer; such a page has no permissions and reads as zero), none otherwise.
pub fn pages_outside_window(outcome: Outcome) -> usize {
    use FaultClass::{MemoryAccess, MisalignedAccess};
    matches!(outcome, Outcome::Faulted { class: MemoryAccess | MisalignedAccess, .. }) as usize
}

/// The pages the final-state check needs: the output words up to the output length and the
/// control words.
pub fn required_pages(layout: &RamLayout, output_len: usize) -> Vec<u32> {
    let mut pages: Vec<u32> = (0..output_len.div_ceil(4) as u32)
        .map(|w| (layout.output_base + 4 * w) / PAGE)
        .chain([CONTROL_BASE / PAGE, (CONTROL_END - 4) / PAGE])
        .collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// The most pages a proof of a run with this statement may list.
pub fn max_pages(layout: &RamLayout, st: &Statement) -> usize {
    ((layout.end - layout.io_base) / PAGE) as usize + 1 + pages_outside_window(st.outcome)
}

/// The verifier's page list: checked against the layout and the statement's outcome, and
/// required to hold every page of the final-state check.
pub fn check_pages(layout: &RamLayout, pages: Vec<u32>, st: &Statement) -> Result<PageMap, String> {
    let outside = pages.iter().filter(|&&p| !in_window(layout, p)).count();
    if outside > pages_outside_window(st.outcome) {
        let what = if outside == 1 { "one page" } else { "pages" };
        return Err(format!(
            "the page list has {what} outside the program's memory, which only a run that \
             faulted on a memory access may list (one)"
        ));
    }
    if pages.len() > max_pages(layout, st) {
        return Err(format!("{} pages listed, at most {}", pages.len(), max_pages(layout, st)));
    }
    let map = PageMap::check(pages, &[(0, u32::MAX)]).map_err(|e: PageMapError| e.to_string())?;
    match required_pages(layout, st.output.len())
        .into_iter()
        .find(|p| map.pages().binary_search(p).is_err())
    {
        Some(p) => {
            Err(format!("the page list omits page {p:#x}, which holds output or control words"))
        }
        None => Ok(map),
    }
}

/// RAM over a page list.
pub struct Remapped<'a> {
    pub layout: &'a RamLayout,
    pub map: &'a PageMap,
}

impl Remapped<'_> {
    /// v1's word index of the first word of `page` (`None` for a page below the window,
    /// which no v1 index reaches).
    fn page_base(&self, page: u32) -> Option<usize> {
        let offset = (page as u64 * PAGE as u64).checked_sub(u64::from(self.layout.io_base))?;
        Some((offset / 4) as usize)
    }

    /// The remapped ranges of v1 word-index ranges `[a, b)`.
    pub fn ranges(&self, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
        let words = 1usize << LOG_PAGE_WORDS;
        let mut out = Vec::new();
        for (slot, &page) in self.map.pages().iter().enumerate() {
            let Some(base) = self.page_base(page) else { continue };
            for &(a, b) in ranges {
                let (lo, hi) = (a.max(base), b.min(base + words));
                if lo < hi {
                    out.push((slot * words + lo - base, slot * words + hi - base));
                }
            }
        }
        out
    }

    /// The remapped index of v1 word index `i`, if its page is listed.
    pub fn index(&self, i: usize) -> Option<usize> {
        let addr = self.layout.address(i);
        self.map.remap(addr).map(|k| k as usize)
    }

    /// `[readable, writable, control]` tables at `point` (over the remapped space).
    pub fn perms_eval(&self, perms: &RamPermissions, point: &[Fr]) -> [Fr; 3] {
        [&perms.readable, &perms.writable, &perms.control].map(|ranges| {
            self.ranges(ranges).into_iter().map(|(a, b)| range_mle(point, a, b)).sum()
        })
    }

    /// The initial memory over the remapped space (prover), `2^log_k` words.
    pub fn initial_table(&self, initial: &BTreeMap<u32, u32>) -> Vec<u64> {
        let mut t = vec![0u64; 1 << self.map.log_k()];
        for (&addr, &w) in initial {
            if let Some(k) = self.map.remap(addr) {
                t[k as usize] = u64::from(w);
            }
        }
        t
    }
}

/// The words of the final memory a statement fixes, as v1 word-index ranges and their
/// non-zero expected values: the output words (the last one's bytes above the output length
/// are the prover's `output_tail`) and the control words.
pub struct FinalCheck {
    pub ranges: Vec<(usize, usize)>,
    pub expected: Vec<(usize, Fr)>,
}

impl FinalCheck {
    pub fn new(layout: &RamLayout, st: &Statement, control: &FinalControl) -> Self {
        let idx = |a: u32| layout.index(a).expect("I/O words are inside the window");
        let out_words = st.output.len().div_ceil(4);
        let mut ranges = vec![(idx(CONTROL_BASE), idx(CONTROL_END - 4) + 1)];
        if out_words > 0 {
            ranges.insert(0, (idx(layout.output_base), idx(layout.output_base) + out_words));
        }
        let mut expected = Vec::new();
        for (i, chunk) in st.output.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            let mut v = u64::from(u32::from_le_bytes(w));
            if chunk.len() < 4 {
                v += u64::from(control.output_tail) << (8 * chunk.len());
            }
            expected.push((idx(layout.output_base + 4 * i as u32), Fr::from(v)));
        }
        for (addr, v) in [
            (PANIC_ADDR, control.panic_word),
            (TERMINATION_ADDR, control.termination_word),
            (OUTPUT_LEN_ADDR, control.output_len_word),
            (ONCHAIN_INPUT_LEN_ADDR, st.onchain_input.len() as u32),
            (OFFCHAIN_INPUT_LEN_ADDR, st.offchain_input.len() as u32),
        ] {
            expected.push((idx(addr), Fr::from(u64::from(v))));
        }
        expected.retain(|(_, v)| *v != Fr::from(0u64));
        FinalCheck { ranges, expected }
    }

    /// The mask and expected values over the remapped space (prover), `2^log_k` entries.
    pub fn tables(&self, ram: &Remapped) -> (Vec<Fr>, Vec<Fr>) {
        let k = 1usize << ram.map.log_k();
        let mut mask = vec![Fr::from(0u64); k];
        for (a, b) in ram.ranges(&self.ranges) {
            mask[a..b].fill(Fr::from(1u64));
        }
        let mut expected = vec![Fr::from(0u64); k];
        for &(i, v) in &self.expected {
            expected[ram.index(i).expect("required pages are listed")] = v;
        }
        (mask, expected)
    }

    /// The mask and expected values at `point` (verifier); the required pages are listed.
    pub fn evals(&self, ram: &Remapped, point: &[Fr]) -> (Fr, Fr) {
        let mask = ram.ranges(&self.ranges).into_iter().map(|(a, b)| range_mle(point, a, b)).sum();
        let sparse: Vec<(usize, Fr)> = self
            .expected
            .iter()
            .map(|&(i, v)| (ram.index(i).expect("required pages are listed"), v))
            .collect();
        (mask, sparse_mle(&sparse, point))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::random_point;
    use crate::poly::DenseMle;

    fn layout() -> RamLayout {
        let io = ivm_abi::Sizes::default().io();
        RamLayout {
            io_base: io.onchain_input_base,
            onchain_base: io.onchain_input_base,
            offchain_base: io.offchain_input_base,
            output_base: io.output_base,
            end: ivm_abi::RAM_BASE + (8 << 20),
        }
    }

    #[test]
    fn remapped_tables_match_their_evaluations() {
        let layout = layout();
        let st = Statement {
            program_id: [0; 32],
            onchain_input: vec![1, 2, 3],
            offchain_input: vec![],
            output: vec![9; 4099],
            outcome: Outcome::Halted,
            cycles: 10,
        };
        let control = FinalControl {
            panic_word: 0,
            termination_word: 1,
            output_tail: 0x77,
            output_len_word: 4099,
        };
        let mut addrs: Vec<u32> =
            required_pages(&layout, st.output.len()).into_iter().map(|p| p * PAGE).collect();
        addrs.extend([ivm_abi::RAM_BASE, ivm_abi::RAM_BASE + 5 * PAGE + 8]);
        let map = PageMap::from_addresses(addrs);
        let ram = Remapped { layout: &layout, map: &map };
        let check = FinalCheck::new(&layout, &st, &control);
        let (mask, expected) = check.tables(&ram);
        let point = random_point(4, map.log_k());
        let (m, e) = check.evals(&ram, &point);
        assert_eq!(m, DenseMle::new(mask).evaluate(&point));
        assert_eq!(e, DenseMle::new(expected.clone()).evaluate(&point));
        // The last output word carries the tail above the output's three bytes.
        let last = ram.index(layout.index(layout.output_base + 4096).unwrap()).unwrap();
        assert_eq!(expected[last], Fr::from(0x7709_0909u64));

        let perms = RamPermissions {
            readable: vec![(0, 5), (9, 4000)],
            writable: vec![(2, 4), (1030, 1040)],
            control: vec![(33, 35)],
        };
        let tables: Vec<Fr> = (0..1usize << map.log_k())
            .map(|k| {
                let phys = map.phys(k as u32);
                let i = layout.index(phys).filter(|_| (k >> LOG_PAGE_WORDS) < map.pages().len());
                Fr::from(i.is_some_and(|i| perms.at(i)[1]) as u64)
            })
            .collect();
        assert_eq!(ram.perms_eval(&perms, &point)[1], DenseMle::new(tables).evaluate(&point));
        assert!(check_pages(&layout, map.pages().to_vec(), &st).is_ok());
        let without_control: Vec<u32> =
            map.pages().iter().copied().filter(|&p| p != CONTROL_BASE / PAGE).collect();
        assert!(check_pages(&layout, without_control, &st).is_err());
        // Page 0 (a null pointer's) only for a run that faulted on a memory access.
        let with_zero: Vec<u32> = [0].into_iter().chain(map.pages().iter().copied()).collect();
        assert!(check_pages(&layout, with_zero.clone(), &st).is_err());
        let mut faulted = st.clone();
        faulted.outcome = Outcome::Faulted { class: FaultClass::MemoryAccess, pc: 0 };
        assert!(check_pages(&layout, with_zero.clone(), &faulted).is_ok());
        let two_outside: Vec<u32> = [0, 1].into_iter().chain(map.pages().iter().copied()).collect();
        assert!(check_pages(&layout, two_outside, &faulted).is_err());
    }
}
