//! Instruction lookups: one Shout read check of the slot matrix (eight memory rows per CPU
//! row, `witness` docs) whose addresses are the slots' **operand bytes** `(a, b)` only; a
//! slot's subtable kind is virtual — fixed by the row's table flags (`tables::slot_kinds`),
//! which the bytecode fetch proves — so only `2^16` addresses per slot are committed (as
//! chunks), not the `2^21` cells `(kind, a, b)`.
//!
//! A slot its table does not use (`tables::slot_used`), and every slot of a row without a
//! lookup, reads nothing (`NO_ACCESS`: its row of the matrix is zero): for most instructions
//! half the slots, whose ones would otherwise be committed and summed. Whether slot row `i`
//! is read, `u(i)`, is linear in the table flags too.
//!
//! At Spartan's point `r` extended by three random coordinates `s` for the slot:
//!
//! `Σ_{k, i} eq((r, s), i)·ra(k, i)·(T_{κ(i)}(k) + L(k))
//!    = Σ_slot eq(s, slot)·(e + γ·a + γ²·b)_slot(r) + γ³·ũ(r, s)`,
//!
//! with `L(k) = γ·a(k) + γ²·b(k) + γ³` and `κ(i)` the kind of slot row `i`; an unused slot's
//! `e, a, b` must then be 0. The sumcheck binds the 16 address variables first (the rows' eq
//! weights summed per kind and address, one pair of `2^16`-vectors per kind the run uses),
//! then the slot rows (`eq·ra·h` with `h(i) = u(i)·(T_{κ(i)}(ρ_a) + L(ρ_a))` read through the
//! row's kind). It ends with two claims: `ra(ρ_a, ρ_i)`, for the chunks' virtualization, and
//! the rows' values `h̃(ρ_i)`, which is linear in the table flags:
//!
//! `h̃(ρ_j, ρ_slot) = Σ_table c_table·flag_table(ρ_j)`,
//! `c_table = Σ_{slot used by table} eq(ρ_slot, slot)·(T_{slot_kinds(table)[slot]}(ρ_a) + L(ρ_a))`,
//!
//! proven by a read check of the bytecode fetch matrix at `ρ_j` against the ELF-derived table
//! `Σ_table c_table·flags_table(entry)` (one of the bytecode module's batched fetch checks).
//! So every used slot read the cell its bytes name in the subtable its instruction's table
//! prescribes, and got that cell's value. The verifier evaluates `T_κ(ρ_a)` in `O(kinds·16)`
//! (`Kind::mle`) and the bytecode table from the table flags' evaluations at the fetch
//! checks' address point.
use super::bytecode::{FetchCheck, TableEval};
use super::cpu::{slot_a, slot_b, slot_e, NUM_BC};
use super::polys::{Chunked, Claims};
use super::witness::LOG_SLOT_ROWS;
use crate::bytecode_fields::{LOG_K_LOOKUP, TABLE_FLAGS};
use crate::eq_product::{EqProduct, Term};
use crate::factor::Factor;
use crate::field::{fr_u64, mul_u32, Fr, Zero};
use crate::isa::tables::{slot_kinds, slot_used, Kind, Table, SLOTS};
use crate::onehot::read_check::{identity_eval, RaClaim};
use crate::onehot::{OneHot, NO_ACCESS};
use crate::poly::{eq_eval, eq_table, DenseMle};
use crate::sumcheck::{self, CompositeSumcheck, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Bits of a slot's committed address: its operand bytes `a` (high) and `b`.
pub const LOG_K_OPERANDS: usize = 16;
/// Bits of a slot's kind in the witness's cell index `(kind, a, b)`.
const KIND_BITS: usize = LOG_K_LOOKUP - LOG_K_OPERANDS;
/// Degree of the summand in each variable (`eq·ra·h` over the rows).
const DEGREE: usize = 3;

/// The read check over the operand addresses and the slot rows and its two final values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupsProof {
    pub sumcheck: SumcheckProof,
    /// `ra(ρ_a, ρ_i)` of the operand matrix.
    pub ra_eval: Fr,
    /// `h̃(ρ_i)`: the slot rows' values at `ρ_a` (0 on unused slots), which a fetch check
    /// proves from the table flags.
    pub value_eval: Fr,
}

