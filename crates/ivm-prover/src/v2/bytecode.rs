//! Bytecode: Shout read checks of the one-hot fetch matrix against tables the verifier derives
//! from the ELF. They prove every bytecode-field claim Spartan left, bind the run's first row
//! and its instruction count, and prove what the registers and lookups stages claim about the
//! fetched instructions:
//!
//! * at Spartan's point `r`: every field (random combination) plus the Hamming weight (every
//!   row fetches exactly one entry);
//! * at the shift point `r'`: the fields read on the next row;
//! * at row 0 (`r_cycle = 0`): the fetched entry is the ELF's entry point (`V(k) = k`);
//! * at `(½, …, ½)`: `Σ_j FIRST(j) = cycles` (each row weighs `1/T`);
//! * the registers' two address checks and the lookups' kinds check ([`FetchCheck`]s those
//!   stages leave).
//!
//! All of them are proven in **one batched sumcheck** over the address variables once the
//! lookups stage is done ([`prove_fetches`]), so every claim they leave on the (virtual,
//! chunked) fetch matrix has the same address point, and ra virtualization proves them with
//! one product per row instead of one per check.
use std::cell::OnceCell;

use ark_ff::{Field, One, Zero};
use rayon::prelude::*;

use super::cpu::{bytecode_fields_v2, NUM_BC};
use super::polys::{Chunked, Claims};
use crate::bytecode_fields::{BC, FIRST};
use crate::columns::{montgomery_r2_inverse, DotAcc};
use crate::field::Fr;
use crate::isa::Bytecode;
use crate::onehot::read_check::{
    self, identity_eval, identity_table, BatchedReadCheckProof, Check,
};
use crate::onehot::OneHot;
use crate::poly::{eq_table, DenseMle};
use crate::spartan::SpartanClaims;
use crate::sumcheck::SumcheckError;
use crate::transcript::Transcript;

/// Read checks of the fetch matrix in a proof: this module's four, the registers' two, the
/// lookups' one.
pub const FETCH_CHECKS: usize = 7;

/// A read check of the fetch matrix: at the row point `rows`, of a table over the bytecode
/// entries, whose sum must be `claim`. The prover's table is its values ([`DenseMle`]), the
/// verifier's its evaluation ([`TableEval`]).
pub struct FetchCheck<T> {
    pub rows: Vec<Fr>,
    pub table: T,
    pub claim: Fr,
}

/// The verifier's evaluation of a fetch check's table at an address point, given every
/// field's evaluation there ([`field_evals`], computed once for all the checks).
pub type TableEval<'a> = Box<dyn Fn(&[Fr], &[Fr; NUM_BC]) -> Fr + 'a>;

/// The bytecode table's fields, padded to `2^log_k` entries (extra entries: only `BC`).
pub fn fields_table(bytecode: &Bytecode, log_k: usize) -> Vec<[Fr; NUM_BC]> {
    // Sized for the padding up front: growing a table this large copies it.
    let mut t: Vec<[Fr; NUM_BC]> = Vec::with_capacity(1 << log_k);
    t.par_extend(bytecode.rows.par_iter().map(bytecode_fields_v2));
    for i in t.len()..1 << log_k {
        let mut v = [Fr::zero(); NUM_BC];
        v[BC] = Fr::from(i as u64);
        t.push(v);
    }
    t
}

/// Every field's multilinear extension at `r_addr` (the verifier's table evaluations): one eq
/// table, then a lazily reduced dot product per field, in which the many zeros are skipped and
/// the ones (flags) only add.
pub fn field_evals(fields: &[[Fr; NUM_BC]], r_addr: &[Fr]) -> [Fr; NUM_BC] {
    const BLOCK: usize = 1 << 10;
    let eq = eq_table(r_addr);
    let r2_inv = montgomery_r2_inverse();
    // Row-major: each block of entries is read once, into one accumulator per field.
    let sums = fields
        .par_chunks(BLOCK)
        .zip(eq.par_chunks(BLOCK))
        .map(|(rows, eqs)| {
            let mut accs: Vec<DotAcc> = (0..NUM_BC).map(|_| DotAcc::new()).collect();
            for (row, e) in rows.iter().zip(eqs) {
                for (acc, x) in accs.iter_mut().zip(row) {
                    acc.add(e, x);
                }
            }
            accs.iter().map(|a| a.finish(r2_inv)).collect::<Vec<Fr>>()
        })
        .reduce(|| vec![Fr::zero(); NUM_BC], crate::par::add_vecs);
    let mut out = [Fr::zero(); NUM_BC];
    out.copy_from_slice(&sums);
    out
}

/// What a read check's table is: a combination of fields plus a constant (the same for every
/// entry), or the entry's own index.
enum Table {
    Fields { terms: Vec<(usize, Fr)>, constant: Fr },
    Identity,
}

impl Table {
    /// The prover's table over every entry.
    fn materialize(&self, fields: &[[Fr; NUM_BC]]) -> DenseMle {
        match self {
            Table::Fields { terms, constant } => combined(fields, terms, *constant),
            Table::Identity => identity_table(fields.len().trailing_zeros() as usize),
        }
    }

    /// The verifier's evaluation at `r_addr` (`Σ eq = 1`, so the constant stays a constant).
    fn evaluate(&self, r_addr: &[Fr], field_evals: &[Fr; NUM_BC]) -> Fr {
        match self {
            Table::Fields { terms, constant } => {
                terms.iter().map(|&(f, c)| c * field_evals[f]).sum::<Fr>() + constant
            }
            Table::Identity => identity_eval(r_addr),
        }
    }
}

