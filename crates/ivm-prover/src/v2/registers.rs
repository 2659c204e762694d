//! Registers: Twist over the 64 registers, two memory rows per CPU row (`witness` docs), at
//! Spartan's point `r` extended by one random bit `s` for the row's half.
//!
//! * Read/write checking (address-first, `K = 64`) for
//!   `rv(r, s) + γ·Inc(r, s)` with `rv(r, s) = (1 − s)·RS1V(r) + s·RS2V(r)` — both values are
//!   Spartan's claims; the written value is `wv(j, s) = s·RDNEW(j)`.
//! * `Val` evaluation from the all-zero initial registers.
//! * Read addresses and Hamming weights: `Σ_k ra(k, (r, s))·(k + γ) = (1 − s)·RS1(r) +
//!   s·RS2(r) + γ` (every memory row reads one register) and
//!   `Σ_k wa(k, (r, s))·(k + γ) = s·(WRD(r) + γ)` (only odd rows write), with `RS1`, `RS2`,
//!   `WRD` Spartan's bytecode-field claims.
//! * Booleanity of both committed matrices.
use ark_ff::{One, Zero};

use super::cpu::{RDNEW, RS1V, RS2V, WRD};
use super::polys::{Claims, Polys};
use crate::cpu::{RS1, RS2};
use crate::field::Fr;
use crate::onehot::booleanity::{self, BooleanityProof};
use crate::onehot::read_check::{self, identity_eval, ReadCheckProof};
use crate::poly::DenseMle;
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
    pub read_addresses: ReadCheckProof,
    pub write_addresses: ReadCheckProof,
    pub read_booleanity: BooleanityProof,
    pub write_booleanity: BooleanityProof,
}

/// Why the register proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum RegistersError {
    #[error("registers: {0}")]
    Sumcheck(#[from] SumcheckError),
    #[error("registers: the written value is not the row's RDNEW")]
    WriteValue,
}

fn address_table(gamma: Fr) -> DenseMle {
    DenseMle::new((0..1u64 << LOG_REGISTERS).map(|k| Fr::from(k) + gamma).collect())
}

/// The prover's side: the register trace and its increments, the CPU columns.
pub struct RegisterWitness<'a> {
    pub trace: &'a MemoryTrace,
    pub inc: &'a DenseMle,
    pub rdnew: &'a DenseMle,
}

pub fn prove(
    polys: &Polys,
    r: &[Fr],
    w: &RegisterWitness,
    claims: &mut Claims,
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
    let point = [rw.r_addr.clone(), rw.r_cycle.clone()].concat();
    claims.commit(polys.register_reads(), point.clone(), rw.evals.ra);
    claims.commit(polys.register_writes(), point, rw.evals.wa);
    let (val, _, ve) = val_eval::prove(w.trace, &rw.r_addr, &rw.r_cycle, t);
    claims.commit(polys.inc_registers(), ve.r_cycle.clone(), ve.inc);
    claims.commit(polys.register_writes(), [ve.r_addr, ve.r_cycle].concat(), ve.wa);

    let gamma = t.challenge_scalar(b"v2/registers/raf_gamma");
    let table = address_table(gamma);
    let (read_addresses, _, ra) = read_check::prove(w.trace.reads(), &r_c, &table, t);
    claims.commit(polys.register_reads(), ra.point, ra.eval);
    let (write_addresses, _, wa) = read_check::prove(w.trace.writes(), &r_c, &table, t);
    claims.commit(polys.register_writes(), wa.point, wa.eval);
    let (read_booleanity, b) = booleanity::prove(w.trace.reads(), t);
    claims.commit(polys.register_reads(), b.point, b.eval);
    let (write_booleanity, b) = booleanity::prove(w.trace.writes(), t);
    claims.commit(polys.register_writes(), b.point, b.eval);
    RegistersProof {
        inc,
        read_write,
        rdnew,
        val,
        read_addresses,
        write_addresses,
        read_booleanity,
        write_booleanity,
    }
}

/// `evals` are Spartan's column claims at `r`.
pub fn verify(
    polys: &Polys,
    evals: &[Fr],
    r: &[Fr],
    proof: &RegistersProof,
    claims: &mut Claims,
    t: &mut Transcript,
) -> Result<(), RegistersError> {
    let s = t.challenge_scalar(b"v2/registers/s");
    let r_c = [r, &[s]].concat();
    t.append_scalar(b"v2/registers/inc", &proof.inc);
    claims.commit(polys.inc_registers(), r_c.clone(), proof.inc);
    let gamma = t.challenge_scalar(b"v2/registers/gamma");
    let rv = (Fr::one() - s) * evals[RS1V] + s * evals[RS2V];
    let log_t = r_c.len();
    let inst = ReadWriteInstance {
        log_k: LOG_REGISTERS,
        log_t,
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
    let point = [rw.r_addr.clone(), rw.r_cycle.clone()].concat();
    claims.commit(polys.register_reads(), point.clone(), rw.evals.ra);
    claims.commit(polys.register_writes(), point, rw.evals.wa);
    let ve = val_eval::verify(rw.evals.val, Fr::zero(), &rw.r_addr, &rw.r_cycle, &proof.val, t)?;
    claims.commit(polys.inc_registers(), ve.r_cycle.clone(), ve.inc);
    claims.commit(polys.register_writes(), [ve.r_addr, ve.r_cycle].concat(), ve.wa);

    let gamma = t.challenge_scalar(b"v2/registers/raf_gamma");
    let table = |r_a: &[Fr]| identity_eval(r_a) + gamma;
    let read_claim = (Fr::one() - s) * evals[RS1] + s * evals[RS2] + gamma;
    let ra = read_check::verify(read_claim, LOG_REGISTERS, &r_c, &proof.read_addresses, table, t)?;
    claims.commit(polys.register_reads(), ra.point, ra.eval);
    let write_claim = s * (evals[WRD] + gamma);
    let wa =
        read_check::verify(write_claim, LOG_REGISTERS, &r_c, &proof.write_addresses, table, t)?;
    claims.commit(polys.register_writes(), wa.point, wa.eval);
    let b = booleanity::verify(LOG_REGISTERS, log_t, &proof.read_booleanity, t)?;
    claims.commit(polys.register_reads(), b.point, b.eval);
    let b = booleanity::verify(LOG_REGISTERS, log_t, &proof.write_booleanity, t)?;
    claims.commit(polys.register_writes(), b.point, b.eval);
    Ok(())
}