/// The operand address of a witness cell `(kind, a, b)` ([`NO_ACCESS`] stays).
pub fn operands(cell: u32) -> u32 {
    if cell == NO_ACCESS {
        cell
    } else {
        cell & ((1 << LOG_K_OPERANDS) - 1)
    }
}

fn draw(log_rows_point: &[Fr], t: &mut Transcript) -> (Vec<Fr>, Vec<Fr>) {
    let s = t.challenge_scalars(b"v2/lookups/slot", LOG_SLOT_ROWS);
    let gamma = t.challenge_powers(b"v2/lookups/gamma", 4);
    ([log_rows_point, &s].concat(), gamma)
}

/// `ũ(r, s)`: whether the slot rows are read, from Spartan's table-flag claims at `r` and a
/// slot point `s` (what the chunks' Hamming weights must be there).
pub fn used_at(evals: &[Fr], s: &[Fr]) -> Fr {
    let eq_s = eq_table(s);
    let used = |t: &Table| -> Fr {
        slot_used(*t).iter().zip(&eq_s).filter(|(u, _)| **u).map(|(_, e)| *e).sum()
    };
    Table::ALL.iter().map(|t| evals[TABLE_FLAGS + t.index()] * used(t)).sum()
}

/// The claimed sum from Spartan's claims at `r` and the slot point `s`.
fn claim(evals: &[Fr], s: &[Fr], g: &[Fr]) -> Fr {
    let eq_s = eq_table(s);
    let mut sum = g[3] * used_at(evals, s);
    for (slot, e) in eq_s.iter().enumerate().take(SLOTS) {
        sum += *e * (evals[slot_e(slot)] + g[1] * evals[slot_a(slot)] + g[2] * evals[slot_b(slot)]);
    }
    sum
}

/// `L(ρ_a) = γ·a + γ²·b + γ³` at an operand point.
fn operand_eval(p: &[Fr], g: &[Fr]) -> Fr {
    let (p_a, p_b) = p.split_at(8);
    g[1] * identity_eval(p_a) + g[2] * identity_eval(p_b) + g[3]
}

/// `T_κ(ρ_a)` for every kind index below `2^KIND_BITS` (0 past the last kind).
fn kind_evals(p: &[Fr]) -> Vec<Fr> {
    let (p_a, p_b) = p.split_at(8);
    let mut out = vec![Fr::zero(); 1 << KIND_BITS];
    for (o, k) in out.iter_mut().zip(Kind::ALL) {
        *o = k.mle(p_a, p_b);
    }
    out
}

/// The coefficients `c_table` of the bytecode table whose read check at `ρ_j` gives
/// `h̃(ρ_j, ρ_slot)`: entry `e` holds `Σ_table c_table·flag_table(e)`.
fn flag_coeffs(rho_a: &[Fr], rho_slot: &[Fr], g: &[Fr]) -> Vec<Fr> {
    let (kinds, eq_s) = (kind_evals(rho_a), eq_table(rho_slot));
    let l = operand_eval(rho_a, g);
    let c_table = |t: &Table| -> Fr {
        let slots = slot_kinds(*t).into_iter().zip(slot_used(*t)).zip(&eq_s);
        slots.filter(|((_, u), _)| *u).map(|((k, _), e)| *e * (kinds[k.index()] + l)).sum()
    };
    Table::ALL.iter().map(c_table).collect()
}

/// That table over every entry (the prover's).
fn flags_table(fields: &[[Fr; NUM_BC]], c: &[Fr]) -> Vec<Fr> {
    // An entry has at most one table flag (and flags are 0 or 1): skip the zeros.
    let entry = |f: &[Fr; NUM_BC]| -> Fr {
        let flag = |t: &Table| f[TABLE_FLAGS + t.index()];
        Table::ALL.iter().filter(|t| !flag(t).is_zero()).map(|t| flag(t) * c[t.index()]).sum()
    };
    fields.iter().map(entry).collect()
}

/// That table at an address point, from the fields' evaluations there (the verifier's).
fn flags_table_eval(c: &[Fr], field_evals: &[Fr; NUM_BC]) -> Fr {
    Table::ALL.iter().map(|t| c[t.index()] * field_evals[TABLE_FLAGS + t.index()]).sum()
}

