//! Twist's read/write-checking sumcheck:
//!
//! `rv(r_c) + γ·Inc(r_c) = Σ_{k,j} eq(r_c, j)·[ra(k,j)·Val(k,j) + γ·wa(k,j)·(wv(j) − Val(k,j))]`
//!
//! over the `log_k + log_t` variables, address variables first. The prover never builds a
//! `K × T` table:
//!
//! * **Address rounds** (round `m`, the first `m` address bits bound to `ρ`): row `j`'s read
//!   contributes only at `x_rest = rest(a_j)`, with `ra = eq(ρ, top(a_j))·eq(t, bit(a_j))` and
//!   `Val(ρ, t, rest, j)` the `eq(ρ, ·)`-weighted sum of the `2^(m+1)` cells that share
//!   `rest`; writes likewise. One pass over the rows replays the memory (from checkpoints, so
//!   both cores take a share): `O(T·2^(m+1))` per round, `O(T·K)` in all — meant for small
//!   memories such as the register file.
//! * **Cycle rounds** (all address bits bound to `ρ_a`): `ra(ρ_a, j) = eq(ρ_a, a_j)`,
//!   `wa(ρ_a, j)`, `wv(j)` and `Val(ρ_a, j)` (a running sum over the increments) are dense
//!   `T`-vectors, and the rest is a dense degree-3 sumcheck.
//!
//! For large memories (RAM) the cycle-first prover ([`super::cycle_first`]) binds the
//! variables in the other order ([`BindingOrder`]); the statement is the same, the sumcheck's
//! point is split differently.
//!
//! The verifier ends with claims on `ra`, `wa` (openings of the committed matrices), `wv` (a
//! claim for whoever defines the written values) and `Val(ρ_a, ρ_c)` (for [`super::val_eval`]).

use rayon::prelude::*;

use super::MemoryTrace;
use crate::eq_product::{EqProduct, Term};
use crate::factor::Factor;
use crate::field::{Fr, One, Zero};
use crate::onehot::NO_ACCESS;
use crate::poly::{eq_eval, eq_table, SplitEq};
use crate::sumcheck::{self, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Degree of the summand in each variable (`eq·ra·Val`).
const DEGREE: usize = 3;

/// Which variables the sumcheck binds first. Both sides must agree (it is part of the
/// protocol for a given memory, not read from the proof).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingOrder {
    /// Address variables (most significant first), then cycle variables: `O(T·K)`, for small
    /// memories such as the registers.
    AddressFirst,
    /// Cycle variables (least significant first), then address variables: `O(T log T)` over
    /// sparse entries, for RAM.
    CycleFirst,
}

impl BindingOrder {
    /// `(r_addr, r_cycle)` (both most significant first) from the sumcheck's point.
    fn split(self, point: &[Fr], log_k: usize, log_t: usize) -> (Vec<Fr>, Vec<Fr>) {
        match self {
            BindingOrder::AddressFirst => (point[..log_k].to_vec(), point[log_k..].to_vec()),
            BindingOrder::CycleFirst => {
                (point[log_t..].to_vec(), point[..log_t].iter().rev().copied().collect())
            }
        }
    }
}

/// `rv(r_c) + γ·Inc(r_c)` from the trace.
fn true_claim(trace: &MemoryTrace, eq_c: &[Fr], gamma: Fr) -> Fr {
    trace
        .read_values()
        .into_iter()
        .zip(trace.increments())
        .zip(eq_c)
        .map(|((r, i), e)| *e * (crate::field::fr_u64(r) + gamma * i))
        .sum()
}

/// The sumcheck and the prover's four evaluations at its final point `(ρ_a, ρ_c)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadWriteProof {
    pub sumcheck: SumcheckProof,
    pub evals: ReadWriteEvals,
}

/// `ra(ρ_a, ρ_c)`, `wa(ρ_a, ρ_c)`, `wv(ρ_c)`, `Val(ρ_a, ρ_c)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadWriteEvals {
    pub ra: Fr,
    pub wa: Fr,
    pub wv: Fr,
    pub val: Fr,
}

impl ReadWriteEvals {
    fn absorb(&self, t: &mut Transcript) {
        t.append_scalars(b"twist/rw_evals", &[self.ra, self.wa, self.wv, self.val]);
    }
}

/// What the verifier is left to check: the evaluations at `(r_addr, r_cycle)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadWriteClaims {
    pub r_addr: Vec<Fr>,
    pub r_cycle: Vec<Fr>,
    pub evals: ReadWriteEvals,
}

