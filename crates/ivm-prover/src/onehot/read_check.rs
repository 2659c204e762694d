//! Read checking over a one-hot matrix: `Σ_k ra(k, r_cycle)·V(k) = claim` for a table `V`
//! that the **verifier** evaluates itself at the sumcheck's address point.
//!
//! With `V` the table's values this is Shout's read-checking sumcheck: it proves that every
//! row read the table entry at its address (`rv(r_cycle)` is the claim). With
//! `V(k) = k` ([`identity_eval`]) it proves the read addresses (`raf(r_cycle)`), and with
//! `V = 1` the Hamming weight of every row (`Σ_k ra(k, j) = 1`, or the row's access flag). A
//! caller that needs several of these at one `r_cycle` combines the tables with random
//! coefficients and proves them in one sumcheck, which leaves one `ra` opening.
//!
//! The prover computes `G(k) = ra(k, r_cycle)` in one pass over the rows
//! ([`OneHot::cycle_weights`]) and runs a degree-2 sumcheck over the `log_k` address variables
//! of `G·V`. The verifier ends with the claim `ra(r_addr, r_cycle) = ra_eval` for the caller
//! to discharge against the commitment.

use super::OneHot;
use crate::field::{Fr, Zero};
use crate::poly::DenseMle;
use crate::sumcheck::{
    self, BatchClaim, CompositeSumcheck, SumcheckError, SumcheckProof, SumcheckProver,
};
use crate::transcript::Transcript;

/// A claimed evaluation of the committed matrix `ra` that the caller must still prove with
/// the commitment (or pass on to a batched opening).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaClaim {
    /// `(r_addr, r_cycle)`: address coordinates first.
    pub point: Vec<Fr>,
    pub eval: Fr,
}

/// The read-checking sumcheck and the prover's claimed `ra(r_addr, r_cycle)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadCheckProof {
    pub sumcheck: SumcheckProof,
    pub ra_eval: Fr,
}

/// Prove `Σ_k ra(k, r_cycle)·table(k) = claim`; returns the proof, the claim proven (the true
/// sum, which the verifier must know independently) and the `ra` claim left to open.
pub fn prove(
    oh: &OneHot,
    r_cycle: &[Fr],
    table: &DenseMle,
    transcript: &mut Transcript,
) -> (ReadCheckProof, Fr, RaClaim) {
    assert_eq!(table.num_vars(), oh.log_k(), "table and address space differ in size");
    let g = DenseMle::new(oh.cycle_weights(r_cycle));
    let mut instance = CompositeSumcheck::new(vec![g, table.clone()], 2, |v| v[0] * v[1]);
    let claim = instance.claim();
    let (sumcheck, r_addr) = sumcheck::prove(&mut instance, claim, transcript);
    let ra_eval = instance.final_evals()[0];
    transcript.append_scalar(b"read-check/ra_eval", &ra_eval);
    let point = [r_addr, r_cycle.to_vec()].concat();
    (ReadCheckProof { sumcheck, ra_eval }, claim, RaClaim { point, eval: ra_eval })
}

/// Verify a read-checking proof for `claim` over `2^log_k` addresses at `r_cycle`.
/// `table_eval(r_addr)` is the verifier's own evaluation of the table's multilinear extension.
pub fn verify(
    claim: Fr,
    log_k: usize,
    r_cycle: &[Fr],
    proof: &ReadCheckProof,
    table_eval: impl FnOnce(&[Fr]) -> Fr,
    transcript: &mut Transcript,
) -> Result<RaClaim, SumcheckError> {
    let (final_claim, r_addr) = sumcheck::verify(claim, log_k, 2, &proof.sumcheck, transcript)?;
    sumcheck::check_final(final_claim, proof.ra_eval * table_eval(&r_addr))?;
    transcript.append_scalar(b"read-check/ra_eval", &proof.ra_eval);
    let point = [r_addr, r_cycle.to_vec()].concat();
    Ok(RaClaim { point, eval: proof.ra_eval })
}

/// Read checks in one batched sumcheck, and every matrix's `ra` value: of several matrices
/// with the same rows at one cycle point (chunks of one matrix: Hamming weights), or of one
/// matrix at several cycle points (then every `ra` claim left has the same address point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchedReadCheckProof {
    pub sumcheck: SumcheckProof,
    pub ra_evals: Vec<Fr>,
}

/// One read check of a batch: `Σ_k ra(k, r_cycle)·table(k)`.
pub struct Check<'a> {
    pub matrix: &'a OneHot,
    pub r_cycle: &'a [Fr],
    pub table: &'a DenseMle,
}

