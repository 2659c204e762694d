//! Lookup tables: decomposition == function, operand bindings, subtable MLEs.
use ivm_prover::{
    field::{fr_i64, Fr, One, Zero},
    isa::tables::{
        binding, combine, combine_degree, slot_kinds, slot_values, slots, Kind, Operand, Side,
        Table, MAX_COMBINE_DEGREE, SLOTS,
    },
    poly::DenseMle,
};

/// A small deterministic generator (splitmix64), enough for test operands.
struct ChaCha8Rng(u64);
impl ChaCha8Rng {
    fn seed_from_u64(s: u64) -> Self {
        ChaCha8Rng(s)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn gen<T: FromU64>(&mut self) -> T {
        T::from_u64(self.next())
    }
    fn gen_range<T: FromU64 + Into<i128> + Copy>(&mut self, r: impl std::ops::RangeBounds<T>) -> T {
        use std::ops::Bound::*;
        let lo: i128 = match r.start_bound() {
            Included(v) => (*v).into(),
            _ => unreachable!(),
        };
        let hi: i128 = match r.end_bound() {
            Included(v) => (*v).into() + 1,
            Excluded(v) => (*v).into(),
            Unbounded => unreachable!(),
        };
        T::from_i128(lo + (self.next() as i128).rem_euclid(hi - lo))
    }
}
trait FromU64 {
    fn from_u64(v: u64) -> Self;
    fn from_i128(v: i128) -> Self;
}
macro_rules! from_u64 {
    ($($t:ty),*) => {$(impl FromU64 for $t {
        fn from_u64(v: u64) -> Self { v as $t }
        fn from_i128(v: i128) -> Self { v as $t }
    })*};
}
from_u64!(u8, u32, u64, i64);

const EDGES: [u32; 20] = [
    0,
    1,
    2,
    3,
    4,
    7,
    31,
    32,
    33,
    63,
    0xff,
    0x100,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    0xffff_fffe,
    0xffff_ffff,
    0x1234_5678,
    0xdead_beef,
];

fn operands(rng: &mut ChaCha8Rng, n: usize) -> Vec<(u32, u32)> {
    let mut v = Vec::new();
    for &x in &EDGES {
        for &y in &EDGES {
            v.push((x, y));
        }
    }
    for _ in 0..n {
        let x: u32 = rng.gen();
        let y: u32 = match rng.gen_range(0..4u32) {
            0 => rng.gen_range(0..64),
            1 => x,
            2 => x.wrapping_add(rng.gen_range(0..3)),
            _ => rng.gen(),
        };
        v.push((x, y));
        v.push((y, x));
        let small = (rng.gen_range(0..16u32), rng.gen_range(0..16u32));
        v.push(small);
    }
    v
}

fn check_query(t: Table, x: u32, y: u32) {
    let reads = slots(t, x, y);
    assert_eq!(reads.map(|r| r.0), slot_kinds(t), "{t:?}");
    let vals = slot_values(t, x, y);
    let expected = Fr::from(t.eval(x, y) as u64);
    assert_eq!(combine(t, &vals), expected, "{t:?}({x:#x}, {y:#x}) combine");
    assert!(binding(t).holds(x, y, &reads), "{t:?}({x:#x}, {y:#x}) binding");
    // Unused slots read (Zero, 0, 0).
    for (k, a, b) in reads {
        if k == Kind::Zero {
            assert!(k.eval(a, b) == 0);
        }
    }
}

#[test]
fn every_table_combine_equals_function() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ops = operands(&mut rng, 3000);
    for t in Table::ALL {
        for &(x, y) in &ops {
            check_query(t, x, y);
        }
    }
}

#[test]
fn exhaustive_small_operands_and_all_shift_amounts() {
    for t in Table::ALL {
        for x in 0..40u32 {
            for y in 0..70u32 {
                check_query(t, x, y);
                check_query(t, x.wrapping_neg(), y);
                check_query(t, x, y.wrapping_neg());
                check_query(t, x.wrapping_neg(), y.wrapping_neg());
                check_query(t, x << 24 | x, y);
            }
        }
    }
}

#[test]
fn table_semantics_match_rv32im() {
    use ivm_vm::decode::AluOp;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    for (x, y) in operands(&mut rng, 500) {
        for (t, op) in [
            (Table::Add, AluOp::Add),
            (Table::Sub, AluOp::Sub),
            (Table::Mul, AluOp::Mul),
            (Table::Mulhu, AluOp::Mulhu),
            (Table::And, AluOp::And),
            (Table::Or, AluOp::Or),
            (Table::Xor, AluOp::Xor),
            (Table::Slt, AluOp::Slt),
            (Table::Sltu, AluOp::Sltu),
            (Table::Sll, AluOp::Sll),
            (Table::Srl, AluOp::Srl),
            (Table::Sra, AluOp::Sra),
        ] {
            assert_eq!(t.eval(x, y), op.apply(x, y), "{t:?}");
        }
    }
}

