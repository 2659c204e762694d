//! Prover v2's last stage: every claim on every committed polynomial, reduced to one point and
//! opened with one Dory proof.
//!
//! The stages leave claims `P_i(p) = v` on the committed polynomials (dense per-row columns,
//! one-hot chunk matrices; of different sizes) at many points. One batched sumcheck, one
//! instance per polynomial,
//!
//! `Σ_{m: claim m on P_i} ρ^m·v_m = Σ_x (Σ_m ρ^m·eq(p_m, x))·P_i(x)`,
//!
//! ends at a point `r*` whose suffix of `n_i` coordinates is each polynomial's own point
//! (the batched sumcheck's convention, which is also [`joint_opening`]'s layout). The prover
//! states `P_i(r*)`, the verifier checks the sumcheck's final claim with them, and one joint
//! Dory opening proves them all.
//!
//! A one-hot matrix is never expanded: its instance binds the address variables first over
//! `K`-vectors (`eq(r_addr^m, ·)` and `Σ_{j: a_j = k} ρ^m·eq(r_cycle^m, j)`), then the cycle
//! variables over `T`-vectors (`Σ_m ρ^m·eq(r_addr^m, ρ_a)·eq(r_cycle^m, ·)` and
//! `eq(ρ_a, a_j)`): `O(claims·(K + T))`.
//!
//! The prover runs fewer instances than the verifier sees: stored columns of one size claimed
//! once at one point share one instance over their combination with the batch coefficients
//! (`same_point_columns`), which has the same round polynomials as the members apart.

use std::collections::HashMap;

use dory_pcs::backends::arkworks::ArkG1;
use rayon::prelude::*;

use crate::columns;
use crate::factor::Factor;
use crate::field::{Field, Fr, Zero};
use crate::joint_opening::{self, JointClaim, Layout, Source};
use crate::onehot::OneHot;
use crate::pcs::{DoryCommitment, DoryProof, DoryProverSetup, DoryVerifierSetup, PcsError};
use crate::poly::{eq1, eq_eval, eq_table, DenseMle, SplitEq};
use crate::sumcheck::SumcheckProver;
use crate::sumcheck::{self, BatchClaim, CompositeSumcheck, SumcheckError, SumcheckProof};
use crate::transcript::Transcript;

/// A claim `P_poly(point) = eval`; `point` has the polynomial's own number of variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub poly: usize,
    pub point: Vec<Fr>,
    pub eval: Fr,
}

/// The reduction sumcheck, every polynomial's value at (its suffix of) the common point, and
/// the Dory proof of those values.
#[derive(Clone, Debug, PartialEq)]
pub struct OpeningProof {
    pub sumcheck: SumcheckProof,
    pub evals: Vec<Fr>,
    pub dory: DoryProof,
}

