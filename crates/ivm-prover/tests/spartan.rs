//! Spartan over a uniform R1CS: completeness on a toy VM-like trace, soundness against
//! unsatisfied traces and tampered proofs, and the proof codec.

use ark_std::UniformRand;
use ivm_prover::codec::{Reader, Writer};
use ivm_prover::field::{fr_u64, Fr, One, Zero};
use ivm_prover::poly::DenseMle;
use ivm_prover::r1cs::{Constraint, Lc, UniformR1cs};
use ivm_prover::spartan::{prove, verify, SpartanClaims, SpartanError, SpartanProof};
use ivm_prover::transcript::Transcript;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

const COUNTER: usize = 0;
const A: usize = 1;
const B: usize = 2;
const FLAG: usize = 3;
const PROD: usize = 4;
const NOT_LAST: usize = 5;
const SUM: usize = 6;
const UNUSED: usize = 7;
const SQ: usize = 8;
/// `counter` of the next row (0 on the last row): a linear constraint on a `Next` variable.
const NEXT_COUNTER: usize = 9;
const NUM_COLS: usize = 10;

/// A toy "VM": a step counter and a Fibonacci pair linked across rows (guarded by a
/// not-last-row flag), a boolean flag, products, linear relations and an unconstrained column.
fn toy_r1cs() -> UniformR1cs {
    let mut r = UniformR1cs::new(NUM_COLS);
    // not_last · (counter' − counter − 1) = 0
    r.push(Constraint::eq_if(Lc::col(NOT_LAST), Lc::next(COUNTER), Lc::col(COUNTER) + 1));
    // not_last · (a' − b) = 0 ; not_last · (b' − a − b) = 0
    r.push(Constraint::eq_if(Lc::col(NOT_LAST), Lc::next(A), Lc::col(B)));
    r.push(Constraint::eq_if(Lc::col(NOT_LAST), Lc::next(B), Lc::col(A) + Lc::col(B)));
    r.push(Constraint::boolean(FLAG));
    r.push(Constraint::new(Lc::col(FLAG), Lc::col(A), Lc::col(PROD)));
    r.push(Constraint::eq(Lc::col(SUM), Lc::col(A) + 2 * Lc::col(B) - 3));
    r.push(Constraint::boolean(NOT_LAST));
    r.push(Constraint::new(Lc::col(COUNTER), Lc::col(COUNTER), Lc::col(SQ)));
    // A linear constraint with the constant on the B side: (sum − a) · 1 = 2b − 3.
    r.push(Constraint::new(Lc::col(SUM) - Lc::col(A), 1, Lc::col(B) * 2 - 3));
    r.push(Constraint::eq(Lc::col(NEXT_COUNTER), Lc::next(COUNTER)));
    r
}

#[allow(clippy::needless_range_loop)]
fn toy_trace(log_rows: usize, seed: u64) -> Vec<Vec<Fr>> {
    let t = 1usize << log_rows;
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut cols = vec![vec![Fr::zero(); t]; NUM_COLS];
    let (mut a, mut b) = (fr_u64(rng.next_u64() % 100), fr_u64(rng.next_u64() % 100));
    for i in 0..t {
        let flag = fr_u64(rng.next_u64() & 1);
        cols[COUNTER][i] = fr_u64(i as u64);
        cols[A][i] = a;
        cols[B][i] = b;
        cols[FLAG][i] = flag;
        cols[PROD][i] = flag * a;
        cols[NOT_LAST][i] = if i + 1 < t { Fr::one() } else { Fr::zero() };
        cols[SUM][i] = a + b + b - fr_u64(3);
        cols[UNUSED][i] = Fr::rand(&mut rng);
        cols[SQ][i] = fr_u64((i * i) as u64);
        cols[NEXT_COUNTER][i] = if i + 1 < t { fr_u64(i as u64 + 1) } else { Fr::zero() };
        (a, b) = (b, a + b);
    }
    cols
}

