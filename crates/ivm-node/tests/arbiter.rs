//! The arbiter's verdict (`ivm_node::arbiter::judge`) on one real proof (fibonacci(12)): it
//! upholds exactly the claim the proof proves for exactly the job it was made for. Another
//! program, other inputs, another claimed outcome, a run longer than the job allows, a damaged
//! proof and a proof checked against another ELF are each rejected, for the reason named.
//!
//! Needs the example ELFs (`ivm build --path guest-examples`; `scripts/test` builds them).
use ivm_contracts::alloy_primitives::keccak256;
use ivm_node::arbiter::{judge, ChallengedJob, ClaimedOutcome, NotProven};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run `ivm build --path guest-examples`)"))
}

fn uint256(n: u64) -> Vec<u8> {
    let mut v = vec![0u8; 32];
    v[24..].copy_from_slice(&n.to_be_bytes());
    v
}

#[test]
fn judge_upholds_only_the_proven_claim_for_the_job() {
    let fib = elf("fibonacci");
    let input = uint256(12);
    let (statement, proof) =
        ivm_prover::prove_file(&fib, &input, &[], 1_000_000, &mut |_| {}).unwrap();
    let job = ChallengedJob {
        program_id: statement.program_id.to_vec(),
        max_cycles: 1_000_000,
        onchain_input: input.clone(),
        offchain_input_hash: keccak256([]).0,
    };
    let claim = ClaimedOutcome::Output(statement.output.clone());

    let upheld = judge(&fib, &job, &claim, &proof).expect("the proven claim is upheld");
    assert_eq!(upheld, statement);

    let reject = |job: &ChallengedJob, claim: &ClaimedOutcome, proof: &[u8], elf: &[u8]| {
        judge(elf, job, claim, proof).expect_err("must be rejected")
    };

    let other_program = ChallengedJob { program_id: vec![7; 32], ..job.clone() };
    assert!(matches!(reject(&other_program, &claim, &proof, &fib), NotProven::OtherProgram { .. }));

    let other_input = ChallengedJob { onchain_input: uint256(13), ..job.clone() };
    assert!(matches!(reject(&other_input, &claim, &proof, &fib), NotProven::OnchainInput));

    let other_offchain = ChallengedJob { offchain_input_hash: keccak256([1]).0, ..job.clone() };
    assert!(matches!(reject(&other_offchain, &claim, &proof, &fib), NotProven::OffchainInput));

    let mut other_output = statement.output.clone();
    other_output[31] ^= 1;
    let wrong_claim = ClaimedOutcome::Output(other_output);
    assert!(matches!(reject(&job, &wrong_claim, &proof, &fib), NotProven::OtherOutcome { .. }));
    assert!(matches!(
        reject(&job, &ClaimedOutcome::Panicked, &proof, &fib),
        NotProven::OtherOutcome { .. }
    ));

    let short_limit = ChallengedJob { max_cycles: statement.cycles - 1, ..job.clone() };
    assert!(matches!(reject(&short_limit, &claim, &proof, &fib), NotProven::OverCycleLimit { .. }));

    // Damage inside the proof body (past the statement, which is compared first).
    let mut damaged = proof.clone();
    let at = damaged.len() - 1000;
    damaged[at] ^= 0x40;
    assert!(matches!(reject(&job, &claim, &damaged, &fib), NotProven::Invalid(_)));

    assert!(matches!(reject(&job, &claim, &proof[..100], &fib), NotProven::Unreadable(_)));

    // The job names fibonacci's ID, but the arbiter's ELF is another program.
    assert!(matches!(reject(&job, &claim, &proof, &elf("sha256")), NotProven::Invalid(_)));
}

