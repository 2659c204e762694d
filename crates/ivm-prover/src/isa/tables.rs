//! Lookup tables and their Lasso decomposition into one universal subtable memory.
//!
//! Every lookup is a query `(table, x, y)` with 32-bit operands `x, y` and a 32-bit output
//! `out = table.eval(x, y)`. Each table is decomposed into [`SLOTS`] reads of the universal
//! **subtable memory** whose cells are `(kind, a, b) ↦ kind.eval(a, b)` with
//! `kind ∈ Kind`, `a, b ∈ [0, 256)`. Cell address (for the memory argument):
//! `kind.index() · 2^16 + 256·a + b`.
//!
//! For a table `t`:
//! * [`slot_kinds`]`(t)` fixes the kind of every slot (unused slots: [`Kind::Zero`]);
//! * [`slots`]`(t, x, y)` gives the honest `(kind, a_s, b_s)` of every slot;
//! * [`combine`]`(t, e)` gives `out` from the slot values `e_s = kind_s.eval(a_s, b_s)`,
//!   a polynomial of degree [`combine_degree`]`(t)`;
//! * [`binding`]`(t)` lists linear equations between the operands and the slot bytes that the
//!   CPU constraints must enforce (see [`Binding`]). Together with `a_s, b_s ∈ [0,256)` (which
//!   the subtable addressing gives for free) they determine every used byte uniquely from
//!   `(x, y)`, so `combine` of the read values is a function of `(x, y)` only.
//!
//! Subtable MLEs: [`Kind::mle`]`(r_a, r_b)` is the multilinear extension of
//! `(a, b) ↦ kind.eval(a, b)` where the 16 variables are `a`'s bits MSB first (`r_a[0]` is
//! bit 7 of `a`) followed by `b`'s bits MSB first, i.e. the MSB-first MLE of the 2^16-entry
//! table indexed by `256·a + b`, matching `poly::DenseMle` conventions.

use crate::field::{Fr, One, Zero};
use crate::poly::eq1;

/// Number of subtable reads per lookup (fixed for all tables).
pub const SLOTS: usize = 8;

/// One kind of 256×256 subtable in the universal subtable memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    /// `0` (unused slots, pure range checks).
    Zero = 0,
    /// `256a + b` (16-bit range check; also timestamp range checks).
    Range16,
    /// `256a + (b & !1)`: a 16-bit chunk with bit 0 cleared (JALR target).
    Range16Even,
    /// `1` iff `256a + b` is even, i.e. `b` is even.
    Even16,
    /// `1` iff `a = b = 0`.
    IsZero16,
    /// `1` iff `a = b = 255`.
    IsOnes16,
    /// `a & b`.
    And,
    /// `a | b`.
    Or,
    /// `a ^ b`.
    Xor,
    /// `1` iff `a = b`.
    Eq,
    /// `1` iff `a < b` (unsigned).
    Ltu,
    /// `1` iff `a as i8 < b as i8`.
    Lts,
    /// `1` iff `a ≥ 128` (sign bit of `a`; `b` ignored).
    Sign,
    /// `((a << 8k) << (b & 31)) mod 2^32` for k = 0..3.
    Sll0,
    Sll1,
    Sll2,
    Sll3,
    /// `(a << 8k) >> (b & 31)` for k = 0..3.
    Srl0,
    Srl1,
    Srl2,
    Srl3,
    /// `((a << 24) as i32 >> (b & 31)) as u32` (arithmetic shift of the top byte).
    Sra3,
    /// `256a + (b & !3)`: a 16-bit chunk with its two low bits cleared (word addresses).
    Range16Align4,
    /// `1` iff `256a + b` is a multiple of 4, i.e. `b & 3 = 0` (word alignment).
    Aligned4,
    /// `1` iff bit 1 of `256a + b` is clear (a JALR target, bit 0 dropped, is word-aligned).
    Bit1Clear,
}

/// Number of [`Kind`]s.
pub const NUM_KINDS: usize = 25;