/// Prove `Σ_k ra_i(k, r_cycle)·table_i(k)` for every `i`; returns the proof, the sums proven
/// (which the verifier must know independently) and the `ra` claims.
pub fn prove_batched(
    ohs: &[&OneHot],
    r_cycle: &[Fr],
    tables: &[DenseMle],
    transcript: &mut Transcript,
) -> (BatchedReadCheckProof, Vec<Fr>, Vec<RaClaim>) {
    let checks: Vec<Check> =
        ohs.iter().zip(tables).map(|(matrix, table)| Check { matrix, r_cycle, table }).collect();
    prove_checks(&checks, transcript)
}

/// Prove every check of `checks` in one batched sumcheck (the proof, the sums proven, the
/// `ra` claims).
pub fn prove_checks(
    checks: &[Check],
    transcript: &mut Transcript,
) -> (BatchedReadCheckProof, Vec<Fr>, Vec<RaClaim>) {
    let mut instances: Vec<CompositeSumcheck<Product>> = checks
        .iter()
        .map(|c| {
            let log_k = c.matrix.log_k();
            assert_eq!(c.table.num_vars(), log_k, "table and address space differ in size");
            let g = DenseMle::new(c.matrix.cycle_weights(c.r_cycle));
            CompositeSumcheck::new(vec![g, c.table.clone()], 2, product as Product)
        })
        .collect();
    let sums: Vec<Fr> = instances.iter().map(CompositeSumcheck::claim).collect();
    let mut refs: Vec<&mut dyn SumcheckProver> =
        instances.iter_mut().map(|i| i as &mut dyn SumcheckProver).collect();
    let (sumcheck, point) = sumcheck::prove_batched(&mut refs, &sums, transcript);
    let ra_evals: Vec<Fr> = instances.iter().map(|i| i.final_evals()[0]).collect();
    transcript.append_scalars(b"read-check/ra_evals", &ra_evals);
    let claims = checks
        .iter()
        .zip(&ra_evals)
        .map(|(c, &eval)| {
            let r_addr = &point[point.len() - c.matrix.log_k()..];
            RaClaim { point: [r_addr, c.r_cycle].concat(), eval }
        })
        .collect();
    (BatchedReadCheckProof { sumcheck, ra_evals }, sums, claims)
}

type Product = fn(&[Fr]) -> Fr;

fn product(v: &[Fr]) -> Fr {
    v[0] * v[1]
}

/// Verify a batch of read checks: `claims[i]` over `2^log_ks[i]` addresses at `r_cycle`, with
/// `table_evals(i, r_addr)` the verifier's own table evaluations.
pub fn verify_batched(
    claims: &[Fr],
    log_ks: &[usize],
    r_cycle: &[Fr],
    proof: &BatchedReadCheckProof,
    table_evals: impl Fn(usize, &[Fr]) -> Fr,
    transcript: &mut Transcript,
) -> Result<Vec<RaClaim>, SumcheckError> {
    let shapes: Vec<(usize, &[Fr])> = log_ks.iter().map(|&k| (k, r_cycle)).collect();
    verify_checks(claims, &shapes, proof, table_evals, transcript)
}

/// Verify a batch of read checks: `claims[i]` over `2^shapes[i].0` addresses at the cycle
/// point `shapes[i].1`, with `table_evals(i, r_addr)` the verifier's own table evaluations.
pub fn verify_checks(
    claims: &[Fr],
    shapes: &[(usize, &[Fr])],
    proof: &BatchedReadCheckProof,
    table_evals: impl Fn(usize, &[Fr]) -> Fr,
    transcript: &mut Transcript,
) -> Result<Vec<RaClaim>, SumcheckError> {
    if claims.len() != shapes.len() || proof.ra_evals.len() != shapes.len() || claims.is_empty() {
        return Err(SumcheckError::EmptyBatch);
    }
    let batch: Vec<BatchClaim> = claims
        .iter()
        .zip(shapes)
        .map(|(&claim, &(num_vars, _))| BatchClaim { claim, num_vars, degree: 2 })
        .collect();
    let out = sumcheck::verify_batched(&batch, &proof.sumcheck, transcript)?;
    let mut finals = Vec::with_capacity(claims.len());
    let mut ras = Vec::with_capacity(claims.len());
    for (i, (&(log_k, r_cycle), &eval)) in shapes.iter().zip(&proof.ra_evals).enumerate() {
        let r_addr = out.instance_point(log_k);
        finals.push(eval * table_evals(i, r_addr));
        ras.push(RaClaim { point: [r_addr, r_cycle].concat(), eval });
    }
    out.check(&finals)?;
    transcript.append_scalars(b"read-check/ra_evals", &proof.ra_evals);
    Ok(ras)
}

/// The table `V(k) = k` over `2^log_k` addresses (read-address checking).
pub fn identity_table(log_k: usize) -> DenseMle {
    DenseMle::new((0..1u64 << log_k).map(Fr::from).collect())
}

