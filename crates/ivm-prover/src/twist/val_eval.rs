//! Twist's Val-evaluation sumcheck: the `Val(r_a, r_c)` left by [`super::read_write`] is
//! proven from the initial memory and the committed increments,
//!
//! `Val(r_a, r_c) − init(r_a) = Σ_j Inc(j)·wa(r_a, j)·LT(j, r_c)`,
//!
//! a dense degree-3 sumcheck over the `log_t` cycle variables. `init(r_a)` is the verifier's
//! own evaluation (from the ELF image and inputs today; an opening of a committed memory in
//! a later segment mode) and `LT(σ, r_c)` it computes in `O(log T)`; what is left are the
//! openings `Inc(σ)` and `wa(r_a, σ)` of committed polynomials.

use super::MemoryTrace;
use crate::factor::Factor;
use crate::factor_product::FactorProduct;
use crate::field::Fr;
use crate::poly::{lt_eval, lt_table};
use crate::sumcheck::{self, SumcheckError, SumcheckProof};
use crate::transcript::Transcript;

const DEGREE: usize = 3;

/// The sumcheck and the prover's `Inc(σ)` and `wa(r_a, σ)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValEvalProof {
    pub sumcheck: SumcheckProof,
    pub inc: Fr,
    pub wa: Fr,
}

/// Openings left to check: `Inc(r_cycle) = inc` and `wa(r_addr, r_cycle) = wa`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValEvalClaims {
    pub r_addr: Vec<Fr>,
    pub r_cycle: Vec<Fr>,
    pub inc: Fr,
    pub wa: Fr,
}

fn absorb(t: &mut Transcript, inc: Fr, wa: Fr) {
    t.append_scalars(b"twist/val_evals", &[inc, wa]);
}

/// Prove `Val(r_addr, r_cycle)`; returns the proof, `Val(r_addr, r_cycle)` and the claims left.
pub fn prove(
    trace: &MemoryTrace,
    r_addr: &[Fr],
    r_cycle: &[Fr],
    transcript: &mut Transcript,
) -> (ValEvalProof, Fr, ValEvalClaims) {
    prove_with(trace, Factor::Dense(trace.increments()), r_addr, r_cycle, transcript)
}

/// [`prove`] with the increments given (the prover's committed column, read where it is
/// rather than copied as field elements); `wa(r_addr, ·)` is read through the write
/// addresses. Only `LT` is a row-sized field vector.
pub fn prove_with(
    trace: &MemoryTrace,
    inc: Factor<'_>,
    r_addr: &[Fr],
    r_cycle: &[Fr],
    transcript: &mut Transcript,
) -> (ValEvalProof, Fr, ValEvalClaims) {
    let eq_a = crate::poly::eq_table(r_addr);
    let wa = trace.writes().address_eq_factor(r_addr);
    let mut inst = FactorProduct::new(vec![inc, wa, Factor::Dense(lt_table(r_cycle))]);
    debug_assert_eq!(sumcheck::SumcheckProver::degree(&inst), DEGREE);
    let sum = inst.claim();
    let init: Fr = trace.init().iter().zip(&eq_a).map(|(&v, e)| *e * crate::field::fr_u64(v)).sum();
    let (sumcheck, point) = sumcheck::prove(&mut inst, sum, transcript);
    let f = inst.final_evals();
    absorb(transcript, f[0], f[1]);
    let claims = ValEvalClaims { r_addr: r_addr.to_vec(), r_cycle: point, inc: f[0], wa: f[1] };
    (ValEvalProof { sumcheck, inc: f[0], wa: f[1] }, init + sum, claims)
}

