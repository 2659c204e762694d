//! Prover v2's registers on a real run: each cycle becomes four memory rows of a 32-register
//! Twist (read rs1, read rs2, write rd, idle; docs/prover-architecture.md), proven with the address-first
//! prover and Val evaluation from all-zero registers. The interleaved read values meet the
//! CPU's per-cycle columns through the two low row bits.
use ivm_prover::field::Fr;
use ivm_prover::onehot::{OneHot, NO_ACCESS};
use ivm_prover::poly::{eq_eval, DenseMle};
use ivm_prover::transcript::Transcript;
use ivm_prover::twist::read_write::{self, BindingOrder, ReadWriteInstance};
use ivm_prover::twist::{val_eval, MemoryTrace};
use ivm_vm::decode::Instr;
use ivm_vm::{Inputs, Program, Step};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// `(rs1, rs2, rd)` an instruction reads and writes (`None` where it has no such operand;
/// `rd = x0` writes nothing).
fn registers(i: Instr) -> (Option<u8>, Option<u8>, Option<u8>) {
    let rd = |r: u8| (r != 0).then_some(r);
    match i {
        Instr::Lui { rd: d, .. } | Instr::Auipc { rd: d, .. } | Instr::Jal { rd: d, .. } => {
            (None, None, rd(d))
        }
        Instr::Jalr { rd: d, rs1, .. }
        | Instr::Load { rd: d, rs1, .. }
        | Instr::OpImm { rd: d, rs1, .. } => (Some(rs1), None, rd(d)),
        Instr::Branch { rs1, rs2, .. } | Instr::Store { rs1, rs2, .. } => {
            (Some(rs1), Some(rs2), None)
        }
        Instr::Op { rd: d, rs1, rs2, .. } => (Some(rs1), Some(rs2), rd(d)),
        _ => (None, None, None),
    }
}

/// Rows `4j .. 4j+3` for cycle `j`: read rs1, read rs2, write rd, idle.
fn register_trace(steps: &[Step]) -> MemoryTrace {
    let t = (4 * steps.len()).next_power_of_two();
    let (mut reads, mut writes, mut values) = (vec![NO_ACCESS; t], vec![NO_ACCESS; t], vec![0; t]);
    for (j, s) in steps.iter().enumerate() {
        let (rs1, rs2, rd) = registers(s.instr);
        if let Some(r) = rs1 {
            reads[4 * j] = u32::from(r);
        }
        if let Some(r) = rs2 {
            reads[4 * j + 1] = u32::from(r);
        }
        if let Some(r) = rd {
            writes[4 * j + 2] = u32::from(r);
            values[4 * j + 2] = u64::from(s.rd_val);
        }
    }
    let onehot = |a| OneHot::new(5, a).unwrap();
    MemoryTrace::new(vec![0; 32], onehot(reads), onehot(writes), values).unwrap()
}

#[test]
fn a_real_runs_registers_go_through_interleaved_twist() {
    let elf = elf("fibonacci");
    let program = Program::load(&elf).unwrap();
    let mut input = vec![0u8; 32];
    input[31] = 30;
    let (_exec, steps) =
        ivm_vm::trace(&program, Inputs { onchain: &input, offchain: &[] }, 1 << 20).unwrap();
    let trace = register_trace(&steps);

    // The register file replays the VM's operands exactly.
    let rv = trace.read_values();
    for (j, s) in steps.iter().enumerate() {
        let (rs1, rs2, _) = registers(s.instr);
        if rs1.is_some() {
            assert_eq!(rv[4 * j], u64::from(s.rs1_val), "cycle {j} rs1");
        }
        if rs2.is_some() {
            assert_eq!(rv[4 * j + 1], u64::from(s.rs2_val), "cycle {j} rs2");
        }
    }

    // The CPU's per-cycle columns meet the interleaved rows through the two low row bits:
    // rv(r_c, s) = eq(s, 00)·rs1_val(r_c) + eq(s, 01)·rs2_val(r_c).
    let (log_k, log_t) = (trace.log_k(), trace.log_t());
    let mut pt = Transcript::new(b"v2-regs");
    let mut vt = Transcript::new(b"v2-regs");
    let r = pt.challenge_scalars(b"r_cycle", log_t);
    assert_eq!(r, vt.challenge_scalars(b"r_cycle", log_t));
    let (r_c, s) = r.split_at(log_t - 2);
    let per_cycle = |f: &dyn Fn(&Step) -> u32| {
        let mut v: Vec<Fr> = steps.iter().map(|st| Fr::from(f(st))).collect();
        v.resize(1 << (log_t - 2), Fr::from(0u64));
        DenseMle::new(v)
    };
    let used = |st: &Step, which: usize| {
        let (a, b, _) = registers(st.instr);
        [a, b][which].is_some()
    };
    let rs1_col = per_cycle(&|st| if used(st, 0) { st.rs1_val } else { 0 });
    let rs2_col = per_cycle(&|st| if used(st, 1) { st.rs2_val } else { 0 });
    let bit = |b: u64| Fr::from(b);
    let from_cpu = eq_eval(s, &[bit(0), bit(0)]) * rs1_col.evaluate(r_c)
        + eq_eval(s, &[bit(0), bit(1)]) * rs2_col.evaluate(r_c);
    let rv_mle = DenseMle::new(rv.iter().map(|&v| Fr::from(v)).collect());
    assert_eq!(rv_mle.evaluate(&r), from_cpu);

    // Read/write checking (address-first: 32 registers) and Val evaluation from zero.
    let gamma = Fr::from(7u64);
    let order = BindingOrder::AddressFirst;
    let (rw, claim, _) = read_write::prove(&trace, &r, gamma, order, &mut pt);
    let inc = DenseMle::new(trace.increments());
    assert_eq!(claim, from_cpu + gamma * inc.evaluate(&r), "the claim the CPU side supplies");
    let instance = ReadWriteInstance { log_k, log_t, r_cycle: &r, gamma, order };
    let rwc = read_write::verify(claim, &instance, &rw, &mut vt).unwrap();
    let (ve, _, _) = val_eval::prove(&trace, &rwc.r_addr, &rwc.r_cycle, &mut pt);
    let zero = Fr::from(0u64);
    val_eval::verify(rwc.evals.val, zero, &rwc.r_addr, &rwc.r_cycle, &ve, &mut vt).unwrap();
    assert_eq!(pt.state(), vt.state());

    // A cheating prover whose rs1 column is off by one in some cycle cannot make the claim.
    let j = steps.iter().position(|st| used(st, 0)).unwrap() + 5;
    let eq_r = ivm_prover::poly::eq_table(&r);
    let lie = claim + eq_r[4 * j];
    let mut t = Transcript::new(b"v2-regs");
    let _ = t.challenge_scalars(b"r_cycle", log_t);
    assert!(read_write::verify(lie, &instance, &rw, &mut t).is_err());
}
