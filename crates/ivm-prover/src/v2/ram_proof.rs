//! RAM: Twist over the touched pages at Spartan's point `r`, plus the statement's final words.
//!
//! * Read/write checking (cycle-first) for `RAMOLD(r) + γ·Inc(r)`; one matrix is both `ra`
//!   and `wa` (a load writes its value back), so the two evaluations must agree; the written
//!   value is the committed `RAMNEW`.
//! * `Val` evaluation from the initial memory the verifier builds (ELF image, inputs).
//! * Read address, permissions and Hamming weight in one read check:
//!   `Σ_k ra(k, r)·(phys + γ·perm_r + γ²·perm_w + γ³·ctrl + γ⁴)(k) = RAMADDR + γ·PERM_R +
//!   γ²·PERM_W + γ³·IS_CTRL + γ⁴·(LOAD + STORE)` at `r` (rows without a load or store access
//!   nothing).
//! * Final state: `Σ_k eq(τ, k)·mask(k)·(final(k) − expected(k)) = 0` over the remapped space
//!   (output and control words), then `final(r_io) = init(r_io) + Σ_j Inc(j)·wa(r_io, j)`.
//!
//! The claims on the matrix go to ra virtualization (it is committed as chunks).
use ark_ff::Zero;

use super::cpu::{IS_CTRL, PERM_R, PERM_W, RAMADDR, RAMNEW, RAMOLD};
use super::polys::{Chunked, Claims, Polys};
use super::ram::{FinalCheck, Remapped};
use crate::bytecode_fields::{LOAD, STORE};
use crate::columns::Column;
use crate::factor_product::FactorProduct;
use crate::field::Fr;
use crate::onehot::read_check::{self, RaClaim, ReadCheckProof};
use crate::paged_ram::PageMap;
use crate::poly::{eq_eval, eq_table, DenseMle};
use crate::ram::RamPermissions;
use crate::sumcheck::{self, CompositeSumcheck, SumcheckError, SumcheckProof};
use crate::transcript::Transcript;
use crate::twist::read_write::{self, BindingOrder, ReadWriteInstance, ReadWriteProof};
use crate::twist::val_eval::{self, ValEvalProof};
use crate::twist::MemoryTrace;

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RamProof {
    /// `Inc(r)`.
    pub inc: Fr,
    pub read_write: ReadWriteProof,
    pub val: ValEvalProof,
    pub addresses: ReadCheckProof,
    /// The final-state zero check, `final(r_io)`, then the sum that justifies it and its
    /// `Inc`, `wa` values.
    pub final_check: SumcheckProof,
    pub final_value: Fr,
    pub final_sum: SumcheckProof,
    pub final_inc: Fr,
    pub final_wa: Fr,
}

#[derive(Debug, thiserror::Error)]
pub enum RamError {
    #[error("RAM: {0}")]
    Sumcheck(#[from] SumcheckError),
    #[error("RAM: the read and write matrices differ")]
    TwoMatrices,
}

/// What both sides know: the remapped memory and the statement's final words.
pub struct RamStage<'a> {
    pub ram: Remapped<'a>,
    pub perms: &'a RamPermissions,
    pub initial: &'a BTreeMap<u32, u32>,
    pub final_check: &'a FinalCheck,
}

fn address_gammas(t: &mut Transcript) -> Vec<Fr> {
    t.challenge_powers(b"v2/ram/raf_gamma", 5)
}

/// The prover's address table: `phys + γ·perm_r + γ²·perm_w + γ³·ctrl + γ⁴`.
fn address_table(stage: &RamStage, g: &[Fr]) -> DenseMle {
    let map: &PageMap = stage.ram.map;
    let slots = map.pages().len() << crate::paged_ram::LOG_PAGE_WORDS;
    DenseMle::new(
        (0..1u32 << map.log_k())
            .map(|k| {
                if (k as usize) >= slots {
                    return g[4];
                }
                let phys = map.phys(k);
                let bits = stage.ram.layout.index(phys).map(|i| stage.perms.at(i));
                let [pr, pw, c] = bits.unwrap_or([false; 3]).map(|b| Fr::from(b as u64));
                Fr::from(u64::from(phys)) + g[1] * pr + g[2] * pw + g[3] * c + g[4]
            })
            .collect(),
    )
}

fn address_claim(evals: &[Fr], g: &[Fr]) -> Fr {
    evals[RAMADDR]
        + g[1] * evals[PERM_R]
        + g[2] * evals[PERM_W]
        + g[3] * evals[IS_CTRL]
        + g[4] * (evals[LOAD] + evals[STORE])
}

/// The prover's side.
pub struct RamWitness<'a> {
    pub trace: &'a MemoryTrace,
    pub inc: Column<'a>,
    pub final_memory: &'a [u64],
}