fn prove_it(r1cs: &UniformR1cs, cols: &[Vec<Fr>]) -> (SpartanProof, SpartanClaims, Transcript) {
    let mut t = Transcript::new(b"spartan-test");
    let (proof, claims) = prove(r1cs, &ivm_prover::columns::dense(cols), &mut t);
    (proof, claims, t)
}

fn verify_it(
    r1cs: &UniformR1cs,
    log_rows: usize,
    proof: &SpartanProof,
) -> Result<SpartanClaims, SpartanError> {
    let mut t = Transcript::new(b"spartan-test");
    verify(r1cs, log_rows, proof, &mut t)
}

/// The claims are what the PCS would open: check them against the columns directly.
fn check_claims(r1cs: &UniformR1cs, cols: &[Vec<Fr>], claims: &SpartanClaims) {
    for (j, col) in cols.iter().enumerate() {
        assert_eq!(
            DenseMle::new(col.clone()).evaluate(&claims.point),
            claims.evals[j],
            "column {j} at r"
        );
    }
    let shifted = r1cs.shifted_columns();
    assert_eq!(claims.shift_evals.len(), shifted.len());
    for (k, &j) in shifted.iter().enumerate() {
        assert_eq!(
            DenseMle::new(cols[j].clone()).evaluate(&claims.shift_point),
            claims.shift_evals[k],
            "column {j} at r'"
        );
    }
}

#[test]
fn completeness_across_sizes() {
    let r1cs = toy_r1cs();
    assert_eq!(r1cs.shifted_columns(), vec![COUNTER, A, B]);
    for log_rows in 0..=12 {
        let cols = toy_trace(log_rows, log_rows as u64);
        assert_eq!(r1cs.is_satisfied(&cols), Ok(()), "trace of 2^{log_rows} rows");
        let (proof, claims, pt) = prove_it(&r1cs, &cols);
        let mut vt = Transcript::new(b"spartan-test");
        let vclaims = verify(&r1cs, log_rows, &proof, &mut vt)
            .unwrap_or_else(|e| panic!("2^{log_rows} rows: {e}"));
        assert_eq!(vclaims, claims);
        assert_eq!(pt.state(), vt.state(), "prover and verifier transcripts diverged");
        assert_eq!(claims.point.len(), log_rows);
        assert_eq!(claims.shift_point.len(), log_rows);
        check_claims(&r1cs, &cols, &claims);
    }
}

#[test]
fn completeness_without_shifted_columns() {
    let mut r1cs = UniformR1cs::new(NUM_COLS);
    r1cs.push(Constraint::boolean(FLAG));
    r1cs.push(Constraint::new(Lc::col(FLAG), Lc::col(A), Lc::col(PROD)));
    r1cs.push(Constraint::eq(Lc::col(SUM), Lc::col(A) + 2 * Lc::col(B) - 3));
    assert!(r1cs.shifted_columns().is_empty());
    for log_rows in [0, 1, 5] {
        let cols = toy_trace(log_rows, 99);
        let (proof, claims, _) = prove_it(&r1cs, &cols);
        assert!(proof.shift.round_polys.is_empty() && claims.shift_point.is_empty());
        assert_eq!(verify_it(&r1cs, log_rows, &proof).unwrap(), claims);
        check_claims(&r1cs, &cols, &claims);
        let mut w = Writer::new();
        proof.write(&mut w);
        let bytes = w.finish();
        let mut r = Reader::new(&bytes);
        assert_eq!(SpartanProof::read(&mut r, &r1cs, log_rows).unwrap(), proof);
        r.finish().unwrap();
    }
    // An empty constraint system is trivially satisfied.
    let empty = UniformR1cs::new(2);
    let cols = vec![vec![fr_u64(3); 8], vec![fr_u64(4); 8]];
    let (proof, _, _) = prove_it(&empty, &cols);
    verify_it(&empty, 3, &proof).unwrap();
}

