//! RAM as both sides see it: word indices `(addr − io_base) / 4` over one linear window from
//! the I/O block to the heap end, the initial state the verifier derives from the ELF and the
//! statement, the permission map, and the final control words. The I/O block
//! `[io_base, CONTROL_END)` and RAM `[RAM_BASE, heap_end)` are adjacent (a few KiB apart), so
//! the window covers every address a guest can touch; `v2::ram` remaps it to the pages a run
//! touches.
use ivm_abi::{
    CONTROL_BASE, CONTROL_END, OFFCHAIN_INPUT_LEN_ADDR, ONCHAIN_INPUT_LEN_ADDR, OUTPUT_LEN_ADDR,
    PANIC_ADDR, RAM_BASE, TERMINATION_ADDR,
};
use ivm_vm::Program;

use crate::field::Fr;
use crate::poly::eq_table;

/// Where RAM words live in the prover's address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RamLayout {
    pub io_base: u32,
    pub onchain_base: u32,
    pub offchain_base: u32,
    pub output_base: u32,
    /// One past the last addressable byte (`heap_end`).
    pub end: u32,
}

impl RamLayout {
    pub fn of(program: &Program) -> Self {
        let io = program.layout.sizes.io();
        RamLayout {
            io_base: io.onchain_input_base,
            onchain_base: io.onchain_input_base,
            offchain_base: io.offchain_input_base,
            output_base: io.output_base,
            end: program.layout.heap_end,
        }
    }

    /// The word index of an aligned address, if it is inside the window.
    pub fn index(&self, addr: u32) -> Option<usize> {
        (addr >= self.io_base && addr < self.end && addr % 4 == 0)
            .then(|| ((addr - self.io_base) / 4) as usize)
    }

    /// The byte address of a word index.
    pub fn address(&self, index: usize) -> u32 {
        self.io_base + 4 * index as u32
    }

    /// The initial memory as sparse `(index, word)` pairs (non-zero words only): the ELF's
    /// loadable segments, both inputs and their length words.
    pub fn initial_words(
        &self,
        program: &Program,
        onchain: &[u8],
        offchain: &[u8],
    ) -> Vec<(usize, u32)> {
        let mut words = Vec::new();
        let push_bytes = |base: u32, bytes: &[u8], words: &mut Vec<(usize, u32)>| {
            for (i, chunk) in bytes.chunks(4).enumerate() {
                let mut w = [0u8; 4];
                w[..chunk.len()].copy_from_slice(chunk);
                let v = u32::from_le_bytes(w);
                if v != 0 {
                    words.push((self.index(base + 4 * i as u32).expect("inside the window"), v));
                }
            }
        };
        push_bytes(self.onchain_base, onchain, &mut words);
        push_bytes(self.offchain_base, offchain, &mut words);
        for (addr, len) in
            [(ONCHAIN_INPUT_LEN_ADDR, onchain.len()), (OFFCHAIN_INPUT_LEN_ADDR, offchain.len())]
        {
            if len != 0 {
                words.push((self.index(addr).unwrap(), len as u32));
            }
        }
        for s in &program.segments {
            push_bytes(s.vaddr, &s.data, &mut words);
        }
        words
    }
}

/// What the VM lets a guest do with each RAM word, as the prover states it: sorted,
/// disjoint word-index ranges `[start, end)` that may be read, and those that may be
/// written (every writable word is readable). Everything else — the gap between the I/O
/// block and RAM, the stack guard, anything at or past `heap_end` — faults in the VM.
///
/// The RAM read-address check (`v2::ram_proof`) ties each access's permission bits to the
/// word's, from tables the verifier evaluates from this map; the CPU constraints then
/// require `r` on loads and `w` on stores (or the row is the faulting one). All boundaries are word-aligned (page-rounded I/O regions,
/// 16-byte sizes, word-widened writable segments: `Program::writable_ranges`), so the
/// word-level rule is exactly the VM's byte-level one.
///
/// A third bit marks the control words whose non-zero value ends the run (panic and
/// termination), so that the CPU can detect the terminating store without an is-zero
/// gadget on the address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamPermissions {
    pub readable: Vec<(usize, usize)>,
    pub writable: Vec<(usize, usize)>,
    pub control: Vec<(usize, usize)>,
}

impl RamPermissions {
    pub fn of(program: &Program, layout: &RamLayout) -> Self {
        let idx = |a: u32| ((a - layout.io_base) / 4) as usize;
        let io_out_end = layout.output_base + program.layout.sizes.max_output;
        let stack = (idx(program.layout.stack_bottom()), idx(layout.end));
        let readable =
            vec![(0, idx(CONTROL_END)), (idx(RAM_BASE), idx(program.image_end())), stack];
        let mut writable = vec![
            (idx(layout.output_base), idx(io_out_end)),
            (idx(CONTROL_BASE), idx(OUTPUT_LEN_ADDR) + 1),
        ];
        writable.extend(program.writable_ranges().into_iter().map(|(a, b)| (idx(a), idx(b))));
        writable.push(stack);
        let clean = |mut v: Vec<(usize, usize)>| {
            v.retain(|(a, b)| a < b);
            v.sort_unstable();
            v
        };
        let control = vec![(idx(PANIC_ADDR), idx(TERMINATION_ADDR) + 1)];
        RamPermissions { readable: clean(readable), writable: clean(writable), control }
    }