pub fn prove(
    stage: &RamStage,
    polys: &Polys,
    r: &[Fr],
    w: &RamWitness,
    claims: &mut Claims,
    t: &mut Transcript,
) -> RamProof {
    let inc = w.inc.evaluate(r);
    t.append_scalar(b"v2/ram/inc", &inc);
    claims.commit(polys.inc_ram(), r.to_vec(), inc);
    let gamma = t.challenge_scalar(b"v2/ram/gamma");
    let (read_write, _, rw) = read_write::prove(w.trace, r, gamma, BindingOrder::CycleFirst, t);
    claims.commit(polys.column(RAMNEW), rw.r_cycle.clone(), rw.evals.wv);
    claims.matrix(Chunked::Ram).push(RaClaim {
        point: [rw.r_addr.clone(), rw.r_cycle.clone()].concat(),
        eval: rw.evals.ra,
    });
    let (val, _, ve) = val_eval::prove_with(w.trace, w.inc.factor(), &rw.r_addr, &rw.r_cycle, t);
    claims.commit(polys.inc_ram(), ve.r_cycle.clone(), ve.inc);
    claims
        .matrix(Chunked::Ram)
        .push(RaClaim { point: [ve.r_addr, ve.r_cycle].concat(), eval: ve.wa });

    let g = address_gammas(t);
    let (addresses, _, ra) = read_check::prove(w.trace.reads(), r, &address_table(stage, &g), t);
    claims.matrix(Chunked::Ram).push(ra);

    // Final state.
    let log_k = stage.ram.map.log_k();
    let tau = t.challenge_scalars(b"v2/ram/final_tau", log_k);
    let (mask, expected) = stage.final_check.tables(&stage.ram);
    let diff: Vec<Fr> =
        w.final_memory.iter().zip(&expected).map(|(&f, e)| Fr::from(f) - e).collect();
    let fin = DenseMle::new(w.final_memory.iter().map(|&f| Fr::from(f)).collect());
    let mut zero = CompositeSumcheck::new(
        vec![DenseMle::new(eq_table(&tau)), DenseMle::new(mask), DenseMle::new(diff)],
        3,
        |v: &[Fr]| v[0] * v[1] * v[2],
    );
    let (final_check, r_io) = sumcheck::prove(&mut zero, Fr::zero(), t);
    let final_value = fin.evaluate(&r_io);
    t.append_scalar(b"v2/ram/final_value", &final_value);
    let wa = w.trace.writes().address_eq_factor(&r_io);
    let mut sum = FactorProduct::new(vec![w.inc.factor(), wa]);
    let total = sum.claim();
    let (final_sum, sigma) = sumcheck::prove(&mut sum, total, t);
    let f = sum.final_evals();
    t.append_scalars(b"v2/ram/final_evals", &f);
    claims.commit(polys.inc_ram(), sigma.clone(), f[0]);
    claims.matrix(Chunked::Ram).push(RaClaim { point: [r_io, sigma].concat(), eval: f[1] });
    RamProof {
        inc,
        read_write,
        val,
        addresses,
        final_check,
        final_value,
        final_sum,
        final_inc: f[0],
        final_wa: f[1],
    }
}

pub fn verify(
    stage: &RamStage,
    polys: &Polys,
    evals: &[Fr],
    r: &[Fr],
    proof: &RamProof,
    claims: &mut Claims,
    t: &mut Transcript,
) -> Result<(), RamError> {
    let map = stage.ram.map;
    let log_k = map.log_k();
    t.append_scalar(b"v2/ram/inc", &proof.inc);
    claims.commit(polys.inc_ram(), r.to_vec(), proof.inc);
    let gamma = t.challenge_scalar(b"v2/ram/gamma");
    let inst = ReadWriteInstance {
        log_k,
        log_t: r.len(),
        r_cycle: r,
        gamma,
        order: BindingOrder::CycleFirst,
    };
    let claim = evals[RAMOLD] + gamma * proof.inc;
    let rw = read_write::verify(claim, &inst, &proof.read_write, t)?;
    if rw.evals.ra != rw.evals.wa {
        return Err(RamError::TwoMatrices);
    }
    claims.commit(polys.column(RAMNEW), rw.r_cycle.clone(), rw.evals.wv);
    claims.matrix(Chunked::Ram).push(RaClaim {
        point: [rw.r_addr.clone(), rw.r_cycle.clone()].concat(),
        eval: rw.evals.ra,
    });
    let init = map.init_eval(stage.initial, &rw.r_addr);
    let ve = val_eval::verify(rw.evals.val, init, &rw.r_addr, &rw.r_cycle, &proof.val, t)?;
    claims.commit(polys.inc_ram(), ve.r_cycle.clone(), ve.inc);
    claims
        .matrix(Chunked::Ram)
        .push(RaClaim { point: [ve.r_addr, ve.r_cycle].concat(), eval: ve.wa });

    let g = address_gammas(t);
    let table = |p: &[Fr]| {
        let [pr, pw, c] = stage.ram.perms_eval(stage.perms, p);
        map.phys_eval(p) + g[1] * pr + g[2] * pw + g[3] * c + g[4]
    };
    let ra = read_check::verify(address_claim(evals, &g), log_k, r, &proof.addresses, table, t)?;
    claims.matrix(Chunked::Ram).push(ra);

    let tau = t.challenge_scalars(b"v2/ram/final_tau", log_k);
    let (fc, r_io) = sumcheck::verify(Fr::zero(), log_k, 3, &proof.final_check, t)?;
    let (mask, expected) = stage.final_check.evals(&stage.ram, &r_io);
    sumcheck::check_final(fc, eq_eval(&tau, &r_io) * mask * (proof.final_value - expected))?;
    t.append_scalar(b"v2/ram/final_value", &proof.final_value);
    let written = proof.final_value - map.init_eval(stage.initial, &r_io);
    let (fs, sigma) = sumcheck::verify(written, r.len(), 2, &proof.final_sum, t)?;
    sumcheck::check_final(fs, proof.final_inc * proof.final_wa)?;
    t.append_scalars(b"v2/ram/final_evals", &[proof.final_inc, proof.final_wa]);
    claims.commit(polys.inc_ram(), sigma.clone(), proof.final_inc);
    claims
        .matrix(Chunked::Ram)
        .push(RaClaim { point: [r_io, sigma].concat(), eval: proof.final_wa });
    Ok(())
}