/// The summand at one point, given `eq(r_c, ·)` there.
fn summand(eq: Fr, e: &ReadWriteEvals, gamma: Fr) -> Fr {
    eq * (e.ra * e.val + gamma * e.wa * (e.wv - e.val))
}

/// Prove the read/write relation at `r_cycle` with combiner `gamma`; returns the proof, the
/// claim proven (`rv(r_c) + γ·Inc(r_c)`, which the verifier must know independently) and the
/// claims left.
pub fn prove(
    trace: &MemoryTrace,
    r_cycle: &[Fr],
    gamma: Fr,
    order: BindingOrder,
    transcript: &mut Transcript,
) -> (ReadWriteProof, Fr, ReadWriteClaims) {
    let claim = true_claim(trace, &eq_table(r_cycle), gamma);
    let (sumcheck, point, evals) = match order {
        BindingOrder::AddressFirst => {
            let mut prover = ReadWriteProver::new(trace, r_cycle, gamma);
            let (sumcheck, point) = sumcheck::prove(&mut prover, claim, transcript);
            (sumcheck, point, prover.final_evals())
        }
        BindingOrder::CycleFirst => {
            let mut prover = super::cycle_first::CycleFirstProver::new(trace, r_cycle, gamma);
            let (sumcheck, point) = sumcheck::prove(&mut prover, claim, transcript);
            (sumcheck, point, prover.final_evals())
        }
    };
    evals.absorb(transcript);
    let (r_addr, r_cycle) = order.split(&point, trace.log_k(), trace.log_t());
    let claims = ReadWriteClaims { r_addr, r_cycle, evals };
    (ReadWriteProof { sumcheck, evals }, claim, claims)
}

/// What the verifier knows before a read/write-checking proof: the memory's shape, the
/// point and combiner, and the binding order of this memory.
#[derive(Clone, Copy, Debug)]
pub struct ReadWriteInstance<'a> {
    pub log_k: usize,
    pub log_t: usize,
    pub r_cycle: &'a [Fr],
    pub gamma: Fr,
    pub order: BindingOrder,
}

/// Verify the read/write relation for `claim = rv(r_cycle) + γ·Inc(r_cycle)`.
pub fn verify(
    claim: Fr,
    instance: &ReadWriteInstance,
    proof: &ReadWriteProof,
    transcript: &mut Transcript,
) -> Result<ReadWriteClaims, SumcheckError> {
    let ReadWriteInstance { log_k, log_t, r_cycle, gamma, order } = *instance;
    assert_eq!(r_cycle.len(), log_t, "r_cycle has the wrong number of coordinates");
    let (final_claim, point) =
        sumcheck::verify(claim, log_k + log_t, DEGREE, &proof.sumcheck, transcript)?;
    let (r_addr, r_c) = order.split(&point, log_k, log_t);
    sumcheck::check_final(final_claim, summand(eq_eval(r_cycle, &r_c), &proof.evals, gamma))?;
    proof.evals.absorb(transcript);
    Ok(ReadWriteClaims { r_addr, r_cycle: r_c, evals: proof.evals })
}

enum Phase<'a> {
    /// `bound` = the address challenges so far, `eq_bound = eq_table(bound)`.
    Address { bound: Vec<Fr>, eq_bound: Vec<Fr> },
    /// Over the rows, the summand `eq_c·(ra·Val + γ·wa·(wv − Val))` as the two eq-weighted
    /// products `eq_c·Val·(ra − γ·wa)` and `γ·eq_c·wa·wv` ([`cycle_terms`]).
    Cycle(EqProduct<'a>),
}

struct ReadWriteProver<'a> {
    trace: &'a MemoryTrace,
    gamma: Fr,
    r_cycle: Vec<Fr>,
    /// `eq(r_cycle, ·)` as its two half tables (a whole table of the `2T` register rows was
    /// 64 MB).
    eq_c: SplitEq,
    /// Memory (as field elements) at the start of each chunk of `chunk` rows.
    checkpoints: Vec<Vec<Fr>>,
    chunk: usize,
    phase: Phase<'a>,
}

