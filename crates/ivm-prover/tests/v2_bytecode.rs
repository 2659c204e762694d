//! Prover v2's bytecode fetch on a real run: each cycle reads one entry of the ELF-derived
//! bytecode table (one-hot over the text words, committed with additions), proven by a Shout
//! read check against the CPU's per-cycle fields, booleanity and Hamming weight, and both
//! `ra` claims opened with Dory against the commitment. The verifier evaluates the table from
//! the ELF alone.
use ivm_prover::field::Fr;
use ivm_prover::onehot::{booleanity, commit, read_check, OneHot};
use ivm_prover::pcs::{CommitmentScheme, Dory, DoryProverSetup, DORY_SEED};
use ivm_prover::poly::{eq_table, DenseMle};
use ivm_prover::transcript::Transcript;
use ivm_vm::decode::Instr;
use ivm_vm::{Inputs, Program, Step};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// The decoded fields of a text word the CPU uses: (pc, word's instruction as fields).
fn fields(pc: u32, i: Instr) -> [u64; 4] {
    let (rs1, rs2, imm) = match i {
        Instr::Jalr { rs1, imm, .. }
        | Instr::Load { rs1, imm, .. }
        | Instr::OpImm { rs1, imm, .. } => (rs1, 0, imm),
        Instr::Branch { rs1, rs2, imm, .. } | Instr::Store { rs1, rs2, imm, .. } => (rs1, rs2, imm),
        Instr::Op { rs1, rs2, .. } => (rs1, rs2, 0),
        Instr::Lui { imm, .. } | Instr::Auipc { imm, .. } | Instr::Jal { imm, .. } => (0, 0, imm),
        _ => (0, 0, 0),
    };
    [u64::from(pc), u64::from(rs1), u64::from(rs2), u64::from(imm)]
}

/// The bytecode table `V(k) = Σ_f γ^f·field_f(k)` over the text words (padded with zeros).
fn table(program: &Program, gamma: Fr, log_k: usize) -> DenseMle {
    let mut v = vec![Fr::from(0u64); 1 << log_k];
    for (k, &i) in program.code.iter().enumerate() {
        let pc = program.text_base + 4 * k as u32;
        v[k] = combine(fields(pc, i), gamma);
    }
    DenseMle::new(v)
}

fn combine(f: [u64; 4], gamma: Fr) -> Fr {
    f.iter().rev().fold(Fr::from(0u64), |acc, &x| acc * gamma + Fr::from(x))
}

#[test]
fn a_real_runs_bytecode_fetch_goes_through_shout() {
    let elf = elf("fibonacci");
    let program = Program::load(&elf).unwrap();
    let mut input = vec![0u8; 32];
    input[31] = 5;
    let (_exec, steps) =
        ivm_vm::trace(&program, Inputs { onchain: &input, offchain: &[] }, 1 << 20).unwrap();
    let log_k = program.code.len().next_power_of_two().trailing_zeros() as usize;
    let t = steps.len().next_power_of_two();
    // Every cycle fetches its pc's word; padding rows fetch word 0 (a no-op row in a real
    // trace), so every row has exactly one 1.
    let mut addrs: Vec<u32> = steps.iter().map(|s: &Step| (s.pc - program.text_base) / 4).collect();
    addrs.resize(t, 0);
    let ra = OneHot::new(log_k, addrs.clone()).unwrap();
    eprintln!(
        "fibonacci(5): {} cycles, bytecode 2^{log_k} words, ra 2^{} entries",
        steps.len(),
        ra.num_vars()
    );

    let setup = DoryProverSetup::new(DORY_SEED, ra.num_vars());
    let vsetup = setup.verifier_setup();
    let (com, hint) = commit::commit(&setup, &ra);
    let mut pt = Transcript::new(b"v2-bytecode");
    let mut vt = Transcript::new(b"v2-bytecode");
    for t in [&mut pt, &mut vt] {
        t.append_serializable(b"ra", &com.0);
    }
    let gamma = pt.challenge_scalar(b"gamma");
    assert_eq!(gamma, vt.challenge_scalar(b"gamma"));
    let r_cycle = pt.challenge_scalars(b"r_cycle", ra.log_t());
    assert_eq!(r_cycle, vt.challenge_scalars(b"r_cycle", ra.log_t()));

    // The CPU side's claim: its per-cycle fields at r_cycle (padding rows carry word 0's).
    let eq = eq_table(&r_cycle);
    let word0 = combine(fields(program.text_base, program.code[0]), gamma);
    let claim: Fr = (0..t)
        .map(|j| match steps.get(j) {
            Some(s) => eq[j] * combine(fields(s.pc, s.instr), gamma),
            None => eq[j] * word0,
        })
        .sum();
    // Read check plus Hamming weight (V + δ·1) in one sumcheck; the verifier's table comes
    // from the ELF alone.
    let delta = pt.challenge_scalar(b"delta");
    assert_eq!(delta, vt.challenge_scalar(b"delta"));
    let v = table(&program, gamma, log_k);
    let with_ones = DenseMle::new(v.evals().iter().map(|x| *x + delta).collect());
    let (rc, proven, rc_claim) = read_check::prove(&ra, &r_cycle, &with_ones, &mut pt);
    assert_eq!(proven, claim + delta, "the fetched fields are the CPU's, each row weighs 1");
    let verifier_table = table(&Program::load(&elf).unwrap(), gamma, log_k);
    let got = read_check::verify(
        claim + delta,
        log_k,
        &r_cycle,
        &rc,
        |r| verifier_table.evaluate(r) + delta,
        &mut vt,
    )
    .unwrap();
    assert_eq!(got, rc_claim);
    let (bp, b_claim) = booleanity::prove(&ra, &mut pt);
    assert_eq!(booleanity::verify(log_k, ra.log_t(), &bp, &mut vt).unwrap(), b_claim);

    // Both ra claims opened against the commitment.
    for claim in [&rc_claim, &b_claim] {
        let (eval, proof) = commit::open(&setup, &ra, hint.clone(), &com, &claim.point, &mut pt);
        assert_eq!(eval, claim.eval);
        Dory::verify(&vsetup, &com, &claim.point, claim.eval, &proof, &mut vt).unwrap();
    }
    assert_eq!(pt.state(), vt.state());

    // Another program's table (one instruction changed) fails the read check.
    let mut other = v.evals().to_vec();
    other[addrs[3] as usize] += Fr::from(1u64);
    let other = DenseMle::new(other);
    let mut t = Transcript::new(b"other");
    let (rc, _, _) = read_check::prove(&ra, &r_cycle, &with_ones, &mut t.clone());
    assert!(read_check::verify(
        claim + delta,
        log_k,
        &r_cycle,
        &rc,
        |r| other.evaluate(r) + delta,
        &mut t
    )
    .is_err());
}