/// Why the openings were rejected.
#[derive(Debug, thiserror::Error)]
pub enum OpeningError {
    #[error("openings: {0}")]
    Shape(String),
    #[error("opening reduction: {0}")]
    Sumcheck(#[from] SumcheckError),
    #[error("joint opening: {0}")]
    Pcs(#[from] PcsError),
}

/// Every polynomial must be claimed at least once (so the common point has the layout's
/// size), and every claim must name a polynomial and have its number of variables.
fn check_shape(sizes: &[usize], claims: &[Claim]) -> Result<(), OpeningError> {
    let mut claimed = vec![false; sizes.len()];
    for (m, c) in claims.iter().enumerate() {
        let n = *sizes.get(c.poly).ok_or_else(|| {
            OpeningError::Shape(format!(
                "claim {m} names polynomial {}, of {}",
                c.poly,
                sizes.len()
            ))
        })?;
        if c.point.len() != n {
            return Err(OpeningError::Shape(format!(
                "claim {m}: a point of {} coordinates for a {n}-variable polynomial",
                c.point.len()
            )));
        }
        claimed[c.poly] = true;
    }
    match claimed.iter().position(|c| !c) {
        Some(i) => {
            Err(OpeningError::Shape(format!("polynomial {i} is committed but never claimed")))
        }
        None => Ok(()),
    }
}

/// Absorb every claim, draw one coefficient per claim; returns each polynomial's summed claim.
fn absorb(sizes: &[usize], claims: &[Claim], transcript: &mut Transcript) -> (Vec<Fr>, Vec<Fr>) {
    transcript.append_u64(b"openings/polys", sizes.len() as u64);
    transcript.append_u64(b"openings/claims", claims.len() as u64);
    for c in claims {
        transcript.append_u64(b"openings/poly", c.poly as u64);
        transcript.append_scalars(b"openings/point", &c.point);
        transcript.append_scalar(b"openings/eval", &c.eval);
    }
    let rho = transcript.challenge_powers(b"openings/rho", claims.len());
    let mut sums = vec![Fr::zero(); sizes.len()];
    for (c, r) in claims.iter().zip(&rho) {
        sums[c.poly] += *r * c.eval;
    }
    (rho, sums)
}

type Combiner = Box<dyn Fn(&[Fr]) -> Fr + Sync + Send>;

fn products_of_pairs() -> Combiner {
    Box::new(|v: &[Fr]| v.chunks(2).map(|p| p[0] * p[1]).sum())
}

/// `eq(p, ·)` for every distinct cycle point of the claims (the whole point of a dense claim,
/// the cycle part of a one-hot one), computed once on both cores and shared by the instances:
/// the stages leave many claims at a few points (Spartan's, a virtualization's).
/// Each table is kept split (`SplitEq`): whole, the fourteen or so tables of a `2^20`-row
/// proof took ~0.6 GB at the prover's memory peak.
struct EqCache(HashMap<Vec<Fr>, SplitEq>);

impl EqCache {
    fn new(sources: &[Source], claims: &[Claim]) -> Self {
        let mut points: Vec<Vec<Fr>> = claims
            .iter()
            .map(|c| match sources[c.poly] {
                Source::Dense(_) | Source::Small(_) | Source::Wide(_) => c.point.clone(),
                Source::OneHot(m) => c.point[m.log_k()..].to_vec(),
            })
            .collect();
        points.sort_unstable();
        points.dedup();
        EqCache(
            points
                .into_par_iter()
                .map(|p| {
                    let eq = SplitEq::new(&p);
                    (p, eq)
                })
                .collect(),
        )
    }

    fn get(&self, point: &[Fr]) -> &SplitEq {
        &self.0[point]
    }
}

/// The second factor of an instance is a committed column or `eq(ρ_a, a_j)` over a one-hot
/// matrix's rows (`crate::factor`: read through the addresses, then through small indices,
/// and only stored once binding has made it a fraction of the rows).
///
/// Whether a factor's pairs of table rows are few enough to bucket (a one-hot factor's
/// `K + 1 = 9` rows in the first cycle round, their 81 pairs in the second).
fn pairs_fit(k1: usize) -> bool {
    k1 * k1 <= 1 << crate::factor::MAX_PAIR_BUCKETS_LOG
}

/// One claim's share of `w`: `scale · table[offset + x] = c·eq(p_bound, r_bound)·eq(p_rest, x)`
/// over the claim point's cached eq table. Binding the top variable only rescales (and, in
/// the rare case `p_j = 1`, moves to the table's upper half): `w` is never stored.
struct EqTerm<'a> {
    scale: Fr,
    point: &'a [Fr],
    table: &'a SplitEq,
    offset: usize,
}

impl EqTerm<'_> {
    /// Bind variable `j` (the top one left) to `r`; `half` is the size left afterwards.
    fn bind(&mut self, j: usize, r: Fr, half: usize) {
        let p = self.point[j];
        let e = eq1(p, r);
        // table[offset + b·half + x] ∝ eq1(p, b): divide out eq1(p, 0) = 1 − p, or else
        // eq1(p, 1) = p (they are never both zero).
        match (Fr::from(1u64) - p).inverse() {
            Some(inv) => self.scale *= e * inv,
            None => {
                self.scale *= e * p.inverse().expect("p = 1 is invertible");
                self.offset += half;
            }
        }
    }
}

/// `Σ_x w(x)·f(x)` with `w = Σ_m c_m·eq(p_m, x)` read from the shared eq tables
/// (`EqCache`) and `f` a committed polynomial. Only `f` is ever copied (at half size, when
/// the first variable is bound); `w` is recomputed from the tables each round. Dozens of
/// instances run side by side, and this is the proof's memory peak.
struct LazyProduct<'a> {
    terms: Vec<EqTerm<'a>>,
    factor: Factor<'a>,
    len: usize,
    bound: usize,
}

impl<'a> LazyProduct<'a> {
    fn new(terms: Vec<(Fr, &'a [Fr], &'a SplitEq)>, factor: Factor<'a>, len: usize) -> Self {
        let terms = terms
            .into_iter()
            .map(|(scale, point, table)| EqTerm { scale, point, table, offset: 0 })
            .collect();
        LazyProduct { terms, factor, len, bound: 0 }
    }

    /// Rows per block over which every term's high eq half is constant: the smallest
    /// low half (all are powers of two, so aligned blocks of it suit every term), at most
    /// `rows`. A term's `offset` is a multiple of the rows left, so blocks stay aligned.
    fn block(&self, rows: usize) -> usize {
        self.terms.iter().map(|t| t.table.block_len()).min().unwrap_or(rows).min(rows).max(1)
    }

    /// `Σ_x w(x)·f(x)`: per claim, the unreduced dot product of its eq table with `f` on
    /// each block, its high eq half and coefficient multiplied in once.
    fn claim(&self) -> Fr {
        let b = self.block(self.len);
        let r2_inv = columns::montgomery_r2_inverse();
        (0..self.len / b)
            .into_par_iter()
            .with_min_len(((1 << 10) / b).max(1))
            .map_init(
                || vec![Fr::zero(); b],
                |f, k| {
                    self.factor.fill(k * b, f);
                    let share = |t: &EqTerm| {
                        let (h, lo) = t.table.block(t.offset + k * b, b);
                        let mut acc = columns::DotAcc::new();
                        lo.iter().zip(f.iter()).for_each(|(e, v)| acc.add(e, v));
                        t.scale * h * acc.finish(r2_inv)
                    };
                    self.terms.iter().map(share).sum::<Fr>()
                },
            )
            .sum()
    }

