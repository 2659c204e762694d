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

use super::cpu::{bytecode_fields_v2, NUM_BC};
use super::polys::{Chunked, Claims};
use crate::bytecode_fields::{BC, FIRST};
use crate::field::Fr;
use crate::isa::Bytecode;
use crate::onehot::read_check::{self, identity_eval, identity_table, ReadCheckProof};
use crate::onehot::OneHot;
use crate::poly::DenseMle;
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
    let mut t: Vec<[Fr; NUM_BC]> = bytecode.rows.iter().map(bytecode_fields_v2).collect();
    for i in t.len()..1 << log_k {
        let mut v = [Fr::zero(); NUM_BC];
        v[BC] = Fr::from(i as u64);
        t.push(v);
    }
    t
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
fn instances(stage: &BytecodeStage, transcript: &mut Transcript) -> Vec<(Vec<Fr>, DenseMle, Fr)> {
    let BytecodeStage { fields, spartan: sp, shifted, entry, cycles } = *stage;
    let log_rows = sp.point.len();
    let gamma = transcript.challenge_powers(b"v2/bytecode/gamma", NUM_BC + 1);
    let all: Vec<(usize, Fr)> = (0..NUM_BC).map(|f| (f, gamma[f])).collect();
    let claim_all: Fr = (0..NUM_BC).map(|f| gamma[f] * sp.evals[f]).sum::<Fr>() + gamma[NUM_BC];
    let next: Vec<(usize, Fr)> = shifted.iter().zip(&gamma).map(|(&f, &g)| (f, g)).collect();
    let claim_next: Fr = gamma.iter().zip(&sp.shift_evals).map(|(g, e)| *g * e).sum();
    let log_k = fields.len().trailing_zeros() as usize;
    let half = Fr::from(2u64).inverse().expect("2 is invertible");
    let rows_inv = Fr::from(1u64 << log_rows).inverse().expect("a power of two is invertible");
    vec![
        (sp.point.clone(), combined(fields, &all, gamma[NUM_BC]), claim_all),
        (sp.shift_point.clone(), combined(fields, &next, Fr::zero()), claim_next),
        (vec![Fr::zero(); log_rows], identity_table(log_k), Fr::from(entry as u64)),
        (
            vec![half; log_rows],
            combined(fields, &[(FIRST, Fr::one())], Fr::zero()),
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
    for (i, ((point, table, claim), p)) in inst.into_iter().zip(&proof.checks).enumerate() {
        let eval = |r: &[Fr]| if i == 2 { identity_eval(r) } else { table.evaluate(r) };
        let ra = read_check::verify(claim, log_k, &point, p, eval, transcript)?;
        claims.matrix(Chunked::Bytecode).push(ra);
    }
    Ok(())
}