impl Kind {
    /// Every kind, in index order.
    pub const ALL: [Kind; NUM_KINDS] = [
        Kind::Zero,
        Kind::Range16,
        Kind::Range16Even,
        Kind::Even16,
        Kind::IsZero16,
        Kind::IsOnes16,
        Kind::And,
        Kind::Or,
        Kind::Xor,
        Kind::Eq,
        Kind::Ltu,
        Kind::Lts,
        Kind::Sign,
        Kind::Sll0,
        Kind::Sll1,
        Kind::Sll2,
        Kind::Sll3,
        Kind::Srl0,
        Kind::Srl1,
        Kind::Srl2,
        Kind::Srl3,
        Kind::Sra3,
        Kind::Range16Align4,
        Kind::Aligned4,
        Kind::Bit1Clear,
    ];

    /// Position in [`Kind::ALL`] (the high part of the universal cell address).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Cell value. Always `< 2^32`.
    pub fn eval(self, a: u8, b: u8) -> u64 {
        let (a32, b32) = (a as u32, b as u32);
        let s = b32 & 31;
        let v: u32 = match self {
            Kind::Zero => 0,
            Kind::Range16 => 256 * a32 + b32,
            Kind::Range16Even => 256 * a32 + (b32 & !1),
            Kind::Even16 => (b & 1 == 0) as u32,
            Kind::IsZero16 => (a == 0 && b == 0) as u32,
            Kind::IsOnes16 => (a == 255 && b == 255) as u32,
            Kind::And => a32 & b32,
            Kind::Or => a32 | b32,
            Kind::Xor => a32 ^ b32,
            Kind::Eq => (a == b) as u32,
            Kind::Ltu => (a < b) as u32,
            Kind::Lts => ((a as i8) < (b as i8)) as u32,
            Kind::Sign => (a >= 128) as u32,
            Kind::Sll0 | Kind::Sll1 | Kind::Sll2 | Kind::Sll3 => {
                let k = self as u32 - Kind::Sll0 as u32;
                (((a as u64) << (8 * k)) << s) as u32
            }
            Kind::Srl0 | Kind::Srl1 | Kind::Srl2 | Kind::Srl3 => {
                let k = self as u32 - Kind::Srl0 as u32;
                (a32 << (8 * k)) >> s
            }
            Kind::Sra3 => (((a32 << 24) as i32) >> s) as u32,
            Kind::Range16Align4 => 256 * a32 + (b32 & !3),
            Kind::Aligned4 => (b & 3 == 0) as u32,
            Kind::Bit1Clear => (b & 2 == 0) as u32,
        };
        v as u64
    }

