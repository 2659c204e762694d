//! Property tests: no bytes, truncation or instruction word can panic the host.
mod support;

use ivm_vm::{Inputs, Program};
use proptest::prelude::*;
use support::*;

fn valid_elf() -> Vec<u8> {
    let mut code = li(5, DATA).to_vec();
    code.extend([addi(6, 0, 3), sw(6, 5, 0), lw(7, 5, 0)]);
    elf(TEXT, &segments(&with_exit(&code)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Program::load(&bytes);
    }

    #[test]
    fn truncated_elves_never_panic(cut in 0usize..2000) {
        let bytes = valid_elf();
        let cut = cut.min(bytes.len());
        if let Ok(p) = Program::load(&bytes[..cut]) {
            let _ = ivm_vm::execute(&p, Inputs::default(), 1000);
        }
    }

    #[test]
    fn mutated_elves_never_panic(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = valid_elf();
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(p) = Program::load(&bytes) {
            let _ = ivm_vm::execute(&p, Inputs::default(), 1000);
        }
    }

    #[test]
    fn random_instruction_words_never_panic(words in proptest::collection::vec(any::<u32>(), 1..64), regs_seed in any::<u32>()) {
        // Seed a few registers with pointers into mapped memory so loads/stores get exercised.
        let mut code = li(5, DATA).to_vec();
        code.extend(li(6, STACK_TOP - 64));
        code.extend(li(7, regs_seed));
        code.extend(words);
        let program = program(&code);
        let fast = ivm_vm::execute(&program, Inputs { onchain: b"in", offchain: b"off" }, 5000).unwrap();
        let (traced, steps) = ivm_vm::trace(&program, Inputs { onchain: b"in", offchain: b"off" }, 5000).unwrap();
        prop_assert_eq!(fast.cycles, traced.cycles);
        prop_assert_eq!(fast.exit, traced.exit);
        prop_assert_eq!(fast.regs, traced.regs);
        prop_assert_eq!(steps.len() as u64, traced.cycles);
    }
}