/// `Σ_i 2^(n-1-i)·r_i`: the multilinear extension of `k ↦ k` at `r` (most significant first).
pub fn identity_eval(r: &[Fr]) -> Fr {
    r.iter().fold(Fr::zero(), |acc, &x| acc + acc + x)
}

/// The table `V(k) = 1` (Hamming weight); its extension is 1 everywhere.
pub fn ones_table(log_k: usize) -> DenseMle {
    DenseMle::new(vec![Fr::from(1u64); 1 << log_k])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::{random_onehot, random_point};
    use crate::onehot::NO_ACCESS;
    use crate::poly::eq_table;

    /// A table the verifier can evaluate: `V(k) = 3k² + 7` stored densely, evaluated densely.
    fn table(log_k: usize) -> DenseMle {
        DenseMle::new((0..1u64 << log_k).map(|k| Fr::from(3 * k * k + 7)).collect())
    }

    /// `Σ_j eq(r_cycle, j)·V(addr_j)`: what the read values' extension is at `r_cycle`.
    fn read_values_at(oh: &OneHot, v: &DenseMle, r_cycle: &[Fr]) -> Fr {
        let eq = eq_table(r_cycle);
        oh.accesses().map(|(j, k)| eq[j] * v.get(k)).sum()
    }

    #[test]
    fn honest_read_check_verifies_with_the_right_opening_claim() {
        let oh = random_onehot(11, 6, 8, false);
        let v = table(6);
        let r_cycle = random_point(12, 8);
        let mut pt = Transcript::new(b"rc");
        let (proof, claim, ra) = prove(&oh, &r_cycle, &v, &mut pt);
        assert_eq!(claim, read_values_at(&oh, &v, &r_cycle));
        let mut vt = Transcript::new(b"rc");
        let got = verify(claim, 6, &r_cycle, &proof, |r| v.evaluate(r), &mut vt).unwrap();
        assert_eq!(got, ra);
        assert_eq!(oh.evaluate(&got.point), got.eval, "the ra claim is true");
        assert_eq!(pt.state(), vt.state());
    }

    #[test]
    fn identity_and_ones_tables() {
        let r = random_point(3, 5);
        assert_eq!(identity_eval(&r), identity_table(5).evaluate(&r));
        assert_eq!(ones_table(5).evaluate(&r), Fr::from(1u64));
        // Hamming weight: every row accesses one address, so the claim is 1 at any r_cycle.
        let oh = random_onehot(4, 5, 7, false);
        let r_cycle = random_point(5, 7);
        let (_, claim, _) = prove(&oh, &r_cycle, &ones_table(5), &mut Transcript::new(b"hw"));
        assert_eq!(claim, Fr::from(1u64));
        // Read addresses.
        let (_, claim, _) = prove(&oh, &r_cycle, &identity_table(5), &mut Transcript::new(b"raf"));
        let eq = eq_table(&r_cycle);
        let raf: Fr = oh.accesses().map(|(j, k)| eq[j] * Fr::from(k as u64)).sum();
        assert_eq!(claim, raf);
    }

    #[test]
    fn a_wrong_read_value_is_rejected() {
        // The verifier's claim comes from the read-value column; one row's value is wrong.
        let oh = random_onehot(21, 4, 6, false);
        let v = table(4);
        let r_cycle = random_point(22, 6);
        let eq = eq_table(&r_cycle);
        let claimed = read_values_at(&oh, &v, &r_cycle) + eq[5] * Fr::from(1u64);
        let (proof, _, _) = prove(&oh, &r_cycle, &v, &mut Transcript::new(b"rc"));
        let err =
            verify(claimed, 4, &r_cycle, &proof, |r| v.evaluate(r), &mut Transcript::new(b"rc"));
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
    }

    #[test]
    fn a_lie_about_ra_or_the_table_is_rejected() {
        let oh = random_onehot(31, 4, 6, false);
        let v = table(4);
        let r_cycle = random_point(32, 6);
        let (proof, claim, _) = prove(&oh, &r_cycle, &v, &mut Transcript::new(b"rc"));
        let mut lie = proof.clone();
        lie.ra_eval += Fr::from(1u64);
        let err = verify(claim, 4, &r_cycle, &lie, |r| v.evaluate(r), &mut Transcript::new(b"rc"));
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
        // The verifier evaluates another table than the prover used (another program's bytecode).
        let other = table(4);
        let err = verify(
            claim,
            4,
            &r_cycle,
            &proof,
            |r| other.evaluate(r) + Fr::from(1u64),
            &mut Transcript::new(b"rc"),
        );
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
    }

    #[test]
    fn a_row_with_two_ones_fails_the_hamming_weight() {
        // A cheating prover commits a dense matrix whose row 3 reads two addresses. Its true
        // Hamming-weight sum at r_cycle is not 1, so an honest-looking proof of "1" cannot exist:
        // proving the true sum leaves the verifier's first round check failing.
        let (log_k, log_t) = (3, 4);
        let oh = random_onehot(41, log_k, log_t, false);
        let mut dense = oh.to_dense().into_evals();
        let extra = (oh.addrs().get(3) as usize + 1) % (1 << log_k);
        dense[oh.flat_index(extra, 3)] = Fr::from(1u64);
        let dense = DenseMle::new(dense);
        let r_cycle = random_point(42, log_t);
        let eq = eq_table(&r_cycle);
        let g: Vec<Fr> = (0..1 << log_k)
            .map(|k| (0..1 << log_t).map(|j| eq[j] * dense.get((k << log_t) | j)).sum())
            .collect();
        let mut inst =
            CompositeSumcheck::new(vec![DenseMle::new(g), ones_table(log_k)], 2, |v| v[0] * v[1]);
        let true_sum = inst.claim();
        assert_ne!(true_sum, Fr::from(1u64));
        let (sumcheck, _) = sumcheck::prove(&mut inst, true_sum, &mut Transcript::new(b"hw"));
        let proof = ReadCheckProof { sumcheck, ra_eval: inst.final_evals()[0] };
        let err = verify(
            Fr::from(1u64),
            log_k,
            &r_cycle,
            &proof,
            |_| Fr::from(1u64),
            &mut Transcript::new(b"hw"),
        );
        assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
    }

    #[test]
    fn rows_without_access_count_zero() {
        let oh = OneHot::new(2, vec![1, NO_ACCESS, 3, NO_ACCESS]).unwrap();
        let r_cycle = random_point(51, 2);
        let (_, claim, _) = prove(&oh, &r_cycle, &ones_table(2), &mut Transcript::new(b"hw"));
        let eq = eq_table(&r_cycle);
        assert_eq!(claim, eq[0] + eq[2], "Hamming weight = the access flag's extension");
    }

    #[test]
    fn batched_read_checks_at_one_cycle_point() {
        let ohs = [random_onehot(51, 3, 6, true), random_onehot(52, 2, 6, false)];
        let refs: Vec<&OneHot> = ohs.iter().collect();
        let r_cycle = random_point(53, 6);
        let tables = [table(3), ones_table(2)];
        let mut pt = Transcript::new(b"rc-batch");
        let (proof, sums, claims) = prove_batched(&refs, &r_cycle, &tables, &mut pt);
        let evals = |i: usize, r: &[Fr]| tables[i].evaluate(r);
        let mut vt = Transcript::new(b"rc-batch");
        let checked = verify_batched(&sums, &[3, 2], &r_cycle, &proof, evals, &mut vt).unwrap();
        assert_eq!(checked, claims);
        assert_eq!(pt.state(), vt.state());
        for (m, c) in ohs.iter().zip(&claims) {
            assert_eq!(m.evaluate(&c.point), c.eval);
        }
        let mut wrong = sums.clone();
        wrong[1] += Fr::from(1u64);
        let mut vt = Transcript::new(b"rc-batch");
        assert!(verify_batched(&wrong, &[3, 2], &r_cycle, &proof, evals, &mut vt).is_err());
    }

    /// One matrix at several cycle points: every claim left shares the address point, each
    /// is the matrix's value there, and a false sum or `ra` value is rejected.
    #[test]
    fn batched_read_checks_of_one_matrix_at_several_cycle_points() {
        let oh = random_onehot(54, 4, 6, true);
        let cycles = [random_point(55, 6), random_point(56, 6), vec![Fr::zero(); 6]];
        let tables = [table(4), ones_table(4), identity_table(4)];
        let checks: Vec<Check> = cycles
            .iter()
            .zip(&tables)
            .map(|(r_cycle, table)| Check { matrix: &oh, r_cycle, table })
            .collect();
        let mut pt = Transcript::new(b"rc-cycles");
        let (proof, sums, claims) = prove_checks(&checks, &mut pt);
        let shapes: Vec<(usize, &[Fr])> = cycles.iter().map(|c| (4, &c[..])).collect();
        let evals = |i: usize, r: &[Fr]| tables[i].evaluate(r);
        let verify = |sums: &[Fr], proof: &BatchedReadCheckProof| {
            verify_checks(sums, &shapes, proof, evals, &mut Transcript::new(b"rc-cycles"))
        };
        assert_eq!(verify(&sums, &proof).unwrap(), claims);
        for c in &claims {
            assert_eq!(c.point[..4], claims[0].point[..4], "one address point");
            assert_eq!(oh.evaluate(&c.point), c.eval);
        }
        let mut wrong = sums.clone();
        wrong[2] += Fr::from(1u64);
        assert!(verify(&wrong, &proof).is_err());
        let mut bad = proof.clone();
        bad.ra_evals[1] += Fr::from(1u64);
        assert!(verify(&sums, &bad).is_err());
    }
}