/// Each mutation breaks at least one constraint on some row; `prove` must not panic and
/// `verify` must reject.
#[test]
fn unsatisfied_traces_are_rejected() {
    let r1cs = toy_r1cs();
    for log_rows in [1usize, 4, 7] {
        let t = 1usize << log_rows;
        let mid = t / 2 - 1;
        let last = t - 1;
        type Mutation = Box<dyn Fn(&mut Vec<Vec<Fr>>)>;
        let cases: Vec<(&str, Mutation)> = vec![
            ("product, first row", Box::new(|c| c[PROD][0] += Fr::one())),
            (
                "boolean, middle row",
                Box::new(move |c| {
                    c[FLAG][mid] = fr_u64(2);
                    c[PROD][mid] = fr_u64(2) * c[A][mid];
                }),
            ),
            ("linear, last row", Box::new(move |c| c[SUM][last] += Fr::one())),
            ("square, last row", Box::new(move |c| c[SQ][last] += Fr::one())),
            (
                "next-row link across rows",
                Box::new(move |c| {
                    // counter jumps by 2 between mid and mid+1 (its square kept consistent)
                    let v = c[COUNTER][mid + 1] + Fr::one();
                    c[COUNTER][mid + 1] = v;
                    c[SQ][mid + 1] = v * v;
                }),
            ),
            (
                "next-row link on the last row reads 0",
                Box::new(move |c| c[NOT_LAST][last] = Fr::one()),
            ),
            (
                "linear next-row constraint on the last row",
                Box::new(move |c| c[NEXT_COUNTER][last] = Fr::one()),
            ),
            ("fibonacci link, top half", Box::new(move |c| c[B][last] += Fr::one())),
            ("unconstrained column changes nothing", Box::new(|c| c[UNUSED][0] += Fr::one())),
        ];
        for (name, mutate) in cases {
            let mut cols = toy_trace(log_rows, 7);
            mutate(&mut cols);
            let satisfied = r1cs.is_satisfied(&cols).is_ok();
            let (proof, claims, _) = prove_it(&r1cs, &cols);
            let result = verify_it(&r1cs, log_rows, &proof);
            if name.starts_with("unconstrained") {
                assert!(satisfied);
                assert!(result.is_ok(), "{name}: {result:?}");
                check_claims(&r1cs, &cols, &claims);
            } else {
                assert!(!satisfied, "{name}: mutation should break a constraint");
                assert!(
                    result.is_err(),
                    "{name} (2^{log_rows} rows): an unsatisfied trace was accepted"
                );
            }
        }
    }
}

#[test]
fn unsatisfied_row_positions_are_reported() {
    let r1cs = toy_r1cs();
    let mut cols = toy_trace(4, 1);
    cols[SQ][15] += Fr::one();
    assert_eq!(r1cs.is_satisfied(&cols), Err((15, 7)));
    let mut cols = toy_trace(4, 1);
    cols[COUNTER][6] += Fr::one();
    cols[SQ][6] = cols[COUNTER][6] * cols[COUNTER][6];
    assert_eq!(r1cs.is_satisfied(&cols), Err((5, 0)));
}

