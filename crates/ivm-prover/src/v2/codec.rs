//! The encoding of a v2 proof. Every length is derived by the reader from the ELF and the
//! proof's shape fields (rows, pages), which are read and checked first; nothing is allocated
//! from a length the file states.
use rayon::prelude::*;

use super::bytecode::FETCH_CHECKS;
use super::chunks::ChunkedProof;
use super::lookups::{LookupsProof, LOG_K_OPERANDS};
use super::polys::{Chunked, Polys, LOOKUP_GROUPS};
use super::proof::Proof;
use super::ram::{check_pages, max_pages};
use super::ram_proof::RamProof;
use super::registers::RegistersProof;
use super::slot_split::SlotSplitProof;
use super::witness::{LOG_REGISTERS, LOG_REGISTER_ROWS, LOG_SLOT_ROWS, MAX_LOG_ROWS};
use crate::claim_reduction::OpeningProof;
use crate::codec::{DecodeError, Reader, Writer};
use crate::onehot::read_check::{BatchedReadCheckProof, ReadCheckProof};
use crate::pcs::{max_dory_proof_bytes, MAX_COMMITMENT_BYTES};
use crate::pcs::{DoryCommitment, DoryProof};
use crate::preprocess::Preprocessed;
use crate::ram::FinalControl;
use crate::spartan::SpartanProof;
use crate::statement::Statement;
use crate::twist::read_write::{ReadWriteEvals, ReadWriteProof};
use crate::twist::val_eval::ValEvalProof;

fn write_read_check(w: &mut Writer, p: &ReadCheckProof) {
    w.sumcheck(&p.sumcheck);
    w.fr(&p.ra_eval);
}

fn read_read_check(
    r: &mut Reader,
    log_k: usize,
    what: &str,
) -> Result<ReadCheckProof, DecodeError> {
    Ok(ReadCheckProof { sumcheck: r.sumcheck(log_k, 2, what)?, ra_eval: r.fr(what)? })
}

fn write_read_write(w: &mut Writer, p: &ReadWriteProof) {
    w.sumcheck(&p.sumcheck);
    w.frs(&[p.evals.ra, p.evals.wa, p.evals.wv, p.evals.val]);
}

fn read_read_write(r: &mut Reader, vars: usize, what: &str) -> Result<ReadWriteProof, DecodeError> {
    let sumcheck = r.sumcheck(vars, 3, what)?;
    let e = r.frs_exact(4, what)?;
    Ok(ReadWriteProof {
        sumcheck,
        evals: ReadWriteEvals { ra: e[0], wa: e[1], wv: e[2], val: e[3] },
    })
}

fn write_val(w: &mut Writer, p: &ValEvalProof) {
    w.sumcheck(&p.sumcheck);
    w.frs(&[p.inc, p.wa]);
}

fn read_val(r: &mut Reader, log_t: usize, what: &str) -> Result<ValEvalProof, DecodeError> {
    let sumcheck = r.sumcheck(log_t, 3, what)?;
    let e = r.frs_exact(2, what)?;
    Ok(ValEvalProof { sumcheck, inc: e[0], wa: e[1] })
}

fn read_lookups(r: &mut Reader, log_rows: usize) -> Result<LookupsProof, DecodeError> {
    let what = "lookups";
    let sumcheck = r.sumcheck(LOG_K_OPERANDS + log_rows + LOG_SLOT_ROWS, 3, what)?;
    let e = r.frs_exact(2, what)?;
    Ok(LookupsProof { sumcheck, ra_eval: e[0], value_eval: e[1] })
}

fn write_chunks(w: &mut Writer, p: &ChunkedProof) {
    w.sumcheck(&p.sumcheck);
    for e in &p.chunk_evals {
        w.frs(e);
    }
    w.frs(&p.booleanity);
    w.sumcheck(&p.hamming.sumcheck);
    w.frs(&p.hamming.ra_evals);
}

