//! Prover v2's witness of real runs satisfies the v2 CPU constraints, and the memory traces
//! return exactly the values the CPU columns claim (what Twist will prove). A corrupted row is
//! caught by the constraints or the memory traces.
use ivm_prover::field::Fr;
use ivm_prover::statement::Outcome;
use ivm_prover::v2::cpu::{self, NUM_COLS, RAMOLD, RS1V, RS2V};
use ivm_prover::v2::{run, witness::Witness};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// Register and RAM reads as the memory traces replay them agree with the CPU columns.
fn memory_agrees(w: &Witness) -> bool {
    let reg = w.registers.read_values();
    let ram = w.ram.read_values();
    (0..1usize << w.log_rows).all(|i| {
        w.col(RS1V).get(i) == Fr::from(reg[2 * i])
            && w.col(RS2V).get(i) == Fr::from(reg[2 * i + 1])
            && w.col(RAMOLD).get(i) == Fr::from(ram[i])
    })
}

#[test]
fn real_runs_satisfy_the_v2_constraints_and_memory() {
    for (name, input) in [
        ("fibonacci", 20u32.to_le_bytes().to_vec()),
        ("sha256", b"abc".to_vec()),
        ("panic", vec![]),
        ("arith", vec![]),
    ] {
        let (st, w) = run(&elf(name), &input, &[], 1 << 20, &|_| ()).unwrap();
        let r1cs = cpu::constraints(st.outcome);
        let cols = w.dense_columns();
        assert_eq!(cols.len(), NUM_COLS);
        r1cs.is_satisfied(&cols)
            .unwrap_or_else(|(c, row)| panic!("{name}: constraint {c} fails on row {row}"));
        assert!(memory_agrees(&w), "{name}: memory traces disagree with the columns");
        assert_eq!(w.control.panic_word != 0, st.outcome == Outcome::Panicked, "{name}");
        eprintln!(
            "{name}: {} cycles, 2^{} rows, {} RAM pages (K = 2^{})",
            st.cycles,
            w.log_rows,
            w.map.pages().len(),
            w.map.log_k()
        );
    }
}

#[test]
fn a_corrupted_row_breaks_the_constraints_or_the_memory() {
    let r1cs = cpu::constraints(Outcome::Halted);
    let input = 20u32.to_le_bytes().to_vec();
    let tampers: [(&str, &dyn Fn(&mut Vec<ivm_prover::isa::Row>)); 3] = [
        ("register write", &|rows| {
            let i = rows.iter().position(|r| r.rd_new != 0).unwrap();
            rows[i].rd_new ^= 1;
        }),
        ("lookup output", &|rows| {
            let i = rows.iter().position(|r| r.lookup.table.is_some()).unwrap();
            rows[i].lookup.out ^= 4;
        }),
        ("RAM value", &|rows| {
            let i = rows.iter().position(|r| r.ram.is_some()).unwrap();
            rows[i].ram.as_mut().unwrap().before ^= 1;
        }),
    ];
    for (what, tamper) in tampers {
        let (_, w) =
            run(&elf("fibonacci"), &input, &[], 1 << 20, &|c| tamper(&mut c.rows)).unwrap();
        assert!(
            r1cs.is_satisfied(&w.dense_columns()).is_err() || !memory_agrees(&w),
            "a corrupted {what} went unnoticed"
        );
    }
}