#[test]
fn tampered_proofs_are_rejected() {
    let r1cs = toy_r1cs();
    let log_rows = 5;
    let cols = toy_trace(log_rows, 3);
    let (proof, _, _) = prove_it(&r1cs, &cols);
    verify_it(&r1cs, log_rows, &proof).unwrap();
    let one = Fr::one();

    // Round polynomials travel without their linear coefficient (degree 3: three
    // coefficients; degree 2: two), which the verifier derives from the running claim.
    for round in 0..log_rows {
        for c in 0..3 {
            let mut p = proof.clone();
            p.outer.round_polys[round].coeffs[c] += one;
            assert!(verify_it(&r1cs, log_rows, &p).is_err(), "outer round {round} coeff {c}");
        }
        for c in 0..2 {
            let mut p = proof.clone();
            p.shift.round_polys[round].coeffs[c] += one;
            assert!(verify_it(&r1cs, log_rows, &p).is_err(), "shift round {round} coeff {c}");
        }
    }
    for j in 0..NUM_COLS {
        let mut p = proof.clone();
        p.evals[j] += one;
        let res = verify_it(&r1cs, log_rows, &p);
        if j == UNUSED {
            // In no constraint, so the outer check passes; but the value is absorbed, so the
            // shift sumcheck's challenges move and its final check fails (and the PCS would
            // catch it too).
            assert_eq!(res, Err(SpartanError::ShiftFinal), "column eval {j}");
        } else {
            assert_eq!(res.unwrap_err(), SpartanError::OuterFinal, "column eval {j}");
        }
    }
    for k in 0..3 {
        let mut p = proof.clone();
        p.next_evals[k] += one;
        assert!(verify_it(&r1cs, log_rows, &p).is_err(), "next eval {k}");
        let mut p = proof.clone();
        p.shift_evals[k] += one;
        assert_eq!(
            verify_it(&r1cs, log_rows, &p).unwrap_err(),
            SpartanError::ShiftFinal,
            "shift eval {k}"
        );
    }
    // Shapes come from the verifier.
    assert!(verify_it(&r1cs, log_rows + 1, &proof).is_err());
    assert!(verify_it(&r1cs, log_rows - 1, &proof).is_err());
    let mut p = proof.clone();
    p.evals.pop();
    assert!(matches!(verify_it(&r1cs, log_rows, &p), Err(SpartanError::Shape(_))));
    let mut p = proof.clone();
    p.outer.round_polys[0].coeffs.push(Fr::zero());
    assert!(verify_it(&r1cs, log_rows, &p).is_err());
    // A different R1CS (even one the trace satisfies) is a different statement.
    let mut other = toy_r1cs();
    other.push(Constraint::boolean(FLAG));
    assert!(other.is_satisfied(&cols).is_ok());
    assert!(verify_it(&other, log_rows, &proof).is_err());
    // A different transcript prefix is a different context.
    let mut t = Transcript::new(b"other");
    assert!(verify(&r1cs, log_rows, &proof, &mut t).is_err());
}

#[test]
fn codec_round_trip_and_truncation() {
    let r1cs = toy_r1cs();
    let log_rows = 6;
    let cols = toy_trace(log_rows, 11);
    let (proof, claims, _) = prove_it(&r1cs, &cols);
    let mut w = Writer::new();
    proof.write(&mut w);
    let bytes = w.finish();

    let mut r = Reader::new(&bytes);
    let decoded = SpartanProof::read(&mut r, &r1cs, log_rows).unwrap();
    r.finish().unwrap();
    assert_eq!(decoded, proof);
    assert_eq!(verify_it(&r1cs, log_rows, &decoded).unwrap(), claims);

    // Every strict prefix fails to decode.
    for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1]) {
        let mut r = Reader::new(&bytes[..cut]);
        assert!(
            SpartanProof::read(&mut r, &r1cs, log_rows).is_err(),
            "prefix of {cut} bytes decoded"
        );
    }
    // Trailing bytes are left for the caller's finish() to reject.
    let mut long = bytes.clone();
    long.push(0);
    let mut r = Reader::new(&long);
    SpartanProof::read(&mut r, &r1cs, log_rows).unwrap();
    assert!(r.finish().is_err());
    // Lengths come from the verifier: another row count does not decode.
    assert!(SpartanProof::read(&mut Reader::new(&bytes), &r1cs, log_rows + 1).is_err());
    assert!(SpartanProof::read(&mut Reader::new(&bytes), &r1cs, log_rows - 1).is_err());
    // A non-canonical field element is rejected.
    let mut bad = bytes.clone();
    let start = 4 + 4; // round count, then the first polynomial's length prefix
    bad[start..start + 32].copy_from_slice(&[0xff; 32]);
    assert!(SpartanProof::read(&mut Reader::new(&bad), &r1cs, log_rows).is_err());
}