    /// Closed-form MLE at `(r_a, r_b)` (8 variables each, MSB first; see module docs).
    /// Cost O(8) for the bytewise kinds, O(32·8) for the shifts.
    pub fn mle(self, r_a: &[Fr], r_b: &[Fr]) -> Fr {
        assert!(r_a.len() == 8 && r_b.len() == 8, "Kind::mle takes 8 + 8 variables");
        let one = Fr::one();
        let two = Fr::from(2u64);
        // Bit j (weight 2^j) of a is variable r_a[7 - j].
        let abit = |j: usize| r_a[7 - j];
        let bbit = |j: usize| r_b[7 - j];
        let byte = |r: &[Fr]| r.iter().fold(Fr::zero(), |acc, v| acc * two + v);
        match self {
            Kind::Zero => Fr::zero(),
            Kind::Range16 => byte(r_a) * Fr::from(256u64) + byte(r_b),
            Kind::Range16Even => byte(r_a) * Fr::from(256u64) + byte(r_b) - bbit(0),
            Kind::Even16 => one - bbit(0),
            Kind::Range16Align4 => {
                byte(r_a) * Fr::from(256u64) + byte(r_b) - bbit(0) - two * bbit(1)
            }
            Kind::Aligned4 => (one - bbit(0)) * (one - bbit(1)),
            Kind::Bit1Clear => one - bbit(1),
            Kind::IsZero16 => r_a.iter().chain(r_b).fold(one, |acc, v| acc * (one - v)),
            Kind::IsOnes16 => r_a.iter().chain(r_b).fold(one, |acc, v| acc * v),
            Kind::And => (0..8).fold(Fr::zero(), |acc, i| acc * two + r_a[i] * r_b[i]),
            Kind::Or => {
                (0..8).fold(Fr::zero(), |acc, i| acc * two + r_a[i] + r_b[i] - r_a[i] * r_b[i])
            }
            Kind::Xor => (0..8)
                .fold(Fr::zero(), |acc, i| acc * two + r_a[i] + r_b[i] - two * r_a[i] * r_b[i]),
            Kind::Eq => (0..8).fold(one, |acc, i| acc * eq1(r_a[i], r_b[i])),
            Kind::Ltu => ltu_mle(r_a, r_b),
            Kind::Lts => {
                // a negative and b non-negative, or equal signs and the rest compares unsigned.
                r_a[0] * (one - r_b[0]) + eq1(r_a[0], r_b[0]) * ltu_mle(&r_a[1..], &r_b[1..])
            }
            Kind::Sign => r_a[0],
            Kind::Sll0 | Kind::Sll1 | Kind::Sll2 | Kind::Sll3 => {
                let k = self as usize - Kind::Sll0 as usize;
                let eqs = shift_eqs(r_b);
                // bit j of a lands at position j + 8k + s if that is < 32.
                let mut acc = Fr::zero();
                for j in 0..8 {
                    let base = j + 8 * k;
                    let mut w = Fr::zero();
                    for (s, e) in eqs.iter().enumerate().take(32usize.saturating_sub(base)) {
                        w += *e * Fr::from(1u64 << (base + s));
                    }
                    acc += abit(j) * w;
                }
                acc
            }
            Kind::Srl0 | Kind::Srl1 | Kind::Srl2 | Kind::Srl3 | Kind::Sra3 => {
                let k = if self == Kind::Sra3 { 3 } else { self as usize - Kind::Srl0 as usize };
                let eqs = shift_eqs(r_b);
                let mut acc = Fr::zero();
                for j in 0..8 {
                    let base = j + 8 * k;
                    let mut w = Fr::zero();
                    for (s, e) in eqs.iter().enumerate().take(base + 1) {
                        w += *e * Fr::from(1u64 << (base - s));
                    }
                    acc += abit(j) * w;
                }
                if self == Kind::Sra3 {
                    // sign fill: the top s bits, 2^32 - 2^(32-s)
                    let mut fill = Fr::zero();
                    for (s, e) in eqs.iter().enumerate() {
                        fill += *e * Fr::from((1u64 << 32) - (1u64 << (32 - s)));
                    }
                    acc += abit(7) * fill;
                }
                acc
            }
        }
    }
}

/// MLE of `[a < b]` for equal-length MSB-first bit vectors.
fn ltu_mle(r_a: &[Fr], r_b: &[Fr]) -> Fr {
    let one = Fr::one();
    let mut acc = Fr::zero();
    let mut prefix_eq = one;
    for i in 0..r_a.len() {
        acc += prefix_eq * (one - r_a[i]) * r_b[i];
        prefix_eq *= eq1(r_a[i], r_b[i]);
    }
    acc
}

/// `eq(b & 31, s)` for s = 0..32 as multilinear polynomials in b's low five bits.
fn shift_eqs(r_b: &[Fr]) -> Vec<Fr> {
    let one = Fr::one();
    let low = &r_b[3..8]; // MSB first: bit 4 .. bit 0
    (0..32usize)
        .map(|s| {
            low.iter().enumerate().fold(one, |acc, (i, r)| {
                let bit = (s >> (4 - i)) & 1;
                acc * if bit == 1 { *r } else { one - r }
            })
        })
        .collect()
}