    fn sets(&self) -> [&[(usize, usize)]; 3] {
        [&self.readable, &self.writable, &self.control]
    }

    /// `[r, w, control]` of word `index`.
    pub fn at(&self, index: usize) -> [bool; 3] {
        self.sets().map(|ranges| ranges.iter().any(|&(a, b)| a <= index && index < b))
    }

    /// Prover: the `r`, `w` and control tables of a `2^log_k`-word window.
    pub fn tables(&self, log_k: usize) -> [Vec<Fr>; 3] {
        let table = |ranges: &[(usize, usize)]| {
            let mut t = vec![Fr::from(0u64); 1 << log_k];
            for &(a, b) in ranges {
                t[a.min(1 << log_k)..b.min(1 << log_k)].fill(Fr::from(1u64));
            }
            t
        };
        self.sets().map(table)
    }

    /// Verifier: the MLEs of the three tables at `point` (`point.len()` = log K), in
    /// O(log K) per range.
    pub fn mles(&self, point: &[Fr]) -> [Fr; 3] {
        self.sets().map(|ranges| ranges.iter().map(|&(a, b)| range_mle(point, a, b)).sum())
    }
}

/// `Σ_{a ≤ i < b} eq(point, i)` (MSB-first point; bounds clipped to `2^|point|`).
pub fn range_mle(point: &[Fr], a: usize, b: usize) -> Fr {
    prefix_mle(point, b) - prefix_mle(point, a)
}

/// `Σ_{i < x} eq(point, i)`: walking x's bits from the top, every 1-bit contributes the
/// indices that agree above it and have a 0 there (their lower bits sum to 1).
fn prefix_mle(point: &[Fr], x: usize) -> Fr {
    let n = point.len();
    if x >> n != 0 {
        return Fr::from(1u64);
    }
    let (mut acc, mut agree) = (Fr::from(0u64), Fr::from(1u64));
    for (j, r) in point.iter().enumerate() {
        if (x >> (n - 1 - j)) & 1 == 1 {
            acc += agree * (Fr::from(1u64) - r);
            agree *= r;
        } else {
            agree *= Fr::from(1u64) - r;
        }
    }
    acc
}

/// `eq(point, i)` for any index `i` from two √K-sized tables (the index split into a high and
/// a low half), so sparse MLEs never build a K-sized table.
struct SplitEq {
    hi: Vec<Fr>,
    lo: Vec<Fr>,
    lo_bits: usize,
}

impl SplitEq {
    fn new(point: &[Fr]) -> Self {
        let n = point.len();
        let lo_bits = n / 2;
        SplitEq {
            hi: eq_table(&point[..n - lo_bits]),
            lo: eq_table(&point[n - lo_bits..]),
            lo_bits,
        }
    }

    fn at(&self, i: usize) -> Fr {
        self.hi[i >> self.lo_bits] * self.lo[i & ((1usize << self.lo_bits) - 1)]
    }
}

/// `Σ_i value_i · eq(point, index_i)`: the MLE of a sparse table at `point` (MSB-first,
/// `point.len()` = log K).
pub fn sparse_mle(words: &[(usize, Fr)], point: &[Fr]) -> Fr {
    let eq = SplitEq::new(point);
    words.iter().map(|&(i, v)| eq.at(i) * v).sum()
}

/// The prover-supplied final control values the statement does not fix exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FinalControl {
    pub panic_word: u32,
    pub termination_word: u32,
    /// The bytes of the last output word above the output length, shifted down.
    pub output_tail: u32,
    /// The output length word (the statement's output length, unless it exceeds the maximum).
    pub output_len_word: u32,
}