/// The witness of the lookup stage: the slot matrix over the cells `(kind, a, b)` and the
/// bytecode fields table.
pub struct LookupWitness<'a> {
    pub cells: &'a OneHot,
    pub fields: &'a [[Fr; NUM_BC]],
}

/// The read check's prover: address rounds over per-kind pairs, then the rows.
struct ReadCheck<'a> {
    operands: &'a OneHot,
    kinds: &'a OneHot,
    point: Vec<Fr>,
    g: Vec<Fr>,
    bound: Vec<Fr>,
    phase: Phase<'a>,
}

enum Phase<'a> {
    /// Pairs `(F_κ, T_κ + L)` over the operand addresses, `F_κ(k)` the eq weights of the
    /// rows of kind `κ` at address `k` (only the kinds the run uses).
    Address(CompositeSumcheck<fn(&[Fr]) -> Fr>),
    Rows(EqProduct<'a>),
}

fn products_of_pairs(v: &[Fr]) -> Fr {
    v.chunks(2).map(|p| p[0] * p[1]).sum()
}

impl<'a> ReadCheck<'a> {
    fn new(
        cells: &OneHot,
        operands: &'a OneHot,
        kinds: &'a OneHot,
        point: Vec<Fr>,
        g: Vec<Fr>,
    ) -> Self {
        let k = 1usize << LOG_K_OPERANDS;
        let weights = cells.cycle_weights(&point);
        let ops: Vec<Fr> = (0..k as u32)
            .map(|x| mul_u32(&g[1], x >> 8) + mul_u32(&g[2], x & 0xff) + g[3])
            .collect();
        let mut polys = Vec::new();
        for (kind, w) in Kind::ALL.iter().zip(weights.chunks(k)) {
            if w.iter().all(Zero::is_zero) {
                continue;
            }
            let values = (0..k as u32)
                .map(|x| fr_u64(kind.eval((x >> 8) as u8, x as u8)) + ops[x as usize])
                .collect();
            polys.push(DenseMle::new(w.to_vec()));
            polys.push(DenseMle::new(values));
        }
        let address = CompositeSumcheck::new(polys, 2, products_of_pairs as fn(&[Fr]) -> Fr);
        ReadCheck { operands, kinds, point, g, bound: Vec::new(), phase: Phase::Address(address) }
    }

    fn enter_rows(&mut self) {
        let mut h = kind_evals(&self.bound);
        let l = operand_eval(&self.bound, &self.g);
        for x in &mut h {
            *x += l;
        }
        let factors = vec![
            self.operands.address_eq_factor(&self.bound),
            Factor::one_hot(self.kinds.addrs(), h),
        ];
        let term = Term { coeff: Fr::from(1u64), point: Some(self.point.clone()), factors };
        self.phase = Phase::Rows(EqProduct::new(vec![term], self.point.len()));
    }

    /// `ra(ρ_a, ρ_i)` and `h̃(ρ_i)` once every variable is bound.
    fn finals(&self) -> (Fr, Fr) {
        let Phase::Rows(rows) = &self.phase else { panic!("the row rounds are not done") };
        let f = &rows.final_factor_evals()[0];
        (f[0], f[1])
    }
}

impl SumcheckProver for ReadCheck<'_> {
    fn num_vars(&self) -> usize {
        match &self.phase {
            Phase::Address(_) => LOG_K_OPERANDS - self.bound.len() + self.point.len(),
            Phase::Rows(s) => s.num_vars(),
        }
    }

    fn degree(&self) -> usize {
        DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        match &self.phase {
            Phase::Address(s) => s.round_evals(),
            Phase::Rows(s) => s.round_evals(),
        }
    }

    fn bind(&mut self, r: Fr) {
        match &mut self.phase {
            Phase::Address(s) => {
                s.bind(r);
                self.bound.push(r);
                if self.bound.len() == LOG_K_OPERANDS {
                    self.enter_rows();
                }
            }
            Phase::Rows(s) => s.bind(r),
        }
    }
}