/// A lookup function (one per virtual-instruction semantic).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Table {
    /// `x + y mod 2^32` (also LUI, AUIPC, JAL target, LW/SW address, advice range check).
    Add,
    /// `x - y mod 2^32`.
    Sub,
    /// `x·y mod 2^32`.
    Mul,
    /// `(x·y) >> 32` (unsigned).
    Mulhu,
    And,
    Or,
    Xor,
    /// `x <s y` (SLT, BLT).
    Slt,
    /// `x <u y` (SLTU, BLTU).
    Sltu,
    /// `x << (y & 31)`.
    Sll,
    /// `x >> (y & 31)` logical.
    Srl,
    /// `x >> (y & 31)` arithmetic.
    Sra,
    /// `x == y`.
    Eq,
    /// `x != y`.
    Ne,
    /// `x >=s y`.
    Ge,
    /// `x >=u y`.
    Geu,
    /// `(x + y mod 2^32) & !1`.
    JalrTarget,
    /// `0xFFFF_FFFF` if `x <s 0` else `0` (`y` ignored).
    MovSign,
    /// `-x mod 2^32` if `y <s 0` else `x`. `NegIf(x, x) = |x|` (with `|INT_MIN| = 2^31`).
    NegIf,
    /// `1` iff `x·y < 2^32` (as integers).
    MulNoOverflow,
    /// `1` iff `x != 0` or `y == 0xFFFF_FFFF` (division by zero gives all ones).
    ValidDiv0,
    /// `1` iff `x + y mod 2^32` is even (halfword alignment).
    Align2,
    /// `(x + y mod 2^32) & !3`: the word a LW or SW accesses. A fifth slot says whether the
    /// address was aligned (the CPU requires it, except on a misaligned-access fault's row).
    WordAddr,
}

/// Number of [`Table`]s.
pub const NUM_TABLES: usize = 23;

impl Table {
    /// Every table, in index order.
    pub const ALL: [Table; NUM_TABLES] = [
        Table::Add,
        Table::Sub,
        Table::Mul,
        Table::Mulhu,
        Table::And,
        Table::Or,
        Table::Xor,
        Table::Slt,
        Table::Sltu,
        Table::Sll,
        Table::Srl,
        Table::Sra,
        Table::Eq,
        Table::Ne,
        Table::Ge,
        Table::Geu,
        Table::JalrTarget,
        Table::MovSign,
        Table::NegIf,
        Table::MulNoOverflow,
        Table::ValidDiv0,
        Table::Align2,
        Table::WordAddr,
    ];

    /// Position in [`Table::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The table's function (reference semantics).
    pub fn eval(self, x: u32, y: u32) -> u32 {
        let s = y & 31;
        match self {
            Table::Add => x.wrapping_add(y),
            Table::Sub => x.wrapping_sub(y),
            Table::Mul => x.wrapping_mul(y),
            Table::Mulhu => ((x as u64 * y as u64) >> 32) as u32,
            Table::And => x & y,
            Table::Or => x | y,
            Table::Xor => x ^ y,
            Table::Slt => ((x as i32) < (y as i32)) as u32,
            Table::Sltu => (x < y) as u32,
            Table::Sll => x << s,
            Table::Srl => x >> s,
            Table::Sra => ((x as i32) >> s) as u32,
            Table::Eq => (x == y) as u32,
            Table::Ne => (x != y) as u32,
            Table::Ge => ((x as i32) >= (y as i32)) as u32,
            Table::Geu => (x >= y) as u32,
            Table::JalrTarget => x.wrapping_add(y) & !1,
            Table::MovSign => {
                if (x as i32) < 0 {
                    u32::MAX
                } else {
                    0
                }
            }
            Table::NegIf => {
                if (y as i32) < 0 {
                    x.wrapping_neg()
                } else {
                    x
                }
            }
            Table::MulNoOverflow => ((x as u64 * y as u64) >> 32 == 0) as u32,
            Table::ValidDiv0 => (x != 0 || y == u32::MAX) as u32,
            Table::Align2 => (x.wrapping_add(y) & 1 == 0) as u32,
            Table::WordAddr => x.wrapping_add(y) & !3,
        }
    }
}