    /// A round over the rows, a block at a time, without forming `w`: each term's eq table
    /// on one half of the rows is `eq(p, x')` over the unbound variables up to a constant, so
    /// with `f` linear in the round's variable `X` its share of the round polynomial is
    /// `κ·eq1(p_j, X)·(A + X·B)`, `A = Σ eq·f(0, x')`, `B = Σ eq·(f(1, x') − f(0, x'))`
    /// (Gruen's factoring of the eq weight). Those sums take two unreduced products per row
    /// and term (`columns::DotAcc`), the block's high eq half multiplied in once.
    fn dense_round(&self) -> Vec<Fr> {
        let half = self.len / 2;
        let b = self.block(half);
        let f = &self.factor;
        let n = self.terms.len();
        let one = Fr::from(1u64);
        // Per term: the half of its table used (`eq1(p_j, H) ≠ 0`) and `κ = scale / eq1(p_j, H)`.
        let shares: Vec<(usize, Fr, Fr)> = self
            .terms
            .iter()
            .map(|t| {
                let p = t.point[self.bound];
                match (one - p).inverse() {
                    Some(inv) => (0, t.scale * inv, p),
                    None => (half, t.scale * p.inverse().expect("p = 1 is invertible"), p),
                }
            })
            .collect();
        let r2_inv = columns::montgomery_r2_inverse();
        let scratch = || (vec![[Fr::zero(); 2]; n], vec![Fr::zero(); 2 * b]);
        let sums = (0..half / b)
            .into_par_iter()
            .with_min_len(((1 << 10) / b).max(1))
            .fold(scratch, |(mut sums, mut rows), k| {
                let s = k * b;
                let (f0, f1) = rows.split_at_mut(b);
                f.fill(s, f0);
                f.fill(s + half, f1);
                // f1 becomes the difference f(1, ·) − f(0, ·).
                for (d, v) in f1.iter_mut().zip(f0.iter()) {
                    *d -= v;
                }
                for ((t, &(h_at, _, _)), sum) in self.terms.iter().zip(&shares).zip(&mut sums) {
                    let (h, lo) = t.table.block(t.offset + h_at + s, b);
                    let (mut a, mut d) = (columns::DotAcc::new(), columns::DotAcc::new());
                    for ((e, v), dv) in lo.iter().zip(f0.iter()).zip(f1.iter()) {
                        a.add(e, v);
                        d.add(e, dv);
                    }
                    sum[0] += h * a.finish(r2_inv);
                    sum[1] += h * d.finish(r2_inv);
                }
                (sums, rows)
            })
            .map(|(sums, _)| sums)
            .reduce(
                || vec![[Fr::zero(); 2]; n],
                |a, b| a.into_iter().zip(b).map(|(x, y)| [x[0] + y[0], x[1] + y[1]]).collect(),
            );
        let mut out = [Fr::zero(); 3];
        for ([a, d], &(_, kappa, p)) in sums.iter().zip(&shares) {
            for (x, o) in out.iter_mut().enumerate() {
                let x = Fr::from(x as u64);
                *o += kappa * eq1(p, x) * (*a + x * d);
            }
        }
        out.to_vec()
    }

    /// A cycle round of a factor read through a small table (`f(i) = table[index(i)]`: a
    /// one-hot factor's first two rounds) without a multiplication per row: every claim's eq
    /// weights are summed per pair of table rows `(f(i), f(i + half))` — the low eq halves
    /// per block, weighted by the block's high half once — then each pair's sums are
    /// weighted once.
    fn bucketed_round(&self, table: &[Fr]) -> Vec<Fr> {
        let (half, k1) = (self.len / 2, table.len());
        let n = self.terms.len();
        let b = self.block(half);
        let pairs = k1 * k1;
        let f = &self.factor;
        // sums[(m·k1² + pair)·2 + t] = Σ_{i in pair} eq_m(offset_m + i + t·half), one table
        // per core (each covers a contiguous share of the blocks).
        let (sums, _) = crate::par::fold_block_shares(
            half / b,
            || (vec![Fr::zero(); 2 * n * pairs], vec![Fr::zero(); 2 * pairs]),
            |(acc, local), k| {
                let s = k * b;
                for (m, t) in self.terms.iter().enumerate() {
                    let (h0, lo0) = t.table.block(t.offset + s, b);
                    let (h1, lo1) = t.table.block(t.offset + s + half, b);
                    local.fill(Fr::zero());
                    for (x, (l0, l1)) in lo0.iter().zip(lo1).enumerate() {
                        let i = s + x;
                        let pair = f.index(i) * k1 + f.index(i + half);
                        local[2 * pair] += l0;
                        local[2 * pair + 1] += l1;
                    }
                    let seg = &mut acc[2 * m * pairs..2 * (m + 1) * pairs];
                    for (a, (l, h)) in seg.iter_mut().zip(local.iter().zip([h0, h1].iter().cycle()))
                    {
                        if !l.is_zero() {
                            *a += *h * l;
                        }
                    }
                }
            },
            |a, b| (crate::par::add_vecs(a.0, b.0), a.1),
        );
        let mut out = [Fr::zero(); 3];
        for b in 0..pairs {
            let (p0, p1) = (table[b / k1], table[b % k1]);
            let (mut w0, mut w1) = (Fr::zero(), Fr::zero());
            for (m, t) in self.terms.iter().enumerate() {
                let at = 2 * (m * pairs + b);
                w0 += t.scale * sums[at];
                w1 += t.scale * sums[at + 1];
            }
            out[0] += w0 * p0;
            out[1] += w1 * p1;
            out[2] += (w1 + w1 - w0) * (p1 + p1 - p0);
        }
        out.to_vec()
    }

