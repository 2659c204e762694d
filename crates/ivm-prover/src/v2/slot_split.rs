//! Lookup chunks committed per slot group (`polys::LOOKUP_GROUPS`).
//!
//! A lookup chunk `C` has one memory row per (CPU row `j`, slot `s`), row index `8j + s`, and
//! slot `s = (g, b)` splits into its high bits `g` (the group) and low bits `b`. The committed
//! polynomials are `C_g(k, (j, b)) = C(k, (j, g, b))`, so a claim on the chunk at
//! `(ρ_k, (ρ_j, ρ_g, ρ_b))` is
//!
//! `C(ρ_k, (ρ_j, ρ_g, ρ_b)) = Σ_g eq(ρ_g, g)·C_g(ρ_k, (ρ_j, ρ_b))`:
//!
//! the prover states the group values, the verifier checks their `eq`-combination against
//! the claim and leaves one claim per group. Cutting the slot bits out keeps the largest
//! committed polynomial (and with it Dory's row width) small.
use std::collections::HashMap;

use super::polys::{Polys, LOOKUP_GROUPS, LOOKUP_GROUP_BITS};
use super::witness::LOG_SLOT_ROWS;
use crate::field::Fr;
use crate::onehot::chunked::ChunkClaim;
use crate::onehot::OneHot;
use crate::poly::{eq_table, SplitEq};
use crate::transcript::Transcript;

use super::polys::Claims;

/// Per chunk claim, the value of every group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotSplitProof {
    pub values: Vec<Vec<Fr>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SlotSplitError {
    #[error("lookup slot groups: {got} value groups for {expected} claims")]
    Shape { expected: usize, got: usize },
    #[error("lookup slot groups: claim {0} is not the combination of its group values")]
    Mismatch(usize),
}

/// The committed group polynomials of one interleaved chunk (prover).
pub fn groups_of(chunk: &OneHot) -> Vec<OneHot> {
    let per_row = 1usize << LOG_SLOT_ROWS;
    let low = 1usize << (LOG_SLOT_ROWS - LOOKUP_GROUP_BITS);
    (0..LOOKUP_GROUPS)
        .map(|g| {
            // Row `(j, b)` of group `g` is row `(j, g, b)` of the chunk.
            let log_t = chunk.log_t() - LOOKUP_GROUP_BITS;
            OneHot::from_fn(chunk.log_k(), log_t, |i| {
                let (j, b) = (i / low, i % low);
                chunk.addrs().get(j * per_row + g * low + b)
            })
        })
        .collect()
}

/// `(ρ_k, ρ_j ‖ ρ_b)` and `ρ_g` of a claim's point `(ρ_k, (ρ_j, ρ_g, ρ_b))`.
fn split_point(point: &[Fr], log_k: usize) -> (Vec<Fr>, Vec<Fr>) {
    let (k, cycle) = point.split_at(log_k);
    let rows = cycle.len() - LOG_SLOT_ROWS;
    let (j, slot) = cycle.split_at(rows);
    let (g, b) = slot.split_at(LOOKUP_GROUP_BITS);
    ([k, j, b].concat(), g.to_vec())
}

fn absorb(values: &[Vec<Fr>], t: &mut Transcript) {
    for v in values {
        t.append_scalars(b"v2/lookup-groups", v);
    }
}

/// `chunks[i]` are the interleaved chunk matrices, `groups[i][g]` their group polynomials.
pub fn prove(
    polys: &Polys,
    groups: &[Vec<OneHot>],
    out: Vec<ChunkClaim>,
    claims: &mut Claims,
    t: &mut Transcript,
) -> SlotSplitProof {
    let widths = polys.lookups.widths();
    // A chunk's claims share their cycle point (the chunk stage's): each group's rows are
    // weighted once per cycle point, `G(k) = Σ_{j: a_j = k} eq(r_c, j)`, and each claim's
    // value is `Σ_k eq(r_k, k)·G(k)`.
    let mut weights: HashMap<(usize, Vec<Fr>), Vec<Vec<Fr>>> = HashMap::new();
    let values: Vec<Vec<Fr>> = out
        .iter()
        .map(|c| {
            let (point, _) = split_point(&c.claim.point, widths[c.chunk]);
            let (r_k, r_c) = point.split_at(widths[c.chunk]);
            let g = weights.entry((c.chunk, r_c.to_vec())).or_insert_with(|| {
                let eq_c = SplitEq::new(r_c);
                groups[c.chunk].iter().map(|m| m.cycle_weights_split(&eq_c)).collect()
            });
            let eq_k = eq_table(r_k);
            g.iter().map(|w| w.iter().zip(&eq_k).map(|(w, e)| *w * e).sum()).collect()
        })
        .collect();
    absorb(&values, t);
    for (c, v) in out.into_iter().zip(&values) {
        let (point, _) = split_point(&c.claim.point, widths[c.chunk]);
        for (g, value) in v.iter().enumerate() {
            claims.commit(polys.lookup_group(c.chunk, g), point.clone(), *value);
        }
    }
    SlotSplitProof { values }
}

pub fn verify(
    polys: &Polys,
    out: Vec<ChunkClaim>,
    proof: &SlotSplitProof,
    claims: &mut Claims,
    t: &mut Transcript,
) -> Result<(), SlotSplitError> {
    if proof.values.len() != out.len() || proof.values.iter().any(|v| v.len() != LOOKUP_GROUPS) {
        return Err(SlotSplitError::Shape { expected: out.len(), got: proof.values.len() });
    }
    let widths = polys.lookups.widths();
    for (n, (c, v)) in out.iter().zip(&proof.values).enumerate() {
        let (_, g) = split_point(&c.claim.point, widths[c.chunk]);
        let combined: Fr = eq_table(&g).iter().zip(v).map(|(e, x)| *e * x).sum();
        if combined != c.claim.eval {
            return Err(SlotSplitError::Mismatch(n));
        }
    }
    absorb(&proof.values, t);
    for (c, v) in out.into_iter().zip(&proof.values) {
        let (point, _) = split_point(&c.claim.point, widths[c.chunk]);
        for (g, value) in v.iter().enumerate() {
            claims.commit(polys.lookup_group(c.chunk, g), point.clone(), *value);
        }
    }
    Ok(())
}