/// A field value derived from the operands that a binding equation decomposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// The constant 0 (pins bytes or equates two bytes).
    Zero,
    /// `x` (32 bits).
    X,
    /// `y` (32 bits).
    Y,
    /// `x + y` computed in the field (< 2^33).
    Sum,
    /// `x + 2^32 - y` computed in the field (in (0, 2^33)).
    Diff,
    /// `x · y` computed in the field (< 2^64).
    Product,
}

impl Operand {
    /// Value in the field for machine operands `x, y`.
    pub fn value(self, x: u32, y: u32) -> Fr {
        Fr::from(self.value_u64(x, y) as u128)
    }

    fn value_u64(self, x: u32, y: u32) -> u64 {
        let (x, y) = (x as u64, y as u64);
        match self {
            Operand::Zero => 0,
            Operand::X => x,
            Operand::Y => y,
            Operand::Sum => x + y,
            Operand::Diff => x + (1 << 32) - y,
            Operand::Product => x * y,
        }
    }
}

/// Which byte of a slot: `a` (the high byte of the cell index) or `b` (the low byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    A,
    B,
}

/// `coeff · byte(slot, side)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub slot: usize,
    pub side: Side,
    pub coeff: i64,
}

/// One linear equation `operand(x, y) = Σ term.coeff · byte(term.slot, term.side)`, over the
/// field. Coefficients are powers of two up to 2^56, or ±1 for byte equalities.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindEq {
    pub operand: Operand,
    pub terms: Vec<Term>,
}

/// The operand binding of a table: the CPU R1CS must enforce every equation (gated by the
/// row's table flag). Bytes of slots with kind [`Kind::Zero`] that appear in no equation are
/// unconstrained and irrelevant (their cell value is 0); the honest prover sets them to 0.
///
/// Shape (generated from one per-table slot layout, so it always matches [`slots`]):
/// * for each operand used (X, Y, Sum, Diff or Product) one **decomposition** equation
///   `operand = Σ_k 2^{8k} · byte_k` covering every byte position `k` of the operand's width
///   (X, Y: 4 bytes; Sum, Diff: 6; Product: 8) exactly once — unique because all bytes are in
///   [0, 256) and the operand is below 2^{8·width} < p;
/// * for every further slot byte that copies a byte already used, an **equality**
///   `0 = byte − byte_first` (operand [`Operand::Zero`], coefficients +1/−1);
/// * for every slot byte fixed to 0 in a used slot, `0 = byte`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub eqs: Vec<BindEq>,
}

impl Binding {
    /// Checks every equation for concrete operands and slot bytes.
    pub fn holds(&self, x: u32, y: u32, bytes: &[(Kind, u8, u8)]) -> bool {
        self.eqs.iter().all(|eq| {
            let mut rhs = Fr::zero();
            for t in &eq.terms {
                let byte = match t.side {
                    Side::A => bytes[t.slot].1,
                    Side::B => bytes[t.slot].2,
                };
                rhs += crate::field::fr_i64(t.coeff) * Fr::from(byte as u64);
            }
            eq.operand.value(x, y) == rhs
        })
    }
}

/// Where a slot byte comes from: byte `k` (little-endian) of an operand value, or zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Zero,
    Byte(Operand, u8),
}

type Layout = [(Kind, Src, Src); SLOTS];

const UNUSED: (Kind, Src, Src) = (Kind::Zero, Src::Zero, Src::Zero);

fn xb(k: u8) -> Src {
    Src::Byte(Operand::X, k)
}
fn yb(k: u8) -> Src {
    Src::Byte(Operand::Y, k)
}

/// Slots `0..n` of 16-bit chunks of `op`: slot k reads (kind_k, byte 2k+1, byte 2k).
fn chunks16(op: Operand, kinds: &[Kind]) -> Layout {
    let mut l = [UNUSED; SLOTS];
    for (k, kind) in kinds.iter().enumerate() {
        l[k] = (*kind, Src::Byte(op, 2 * k as u8 + 1), Src::Byte(op, 2 * k as u8));
    }
    l
}