    /// `f` at the bound point (all variables bound).
    fn final_eval(&self) -> Fr {
        assert_eq!(self.len, 1, "not all variables are bound yet");
        self.factor.get(0)
    }
}

impl SumcheckProver for LazyProduct<'_> {
    fn num_vars(&self) -> usize {
        self.len.trailing_zeros() as usize
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<Fr> {
        match self.factor.table() {
            Some(table) if pairs_fit(table.len()) => self.bucketed_round(table),
            _ => self.dense_round(),
        }
    }

    fn bind(&mut self, r: Fr) {
        let half = self.len / 2;
        self.factor.bind_top(r);
        for t in &mut self.terms {
            t.bind(self.bound, r, half);
        }
        self.bound += 1;
        self.len = half;
    }
}

/// One polynomial's instance of the reduction sumcheck.
enum Instance<'a> {
    /// `[Σ_m ρ^m·eq(p_m, ·), P]`.
    Dense(LazyProduct<'a>),
    /// Address phase: pairs `[eq(r_addr^m, ·), ρ^m·ra(·, r_cycle^m)]`; then the cycle phase.
    OneHot {
        matrix: &'a OneHot,
        claims: Vec<(Fr, &'a [Fr])>,
        eq: &'a EqCache,
        bound: Vec<Fr>,
        phase: OneHotPhase<'a>,
    },
}

/// A one-hot instance's address rounds (pairs over `K`-vectors), then its cycle rounds.
enum OneHotPhase<'a> {
    Address(CompositeSumcheck<Combiner>),
    Cycle(LazyProduct<'a>),
}

impl OneHotPhase<'_> {
    fn prover(&mut self) -> &mut dyn SumcheckProver {
        match self {
            OneHotPhase::Address(s) => s,
            OneHotPhase::Cycle(s) => s,
        }
    }
}

impl<'a> Instance<'a> {
    fn new(source: Source<'a>, claims: Vec<(Fr, &'a [Fr])>, eq: &'a EqCache) -> Self {
        match source {
            Source::Dense(_) | Source::Small(_) | Source::Wide(_) => {
                let terms = claims.iter().map(|(c, point)| (*c, *point, eq.get(point))).collect();
                let factor = match source {
                    Source::Dense(p) => Factor::Slice(p.evals()),
                    Source::Small(v) => Factor::Small(v),
                    Source::Wide(v) => Factor::Wide(v),
                    Source::OneHot(_) => unreachable!("matched above"),
                };
                let len = factor.len();
                Instance::Dense(LazyProduct::new(terms, factor, len))
            }
            Source::OneHot(m) => {
                let log_k = m.log_k();
                let phase = if log_k == 0 {
                    cycle_phase(m, &claims, eq, &[])
                } else {
                    // One pair per cycle point: `Σ_m c_m·eq(r_addr^m, ·)` and the rows'
                    // weights `eq(r_cycle, ·)` summed per address (one pass over the rows).
                    let groups = by_cycle_point(&claims, log_k);
                    let mut polys = Vec::with_capacity(2 * groups.len());
                    for (r_c, members) in groups {
                        let mut w = vec![Fr::zero(); 1 << log_k];
                        for (coeff, r_a) in members {
                            for (w, e) in w.iter_mut().zip(eq_table(r_a)) {
                                *w += coeff * e;
                            }
                        }
                        polys.push(DenseMle::new(w));
                        polys.push(DenseMle::new(m.cycle_weights_split(eq.get(r_c))));
                    }
                    OneHotPhase::Address(CompositeSumcheck::new(polys, 2, products_of_pairs()))
                };
                Instance::OneHot { matrix: m, claims, eq, bound: Vec::new(), phase }
            }
        }
    }

    /// The instance's true sum (equal to the claims' combination when the claims are true).
    fn sum(&self) -> Fr {
        match self {
            Instance::Dense(s) => s.claim(),
            Instance::OneHot { phase: OneHotPhase::Address(s), .. } => s.claim(),
            Instance::OneHot { phase: OneHotPhase::Cycle(s), .. } => s.claim(),
        }
    }

    /// `P` at the point bound so far (all variables must be bound).
    fn final_eval(&self) -> Fr {
        match self {
            Instance::Dense(s) => s.final_eval(),
            Instance::OneHot { phase: OneHotPhase::Cycle(s), .. } => s.final_eval(),
            Instance::OneHot { .. } => panic!("the address rounds are not the last"),
        }
    }
}