#[test]
fn bindings_pin_every_used_byte() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for t in Table::ALL {
        let b = binding(t);
        // Decomposition equations have coefficients 2^{8k}, k = 0..width, each once.
        for eq in &b.eqs {
            if eq.operand != Operand::Zero {
                let mut ks: Vec<u32> = eq.terms.iter().map(|t| t.coeff.trailing_zeros()).collect();
                ks.sort();
                let width = match eq.operand {
                    Operand::X | Operand::Y => 4,
                    Operand::Sum | Operand::Diff => 6,
                    Operand::Product => 8,
                    Operand::Zero => unreachable!(),
                };
                assert_eq!(
                    ks,
                    (0..width).map(|k| 8 * k).collect::<Vec<_>>(),
                    "{t:?} {:?}",
                    eq.operand
                );
                assert!(eq.terms.iter().all(|t| t.coeff.count_ones() == 1));
            }
        }
        // Every byte of every slot that is not (Zero, 0, 0) appears in an equation, and
        // changing any one such byte breaks the binding.
        let kinds = slot_kinds(t);
        for _ in 0..50 {
            let (x, y): (u32, u32) = (rng.gen(), rng.gen());
            let reads = slots(t, x, y);
            for s in 0..SLOTS {
                for side in [Side::A, Side::B] {
                    let mentioned = b
                        .eqs
                        .iter()
                        .any(|e| e.terms.iter().any(|tm| tm.slot == s && tm.side == side));
                    if kinds[s] != Kind::Zero {
                        assert!(mentioned, "{t:?} slot {s} {side:?} unbound");
                    }
                    if !mentioned {
                        continue;
                    }
                    let mut bad = reads;
                    let delta = rng.gen_range(1..=255u8);
                    match side {
                        Side::A => bad[s].1 = bad[s].1.wrapping_add(delta),
                        Side::B => bad[s].2 = bad[s].2.wrapping_add(delta),
                    }
                    assert!(
                        !b.holds(x, y, &bad),
                        "{t:?} slot {s} {side:?}: perturbed byte accepted"
                    );
                }
            }
        }
    }
}

#[test]
fn combine_degrees_are_bounded() {
    // Degree check: combine restricted to a random line has the declared degree bound.
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for t in Table::ALL {
        let d = combine_degree(t);
        assert!(d <= MAX_COMBINE_DEGREE);
        let a: Vec<Fr> = (0..SLOTS).map(|_| Fr::from(rng.gen::<u64>())).collect();
        let b: Vec<Fr> = (0..SLOTS).map(|_| Fr::from(rng.gen::<u64>())).collect();
        let at = |s: u64| -> Fr {
            let s = Fr::from(s);
            let e: Vec<Fr> = a.iter().zip(&b).map(|(a, b)| *a + s * b).collect();
            combine(t, &e)
        };
        // The (d+1)-th finite difference vanishes.
        let vals: Vec<Fr> = (0..=(d as u64 + 1)).map(at).collect();
        let mut diffs = vals;
        for _ in 0..=d {
            diffs = diffs.windows(2).map(|w| w[1] - w[0]).collect();
        }
        assert!(diffs.iter().all(|v| v.is_zero()), "{t:?} degree > {d}");
    }
}

fn bits_msb(v: u8) -> Vec<Fr> {
    (0..8).rev().map(|i| if (v >> i) & 1 == 1 { Fr::one() } else { Fr::zero() }).collect()
}

#[test]
fn kind_mle_matches_brute_force() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for k in Kind::ALL {
        let evals: Vec<u64> = (0..65536u32).map(|i| k.eval((i >> 8) as u8, i as u8)).collect();
        assert!(evals.iter().all(|v| *v < 1 << 32));
        let mle = DenseMle::from_u64s(&evals);
        for _ in 0..3 {
            let point: Vec<Fr> = (0..16).map(|_| fr_i64(rng.gen_range(-1000..1000))).collect();
            assert_eq!(k.mle(&point[..8], &point[8..]), mle.evaluate(&point), "{k:?}");
        }
        let point: Vec<Fr> = (0..16).map(|_| Fr::from(rng.gen::<u64>())).collect();
        assert_eq!(k.mle(&point[..8], &point[8..]), mle.evaluate(&point), "{k:?}");
        // On the hypercube it is the table.
        for _ in 0..50 {
            let (a, b): (u8, u8) = (rng.gen(), rng.gen());
            assert_eq!(k.mle(&bits_msb(a), &bits_msb(b)), Fr::from(k.eval(a, b)), "{k:?}({a},{b})");
        }
        assert_eq!(Kind::ALL[k.index()], k);
    }
}

#[test]
fn kind_semantics_spot_checks() {
    assert_eq!(Kind::Range16.eval(0x12, 0x34), 0x1234);
    assert_eq!(Kind::Range16Even.eval(0x12, 0x35), 0x1234);
    assert_eq!(Kind::Sll3.eval(0x81, 1), 0x0200_0000);
    assert_eq!(Kind::Srl0.eval(0x81, 1), 0x40);
    assert_eq!(Kind::Sra3.eval(0x80, 31), 0xffff_ffff);
    assert_eq!(Kind::Lts.eval(0xff, 0), 1);
    assert_eq!(Kind::Ltu.eval(0xff, 0), 0);
}
