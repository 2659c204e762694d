//! Instruction lookups: one Shout read check of the slot matrix (eight memory rows per CPU
//! row, `witness` docs) into the universal subtable memory of `(kind, a, b)` cells, at
//! Spartan's point `r` extended by three random coordinates `s` for the slot:
//!
//! `Σ_k ra(k, (r, s))·(value + γ·a + γ²·b + γ³·kind + γ⁴)(k)
//!    = Σ_slot eq(s, slot)·(e + γ·a + γ²·b + γ³·kind)_slot(r) + γ⁴`,
//!
//! where a slot's kind is fixed by the row's table flags (`tables::slot_kinds`) and the byte
//! and value columns are Spartan's claims. So every slot read the cell its bytes name, in the
//! subtable its table prescribes, and got that cell's value; and every slot reads exactly one
//! cell. The verifier evaluates the table in `O(kinds·16)` (`Kind::mle`).
use super::cpu::{slot_a, slot_b, slot_e};
use super::polys::{Chunked, Claims};
use super::witness::LOG_SLOT_ROWS;
use crate::bytecode_fields::{LOG_K_LOOKUP, TABLE_FLAGS};
use crate::field::Fr;
use crate::isa::tables::{slot_kinds, Kind, Table, SLOTS};
use crate::onehot::read_check::{self, identity_eval, ReadCheckProof};
use crate::onehot::OneHot;
use crate::poly::{eq_table, DenseMle};
use crate::sumcheck::SumcheckError;
use crate::transcript::Transcript;

/// Bits of a cell index: kind (5), `a` (8), `b` (8).
const KIND_BITS: usize = LOG_K_LOOKUP - 16;

fn draw(log_rows_point: &[Fr], t: &mut Transcript) -> (Vec<Fr>, Vec<Fr>) {
    let s = t.challenge_scalars(b"v2/lookups/slot", LOG_SLOT_ROWS);
    let gamma = t.challenge_powers(b"v2/lookups/gamma", 5);
    ([log_rows_point, &s].concat(), gamma)
}

/// The claimed sum from Spartan's claims at `r` and the slot point `s`.
fn claim(evals: &[Fr], s: &[Fr], g: &[Fr]) -> Fr {
    let eq_s = eq_table(s);
    let mut sum = g[4];
    for (slot, e) in eq_s.iter().enumerate().take(SLOTS) {
        let kind: Fr = Table::ALL
            .iter()
            .map(|t| evals[TABLE_FLAGS + t.index()] * Fr::from(slot_kinds(*t)[slot].index() as u64))
            .sum();
        sum += *e
            * (evals[slot_e(slot)]
                + g[1] * evals[slot_a(slot)]
                + g[2] * evals[slot_b(slot)]
                + g[3] * kind);
    }
    sum
}

/// The prover's table over all `2^21` cells (kinds past the last are all-zero subtables).
fn table(g: &[Fr]) -> DenseMle {
    let mut v = Vec::with_capacity(1 << LOG_K_LOOKUP);
    for kind in 0..1u64 << KIND_BITS {
        let k = Kind::ALL.get(kind as usize);
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let value = k.map_or(0, |k| k.eval(a, b));
                v.push(
                    crate::field::fr_u64(value)
                        + crate::field::mul_u32(&g[1], a.into())
                        + crate::field::mul_u32(&g[2], b.into())
                        + g[3] * Fr::from(kind)
                        + g[4],
                );
            }
        }
    }
    DenseMle::new(v)
}

/// The verifier's evaluation of [`table`] at `p = (p_kind, p_a, p_b)`.
fn table_eval(p: &[Fr], g: &[Fr]) -> Fr {
    let (p_kind, rest) = p.split_at(KIND_BITS);
    let (p_a, p_b) = rest.split_at(8);
    let eq_kind = eq_table(p_kind);
    let value: Fr = Kind::ALL.iter().zip(&eq_kind).map(|(k, e)| *e * k.mle(p_a, p_b)).sum();
    value
        + g[1] * identity_eval(p_a)
        + g[2] * identity_eval(p_b)
        + g[3] * identity_eval(p_kind)
        + g[4]
}

pub fn prove(r: &[Fr], slots: &OneHot, claims: &mut Claims, t: &mut Transcript) -> ReadCheckProof {
    let (point, g) = draw(r, t);
    let (proof, _, ra) = read_check::prove(slots, &point, &table(&g), t);
    claims.matrix(Chunked::Lookups).push(ra);
    proof
}

pub fn verify(
    evals: &[Fr],
    r: &[Fr],
    proof: &ReadCheckProof,
    claims: &mut Claims,
    t: &mut Transcript,
) -> Result<(), SumcheckError> {
    let (point, g) = draw(r, t);
    let sum = claim(evals, &point[r.len()..], &g);
    let ra = read_check::verify(sum, LOG_K_LOOKUP, &point, proof, |p| table_eval(p, &g), t)?;
    claims.matrix(Chunked::Lookups).push(ra);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::random_point;

    #[test]
    fn the_verifiers_table_evaluation_is_the_provers_table() {
        let g = random_point(1, 5);
        let p = random_point(2, LOG_K_LOOKUP);
        assert_eq!(table_eval(&p, &g), table(&g).evaluate(&p));
    }
}