/// A cycle point and the claims at it, `(c_m, r_addr^m)`.
type CyclePointGroup<'a> = (&'a [Fr], Vec<(Fr, &'a [Fr])>);

/// A one-hot matrix's claims `(c_m, (r_addr^m, r_cycle^m))` grouped by their cycle point, in
/// order of first appearance: the claims at one cycle point weight the rows with one eq
/// table, so they cost one pass over the rows together (a virtualization leaves all of its
/// claims on a chunk at one point).
fn by_cycle_point<'a>(claims: &[(Fr, &'a [Fr])], log_k: usize) -> Vec<CyclePointGroup<'a>> {
    let mut groups: Vec<CyclePointGroup> = Vec::new();
    for &(coeff, point) in claims {
        let (r_a, r_c) = point.split_at(log_k);
        match groups.iter_mut().find(|(p, _)| *p == r_c) {
            Some((_, members)) => members.push((coeff, r_a)),
            None => groups.push((r_c, vec![(coeff, r_a)])),
        }
    }
    groups
}

/// The cycle phase of a one-hot instance once the address variables are bound to `rho_a`.
fn cycle_phase<'a>(
    m: &'a OneHot,
    claims: &[(Fr, &'a [Fr])],
    eq: &'a EqCache,
    rho_a: &[Fr],
) -> OneHotPhase<'a> {
    let terms = by_cycle_point(claims, m.log_k())
        .into_iter()
        .map(|(r_c, members)| {
            let scale = members.iter().map(|(coeff, r_a)| *coeff * eq_eval(r_a, rho_a)).sum();
            (scale, r_c, eq.get(r_c))
        })
        .collect();
    let factor = Factor::one_hot(m.addrs(), eq_table(rho_a));
    OneHotPhase::Cycle(LazyProduct::new(terms, factor, m.addrs().len()))
}

impl SumcheckProver for Instance<'_> {
    fn num_vars(&self) -> usize {
        match self {
            Instance::Dense(s) => s.num_vars(),
            Instance::OneHot { matrix, bound, .. } => matrix.num_vars() - bound.len(),
        }
    }

    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<Fr> {
        match self {
            Instance::Dense(s) => s.round_evals(),
            Instance::OneHot { phase: OneHotPhase::Address(s), .. } => s.round_evals(),
            Instance::OneHot { phase: OneHotPhase::Cycle(s), .. } => s.round_evals(),
        }
    }

    fn bind(&mut self, r: Fr) {
        match self {
            Instance::Dense(s) => s.bind(r),
            Instance::OneHot { matrix, claims, eq, bound, phase } => {
                phase.prover().bind(r);
                bound.push(r);
                if bound.len() == matrix.log_k() {
                    *phase = cycle_phase(matrix, claims, eq, bound);
                }
            }
        }
    }
}