/// The slot that says whether a sum is aligned: [`ALIGNMENT_SLOT`] reads the sum's low chunk
/// again (byte equalities in the binding) with `kind`.
fn with_alignment_slot(mut l: Layout, kind: Kind) -> Layout {
    l[ALIGNMENT_SLOT] = (kind, Src::Byte(Operand::Sum, 1), Src::Byte(Operand::Sum, 0));
    l
}

/// The slot of [`Table::WordAddr`] and [`Table::JalrTarget`] whose value is 1 iff the address
/// is aligned (a word, or a JALR target).
pub const ALIGNMENT_SLOT: usize = 3;

/// Slots k = 0..3 read (kind_k, x_k, y_k).
fn bytewise(kinds: [Kind; 4]) -> Layout {
    let mut l = [UNUSED; SLOTS];
    for k in 0..4 {
        l[k] = (kinds[k], xb(k as u8), yb(k as u8));
    }
    l
}

/// Comparisons: slots 0..3 (Ltu/Lts, x_k, y_k), slots 4..7 (Eq, x_k, y_k).
fn compare(top: Kind) -> Layout {
    let mut l = bytewise([Kind::Ltu, Kind::Ltu, Kind::Ltu, top]);
    for k in 0..4 {
        l[4 + k] = (Kind::Eq, xb(k as u8), yb(k as u8));
    }
    l
}

/// Shifts: slots 0..3 (kind_k, x_k, y_0); slots 4, 5 range-check y_1..y_3.
fn shift(kinds: [Kind; 4]) -> Layout {
    let mut l = [UNUSED; SLOTS];
    for k in 0..4 {
        l[k] = (kinds[k], xb(k as u8), yb(0));
    }
    l[4] = (Kind::Zero, yb(1), yb(2));
    l[5] = (Kind::Zero, yb(3), Src::Zero);
    l
}

fn layout(t: Table) -> Layout {
    use Kind as K;
    match t {
        Table::Add => chunks16(Operand::Sum, &[K::Range16, K::Range16, K::Range16]),
        Table::Sub => chunks16(Operand::Diff, &[K::Range16, K::Range16, K::Range16]),
        // Slot 3 re-reads the low chunk: whether the target (bit 0 dropped) is word-aligned.
        Table::JalrTarget => with_alignment_slot(
            chunks16(Operand::Sum, &[K::Range16Even, K::Range16, K::Range16]),
            K::Bit1Clear,
        ),
        // Slot 3 re-reads the low chunk: whether the address is word-aligned.
        Table::WordAddr => with_alignment_slot(
            chunks16(Operand::Sum, &[K::Range16Align4, K::Range16, K::Range16]),
            K::Aligned4,
        ),
        Table::Align2 => chunks16(Operand::Sum, &[K::Even16, K::Range16, K::Range16]),
        Table::Mul | Table::Mulhu => chunks16(Operand::Product, &[K::Range16; 4]),
        Table::MulNoOverflow => {
            chunks16(Operand::Product, &[K::Range16, K::Range16, K::IsZero16, K::IsZero16])
        }
        Table::And => bytewise([K::And; 4]),
        Table::Or => bytewise([K::Or; 4]),
        Table::Xor => bytewise([K::Xor; 4]),
        Table::Eq | Table::Ne => bytewise([K::Eq; 4]),
        Table::Sltu | Table::Geu => compare(K::Ltu),
        Table::Slt | Table::Ge => compare(K::Lts),
        Table::Sll => shift([K::Sll0, K::Sll1, K::Sll2, K::Sll3]),
        Table::Srl => shift([K::Srl0, K::Srl1, K::Srl2, K::Srl3]),
        Table::Sra => shift([K::Srl0, K::Srl1, K::Srl2, K::Sra3]),
        Table::MovSign => {
            let mut l = [UNUSED; SLOTS];
            l[0] = (K::Sign, xb(3), xb(2));
            l[1] = (K::Zero, xb(1), xb(0));
            l
        }
        Table::NegIf => {
            let mut l = chunks16(Operand::X, &[K::Range16, K::Range16]);
            // slots 2, 3 re-read x's 16-bit chunks (byte equalities in the binding)
            l[2] = (K::IsZero16, xb(1), xb(0));
            l[3] = (K::IsZero16, xb(3), xb(2));
            l[4] = (K::Sign, yb(3), yb(2));
            l[5] = (K::Zero, yb(1), yb(0));
            l
        }
        Table::ValidDiv0 => {
            let mut l = [UNUSED; SLOTS];
            l[0] = (K::IsZero16, xb(1), xb(0));
            l[1] = (K::IsZero16, xb(3), xb(2));
            l[2] = (K::IsOnes16, yb(1), yb(0));
            l[3] = (K::IsOnes16, yb(3), yb(2));
            l
        }
    }
}