impl FinalControl {
    /// Whether these values agree with the statement's outcome (panic wins if both words are
    /// set; a halted run terminated; a run that ran out of cycles or faulted wrote neither; a
    /// run whose output overflowed halted) and output length: the length word, unless it
    /// exceeds `max_output` — then the output is empty and the run did not simply halt (the
    /// VM calls that an output overflow).
    pub fn consistent(
        &self,
        outcome: crate::statement::Outcome,
        output_len: usize,
        max_output: u32,
    ) -> bool {
        use crate::statement::{FaultClass, Outcome};
        let overflow = self.output_len_word > max_output;
        let len_ok = match (outcome, overflow) {
            (Outcome::Faulted { class: FaultClass::OutputOverflow, .. }, o) => o && output_len == 0,
            (Outcome::Halted, true) => false,
            (_, true) => output_len == 0,
            (_, false) => self.output_len_word as usize == output_len,
        };
        let tail_bits = 8 * ((4 - output_len % 4) % 4);
        let tail_ok = if output_len % 4 == 0 {
            self.output_tail == 0
        } else {
            (self.output_tail as u64) < (1u64 << tail_bits)
        };
        let state_ok = match outcome {
            Outcome::Panicked => self.panic_word != 0,
            Outcome::Halted | Outcome::Faulted { class: FaultClass::OutputOverflow, .. } => {
                self.panic_word == 0 && self.termination_word != 0
            }
            Outcome::OutOfCycles | Outcome::Faulted { .. } => {
                self.panic_word == 0 && self.termination_word == 0
            }
        };
        tail_ok && len_ok && state_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::DenseMle;
    use ark_std::UniformRand;

    #[test]
    fn sparse_mles_match_dense() {
        let mut rng = ark_std::test_rng();
        let log_k = 10;
        let words: Vec<(usize, Fr)> =
            vec![(3, Fr::from(7u64)), (1000, Fr::from(9u64)), (512, Fr::from(1u64))];
        let mut dense = vec![Fr::from(0u64); 1 << log_k];
        for &(i, v) in &words {
            dense[i] = v;
        }
        let point: Vec<Fr> = (0..log_k).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(sparse_mle(&words, &point), DenseMle::new(dense).evaluate(&point));
    }

    #[test]
    fn range_mles_match_dense() {
        let mut rng = ark_std::test_rng();
        let log_k = 6;
        let point: Vec<Fr> = (0..log_k).map(|_| Fr::rand(&mut rng)).collect();
        for (a, b) in [(0, 0), (0, 1), (0, 64), (3, 17), (31, 33), (63, 64), (10, 200), (70, 90)] {
            let mut dense = vec![Fr::from(0u64); 1 << log_k];
            for x in &mut dense[a.min(64)..b.min(64)] {
                *x = Fr::from(1u64);
            }
            assert_eq!(
                range_mle(&point, a, b),
                DenseMle::new(dense).evaluate(&point),
                "[{a}, {b})"
            );
        }
        let perms = RamPermissions {
            readable: vec![(0, 5), (9, 40), (50, 80)],
            writable: vec![(2, 4), (30, 40)],
            control: vec![(33, 35)],
        };
        let dense = perms.tables(log_k).map(|t| DenseMle::new(t).evaluate(&point));
        assert_eq!(perms.mles(&point), dense);
        assert_eq!(perms.at(3), [true, true, false]);
        assert_eq!(perms.at(6), [false, false, false]);
        assert_eq!(perms.at(9), [true, false, false]);
        assert_eq!(perms.at(34), [true, true, true]);
    }

    #[test]
    fn final_control_rules() {
        use crate::statement::{FaultClass, Outcome};
        let (halted, panicked) = (Outcome::Halted, Outcome::Panicked);
        let max = 1024;
        let control = |panic_word, termination_word, output_tail, output_len_word| FinalControl {
            panic_word,
            termination_word,
            output_tail,
            output_len_word,
        };
        let c = control(0, 1, 0, 8);
        assert!(c.consistent(halted, 8, max));
        assert!(!c.consistent(halted, 7, max), "the length word is the output's length");
        assert!(!c.consistent(panicked, 8, max));
        let p = control(1, 0, 0xAB, 3);
        assert!(p.consistent(panicked, 3, max)); // one tail byte allowed
        assert!(!control(1, 0, 0x100, 3).consistent(panicked, 3, max));
        assert!(!control(0, 1, 1, 4).consistent(halted, 4, max));
        let neither = control(0, 0, 0, 0);
        assert!(!neither.consistent(halted, 0, max));
        // A run that ran out of cycles or faulted wrote neither control word.
        let faulted = Outcome::Faulted { class: FaultClass::MemoryAccess, pc: 0 };
        for outcome in [Outcome::OutOfCycles, faulted] {
            assert!(neither.consistent(outcome, 0, max));
            assert!(!c.consistent(outcome, 8, max) && !p.consistent(outcome, 3, max));
        }
        // A length word above the maximum: an empty output, and never a plain halt.
        let overflow = Outcome::Faulted { class: FaultClass::OutputOverflow, pc: 4 };
        let big = control(0, 1, 0, max + 1);
        assert!(big.consistent(overflow, 0, max));
        assert!(!big.consistent(halted, 0, max));
        assert!(!control(0, 1, 0, max).consistent(overflow, 0, max), "at the maximum it fits");
        assert!(!control(1, 1, 0, max + 1).consistent(overflow, 0, max), "a panic is a panic");
        assert!(control(1, 0, 0, u32::MAX).consistent(panicked, 0, max));
        assert!(!control(1, 0, 0, u32::MAX).consistent(panicked, 1, max));
        assert!(control(0, 0, 0, max + 1).consistent(faulted, 0, max));
    }
}