/// `Σ_i c_i·field_{f_i} + constant` over the table.
fn combined(fields: &[[Fr; NUM_BC]], terms: &[(usize, Fr)], constant: Fr) -> DenseMle {
    DenseMle::new(
        fields
            .iter()
            .map(|row| terms.iter().map(|&(f, c)| c * row[f]).sum::<Fr>() + constant)
            .collect(),
    )
}

/// What the four checks are: `(cycle point, table, claimed sum)`, from the verifier's data.
fn instances(stage: &BytecodeStage, transcript: &mut Transcript) -> Vec<(Vec<Fr>, Table, Fr)> {
    let BytecodeStage { spartan: sp, shifted, entry, cycles, .. } = *stage;
    let log_rows = sp.point.len();
    let gamma = transcript.challenge_powers(b"v2/bytecode/gamma", NUM_BC + 1);
    let all: Vec<(usize, Fr)> = (0..NUM_BC).map(|f| (f, gamma[f])).collect();
    let claim_all: Fr = (0..NUM_BC).map(|f| gamma[f] * sp.evals[f]).sum::<Fr>() + gamma[NUM_BC];
    let next: Vec<(usize, Fr)> = shifted.iter().zip(&gamma).map(|(&f, &g)| (f, g)).collect();
    let claim_next: Fr = gamma.iter().zip(&sp.shift_evals).map(|(g, e)| *g * e).sum();
    let half = Fr::from(2u64).inverse().expect("2 is invertible");
    let rows_inv = Fr::from(1u64 << log_rows).inverse().expect("a power of two is invertible");
    vec![
        (sp.point.clone(), Table::Fields { terms: all, constant: gamma[NUM_BC] }, claim_all),
        (sp.shift_point.clone(), Table::Fields { terms: next, constant: Fr::zero() }, claim_next),
        (vec![Fr::zero(); log_rows], Table::Identity, Fr::from(entry as u64)),
        (
            vec![half; log_rows],
            Table::Fields { terms: vec![(FIRST, Fr::one())], constant: Fr::zero() },
            Fr::from(cycles) * rows_inv,
        ),
    ]
}

/// What both sides know about the bytecode stage.
pub struct BytecodeStage<'a> {
    pub fields: &'a [[Fr; NUM_BC]],
    pub spartan: &'a SpartanClaims,
    pub shifted: &'a [usize],
    pub entry: usize,
    pub cycles: u64,
}

/// Leave the four checks of the module docs for [`prove_fetches`].
pub fn prove(
    stage: &BytecodeStage,
    checks: &mut Vec<FetchCheck<DenseMle>>,
    transcript: &mut Transcript,
) {
    for (rows, table, claim) in instances(stage, transcript) {
        checks.push(FetchCheck { rows, table: table.materialize(stage.fields), claim });
    }
}

/// The verifier's side of [`prove`].
pub fn verify<'a>(
    stage: &BytecodeStage,
    checks: &mut Vec<FetchCheck<TableEval<'a>>>,
    transcript: &mut Transcript,
) {
    for (rows, table, claim) in instances(stage, transcript) {
        let table: TableEval = Box::new(move |r, evals| table.evaluate(r, evals));
        checks.push(FetchCheck { rows, table, claim });
    }
}

/// Prove every fetch check in one batched sumcheck; their claims on the fetch matrix (all at
/// one address point) go to `claims`.
pub fn prove_fetches(
    fetches: &OneHot,
    checks: &[FetchCheck<DenseMle>],
    claims: &mut Claims,
    transcript: &mut Transcript,
) -> BatchedReadCheckProof {
    assert_eq!(checks.len(), FETCH_CHECKS, "every stage left its fetch checks");
    let batch: Vec<Check> = checks
        .iter()
        .map(|c| Check { matrix: fetches, r_cycle: &c.rows, table: &c.table })
        .collect();
    // The true sums go into the transcript: a stage's false claim (a cheating prover's, in
    // the tests) then fails the verifier's batch, not the prover.
    let (proof, _sums, ras) = read_check::prove_checks(&batch, transcript);
    claims.matrix(Chunked::Bytecode).extend(ras);
    proof
}

/// Verify the fetch checks against the fields table; their claims on the fetch matrix go to
/// `claims`.
pub fn verify_fetches(
    fields: &[[Fr; NUM_BC]],
    checks: &[FetchCheck<TableEval>],
    proof: &BatchedReadCheckProof,
    claims: &mut Claims,
    transcript: &mut Transcript,
) -> Result<(), SumcheckError> {
    let log_k = fields.len().trailing_zeros() as usize;
    let sums: Vec<Fr> = checks.iter().map(|c| c.claim).collect();
    let shapes: Vec<(usize, &[Fr])> = checks.iter().map(|c| (log_k, &c.rows[..])).collect();
    // One address point for all: the fields are evaluated there once.
    let evals = OnceCell::new();
    let table_evals = |i: usize, r: &[Fr]| -> Fr {
        (checks[i].table)(r, evals.get_or_init(|| field_evals(fields, r)))
    };
    let ras = read_check::verify_checks(&sums, &shapes, proof, table_evals, transcript)?;
    claims.matrix(Chunked::Bytecode).extend(ras);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::random_point;

    #[test]
    fn field_evaluations_are_the_columns_multilinear_extensions() {
        for log_k in [0, 3, 11] {
            let fields = crate::v2::registers::tests::random_fields(11, log_k);
            let r = random_point(12, log_k);
            let evals = field_evals(&fields, &r);
            for (f, e) in evals.iter().enumerate() {
                let column = DenseMle::new(fields.iter().map(|row| row[f]).collect());
                assert_eq!(*e, column.evaluate(&r), "field {f}, log_k {log_k}");
            }
        }
    }
}