/// Prove every claim on `sources` (committed in `layout` as `commitments`, with `hints`).
/// The claims must be true for the proof to verify (a cheating prover's false claims make a
/// proof the verifier rejects; nothing here panics on them). `before_dory` is called between the reduction and the Dory proof
/// (progress reports).
#[allow(clippy::too_many_arguments)] // the commitment state, the claims, a progress hook
pub fn prove(
    setup: &DoryProverSetup,
    layout: Layout,
    sources: &[Source],
    commitments: &[DoryCommitment],
    hints: Vec<Vec<ArkG1>>,
    claims: &[Claim],
    transcript: &mut Transcript,
    before_dory: &mut dyn FnMut(),
) -> OpeningProof {
    let sizes: Vec<usize> = sources.iter().map(Source::num_vars).collect();
    check_shape(&sizes, claims).unwrap_or_else(|e| panic!("{e}"));
    let (rho, _) = absorb(&sizes, claims, transcript);
    let eq = EqCache::new(sources, claims);
    let mine: Vec<Vec<(Fr, &[Fr])>> = (0..sources.len())
        .map(|i| {
            let of_i = claims.iter().zip(&rho).filter(|(c, _)| c.poly == i);
            of_i.map(|(c, r)| (*r, c.point.as_slice())).collect()
        })
        .collect();
    let groups = same_point_columns(sources, &mine);
    let grouped: Vec<bool> =
        (0..sources.len()).map(|i| groups.iter().any(|g| g.contains(&i))).collect();
    let singles: Vec<usize> = (0..sources.len()).filter(|&i| !grouped[i]).collect();
    let mut instances: Vec<Instance> =
        singles.par_iter().map(|&i| Instance::new(sources[i], mine[i].clone(), &eq)).collect();
    // Every polynomial's true sum (a cheating prover's false claims then surface as a first
    // round the verifier, which sums the claims, rejects): an instance's own, or a grouped
    // column's value at the group's point times its claim's coefficient.
    let mut sums = vec![Fr::zero(); sources.len()];
    let single_sums: Vec<Fr> = instances.par_iter().map(Instance::sum).collect();
    for (&i, s) in singles.iter().zip(single_sums) {
        sums[i] = s;
    }
    for g in &groups {
        let values = evaluate_columns(sources, g, mine[g[0]][0].1);
        for (&i, v) in g.iter().zip(values) {
            sums[i] = mine[i][0].0 * v;
        }
    }
    let shape: Vec<BatchClaim> = sums
        .iter()
        .zip(&sizes)
        .map(|(&claim, &num_vars)| BatchClaim { claim, num_vars, degree: 2 })
        .collect();
    let coeffs = sumcheck::batch_coefficients(&shape, transcript);
    // The instances: each ungrouped polynomial with its coefficient, then each group as one
    // combined column (coefficient 1).
    let mut drawn: Vec<(BatchClaim, Fr)> = singles.iter().map(|&i| (shape[i], coeffs[i])).collect();
    for g in &groups {
        let (point, weights) = (mine[g[0]][0].1, g.iter().map(|&i| coeffs[i] * mine[i][0].0));
        let combined = columns::combine(&group_columns(sources, g), &weights.collect::<Vec<_>>());
        let claim = g.iter().map(|&i| coeffs[i] * sums[i]).sum();
        let len = combined.len();
        let terms = vec![(Fr::from(1u64), point, eq.get(point))];
        instances.push(Instance::Dense(LazyProduct::new(terms, Factor::Dense(combined), len)));
        drawn.push((BatchClaim { claim, num_vars: sizes[g[0]], degree: 2 }, Fr::from(1u64)));
    }
    let (shape, coeffs): (Vec<BatchClaim>, Vec<Fr>) = drawn.into_iter().unzip();
    let mut refs: Vec<&mut dyn SumcheckProver> =
        instances.iter_mut().map(|i| i as &mut dyn SumcheckProver).collect();
    let (sumcheck, point) = sumcheck::prove_batched_drawn(&mut refs, &shape, &coeffs, transcript);
    let mut evals = vec![Fr::zero(); sources.len()];
    for (&i, inst) in singles.iter().zip(&instances) {
        evals[i] = inst.final_eval();
    }
    for g in &groups {
        let own_point = &point[point.len() - sizes[g[0]]..];
        for (&i, v) in g.iter().zip(evaluate_columns(sources, g, own_point)) {
            evals[i] = v;
        }
    }
    drop(instances);
    drop(eq);
    transcript.append_scalars(b"openings/evals", &evals);
    before_dory();
    let joint = joint_claims(commitments, &sizes, &evals);
    let dory = joint_opening::prove(setup, layout, sources, hints, &joint, &point, transcript);
    OpeningProof { sumcheck, evals, dory }
}

/// Groups of two or more stored columns (dense, small or wide) of one size whose only claim
/// is at one point (Spartan leaves most CPU columns so): each group is reduced as one
/// combined column `Σ_i c_i·ρ_i·P_i`, whose round polynomials are the members' combination,
/// instead of one eq-weighted pass per column per round.
fn same_point_columns(sources: &[Source], mine: &[Vec<(Fr, &[Fr])>]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        if matches!(s, Source::OneHot(_)) || mine[i].len() != 1 {
            continue;
        }
        let key = |j: usize| (mine[j][0].1, sources[j].num_vars());
        match groups.iter_mut().find(|g| key(g[0]) == key(i)) {
            Some(g) => g.push(i),
            None => groups.push(vec![i]),
        }
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// The stored columns of a group, as columns.
fn group_columns<'a>(sources: &[Source<'a>], group: &[usize]) -> Vec<columns::Column<'a>> {
    group
        .iter()
        .map(|&i| match sources[i] {
            Source::Dense(p) => columns::Column::Dense(p.evals()),
            Source::Small(v) => columns::Column::Small(v),
            Source::Wide(v) => columns::Column::Wide(v),
            Source::OneHot(_) => unreachable!("groups hold stored columns only"),
        })
        .collect()
}

/// A group's columns at `point` (one eq table, one pass per column).
fn evaluate_columns(sources: &[Source], group: &[usize], point: &[Fr]) -> Vec<Fr> {
    columns::evaluate(&group_columns(sources, group), &eq_table(point), 0)
}

fn joint_claims(commitments: &[DoryCommitment], sizes: &[usize], evals: &[Fr]) -> Vec<JointClaim> {
    commitments
        .iter()
        .zip(sizes)
        .zip(evals)
        .map(|((c, &num_vars), &eval)| JointClaim { commitment: *c, num_vars, eval })
        .collect()
}