/// A VM-sized shape (110 columns, 40 constraints with a handful of products): run with
/// `cargo test --release -p ivm-prover --test spartan -- --ignored --nocapture`.
#[test]
#[ignore]
fn vm_sized_timing() {
    let log_rows: usize =
        std::env::var("SPARTAN_LOG_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(16);
    let t = 1usize << log_rows;
    let num_cols = 110;
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    // Columns 0..40 are bits, 40..80 small values, 80..110 defined by constraints.
    let mut cols: Vec<Vec<Fr>> = Vec::with_capacity(num_cols);
    for j in 0..80 {
        cols.push(
            (0..t)
                .map(|_| {
                    fr_u64(if j < 40 { rng.next_u64() & 1 } else { rng.next_u64() & 0xffff_ffff })
                })
                .collect(),
        );
    }
    let mut r1cs = UniformR1cs::new(num_cols);
    for j in 0..10 {
        r1cs.push(Constraint::boolean(j));
    }
    // 25 guarded/plain linear constraints defining columns 80..105
    for k in 0..25 {
        let out = 80 + k;
        let lc = Lc::col(40 + k) + Lc::col(41 + k) * 256 - Lc::col(k);
        cols.push((0..t).map(|i| lc.evaluate_row(&cols, i)).collect());
        r1cs.push(Constraint::eq(Lc::col(out), lc));
    }
    // 5 products defining 105..110
    for k in 0..5 {
        let (a, b) = (k, 60 + k);
        cols.push((0..t).map(|i| cols[a][i] * cols[b][i]).collect());
        r1cs.push(Constraint::new(Lc::col(a), Lc::col(b), Lc::col(105 + k)));
    }
    // pc-like continuity: column 79 counts up by 4, guarded by column 0 (not-last)
    cols[79] = (0..t).map(|i| fr_u64(4 * i as u64)).collect();
    cols[0] = (0..t).map(|i| if i + 1 < t { Fr::one() } else { Fr::zero() }).collect();
    r1cs.push(Constraint::eq_if(Lc::col(0), Lc::next(79), Lc::col(79) + 4));
    // recompute the columns that depend on the modified ones
    for k in 0..25 {
        let lc = Lc::col(40 + k) + Lc::col(41 + k) * 256 - Lc::col(k);
        cols[80 + k] = (0..t).map(|i| lc.evaluate_row(&cols, i)).collect();
    }
    for k in 0..5 {
        cols[105 + k] = (0..t).map(|i| cols[k][i] * cols[60 + k][i]).collect();
    }
    assert_eq!(r1cs.constraints.len(), 41);
    assert_eq!(r1cs.is_satisfied(&cols), Ok(()));
    // Best of three: the machine may be shared.
    let (mut prove_time, mut prove_cpu) = (std::time::Duration::MAX, i64::MAX);
    let mut proof = None;
    for _ in 0..3 {
        let (start, cpu) = (std::time::Instant::now(), thread_cpu_ms());
        proof = Some(prove_it(&r1cs, &cols).0);
        prove_time = prove_time.min(start.elapsed());
        prove_cpu = prove_cpu.min(thread_cpu_ms() - cpu);
    }
    let proof = proof.unwrap();
    let start = std::time::Instant::now();
    verify_it(&r1cs, log_rows, &proof).unwrap();
    println!(
        "T = 2^{log_rows}, {num_cols} columns: prove {prove_time:?} wall, {prove_cpu} ms thread CPU; verify {:?}",
        start.elapsed()
    );
}

/// This thread's user + system CPU time in milliseconds (Linux; 0 elsewhere). Wall-clock time
/// is unreliable on a shared machine.
fn thread_cpu_ms() -> i64 {
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else { return 0 };
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: i64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    ticks * 10 // USER_HZ = 100 on Linux
}