impl<'a> ReadWriteProver<'a> {
    fn new(trace: &'a MemoryTrace, r_cycle: &[Fr], gamma: Fr) -> Self {
        assert_eq!(r_cycle.len(), trace.log_t(), "r_cycle has the wrong number of coordinates");
        let rows = 1usize << trace.log_t();
        let chunk = (rows / (4 * rayon::current_num_threads())).max(1 << 10).min(rows);
        let mut checkpoints = Vec::with_capacity(rows / chunk);
        trace.replay(|j, mem| {
            if j % chunk == 0 {
                checkpoints.push(mem.iter().map(|&v| crate::field::fr_u64(v)).collect());
            }
        });
        let eq_c = SplitEq::new(r_cycle);
        let phase = Phase::Address { bound: Vec::new(), eq_bound: vec![Fr::one()] };
        let r_cycle = r_cycle.to_vec();
        let mut p = Self { trace, gamma, r_cycle, eq_c, checkpoints, chunk, phase };
        p.enter_cycle_phase_if_done();
        p
    }

    fn enter_cycle_phase_if_done(&mut self) {
        let Phase::Address { bound, .. } = &self.phase else { return };
        if bound.len() < self.trace.log_k() {
            return;
        }
        let terms = cycle_terms(self.trace, &eq_table(bound), self.gamma, &self.r_cycle);
        self.phase = Phase::Cycle(EqProduct::new(terms, self.trace.log_t()));
    }

    pub(super) fn final_evals(&self) -> ReadWriteEvals {
        let Phase::Cycle(inst) = &self.phase else { panic!("read/write sumcheck is not finished") };
        let v = inst.final_factor_evals();
        let (val, ra_minus_wa, wa, wv) = (v[0][0], v[0][1], v[1][0], v[1][1]);
        ReadWriteEvals { ra: ra_minus_wa + self.gamma * wa, wa, wv, val }
    }

    /// Address round `m = bound.len()`: `s(t)` at `t = 0..=3`.
    ///
    /// A cell is `(u, bit, rest)`: `u` the bound prefix, `bit` the variable of this round.
    /// Each core replays its rows with the memory bound to the prefix, `Val(ρ, bit, rest) =
    /// Σ_u eq(ρ, u)·mem[u, bit, rest]` (updated by one multiplication per write), and sums the
    /// quadratic `s(t)` as coefficients: two or three multiplications per access.
    fn address_round(&self, bound: &[Fr], eq_bound: &[Fr]) -> Vec<Fr> {
        let rest_bits = self.trace.log_k() - bound.len() - 1;
        let low = 1usize << (rest_bits + 1);
        let reads = self.trace.reads().addrs();
        let writes = self.trace.writes().addrs();
        // (Val at bit 0, Val at bit 1, eq(ρ, u), bit) of cell `a`.
        let cell = |bmem: &[Fr], a: usize| {
            let rest = a & ((1 << rest_bits) - 1);
            let (v0, v1) = (bmem[rest], bmem[(1 << rest_bits) | rest]);
            (v0, v1 - v0, eq_bound[a >> (rest_bits + 1)], (a >> rest_bits) & 1 == 1)
        };
        // The fields the cores read (the phase is not `Sync`).
        let (trace, eq_c, chunk_rows) = (self.trace, &self.eq_c, self.chunk);
        let gamma_eq: Vec<Fr> = eq_bound.iter().map(|e| self.gamma * e).collect();
        let coeffs = self
            .checkpoints
            .par_iter()
            .enumerate()
            .map(|(chunk, start)| {
                let mut mem = start.clone();
                let mut bmem = vec![Fr::zero(); low];
                for (u, e) in eq_bound.iter().enumerate() {
                    for (b, v) in bmem.iter_mut().zip(&mem[u * low..(u + 1) * low]) {
                        *b += *e * v;
                    }
                }
                // s(t) = c[0] + c[1]·t + c[2]·t²; an access selects its cell's half by
                // `t` (bit 1) or `1 − t` (bit 0), and reads `Val = v0 + t·d`.
                let mut c = [Fr::zero(); 3];
                let end = ((chunk + 1) * chunk_rows).min(reads.len());
                for j in chunk * chunk_rows..end {
                    let (read, write) = (reads.get(j), writes.get(j));
                    if read == NO_ACCESS && write == NO_ACCESS {
                        continue;
                    }
                    let eq_j = eq_c.get(j);
                    if read != NO_ACCESS {
                        // w·sel(t)·(v0 + t·d)
                        let (v0, d, e, bit) = cell(&bmem, read as usize);
                        let w = eq_j * e;
                        let (a, b) = (w * v0, w * d);
                        if bit {
                            c[1] += a;
                            c[2] += b;
                        } else {
                            c[0] += a;
                            c[1] += b - a;
                            c[2] -= b;
                        }
                    }
                    if write != NO_ACCESS {
                        // γ·w·sel(t)·(wv − v0 − t·d)
                        let at = write as usize;
                        let (v0, d, e, bit) = cell(&bmem, at);
                        let wv = trace.write_value(j);
                        let w = eq_j * gamma_eq[at >> (rest_bits + 1)];
                        let (a, b) = (w * (wv - v0), w * d);
                        if bit {
                            c[1] += a;
                            c[2] -= b;
                        } else {
                            c[0] += a;
                            c[1] -= a + b;
                            c[2] += b;
                        }
                        bmem[at & (low - 1)] += e * (wv - mem[at]);
                        mem[at] = wv;
                    }
                }
                c
            })
            .reduce(|| [Fr::zero(); 3], crate::par::add_arrays);
        (0..=DEGREE as u64)
            .map(|t| {
                let t = Fr::from(t);
                coeffs[0] + t * (coeffs[1] + t * coeffs[2])
            })
            .collect()
    }
}