pub fn prove(
    r: &[Fr],
    w: &LookupWitness,
    claims: &mut Claims,
    fetches: &mut Vec<FetchCheck<DenseMle>>,
    t: &mut Transcript,
) -> LookupsProof {
    let (point, g) = draw(r, t);
    let log_t = w.cells.log_t();
    let operands = OneHot::from_fn(LOG_K_OPERANDS, log_t, |i| operands(w.cells.addrs().get(i)));
    let kinds = OneHot::from_fn(KIND_BITS, log_t, |i| match w.cells.addrs().get(i) {
        NO_ACCESS => NO_ACCESS,
        cell => cell >> LOG_K_OPERANDS,
    });
    let mut check = ReadCheck::new(w.cells, &operands, &kinds, point.clone(), g.clone());
    let sum = claim_of(&check);
    let (sumcheck, p) = sumcheck::prove(&mut check, sum, t);
    let (ra_eval, value_eval) = check.finals();
    drop(check);
    t.append_scalars(b"v2/lookups/evals", &[ra_eval, value_eval]);
    let (rho_a, rho_i) = p.split_at(LOG_K_OPERANDS);
    claims.matrix(Chunked::Lookups).push(RaClaim { point: p.clone(), eval: ra_eval });
    let (rho_j, rho_slot) = rho_i.split_at(r.len());
    let table = DenseMle::new(flags_table(w.fields, &flag_coeffs(rho_a, rho_slot, &g)));
    fetches.push(FetchCheck { rows: rho_j.to_vec(), table, claim: value_eval });
    LookupsProof { sumcheck, ra_eval, value_eval }
}

/// The read check's true sum (a false claim then fails the verifier's first round check).
fn claim_of(check: &ReadCheck) -> Fr {
    match &check.phase {
        Phase::Address(s) => s.claim(),
        Phase::Rows(_) => unreachable!("the address rounds come first"),
    }
}

pub fn verify(
    evals: &[Fr],
    r: &[Fr],
    proof: &LookupsProof,
    claims: &mut Claims,
    fetches: &mut Vec<FetchCheck<TableEval>>,
    t: &mut Transcript,
) -> Result<(), SumcheckError> {
    let (point, g) = draw(r, t);
    let sum = claim(evals, &point[r.len()..], &g);
    let n = LOG_K_OPERANDS + point.len();
    let (final_claim, p) = sumcheck::verify(sum, n, DEGREE, &proof.sumcheck, t)?;
    let (rho_a, rho_i) = p.split_at(LOG_K_OPERANDS);
    sumcheck::check_final(final_claim, eq_eval(&point, rho_i) * proof.ra_eval * proof.value_eval)?;
    t.append_scalars(b"v2/lookups/evals", &[proof.ra_eval, proof.value_eval]);
    claims.matrix(Chunked::Lookups).push(RaClaim { point: p.clone(), eval: proof.ra_eval });
    let (rho_j, rho_slot) = rho_i.split_at(r.len());
    let c = flag_coeffs(rho_a, rho_slot, &g);
    let table: TableEval = Box::new(move |_, field_evals| flags_table_eval(&c, field_evals));
    fetches.push(FetchCheck { rows: rho_j.to_vec(), table, claim: proof.value_eval });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::tables::NUM_KINDS;
    use crate::onehot::tests::random_point;

    /// The verifier's `T_κ(ρ_a) + L(ρ_a)` is the prover's table of kind `κ` at `ρ_a`.
    #[test]
    fn the_verifiers_table_evaluation_is_the_provers_table() {
        let g = random_point(1, 4);
        let p = random_point(2, LOG_K_OPERANDS);
        let kinds = kind_evals(&p);
        for kind in Kind::ALL {
            let table: Vec<Fr> = (0..1u32 << 16)
                .map(|x| {
                    fr_u64(kind.eval((x >> 8) as u8, x as u8))
                        + g[1] * Fr::from(x >> 8)
                        + g[2] * Fr::from(x & 0xff)
                        + g[3]
                })
                .collect();
            let expected = DenseMle::new(table).evaluate(&p);
            assert_eq!(kinds[kind.index()] + operand_eval(&p, &g), expected, "{kind:?}");
        }
        assert!(kinds[NUM_KINDS..].iter().all(Zero::is_zero));
    }
}
