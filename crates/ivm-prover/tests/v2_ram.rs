//! Prover v2's RAM on a real run: the memory accesses of a guest example, remapped to the pages
//! the run touches ([`ivm_prover::paged_ram`]), go through Twist (read/write checking with the
//! cycle-first prover, Val evaluation from the verifier's own initial memory) and a Shout
//! read-address check that ties every remapped one-hot address to the physical address. Every
//! read the VM made is what the remapped memory returns.
use std::collections::BTreeMap;

use ivm_prover::field::Fr;
use ivm_prover::onehot::{read_check, OneHot, NO_ACCESS};
use ivm_prover::paged_ram::PageMap;
use ivm_prover::poly::eq_table;
use ivm_prover::ram::RamLayout;
use ivm_prover::transcript::Transcript;
use ivm_prover::twist::read_write::{self, BindingOrder, ReadWriteInstance};
use ivm_prover::twist::{val_eval, MemoryTrace};
use ivm_vm::decode::Instr;
use ivm_vm::{Inputs, Program};

fn elf(name: &str) -> Vec<u8> {
    let path = format!("{}/../../guest-examples/target/ivm/{name}.elf", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run scripts/setup to build the guest examples)"))
}

/// One row per retired instruction: loads read their word; stores read it and write the new
/// word (a sub-word store changes part of it).
struct RamRows {
    reads: Vec<u32>,
    writes: Vec<u32>,
    values: Vec<u64>,
    /// `(row, physical address, value the VM read)` of every access.
    seen: Vec<(usize, u32, u32)>,
}

fn ram_rows(map: &PageMap, steps: &[ivm_vm::Step]) -> RamRows {
    let t = steps.len().next_power_of_two();
    let mut rows = RamRows {
        reads: vec![NO_ACCESS; t],
        writes: vec![NO_ACCESS; t],
        values: vec![0; t],
        seen: Vec::new(),
    };
    for (j, s) in steps.iter().enumerate() {
        let Some(m) = s.mem else { continue };
        let k = map.remap(m.addr).expect("every accessed page is listed");
        rows.reads[j] = k;
        rows.seen.push((j, m.addr, m.before));
        if matches!(s.instr, Instr::Store { .. }) {
            rows.writes[j] = k;
            rows.values[j] = u64::from(m.after);
        }
    }
    rows
}

#[test]
fn a_real_runs_ram_goes_through_paged_twist() {
    let elf = elf("sha256");
    let program = Program::load(&elf).unwrap();
    let input = b"abc".to_vec();
    let (_exec, steps) =
        ivm_vm::trace(&program, Inputs { onchain: &input, offchain: &[] }, 1 << 20).unwrap();

    // The initial memory (ELF image, inputs) by byte address, and the pages the run touches.
    let layout = RamLayout::of(&program);
    let initial: BTreeMap<u32, u32> = layout
        .initial_words(&program, &input, &[])
        .into_iter()
        .map(|(i, w)| (layout.address(i), w))
        .collect();
    let map = PageMap::from_addresses(steps.iter().filter_map(|s| s.mem.map(|m| m.addr)));
    eprintln!(
        "sha256(\"abc\"): {} cycles, {} pages touched -> K = 2^{} words (v1's window: 2^20)",
        steps.len(),
        map.pages().len(),
        map.log_k()
    );
    assert!(map.log_k() <= 16, "a small run has a small memory");

    let rows = ram_rows(&map, &steps);
    let k = 1u32 << map.log_k();
    let init: Vec<u64> =
        (0..k).map(|i| u64::from(*initial.get(&map.phys(i)).unwrap_or(&0))).collect();
    let reads = OneHot::new(map.log_k(), rows.reads.clone()).unwrap();
    let trace = MemoryTrace::new(
        init,
        reads.clone(),
        OneHot::new(map.log_k(), rows.writes.clone()).unwrap(),
        rows.values.clone(),
    )
    .unwrap();
    // The remapped memory replays the VM's memory exactly.
    let rv = trace.read_values();
    for &(j, addr, before) in &rows.seen {
        assert_eq!(rv[j], u64::from(before), "row {j}: read of {addr:#010x}");
    }

    let (log_k, log_t) = (trace.log_k(), trace.log_t());
    let mut pt = Transcript::new(b"v2-ram");
    let mut vt = Transcript::new(b"v2-ram");
    let r_cycle = pt.challenge_scalars(b"r_cycle", log_t);
    assert_eq!(r_cycle, vt.challenge_scalars(b"r_cycle", log_t));
    let gamma = Fr::from(0x5eed_u64);

    // Read/write checking (cycle-first, as for RAM).
    let order = BindingOrder::CycleFirst;
    let (rw, claim, _) = read_write::prove(&trace, &r_cycle, gamma, order, &mut pt);
    let instance = ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order };
    let rwc = read_write::verify(claim, &instance, &rw, &mut vt).unwrap();

    // Val evaluation against the verifier's own initial memory over the remapped pages.
    let (ve, val, _) = val_eval::prove(&trace, &rwc.r_addr, &rwc.r_cycle, &mut pt);
    assert_eq!(val, rwc.evals.val);
    let init_eval = map.init_eval(&initial, &rwc.r_addr);
    val_eval::verify(rwc.evals.val, init_eval, &rwc.r_addr, &rwc.r_cycle, &ve, &mut vt).unwrap();

    // Read addresses: the remapped one-hot address of each row is its physical address.
    let eq = eq_table(&r_cycle);
    let addr_claim: Fr = rows.seen.iter().map(|&(j, addr, _)| eq[j] * Fr::from(addr)).sum();
    let phys = ivm_prover::poly::DenseMle::new((0..k).map(|i| Fr::from(map.phys(i))).collect());
    let (raf, claimed, _) = read_check::prove(&reads, &r_cycle, &phys, &mut pt);
    assert_eq!(claimed, addr_claim);
    read_check::verify(addr_claim, log_k, &r_cycle, &raf, |r| map.phys_eval(r), &mut vt).unwrap();
    assert_eq!(pt.state(), vt.state());

    // A row that claims another physical address fails the read-address check.
    let wrong = addr_claim + eq[rows.seen[3].0] * Fr::from(4u64);
    let mut vt2 = Transcript::new(b"other");
    let mut pt2 = Transcript::new(b"other");
    let (raf, _, _) = read_check::prove(&reads, &r_cycle, &phys, &mut pt2);
    assert!(
        read_check::verify(wrong, log_k, &r_cycle, &raf, |r| map.phys_eval(r), &mut vt2).is_err()
    );
}