/// The cycle phase's summand `eq_c·(ra·Val + γ·wa·(wv − Val))` at the bound address
/// `eq_a = eq_table(ρ_a)`, as `eq_c·Val·(ra − γ·wa) + γ·eq_c·wa·wv`: `Val` appears once, and
/// `ra − γ·wa` is read through the row's pair of addresses (a table of `(K + 1)²` entries
/// and a `u16` per row) while the space is small enough — the registers' — so the row-sized
/// field vectors are `Val` and `wv` only (five of them before, 320 MB at `2^20` rows).
fn cycle_terms<'a>(
    trace: &'a MemoryTrace,
    eq_a: &[Fr],
    gamma: Fr,
    r_cycle: &[Fr],
) -> Vec<Term<'a>> {
    let (reads, writes) = (trace.reads().addrs(), trace.writes().addrs());
    let k1 = eq_a.len() + 1;
    let at = |a: u32| if a == NO_ACCESS { Fr::zero() } else { eq_a[a as usize] };
    let slot = |a: u32| crate::factor::slot(a, k1);
    let ra_minus_wa = if k1 * k1 <= 1 << 16 {
        let table = (0..k1 * k1)
            .map(|i| {
                let eq = |s: usize| if s == k1 - 1 { Fr::zero() } else { eq_a[s] };
                eq(i / k1) - gamma * eq(i % k1)
            })
            .collect();
        let index = (0..reads.len())
            .into_par_iter()
            .map(|j| (slot(reads.get(j)) * k1 + slot(writes.get(j))) as u16);
        Factor::Indexed { index: index.collect(), table }
    } else {
        let rows = (0..reads.len()).into_par_iter();
        Factor::Dense(rows.map(|j| at(reads.get(j)) - gamma * at(writes.get(j))).collect())
    };
    let wv = (0..reads.len()).into_par_iter().map(|j| trace.write_value(j)).collect();
    // Val(ρ_a, j): the initial memory's value, then one increment per write (replayed here
    // rather than read from a row-sized vector of increments).
    let mut val = Vec::with_capacity(reads.len());
    let mut cur: Fr =
        trace.init().iter().zip(eq_a).map(|(&v, e)| *e * crate::field::fr_u64(v)).sum();
    trace.replay(|j, mem| {
        val.push(cur);
        let w = writes.get(j);
        if w != NO_ACCESS {
            let (new, old) = (trace.raw_write_value(j), mem[w as usize]);
            cur += eq_a[w as usize] * (crate::field::fr_u64(new) - crate::field::fr_u64(old));
        }
    });
    let term = |coeff, factors| Term { coeff, point: Some(r_cycle.to_vec()), factors };
    vec![
        term(Fr::one(), vec![Factor::Dense(val), ra_minus_wa]),
        term(gamma, vec![Factor::one_hot(writes, eq_a.to_vec()), Factor::Dense(wv)]),
    ]
}