/// A proof decides an output or panic claim: the right claim is upheld, another output, a
/// panic claim, another input or a damaged proof are not.
#[test]
fn judge_accepts_a_v2_proof_of_an_output_or_panic() {
    let fib = elf("fibonacci");
    let input = uint256(12);
    let (statement, proof) =
        ivm_prover::prove_file(&fib, &input, &[], 1_000_000, &mut |_| {}).unwrap();
    let job = ChallengedJob {
        program_id: statement.program_id.to_vec(),
        max_cycles: 1_000_000,
        onchain_input: input.clone(),
        offchain_input_hash: keccak256([]).0,
    };
    let claim = ClaimedOutcome::Output(statement.output.clone());
    let upheld = judge(&fib, &job, &claim, &proof).expect("a v2 proof of the output");
    assert_eq!(upheld, statement);

    let mut other = statement.output.clone();
    other[0] ^= 1;
    let e = judge(&fib, &job, &ClaimedOutcome::Output(other), &proof).unwrap_err();
    assert!(matches!(e, NotProven::OtherOutcome { .. }), "{e}");
    let e = judge(&fib, &job, &ClaimedOutcome::Panicked, &proof).unwrap_err();
    assert!(matches!(e, NotProven::OtherOutcome { .. }), "{e}");
    let other_input = ChallengedJob { onchain_input: uint256(13), ..job.clone() };
    let e = judge(&fib, &other_input, &claim, &proof).unwrap_err();
    assert!(matches!(e, NotProven::OnchainInput), "{e}");
    let mut damaged = proof.clone();
    let at = damaged.len() - 500;
    damaged[at] ^= 0x10;
    let e = judge(&fib, &job, &claim, &damaged).unwrap_err();
    assert!(matches!(e, NotProven::Invalid(_)), "{e}");

    // A panicking run: its v2 proof upholds a panic claim.
    let panic = elf("panic");
    let input = [&[1u8][..], b"boom"].concat();
    let (st, proof) = ivm_prover::prove_file(&panic, &input, &[], 1_000_000, &mut |_| {}).unwrap();
    let job = ChallengedJob {
        program_id: st.program_id.to_vec(),
        max_cycles: 1_000_000,
        onchain_input: input,
        offchain_input_hash: keccak256([]).0,
    };
    judge(&panic, &job, &ClaimedOutcome::Panicked, &proof).expect("a v2 proof of the panic");
}

/// "The job should have failed": a v2 proof of a fault, or of a run that exhausts the job's
/// own cycle limit, upholds it; a run out of fewer cycles than
/// the job allows, a fault past the limit and an output claim on a failed run are rejected.
#[test]
fn judge_upholds_a_failed_run_only_as_proven_for_the_job() {
    let faults = elf("faults");
    let job_for =
        |input: &[u8], max_cycles: u64, st: &ivm_prover::statement::Statement| ChallengedJob {
            program_id: st.program_id.to_vec(),
            max_cycles,
            onchain_input: input.to_vec(),
            offchain_input_hash: keccak256([]).0,
        };
    let prove = |input: &[u8], max_cycles: u64| {
        ivm_prover::prove_file(&faults, input, &[], max_cycles, &mut |_| {}).unwrap()
    };

    // Mode 1 reads address 0 after a few dozen instructions.
    let (st, proof) = prove(&[1], 1_000_000);
    let job = job_for(&[1], 1_000_000, &st);
    assert_eq!(judge(&faults, &job, &ClaimedOutcome::Failed, &proof).unwrap(), st);
    let e = judge(&faults, &job, &ClaimedOutcome::Output(b"ok".to_vec()), &proof).unwrap_err();
    assert!(matches!(e, NotProven::OtherOutcome { .. }), "{e}");
    let tight = job_for(&[1], st.cycles, &st);
    let e = judge(&faults, &tight, &ClaimedOutcome::Failed, &proof).unwrap_err();
    assert!(matches!(e, NotProven::OverCycleLimit { .. }), "{e}");

    // Mode 7 loops: out of cycles proves failure only at the job's own limit.
    let (st, proof) = prove(&[7], 2_000);
    assert_eq!(
        judge(&faults, &job_for(&[7], 2_000, &st), &ClaimedOutcome::Failed, &proof).unwrap(),
        st
    );
    let e =
        judge(&faults, &job_for(&[7], 3_000, &st), &ClaimedOutcome::Failed, &proof).unwrap_err();
    assert!(matches!(e, NotProven::OtherCycleLimit { .. }), "{e}");

    // A run that halts proves its output, not a failure.
    let (st, proof) = prove(&[], 1_000_000);
    let e =
        judge(&faults, &job_for(&[], 1_000_000, &st), &ClaimedOutcome::Failed, &proof).unwrap_err();
    assert!(matches!(e, NotProven::OtherOutcome { .. }), "{e}");
    // The same proof relabelled as a version-1 file (prover v1's format) is unreadable.
    let mut v1 = proof.clone();
    v1[8..10].copy_from_slice(&1u16.to_le_bytes());
    let e = judge(
        &faults,
        &job_for(&[], 1_000_000, &st),
        &ClaimedOutcome::Output(st.output.clone()),
        &v1,
    )
    .unwrap_err();
    assert!(matches!(e, NotProven::Unreadable(_)), "{e}");
    assert!(e.to_string().contains("jolt-rv32im-dory/1"), "{e}");
}