/// Verify `Val(r_addr, r_cycle) = val` given the verifier's own `init(r_addr)`.
pub fn verify(
    val: Fr,
    init_eval: Fr,
    r_addr: &[Fr],
    r_cycle: &[Fr],
    proof: &ValEvalProof,
    transcript: &mut Transcript,
) -> Result<ValEvalClaims, SumcheckError> {
    let (final_claim, point) =
        sumcheck::verify(val - init_eval, r_cycle.len(), DEGREE, &proof.sumcheck, transcript)?;
    sumcheck::check_final(final_claim, proof.inc * proof.wa * lt_eval(&point, r_cycle))?;
    absorb(transcript, proof.inc, proof.wa);
    Ok(ValEvalClaims { r_addr: r_addr.to_vec(), r_cycle: point, inc: proof.inc, wa: proof.wa })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::One;
    use crate::onehot::tests::random_point;
    use crate::poly::DenseMle;
    use crate::poly::{eq_table, index_to_point};
    use crate::twist::read_write;
    use crate::twist::tests::random_trace;

    fn init_eval(trace: &MemoryTrace, r_addr: &[Fr]) -> Fr {
        DenseMle::new(trace.init().iter().map(|&v| Fr::from(v)).collect()).evaluate(r_addr)
    }

    #[test]
    fn lt_table_and_eval_agree_with_less_than() {
        let n = 4;
        for x in 0..1usize << n {
            for y in 0..1usize << n {
                let v = lt_eval(&index_to_point(x, n), &index_to_point(y, n));
                assert_eq!(v, Fr::from(u64::from(x < y)), "LT({x}, {y})");
            }
        }
        let y = random_point(1, 5);
        let table = lt_table(&y);
        for (j, t) in table.iter().enumerate() {
            assert_eq!(*t, lt_eval(&index_to_point(j, 5), &y));
        }
    }

    #[test]
    fn read_write_then_val_evaluation_end_in_true_openings() {
        for (seed, log_k, log_t) in [(1, 3, 6), (2, 5, 9), (3, 0, 3)] {
            let trace = random_trace(seed, log_k, log_t);
            let r_cycle = random_point(seed + 10, log_t);
            let gamma = Fr::from(3u64);
            let mut pt = Transcript::new(b"twist");
            let mut vt = Transcript::new(b"twist");
            let order = read_write::BindingOrder::CycleFirst;
            let (rw, claim, _) = read_write::prove(&trace, &r_cycle, gamma, order, &mut pt);
            let instance =
                read_write::ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order };
            let rwc = read_write::verify(claim, &instance, &rw, &mut vt).unwrap();
            let (proof, val, _) = prove(&trace, &rwc.r_addr, &rwc.r_cycle, &mut pt);
            assert_eq!(val, rwc.evals.val, "the prover's Val is the one read/write left");
            let init = init_eval(&trace, &rwc.r_addr);
            let got =
                verify(rwc.evals.val, init, &rwc.r_addr, &rwc.r_cycle, &proof, &mut vt).unwrap();
            assert_eq!(pt.state(), vt.state());
            let inc = DenseMle::new(trace.increments());
            assert_eq!(inc.evaluate(&got.r_cycle), got.inc);
            let at = [got.r_addr.clone(), got.r_cycle.clone()].concat();
            assert_eq!(trace.writes().evaluate(&at), got.wa);
        }
    }

    #[test]
    fn another_initial_memory_or_a_wrong_increment_is_rejected() {
        let (log_k, log_t) = (4, 6);
        let trace = random_trace(21, log_k, log_t);
        let r_addr = random_point(22, log_k);
        let r_cycle = random_point(23, log_t);
        let (proof, val, _) = prove(&trace, &r_addr, &r_cycle, &mut Transcript::new(b"val"));
        let init = init_eval(&trace, &r_addr);
        // Another program's memory image (one cell differs).
        let eq_a = eq_table(&r_addr);
        let other_init = init + eq_a[3];
        let err = verify(val, other_init, &r_addr, &r_cycle, &proof, &mut Transcript::new(b"val"));
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
        // The prover lies about the committed increment (or the write address) at the end.
        for bump_inc in [true, false] {
            let mut lie = proof.clone();
            if bump_inc {
                lie.inc += Fr::one();
            } else {
                lie.wa += Fr::one();
            }
            let err = verify(val, init, &r_addr, &r_cycle, &lie, &mut Transcript::new(b"val"));
            assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
        }
    }
}
