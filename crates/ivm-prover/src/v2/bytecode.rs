//! Bytecode: Shout read checks of the one-hot fetch matrix against the table the verifier
//! derives from the ELF. They prove every bytecode-field claim Spartan left, and bind the run's
//! first row and its instruction count:
//!
//! * at Spartan's point `r`: every field (random combination) plus the Hamming weight (every
//!   row fetches exactly one entry);
//! * at the shift point `r'`: the fields read on the next row;
//! * at row 0 (`r_cycle = 0`): the fetched entry is the ELF's entry point (`V(k) = k`);
//! * at `(½, …, ½)`: `Σ_j FIRST(j) = cycles` (each row weighs `1/T`).
//!
//! Each leaves a claim on the (virtual, chunked) fetch matrix.
use ark_ff::{Field, One, Zero};
use rayon::prelude::*;

use super::cpu::{bytecode_fields_v2, NUM_BC};
use super::polys::{Chunked, Claims};
use crate::bytecode_fields::{BC, FIRST};
use crate::columns::{montgomery_r2_inverse, DotAcc};
use crate::field::Fr;
use crate::isa::Bytecode;
use crate::onehot::read_check::{self, identity_eval, identity_table, ReadCheckProof};
use crate::onehot::OneHot;
use crate::poly::{eq_table, DenseMle};
use crate::spartan::SpartanClaims;
use crate::sumcheck::SumcheckError;
use crate::transcript::Transcript;

/// The four read checks, in the order of the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BytecodeProof {
    pub checks: [ReadCheckProof; 4],
}

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
    fn evaluate(&self, fields: &[[Fr; NUM_BC]], r_addr: &[Fr]) -> Fr {
        match self {
            Table::Fields { terms, constant } => {
                let e = field_evals(fields, r_addr);
                terms.iter().map(|&(f, c)| c * e[f]).sum::<Fr>() + constant
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

pub fn prove(
    stage: &BytecodeStage,
    fetches: &OneHot,
    claims: &mut Claims,
    transcript: &mut Transcript,
) -> BytecodeProof {
    let inst = instances(stage, transcript);
    let checks = inst.into_iter().map(|(point, table, _claim)| {
        let table = table.materialize(stage.fields);
        let (proof, _, ra) = read_check::prove(fetches, &point, &table, transcript);
        claims.matrix(Chunked::Bytecode).push(ra);
        proof
    });
    BytecodeProof { checks: checks.collect::<Vec<_>>().try_into().expect("four checks") }
}

pub fn verify(
    stage: &BytecodeStage,
    proof: &BytecodeProof,
    claims: &mut Claims,
    transcript: &mut Transcript,
) -> Result<(), SumcheckError> {
    let inst = instances(stage, transcript);
    let log_k = stage.fields.len().trailing_zeros() as usize;
    for ((point, table, claim), p) in inst.into_iter().zip(&proof.checks) {
        let eval = |r: &[Fr]| table.evaluate(stage.fields, r);
        let ra = read_check::verify(claim, log_k, &point, p, eval, transcript)?;
        claims.matrix(Chunked::Bytecode).push(ra);
    }
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