fn read_chunks(r: &mut Reader, polys: &Polys, m: Chunked) -> Result<ChunkedProof, DecodeError> {
    let chunking = polys.chunking(m);
    let (d, log_t) = (chunking.d(), polys.log_t(m));
    let what = "one-hot chunks";
    let widest = chunking.widths().iter().max().copied().unwrap_or(0);
    // The virtualization (degree d + 1 over the rows) batched with booleanity (degree 3 over
    // a chunk's addresses and the rows).
    let sumcheck = r.sumcheck(widest + log_t, (d + 1).max(3), what)?;
    let chunk_evals =
        (0..m.virtual_groups()).map(|_| r.frs_exact(d, what)).collect::<Result<_, _>>()?;
    let booleanity = r.frs_exact(d, what)?;
    let hamming = BatchedReadCheckProof {
        sumcheck: r.sumcheck(widest, 2, what)?,
        ra_evals: r.frs_exact(d, what)?,
    };
    Ok(ChunkedProof { sumcheck, chunk_evals, booleanity, hamming })
}

/// The page list as runs of consecutive pages, `(first, count)`: a run's memory is a few
/// contiguous regions (image, heap, stack, I/O), so a list of thousands of pages takes a few
/// dozen bytes. Runs are strictly increasing and separated by a gap, so each list has one
/// encoding.
fn write_pages(w: &mut Writer, pages: &[u32]) {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &p in pages {
        match runs.last_mut() {
            Some((first, count)) if u64::from(*first) + u64::from(*count) == u64::from(p) => {
                *count += 1
            }
            _ => runs.push((p, 1)),
        }
    }
    w.u32(runs.len() as u32);
    for (first, count) in runs {
        w.u32(first);
        w.u32(count);
    }
}

/// Read [`write_pages`]' runs, refusing more than `max` pages in all before allocating them.
fn read_pages(r: &mut Reader, max: usize) -> Result<Vec<u32>, DecodeError> {
    let n_runs = r.len(max, "page list (runs)")?;
    let mut runs = Vec::with_capacity(n_runs);
    let (mut total, mut next_free) = (0usize, 0u64);
    for _ in 0..n_runs {
        let (first, count) = (r.u32("page list")?, r.u32("page list")?);
        total = total.saturating_add(count as usize);
        if count == 0 || total > max {
            return Err(DecodeError(format!(
                "page list: a run of {count} pages (at most {max} pages in all, none empty)"
            )));
        }
        if u64::from(first) < next_free || u64::from(first) + u64::from(count) > 1 << 32 {
            return Err(DecodeError(
                "page list: runs must be increasing, separated and below 2^32".into(),
            ));
        }
        next_free = u64::from(first) + u64::from(count) + 1;
        runs.push((first, count));
    }
    Ok(runs.into_iter().flat_map(|(first, count)| (0..count).map(move |i| first + i)).collect())
}

impl Proof {
    pub fn write(&self, w: &mut Writer) {
        w.u8(self.log_rows);
        write_pages(w, &self.pages);
        w.u32(self.control.panic_word);
        w.u32(self.control.termination_word);
        w.u32(self.control.output_tail);
        w.u32(self.control.output_len_word);
        for c in &self.commitments {
            w.bytes(&c.to_bytes());
        }
        self.spartan.write(w);
        let g = &self.registers;
        w.fr(&g.inc);
        write_read_write(w, &g.read_write);
        w.fr(&g.rdnew);
        write_val(w, &g.val);
        let m = &self.ram;
        w.fr(&m.inc);
        write_read_write(w, &m.read_write);
        write_val(w, &m.val);
        write_read_check(w, &m.addresses);
        w.sumcheck(&m.final_check);
        w.fr(&m.final_value);
        w.sumcheck(&m.final_sum);
        w.frs(&[m.final_inc, m.final_wa]);
        w.sumcheck(&self.lookups.sumcheck);
        w.frs(&[self.lookups.ra_eval, self.lookups.value_eval]);
        w.sumcheck(&self.fetches.sumcheck);
        w.frs(&self.fetches.ra_evals);
        for c in &self.chunks {
            write_chunks(w, c);
        }
        for v in &self.lookup_groups.values {
            w.frs(v);
        }
        w.sumcheck(&self.openings.sumcheck);
        w.frs(&self.openings.evals);
        w.bytes(&self.openings.dory.to_bytes());
    }

