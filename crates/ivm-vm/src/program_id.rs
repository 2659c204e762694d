//! Program IDs: a keccak256 over exactly what executes.
//!
//! Covered: the ABI version, the layout header (sizes, stack top, heap end), the entry point,
//! and each loadable segment's address, size, permissions and bytes (trailing zeros trimmed,
//! since they are indistinguishable from zero fill). Not covered: symbols, section headers,
//! debug info, or anything else in the ELF that does not change execution.
use sha3::{Digest, Keccak256};

use crate::elf::Program;

/// Domain separator, so IDs can never collide with other keccak uses.
const DOMAIN: &[u8] = b"ivm.program-id.v1";

/// A 32-byte program ID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgramId(pub [u8; 32]);

impl ProgramId {
    pub fn of(program: &Program) -> ProgramId {
        let mut h = Keccak256::new();
        h.update(DOMAIN);
        for w in program.layout.to_words() {
            h.update(w.to_le_bytes());
        }
        h.update(program.entry.to_le_bytes());
        h.update((program.segments.len() as u32).to_le_bytes());
        for s in &program.segments {
            let trimmed = s.data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            h.update(s.vaddr.to_le_bytes());
            h.update(s.memsz.to_le_bytes());
            h.update(s.flags.to_le_bytes());
            h.update((trimmed as u32).to_le_bytes());
            h.update(&s.data[..trimmed]);
        }
        ProgramId(h.finalize().into())
    }

    /// `0x`-prefixed lowercase hex.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(66);
        s.push_str("0x");
        for b in self.0 {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }
}

impl std::fmt::Display for ProgramId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl std::fmt::Debug for ProgramId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProgramId({})", self.to_hex())
    }
}