fn src_byte(src: Src, x: u32, y: u32) -> u8 {
    match src {
        Src::Zero => 0,
        Src::Byte(op, k) => (op.value_u64(x, y) >> (8 * k as u32)) as u8,
    }
}

/// The kind read by every slot of `table`.
pub fn slot_kinds(table: Table) -> [Kind; SLOTS] {
    layout(table).map(|(k, _, _)| k)
}

/// Which slots of `table` are read (the others are unused: no memory row reads anything).
pub fn slot_used(table: Table) -> [bool; SLOTS] {
    let l = layout(table);
    std::array::from_fn(|slot| used_in(&l, slot))
}

/// The honest slot reads `(kind, a, b)` for the query `(table, x, y)`.
pub fn slots(table: Table, x: u32, y: u32) -> [(Kind, u8, u8); SLOTS] {
    layout(table).map(|(k, a, b)| (k, src_byte(a, x, y), src_byte(b, x, y)))
}

/// Slot values `kind.eval(a, b)` of the honest reads, as field elements.
pub fn slot_values(table: Table, x: u32, y: u32) -> [Fr; SLOTS] {
    slots(table, x, y).map(|(k, a, b)| crate::field::fr_u64(k.eval(a, b)))
}

/// The byte width of an operand in its decomposition.
fn width(op: Operand) -> u8 {
    match op {
        Operand::Zero => 0,
        Operand::X | Operand::Y => 4,
        Operand::Sum | Operand::Diff => 6,
        Operand::Product => 8,
    }
}

/// The operand binding of `table` (see [`Binding`]).
pub fn binding(table: Table) -> Binding {
    let l = layout(table);
    let mut eqs = Vec::new();
    let mut first: Vec<(Operand, u8, usize, Side)> = Vec::new();
    let mut decomp: Vec<BindEq> = Vec::new();
    let mut extra: Vec<BindEq> = Vec::new();
    for (slot, (_, a, b)) in l.iter().enumerate() {
        for (side, src) in [(Side::A, *a), (Side::B, *b)] {
            match src {
                Src::Zero => {
                    if used_in(&l, slot) {
                        extra.push(BindEq {
                            operand: Operand::Zero,
                            terms: vec![Term { slot, side, coeff: 1 }],
                        });
                    }
                }
                Src::Byte(op, k) => {
                    if let Some(&(_, _, s0, side0)) = first.iter().find(|f| f.0 == op && f.1 == k) {
                        extra.push(BindEq {
                            operand: Operand::Zero,
                            terms: vec![
                                Term { slot, side, coeff: 1 },
                                Term { slot: s0, side: side0, coeff: -1 },
                            ],
                        });
                    } else {
                        first.push((op, k, slot, side));
                        let term = Term { slot, side, coeff: 1i64 << (8 * k as u32) };
                        match decomp.iter_mut().find(|e| e.operand == op) {
                            Some(e) => e.terms.push(term),
                            None => decomp.push(BindEq { operand: op, terms: vec![term] }),
                        }
                    }
                }
            }
        }
    }
    for e in &decomp {
        debug_assert_eq!(
            e.terms.len(),
            width(e.operand) as usize,
            "{table:?}: incomplete decomposition"
        );
    }
    eqs.extend(decomp);
    eqs.extend(extra);
    Binding { eqs }
}

