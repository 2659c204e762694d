//! Registers: Twist over the 64 registers, two memory rows per CPU row (`witness` docs), at
//! Spartan's point `r` extended by one random bit `s` for the row's half.
//!
//! * Read/write checking (address-first, `K = 64`) for
//!   `rv(r, s) + γ·Inc(r, s)` with `rv(r, s) = (1 − s)·RS1V(r) + s·RS2V(r)` — both values are
//!   Spartan's claims; the written value is `wv(j, s) = s·RDNEW(j)`.
//! * `Val` evaluation from the all-zero initial registers.
//!
//! The register address matrices are **not committed**: which registers a row reads and
//! writes is a function of the instruction it fetched,
//!
//! `ra(k, (j, b)) = Σ_e bc(e, j)·[(1 − b)·[rs1(e) = k] + b·[rs2(e) = k]]`,
//! `wa(k, (j, b)) = b·Σ_e bc(e, j)·[wrd(e) = k]`,
//!
//! so every claim the two sumchecks leave on them is a Shout read check of the bytecode fetch
//! matrix against a table the verifier builds from the ELF (as in Jolt), left to the bytecode
//! module's batched fetch checks ([`super::bytecode::FetchCheck`]). They need no booleanity,
//! Hamming weight or address checks of their own: the fetch matrix has them.
use ark_ff::{One, Zero};

use super::bytecode::{FetchCheck, TableEval};
use super::cpu::{NUM_BC, RDNEW, RS1V, RS2V, WRD};
use super::polys::{Claims, Polys};
use crate::bytecode_fields::{RS1, RS2};
use crate::columns::Column;
use crate::field::{fr_to_u64, Fr};
use crate::poly::{eq_table, DenseMle};
use crate::sumcheck::SumcheckError;
use crate::transcript::Transcript;
use crate::twist::read_write::{self, BindingOrder, ReadWriteInstance, ReadWriteProof};
use crate::twist::val_eval::{self, ValEvalProof};
use crate::twist::MemoryTrace;

use super::witness::LOG_REGISTERS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistersProof {
    /// `Inc(r, s)`.
    pub inc: Fr,
    pub read_write: ReadWriteProof,
    /// `RDNEW` at the read/write point's row coordinates.
    pub rdnew: Fr,
    pub val: ValEvalProof,
}

/// Why the register proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RegistersError {
    #[error("registers: {0}")]
    Sumcheck(#[from] SumcheckError),
    #[error("registers: the written value is not the row's RDNEW")]
    WriteValue,
}

/// The bytecode table whose read check proves `ra_weight·ra(r_k, (j, b)) + wa_weight·wa(...)`
/// at a row point `j`: entry `e` holds
/// `ra_weight·((1 − b)·eq(r_k, rs1(e)) + b·eq(r_k, rs2(e))) + wa_weight·b·eq(r_k, wrd(e))`.
fn address_table(
    fields: &[[Fr; NUM_BC]],
    r_k: &[Fr],
    b: Fr,
    ra_weight: Fr,
    wa_weight: Fr,
) -> DenseMle {
    let eq_k = eq_table(r_k);
    let reg = |x: &Fr| eq_k[fr_to_u64(x).expect("register numbers are small") as usize];
    DenseMle::new(
        fields
            .iter()
            .map(|f| {
                ra_weight * ((Fr::one() - b) * reg(&f[RS1]) + b * reg(&f[RS2]))
                    + wa_weight * b * reg(&f[WRD])
            })
            .collect(),
    )
}