    /// Decode a proof of `st` about a run of `pre`'s program.
    pub(crate) fn read(
        r: &mut Reader,
        pre: &Preprocessed,
        st: &Statement,
    ) -> Result<Self, DecodeError> {
        let log_rows = r.u8("log_rows")?;
        let lr = log_rows as usize;
        if !(1..=MAX_LOG_ROWS).contains(&lr) {
            return Err(DecodeError(format!("log_rows {log_rows} outside [1, {MAX_LOG_ROWS}]")));
        }
        let pages = read_pages(r, max_pages(&pre.ram, st))?;
        let map = check_pages(&pre.ram, pages.clone(), st).map_err(DecodeError)?;
        let control = FinalControl {
            panic_word: r.u32("panic word")?,
            termination_word: r.u32("termination word")?,
            output_tail: r.u32("output tail")?,
            output_len_word: r.u32("output length word")?,
        };
        let polys = Polys::new(lr, pre.log_k_bc, map.log_k());
        // Each commitment's subgroup check is an exponentiation in G_T: on every core.
        let encoded = (0..polys.count())
            .map(|_| r.bytes(MAX_COMMITMENT_BYTES, "commitment"))
            .collect::<Result<Vec<_>, _>>()?;
        let commitments = encoded
            .par_iter()
            .map(|b| {
                DoryCommitment::from_bytes(b).map_err(|e| DecodeError(format!("commitment: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let spartan = SpartanProof::read(r, &super::cpu::constraints(st.outcome), lr)?;
        let reg_rows = lr + LOG_REGISTER_ROWS;
        let registers = RegistersProof {
            inc: r.fr("registers")?,
            read_write: read_read_write(r, LOG_REGISTERS + reg_rows, "registers")?,
            rdnew: r.fr("registers")?,
            val: read_val(r, reg_rows, "registers")?,
        };
        let k = map.log_k();
        let inc = r.fr("RAM")?;
        let read_write = read_read_write(r, k + lr, "RAM")?;
        let val = read_val(r, lr, "RAM")?;
        let addresses = read_read_check(r, k, "RAM")?;
        let final_check = r.sumcheck(k, 3, "RAM final check")?;
        let final_value = r.fr("RAM")?;
        let final_sum = r.sumcheck(lr, 2, "RAM final sum")?;
        let last = r.frs_exact(2, "RAM")?;
        let ram = RamProof {
            inc,
            read_write,
            val,
            addresses,
            final_check,
            final_value,
            final_sum,
            final_inc: last[0],
            final_wa: last[1],
        };
        let lookups = read_lookups(r, lr)?;
        let what = "bytecode fetch checks";
        let fetches = BatchedReadCheckProof {
            sumcheck: r.sumcheck(pre.log_k_bc, 2, what)?,
            ra_evals: r.frs_exact(FETCH_CHECKS, what)?,
        };
        let chunks = [
            read_chunks(r, &polys, Chunked::Bytecode)?,
            read_chunks(r, &polys, Chunked::Ram)?,
            read_chunks(r, &polys, Chunked::Lookups)?,
        ];
        // Claims left on the lookup chunks: one per chunk from each of virtualization (per
        // address point of the claims on the matrix), Hamming weight and booleanity.
        let split_claims = polys.lookups.d() * (Chunked::Lookups.virtual_groups() + 2);
        let values = (0..split_claims)
            .map(|_| r.frs_exact(LOOKUP_GROUPS, "lookup slot groups"))
            .collect::<Result<_, _>>()?;
        let n = polys.layout_vars();
        let sumcheck = r.sumcheck(n, 2, "openings")?;
        let evals = r.frs_exact(polys.count(), "opened values")?;
        let dory = r.bytes(max_dory_proof_bytes(n), "Dory proof")?;
        let dory =
            DoryProof::from_bytes(&dory).map_err(|e| DecodeError(format!("Dory proof: {e}")))?;
        Ok(Proof {
            log_rows,
            pages,
            control,
            commitments,
            spartan,
            registers,
            ram,
            lookups,
            fetches,
            chunks,
            lookup_groups: SlotSplitProof { values },
            openings: OpeningProof { sumcheck, evals, dory },
        })
    }
}