fn used_in(l: &Layout, slot: usize) -> bool {
    let (k, a, b) = l[slot];
    k != Kind::Zero || a != Src::Zero || b != Src::Zero
}

/// `out` from the slot values `e` (length [`SLOTS`]). Equals `table.eval(x, y)` on honest reads.
pub fn combine(table: Table, e: &[Fr]) -> Fr {
    assert_eq!(e.len(), SLOTS);
    let one = Fr::one();
    let p16 = Fr::from(1u64 << 16);
    let p32 = Fr::from(1u64 << 32);
    let bytes4 =
        |e: &[Fr]| e[0] + Fr::from(1u64 << 8) * e[1] + p16 * e[2] + Fr::from(1u64 << 24) * e[3];
    let lt = |e: &[Fr]| e[3] + e[7] * (e[2] + e[6] * (e[1] + e[5] * e[0]));
    match table {
        Table::Add | Table::Sub | Table::Mul | Table::JalrTarget | Table::WordAddr => {
            e[0] + p16 * e[1]
        }
        Table::Mulhu => e[2] + p16 * e[3],
        Table::And | Table::Or | Table::Xor => bytes4(e),
        Table::Eq => e[0] * e[1] * e[2] * e[3],
        Table::Ne => one - e[0] * e[1] * e[2] * e[3],
        Table::Slt | Table::Sltu => lt(e),
        Table::Ge | Table::Geu => one - lt(e),
        Table::Sll | Table::Srl | Table::Sra => e[0] + e[1] + e[2] + e[3],
        Table::Align2 => e[0],
        Table::MulNoOverflow => e[2] * e[3],
        Table::MovSign => (p32 - one) * e[0],
        Table::NegIf => {
            let x = e[0] + p16 * e[1];
            let s = e[4];
            x + s * (p32 - x - x) - p32 * s * e[2] * e[3]
        }
        Table::ValidDiv0 => one - e[0] * e[1] * (one - e[2] * e[3]),
    }
}

/// Total degree of [`combine`] in the slot values.
pub fn combine_degree(table: Table) -> usize {
    match table {
        Table::Add
        | Table::Sub
        | Table::Mul
        | Table::Mulhu
        | Table::JalrTarget
        | Table::WordAddr
        | Table::And
        | Table::Or
        | Table::Xor
        | Table::Sll
        | Table::Srl
        | Table::Sra
        | Table::Align2
        | Table::MovSign => 1,
        Table::MulNoOverflow => 2,
        Table::NegIf => 3,
        Table::Eq
        | Table::Ne
        | Table::Slt
        | Table::Sltu
        | Table::Ge
        | Table::Geu
        | Table::ValidDiv0 => 4,
    }
}

/// Maximum of [`combine_degree`] over all tables.
pub const MAX_COMBINE_DEGREE: usize = 4;

/// One lookup of a row. `table = None` for rows without a lookup: then `x = y = out = 0`,
/// every slot's bytes and value are those of `(Kind::Zero, 0, 0)`, and no slot is read
/// ([`LookupQuery::used`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LookupQuery {
    pub table: Option<Table>,
    pub x: u32,
    pub y: u32,
    pub out: u32,
}

impl LookupQuery {
    /// The honest query `(table, x, y)` with its output.
    pub fn new(table: Option<Table>, x: u32, y: u32) -> Self {
        match table {
            Some(t) => LookupQuery { table, x, y, out: t.eval(x, y) },
            None => LookupQuery { table: None, x: 0, y: 0, out: 0 },
        }
    }

    /// Which slots this query reads (none without a table).
    pub fn used(&self) -> [bool; SLOTS] {
        self.table.map_or([false; SLOTS], slot_used)
    }

    /// The slot reads of this query.
    pub fn slots(&self) -> [(Kind, u8, u8); SLOTS] {
        match self.table {
            Some(t) => slots(t, self.x, self.y),
            None => [(Kind::Zero, 0, 0); SLOTS],
        }
    }
}