impl SumcheckProver for ReadWriteProver<'_> {
    fn num_vars(&self) -> usize {
        match &self.phase {
            Phase::Address { bound, .. } => self.trace.log_k() + self.trace.log_t() - bound.len(),
            Phase::Cycle(inst) => inst.num_vars(),
        }
    }

    fn degree(&self) -> usize {
        DEGREE
    }

    fn round_evals(&self) -> Vec<Fr> {
        match &self.phase {
            Phase::Address { bound, eq_bound } => self.address_round(bound, eq_bound),
            Phase::Cycle(inst) => inst.round_evals(),
        }
    }

    fn bind(&mut self, r: Fr) {
        match &mut self.phase {
            Phase::Address { bound, eq_bound } => {
                bound.push(r);
                *eq_bound = eq_table(bound);
            }
            Phase::Cycle(inst) => inst.bind(r),
        }
        self.enter_cycle_phase_if_done();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onehot::tests::random_point;
    use crate::poly::DenseMle;
    use crate::sumcheck::CompositeSumcheck;
    use crate::twist::tests::random_trace;

    const ORDERS: [BindingOrder; 2] = [BindingOrder::AddressFirst, BindingOrder::CycleFirst];

    /// The dense `K·T` table of `Val` (value before each row).
    fn dense_val(trace: &MemoryTrace) -> DenseMle {
        let (log_k, log_t) = (trace.log_k(), trace.log_t());
        let mut v = vec![Fr::zero(); 1 << (log_k + log_t)];
        trace.replay(|j, mem| {
            for (k, &x) in mem.iter().enumerate() {
                v[(k << log_t) | j] = Fr::from(x);
            }
        });
        DenseMle::new(v)
    }

    #[test]
    fn honest_proofs_verify_and_leave_true_claims_in_both_orders() {
        for order in ORDERS {
            for (seed, log_k, log_t) in [(1, 3, 6), (2, 6, 8), (3, 0, 4), (4, 2, 0), (5, 5, 12)] {
                let trace = random_trace(seed, log_k, log_t);
                let r_cycle = random_point(seed + 50, log_t);
                let gamma = Fr::from(0x1234_5678u64);
                let mut pt = Transcript::new(b"twist");
                let (proof, claim, claims) = prove(&trace, &r_cycle, gamma, order, &mut pt);
                assert_eq!(claim, true_claim(&trace, &eq_table(&r_cycle), gamma));
                let mut vt = Transcript::new(b"twist");
                let got = verify(
                    claim,
                    &ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order },
                    &proof,
                    &mut vt,
                )
                .unwrap();
                assert_eq!(got, claims);
                assert_eq!(pt.state(), vt.state());
                // The claims left are true of the trace.
                let point = [got.r_addr.clone(), got.r_cycle.clone()].concat();
                assert_eq!(trace.reads().evaluate(&point), got.evals.ra, "{order:?} {seed}");
                assert_eq!(trace.writes().evaluate(&point), got.evals.wa, "{order:?} {seed}");
                let wv = DenseMle::new((0..1 << log_t).map(|j| trace.write_value(j)).collect());
                assert_eq!(wv.evaluate(&got.r_cycle), got.evals.wv);
                assert_eq!(dense_val(&trace).evaluate(&point), got.evals.val, "{order:?} {seed}");
            }
        }
    }

    /// Both ways of reading `ra − γ·wa` in the cycle rounds: through the pair of addresses
    /// (`log_k` 3) and as field elements (`log_k` 8: `257²` pairs do not fit a `u16`).
    #[test]
    fn the_address_first_prover_matches_a_dense_sumcheck() {
        for (log_k, log_t) in [(3, 5), (8, 4)] {
            matches_a_dense_sumcheck(log_k, log_t);
        }
    }

    fn matches_a_dense_sumcheck(log_k: usize, log_t: usize) {
        let trace = random_trace(8, log_k, log_t);
        let r_cycle = random_point(9, log_t);
        let gamma = Fr::from(77u64);
        let order = BindingOrder::AddressFirst;
        let (proof, claim, _) = prove(&trace, &r_cycle, gamma, order, &mut Transcript::new(b"t"));
        let t = 1usize << log_t;
        let broadcast =
            |col: Vec<Fr>| DenseMle::new((0..1 << log_k).flat_map(|_| col.clone()).collect());
        let eq = broadcast(eq_table(&r_cycle));
        let wv = broadcast((0..t).map(|j| trace.write_value(j)).collect());
        let polys =
            vec![eq, trace.reads().to_dense(), trace.writes().to_dense(), wv, dense_val(&trace)];
        let mut dense = CompositeSumcheck::new(polys, DEGREE, move |v: &[Fr]| {
            v[0] * (v[1] * v[4] + gamma * v[2] * (v[3] - v[4]))
        });
        assert_eq!(dense.claim(), claim);
        let (dense_proof, _) = sumcheck::prove(&mut dense, claim, &mut Transcript::new(b"t"));
        assert_eq!(proof.sumcheck, dense_proof);
    }

    #[test]
    fn the_cycle_first_prover_matches_a_dense_sumcheck() {
        // The dense reference binds the lowest cycle bit first: lay the table out as
        // (cycle bits reversed, address bits), top variable first.
        let (log_k, log_t) = (3, 5);
        let trace = random_trace(18, log_k, log_t);
        let r_cycle = random_point(19, log_t);
        let gamma = Fr::from(78u64);
        let order = BindingOrder::CycleFirst;
        let (proof, claim, _) = prove(&trace, &r_cycle, gamma, order, &mut Transcript::new(b"t"));
        let (k, t) = (1usize << log_k, 1usize << log_t);
        let rev = |j: usize| j.reverse_bits() >> (usize::BITS as usize - log_t);
        let layout = |f: &dyn Fn(usize, usize) -> Fr| {
            let mut v = vec![Fr::zero(); k * t];
            for j in 0..t {
                for c in 0..k {
                    v[(rev(j) << log_k) | c] = f(c, j);
                }
            }
            DenseMle::new(v)
        };
        let eq = eq_table(&r_cycle);
        let (ra, wa, val) =
            (trace.reads().to_dense(), trace.writes().to_dense(), dense_val(&trace));
        let polys = vec![
            layout(&|_, j| eq[j]),
            layout(&|c, j| ra.get((c << log_t) | j)),
            layout(&|c, j| wa.get((c << log_t) | j)),
            layout(&|_, j| trace.write_value(j)),
            layout(&|c, j| val.get((c << log_t) | j)),
        ];
        let mut dense = CompositeSumcheck::new(polys, DEGREE, move |v: &[Fr]| {
            v[0] * (v[1] * v[4] + gamma * v[2] * (v[3] - v[4]))
        });
        assert_eq!(dense.claim(), claim);
        let (dense_proof, _) = sumcheck::prove(&mut dense, claim, &mut Transcript::new(b"t"));
        assert_eq!(proof.sumcheck, dense_proof);
    }

    #[test]
    fn a_corrupted_read_value_or_increment_is_rejected() {
        let (log_k, log_t) = (4, 7);
        let trace = random_trace(11, log_k, log_t);
        let r_cycle = random_point(12, log_t);
        let gamma = Fr::from(5u64);
        let eq = eq_table(&r_cycle);
        for order in ORDERS {
            let (proof, claim, _) =
                prove(&trace, &r_cycle, gamma, order, &mut Transcript::new(b"twist"));
            // Row 9 "read" one more than memory held; row 20's increment is off by one.
            for wrong in [claim + eq[9], claim + gamma * eq[20]] {
                let mut t = Transcript::new(b"twist");
                let err = verify(
                    wrong,
                    &ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order },
                    &proof,
                    &mut t,
                );
                assert_eq!(err, Err(SumcheckError::FinalEvalMismatch));
            }
        }
    }

    #[test]
    fn a_lie_about_any_final_evaluation_or_the_order_is_rejected() {
        let (log_k, log_t) = (3, 6);
        let trace = random_trace(13, log_k, log_t);
        let r_cycle = random_point(14, log_t);
        let gamma = Fr::from(9u64);
        for order in ORDERS {
            let (proof, claim, _) =
                prove(&trace, &r_cycle, gamma, order, &mut Transcript::new(b"twist"));
            for i in 0..4 {
                let mut lie = proof.clone();
                let e = &mut lie.evals;
                *[&mut e.ra, &mut e.wa, &mut e.wv, &mut e.val][i] += Fr::one();
                let mut t = Transcript::new(b"twist");
                let err = verify(
                    claim,
                    &ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order },
                    &lie,
                    &mut t,
                );
                assert_eq!(err, Err(SumcheckError::FinalEvalMismatch), "lie in evaluation {i}");
            }
            // A proof made in one order does not verify in the other.
            let other = if order == ORDERS[0] { ORDERS[1] } else { ORDERS[0] };
            let mut t = Transcript::new(b"twist");
            assert!(verify(
                claim,
                &ReadWriteInstance { log_k, log_t, r_cycle: &r_cycle, gamma, order: other },
                &proof,
                &mut t
            )
            .is_err());
        }
    }
}
