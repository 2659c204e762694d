//! A v2 proof, and the preamble both sides absorb before any challenge.
use super::chunks::ChunkedProof;
use super::lookups::LookupsProof;
use super::ram_proof::RamProof;
use super::registers::RegistersProof;
use super::slot_split::SlotSplitProof;
use super::DOMAIN;
use crate::claim_reduction::OpeningProof;
use crate::onehot::read_check::BatchedReadCheckProof;
use crate::pcs::DoryCommitment;
use crate::preprocess::Preprocessed;
use crate::ram::FinalControl;
use crate::spartan::SpartanProof;
use crate::statement::Statement;
use crate::transcript::Transcript;

/// Everything a v2 proof carries besides the statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof {
    /// `log2` of the padded row count.
    pub log_rows: u8,
    /// The RAM pages the run touches (strictly increasing page numbers).
    pub pages: Vec<u32>,
    /// Final control words the statement does not fix exactly.
    pub control: FinalControl,
    /// In `polys::Polys` order.
    pub commitments: Vec<DoryCommitment>,
    pub spartan: SpartanProof,
    pub registers: RegistersProof,
    pub ram: RamProof,
    pub lookups: LookupsProof,
    /// Every read check of the bytecode fetch matrix (`bytecode::FETCH_CHECKS` of them: the
    /// bytecode stage's, the registers', the lookups'), in one batched sumcheck.
    pub fetches: BatchedReadCheckProof,
    /// Bytecode, RAM, lookups (`polys::Chunked` order).
    pub chunks: [ChunkedProof; 3],
    /// The lookup chunks' claims, per slot group.
    pub lookup_groups: SlotSplitProof,
    pub openings: OpeningProof,
}

/// A transcript with everything public absorbed: the domain, the statement, the program's
/// layout and bytecode size, the proof's shape (rows, pages), the final control words, then
/// every commitment.
pub(crate) fn transcript(
    pre: &Preprocessed,
    st: &Statement,
    log_rows: usize,
    pages: &[u32],
    control: &FinalControl,
    commitments: &[DoryCommitment],
) -> Transcript {
    let mut t = Transcript::new(DOMAIN);
    st.absorb(&mut t);
    let words: Vec<u8> =
        pre.program.layout.to_words().iter().flat_map(|w| w.to_le_bytes()).collect();
    t.append_bytes(b"layout", &words);
    t.append_u64(b"log_k_bc", pre.log_k_bc as u64);
    t.append_u64(b"log_rows", log_rows as u64);
    let pages: Vec<u8> = pages.iter().flat_map(|p| p.to_le_bytes()).collect();
    t.append_bytes(b"pages", &pages);
    t.append_u64(b"panic_word", control.panic_word as u64);
    t.append_u64(b"termination_word", control.termination_word as u64);
    t.append_u64(b"output_tail", control.output_tail as u64);
    t.append_u64(b"output_len_word", control.output_len_word as u64);
    t.append_u64(b"commitments", commitments.len() as u64);
    for c in commitments {
        t.append_bytes(b"commitment", &c.to_bytes());
    }
    t
}