/// [`address_table`]'s multilinear extension at `r_addr` without building it: each entry's
/// eq weight summed per register number of `rs1`, `rs2` and `wrd` (additions), then 3·64
/// products.
fn address_table_eval(
    fields: &[[Fr; NUM_BC]],
    r_k: &[Fr],
    b: Fr,
    ra_weight: Fr,
    wa_weight: Fr,
    r_addr: &[Fr],
) -> Fr {
    let eq_k = eq_table(r_k);
    let eq = eq_table(r_addr);
    let mut per_reg = [[Fr::zero(); 1 << LOG_REGISTERS]; 3];
    for (e, f) in eq.iter().zip(fields) {
        for (w, field) in per_reg.iter_mut().zip([RS1, RS2, WRD]) {
            w[fr_to_u64(&f[field]).expect("register numbers are small") as usize] += e;
        }
    }
    let weighted = |w: &[Fr]| -> Fr { w.iter().zip(&eq_k).map(|(a, b)| *a * b).sum() };
    let [rs1, rs2, wrd] = per_reg.map(|w| weighted(&w));
    ra_weight * ((Fr::one() - b) * rs1 + b * rs2) + wa_weight * b * wrd
}

/// The prover's side: the register trace and its increments, the written values.
pub struct RegisterWitness<'a> {
    pub trace: &'a MemoryTrace,
    pub inc: Column<'a>,
    pub rdnew: Column<'a>,
}

/// One of the two bytecode read checks: its row point, its table ([`address_table`]'s
/// arguments: register point, half bit, weights) and its claim.
struct AddressCheck {
    rows: Vec<Fr>,
    r_k: Vec<Fr>,
    b: Fr,
    ra_weight: Fr,
    wa_weight: Fr,
    claim: Fr,
}

/// The two bytecode read checks; the address claims come from read/write checking (`ra`, `wa`
/// at one point) and `Val` evaluation (`wa`).
fn address_checks(
    rw: (&[Fr], &[Fr], Fr, Fr),
    val: (&[Fr], &[Fr], Fr),
    t: &mut Transcript,
) -> [AddressCheck; 2] {
    let gamma = t.challenge_scalar(b"v2/registers/address_gamma");
    let split = |c: &[Fr]| (c[..c.len() - 1].to_vec(), c[c.len() - 1]);
    let (rw_rows, rw_b) = split(rw.1);
    let (val_rows, val_b) = split(val.1);
    [
        AddressCheck {
            rows: rw_rows,
            r_k: rw.0.to_vec(),
            b: rw_b,
            ra_weight: Fr::one(),
            wa_weight: gamma,
            claim: rw.2 + gamma * rw.3,
        },
        AddressCheck {
            rows: val_rows,
            r_k: val.0.to_vec(),
            b: val_b,
            ra_weight: Fr::zero(),
            wa_weight: Fr::one(),
            claim: val.2,
        },
    ]
}

pub fn prove(
    polys: &Polys,
    fields: &[[Fr; NUM_BC]],
    r: &[Fr],
    w: &RegisterWitness,
    claims: &mut Claims,
    fetches: &mut Vec<FetchCheck<DenseMle>>,
    t: &mut Transcript,
) -> RegistersProof {
    let s = t.challenge_scalar(b"v2/registers/s");
    let r_c = [r, &[s]].concat();
    let inc = w.inc.evaluate(&r_c);
    t.append_scalar(b"v2/registers/inc", &inc);
    claims.commit(polys.inc_registers(), r_c.clone(), inc);
    let gamma = t.challenge_scalar(b"v2/registers/gamma");
    let (read_write, _, rw) =
        read_write::prove(w.trace, &r_c, gamma, BindingOrder::AddressFirst, t);
    let rows = &rw.r_cycle[..r.len()];
    let rdnew = w.rdnew.evaluate(rows);
    t.append_scalar(b"v2/registers/rdnew", &rdnew);
    claims.commit(polys.column(RDNEW), rows.to_vec(), rdnew);
    let (val, _, ve) = val_eval::prove_with(w.trace, w.inc.factor(), &rw.r_addr, &rw.r_cycle, t);
    claims.commit(polys.inc_registers(), ve.r_cycle.clone(), ve.inc);
    let checks = address_checks(
        (&rw.r_addr, &rw.r_cycle, rw.evals.ra, rw.evals.wa),
        (&ve.r_addr, &ve.r_cycle, ve.wa),
        t,
    );
    for c in checks {
        let table = address_table(fields, &c.r_k, c.b, c.ra_weight, c.wa_weight);
        fetches.push(FetchCheck { rows: c.rows, table, claim: c.claim });
    }
    RegistersProof { inc, read_write, rdnew, val }
}