/// Verify every claim against the commitments (`sizes[i]` variables each; sizes, claims and
/// layout are the verifier's own).
pub fn verify(
    setup: &DoryVerifierSetup,
    layout: Layout,
    commitments: &[DoryCommitment],
    sizes: &[usize],
    claims: &[Claim],
    proof: &OpeningProof,
    transcript: &mut Transcript,
) -> Result<(), OpeningError> {
    check_shape(sizes, claims)?;
    if commitments.len() != sizes.len() || proof.evals.len() != sizes.len() {
        return Err(OpeningError::Shape(format!(
            "{} commitments and {} values for {} polynomials",
            commitments.len(),
            proof.evals.len(),
            sizes.len()
        )));
    }
    let (rho, sums) = absorb(sizes, claims, transcript);
    let batch: Vec<BatchClaim> = sums
        .iter()
        .zip(sizes)
        .map(|(&claim, &num_vars)| BatchClaim { claim, num_vars, degree: 2 })
        .collect();
    let out = sumcheck::verify_batched(&batch, &proof.sumcheck, transcript)?;
    let mut weights = vec![Fr::zero(); sizes.len()];
    for (c, r) in claims.iter().zip(&rho) {
        weights[c.poly] += *r * eq_eval(&c.point, out.instance_point(sizes[c.poly]));
    }
    let finals: Vec<Fr> = weights.iter().zip(&proof.evals).map(|(w, e)| *w * e).collect();
    out.check(&finals)?;
    transcript.append_scalars(b"openings/evals", &proof.evals);
    let joint = joint_claims(commitments, sizes, &proof.evals);
    joint_opening::verify(setup, layout, &joint, &out.point, &proof.dory, transcript)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::One;
    use crate::onehot::tests::{random_onehot, random_point};
    use crate::pcs::DORY_SEED;

    struct Fixture {
        dense: Vec<DenseMle>,
        small: Vec<u32>,
        onehot: Vec<OneHot>,
    }

    fn fixture() -> Fixture {
        let dense = [3usize, 6, 9]
            .iter()
            .enumerate()
            .map(|(i, &n)| DenseMle::new(random_point(200 + i as u64, 1 << n)))
            .collect();
        let onehot = vec![
            random_onehot(11, 3, 6, true),
            random_onehot(12, 0, 7, false),
            random_onehot(13, 8, 1, false),
        ];
        let small = (0..1u32 << 8).map(|i| [0, 1, u32::MAX, i * 40_503][i as usize % 4]).collect();
        Fixture { dense, small, onehot }
    }

    fn sources(f: &Fixture) -> Vec<Source<'_>> {
        let small = std::iter::once(Source::Small(&f.small));
        f.dense
            .iter()
            .map(Source::Dense)
            .chain(small)
            .chain(f.onehot.iter().map(Source::OneHot))
            .collect()
    }

    /// One to three claims per polynomial at random points.
    fn claims(srcs: &[Source]) -> Vec<Claim> {
        let mut out = Vec::new();
        for (i, s) in srcs.iter().enumerate() {
            for m in 0..=(i % 3) {
                let point = random_point(300 + 10 * i as u64 + m as u64, s.num_vars());
                out.push(Claim { poly: i, eval: s.evaluate(&point), point });
            }
        }
        out
    }

    #[test]
    fn many_claims_on_polynomials_of_every_size_and_kind_open_with_one_proof() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let vsetup = setup.verifier_setup();
        let layout = Layout::new(9);
        let f = fixture();
        let srcs = sources(&f);
        let sizes: Vec<usize> = srcs.iter().map(Source::num_vars).collect();
        let (commitments, hints): (Vec<_>, Vec<_>) =
            srcs.iter().map(|s| joint_opening::commit(&setup, layout, *s)).unzip();
        let claims = claims(&srcs);
        let mut pt = Transcript::new(b"openings");
        let proof = prove(&setup, layout, &srcs, &commitments, hints, &claims, &mut pt, &mut || ());
        let mut vt = Transcript::new(b"openings");
        verify(&vsetup, layout, &commitments, &sizes, &claims, &proof, &mut vt)
            .expect("honest openings");
        assert_eq!(pt.state(), vt.state());

        let check = |claims: &[Claim], proof: &OpeningProof| {
            verify(
                &vsetup,
                layout,
                &commitments,
                &sizes,
                claims,
                proof,
                &mut Transcript::new(b"openings"),
            )
        };
        for m in 0..claims.len() {
            let mut bad = claims.clone();
            bad[m].eval += Fr::one();
            assert!(check(&bad, &proof).is_err(), "wrong value of claim {m}");
        }
        for i in 0..proof.evals.len() {
            let mut bad = proof.clone();
            bad.evals[i] += Fr::one();
            assert!(check(&claims, &bad).is_err(), "wrong opened value {i}");
        }
        let unclaimed: Vec<Claim> = claims.iter().filter(|c| c.poly != 2).cloned().collect();
        assert!(matches!(check(&unclaimed, &proof), Err(OpeningError::Shape(_))));
        let mut moved = claims.clone();
        moved[0].point[0] += Fr::one();
        assert!(check(&moved, &proof).is_err(), "claim at another point");
    }

    /// Columns of one size claimed once each at one point are reduced as one combined
    /// column: the proof is the one the verifier expects, and a false claim on one member
    /// (a cheating prover's) yields a proof it rejects, not a prover panic.
    #[test]
    fn columns_claimed_at_one_point_are_reduced_together() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let vsetup = setup.verifier_setup();
        let layout = Layout::new(8);
        let small: Vec<u32> =
            (0..1u32 << 8).map(|i| i.wrapping_mul(2_654_435_761) % 1000).collect();
        let wide: Vec<i64> = (0..1i64 << 8).map(|i| (i - 100) * 1_000_000_007).collect();
        let dense = DenseMle::new(random_point(40, 1 << 8));
        let other = DenseMle::new(random_point(41, 1 << 8));
        let srcs = [
            Source::Small(&small),
            Source::Wide(&wide),
            Source::Dense(&dense),
            Source::Dense(&other),
        ];
        let (shared, own) = (random_point(42, 8), random_point(43, 8));
        let mut claims: Vec<Claim> = srcs[..3]
            .iter()
            .enumerate()
            .map(|(i, s)| Claim { poly: i, eval: s.evaluate(&shared), point: shared.clone() })
            .collect();
        claims.push(Claim { poly: 3, eval: srcs[3].evaluate(&own), point: own });
        let groups = same_point_columns(&srcs, &{
            let one = |i: usize| vec![(Fr::one(), claims[i].point.as_slice())];
            (0..4).map(one).collect::<Vec<_>>()
        });
        assert_eq!(groups, vec![vec![0, 1, 2]]);
        let (commitments, hints): (Vec<_>, Vec<_>) =
            srcs.iter().map(|s| joint_opening::commit(&setup, layout, *s)).unzip();
        let sizes = [8; 4];
        let run = |claims: &[Claim]| {
            let mut pt = Transcript::new(b"openings");
            let hints = hints.clone();
            let proof =
                prove(&setup, layout, &srcs, &commitments, hints, claims, &mut pt, &mut || ());
            let mut vt = Transcript::new(b"openings");
            verify(&vsetup, layout, &commitments, &sizes, claims, &proof, &mut vt)
        };
        run(&claims).expect("honest openings");
        for m in 0..3 {
            let mut bad = claims.clone();
            bad[m].eval += Fr::one();
            assert!(run(&bad).is_err(), "a false claim on member {m}");
        }
    }

    /// A one-hot matrix's claims that share a cycle point (a chunk's virtualization,
    /// booleanity and Hamming claims) are weighted together: the proof verifies, and a false
    /// one among them is rejected.
    #[test]
    fn one_hot_claims_at_one_cycle_point_are_weighted_together() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let vsetup = setup.verifier_setup();
        let layout = Layout::new(9);
        let m = random_onehot(31, 3, 6, true);
        let srcs = [Source::OneHot(&m)];
        let (shared, own) = (random_point(32, 6), random_point(33, 6));
        let cycles = [&shared, &shared, &own, &shared];
        let claims: Vec<Claim> = cycles
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let point = [random_point(34 + i as u64, 3), c.to_vec()].concat();
                Claim { poly: 0, eval: m.evaluate(&point), point }
            })
            .collect();
        let mine: Vec<(Fr, &[Fr])> = claims.iter().map(|c| (Fr::one(), &c.point[..])).collect();
        let groups = by_cycle_point(&mine, 3);
        assert_eq!(groups.iter().map(|g| g.1.len()).collect::<Vec<_>>(), [3, 1]);
        let (commitment, hint) = joint_opening::commit(&setup, layout, srcs[0]);
        let run = |claims: &[Claim]| {
            let mut pt = Transcript::new(b"openings");
            let hints = vec![hint.clone()];
            let proof =
                prove(&setup, layout, &srcs, &[commitment], hints, claims, &mut pt, &mut || ());
            let mut vt = Transcript::new(b"openings");
            verify(&vsetup, layout, &[commitment], &[9], claims, &proof, &mut vt)
        };
        run(&claims).expect("honest openings");
        for i in 0..claims.len() {
            let mut bad = claims.clone();
            bad[i].eval += Fr::one();
            assert!(run(&bad).is_err(), "a false claim {i}");
        }
    }

    #[test]
    fn a_claim_true_of_another_committed_matrix_is_rejected() {
        let setup = DoryProverSetup::new(DORY_SEED, 10);
        let vsetup = setup.verifier_setup();
        let layout = Layout::new(9);
        let committed = random_onehot(21, 3, 6, false);
        let other = random_onehot(22, 3, 6, false);
        let (commitment, _) = joint_opening::commit(&setup, layout, Source::OneHot(&committed));
        // The prover reduces claims that hold for `other` and opens `other`.
        let (_, other_hint) = joint_opening::commit(&setup, layout, Source::OneHot(&other));
        let point = random_point(23, 9);
        let claims = vec![Claim { poly: 0, eval: other.evaluate(&point), point }];
        let proof = prove(
            &setup,
            layout,
            &[Source::OneHot(&other)],
            &[commitment],
            vec![other_hint],
            &claims,
            &mut Transcript::new(b"openings"),
            &mut || (),
        );
        let res = verify(
            &vsetup,
            layout,
            &[commitment],
            &[9],
            &claims,
            &proof,
            &mut Transcript::new(b"openings"),
        );
        assert!(matches!(res, Err(OpeningError::Pcs(_))), "{res:?}");
    }
}