/// `evals` are Spartan's column claims at `r`; `fields` the bytecode table.
pub fn verify<'a>(
    polys: &Polys,
    fields: &'a [[Fr; NUM_BC]],
    evals: &[Fr],
    r: &[Fr],
    proof: &RegistersProof,
    claims: &mut Claims,
    fetches: &mut Vec<FetchCheck<TableEval<'a>>>,
    t: &mut Transcript,
) -> Result<(), RegistersError> {
    let s = t.challenge_scalar(b"v2/registers/s");
    let r_c = [r, &[s]].concat();
    t.append_scalar(b"v2/registers/inc", &proof.inc);
    claims.commit(polys.inc_registers(), r_c.clone(), proof.inc);
    let gamma = t.challenge_scalar(b"v2/registers/gamma");
    let rv = (Fr::one() - s) * evals[RS1V] + s * evals[RS2V];
    let inst = ReadWriteInstance {
        log_k: LOG_REGISTERS,
        log_t: r_c.len(),
        r_cycle: &r_c,
        gamma,
        order: BindingOrder::AddressFirst,
    };
    let rw = read_write::verify(rv + gamma * proof.inc, &inst, &proof.read_write, t)?;
    let (rows, half) = rw.r_cycle.split_at(r.len());
    t.append_scalar(b"v2/registers/rdnew", &proof.rdnew);
    if rw.evals.wv != half[0] * proof.rdnew {
        return Err(RegistersError::WriteValue);
    }
    claims.commit(polys.column(RDNEW), rows.to_vec(), proof.rdnew);
    let ve = val_eval::verify(rw.evals.val, Fr::zero(), &rw.r_addr, &rw.r_cycle, &proof.val, t)?;
    claims.commit(polys.inc_registers(), ve.r_cycle.clone(), ve.inc);
    let checks = address_checks(
        (&rw.r_addr, &rw.r_cycle, rw.evals.ra, rw.evals.wa),
        (&ve.r_addr, &ve.r_cycle, ve.wa),
        t,
    );
    for c in checks {
        let AddressCheck { rows, r_k, b, ra_weight, wa_weight, claim } = c;
        let table: TableEval =
            Box::new(move |x, _| address_table_eval(fields, &r_k, b, ra_weight, wa_weight, x));
        fetches.push(FetchCheck { rows, table, claim });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::onehot::tests::random_point;

    /// A fields table with register numbers below 64 in `RS1`, `RS2`, `WRD`, flags and
    /// arbitrary values elsewhere.
    pub(crate) fn random_fields(seed: u64, log_k: usize) -> Vec<[Fr; NUM_BC]> {
        let vals = random_point(seed, (1 << log_k) * NUM_BC);
        (0..1usize << log_k)
            .map(|k| {
                let mut row = [Fr::zero(); NUM_BC];
                for (f, x) in row.iter_mut().enumerate() {
                    *x = match (k * 7 + f) % 4 {
                        0 => Fr::zero(),
                        1 => Fr::one(),
                        _ => vals[k * NUM_BC + f],
                    };
                }
                for (i, f) in [RS1, RS2, WRD].into_iter().enumerate() {
                    row[f] = Fr::from(((k * 13 + i * 29) % 64) as u64);
                }
                row
            })
            .collect()
    }

    #[test]
    fn the_verifiers_address_table_evaluation_is_the_provers_table() {
        let fields = random_fields(5, 6);
        let (r_k, r_addr) = (random_point(6, LOG_REGISTERS), random_point(7, 6));
        let [b, ra_w, wa_w] = [8, 9, 10].map(|s| random_point(s, 1)[0]);
        let table = address_table(&fields, &r_k, b, ra_w, wa_w);
        let eval = address_table_eval(&fields, &r_k, b, ra_w, wa_w, &r_addr);
        assert_eq!(eval, table.evaluate(&r_addr));
    }
}
