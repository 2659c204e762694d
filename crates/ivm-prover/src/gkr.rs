//! Batched grand products: GKR over binary product trees (docs/prover-architecture.md §2).
//!
//! # The tree and its variable order
//!
//! An instance is a vector `v_n` of `2^n` leaves (`n ≥ 1`). Layer `k` (`k = n-1, …, 0`) has
//! `2^k` entries, `v_k[i] = v_{k+1}[2i] · v_{k+1}[2i+1]`, so `v_0[0]` is the product. Children
//! are **neighbours**: in [`crate::poly`]'s MSB-first order the child selector is the *last*
//! (least significant) variable of the child layer, and with
//! `L_k(y) = ṽ_{k+1}(y, 0)`, `R_k(y) = ṽ_{k+1}(y, 1)`:
//!
//! ```text
//! ṽ_k(r) = Σ_{y ∈ {0,1}^k} eq(r, y) · L_k(y) · R_k(y).
//! ```
//!
//! # Protocol (one layer, all instances together)
//!
//! Both sides first absorb `num_vars`, the instance count and the products. Going down from the
//! root, the verifier holds a point `r ∈ F^k` (MSB first) and one claim `c_i = ṽ_{k,i}(r)` per
//! instance:
//!
//! 1. draw `λ` (`challenge_powers`), and run one degree-3 sumcheck ([`crate::sumcheck`]) for
//!    `Σ_i λ^i c_i = Σ_y eq(r, y) Σ_i λ^i L_i(y) R_i(y)`, ending at a point `s ∈ F^k`;
//! 2. the prover sends `L_i(s)`, `R_i(s)` for every instance; both sides absorb them; the
//!    verifier checks the sumcheck's final claim `= eq(r, s) · Σ_i λ^i L_i(s) R_i(s)`;
//! 3. draw `ρ`; the next claims are `(1 − ρ)·L_i(s) + ρ·R_i(s) = ṽ_{k+1,i}(s, ρ)` at the point
//!    `(s, ρ)` (ρ is the new least significant coordinate).
//!
//! Layer 0 has a zero-round sumcheck (its check is `Σ λ^i p_i = Σ λ^i L_i R_i`). After `n`
//! layers the point has `n` coordinates, MSB first, and the claims are the leaf MLEs there:
//! [`verify`] returns them for the caller to justify (PCS openings or its own computation).
//!
//! # Prover
//!
//! The layer prover is specialised: children stay interleaved in one vector (`L = v[2j]`,
//! `R = v[2j+1]`), and binding the top variable of `L` and `R` is binding the top variable of
//! that vector. Each round uses the factorisation `eq(r, y) = eq(r_t, y_t)·eq(r_rest, y_rest)`
//! (times the already bound prefix): the round polynomial is `eq(r_t, X)·G(X)` with quadratic
//! `G`, of which only `G(0)` and the leading coefficient are summed over the hypercube (`G(1)`
//! follows from the running claim). `eq(r_rest, ·)` is never materialised: it is the product
//! of two tables over the two halves of `r_rest` (each `O(2^{k/2})`). Work is spread over the
//! machine's cores with scoped threads (by instance, or by range when instances are few).

use std::cell::Cell;
use std::sync::Mutex;

use crate::codec::{DecodeError, Reader, Writer};
use crate::field::{Field, Fr, One, Zero};
use crate::poly::{eq_eval, eq_table};
use crate::sumcheck::{self, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// Why a grand-product proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GkrError {
    #[error("grand product shape: {0}")]
    BadShape(String),
    #[error("layer {layer}: {source}")]
    Sumcheck { layer: usize, source: SumcheckError },
    #[error("layer {layer}: the child claims do not match the sumcheck's final claim")]
    LayerMismatch { layer: usize },
}

/// One layer: the batched sumcheck and the two child claims of every instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GkrLayerProof {
    /// `k` rounds of degree 3 for layer `k` (0 rounds for the root's children).
    pub sumcheck: SumcheckProof,
    /// `L_i(s)` per instance.
    pub left: Vec<Fr>,
    /// `R_i(s)` per instance.
    pub right: Vec<Fr>,
}

/// A batched grand-product proof: `layers[k]` reduces a claim on layer `k` to layer `k + 1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrandProductProof {
    pub layers: Vec<GkrLayerProof>,
}

impl GrandProductProof {
    pub fn write(&self, w: &mut Writer) {
        for layer in &self.layers {
            w.sumcheck(&layer.sumcheck);
            w.frs(&layer.left);
            w.frs(&layer.right);
        }
    }

    /// Decode a proof for `instances` vectors of `2^num_vars` leaves (both from the verifier).
    pub fn read(r: &mut Reader, num_vars: usize, instances: usize) -> Result<Self, DecodeError> {
        let layers = (0..num_vars)
            .map(|k| {
                Ok(GkrLayerProof {
                    sumcheck: r.sumcheck(k, 3, "gkr layer sumcheck")?,
                    left: r.frs_exact(instances, "gkr left claims")?,
                    right: r.frs_exact(instances, "gkr right claims")?,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(Self { layers })
    }
}

// ---------------------------------------------------------------------------------------------
// Parallel helpers (std only: scoped threads and a shared work queue).

/// Threads the prover's data-parallel loops use.
pub(crate) fn num_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(16)
}

/// Map `f` over `items`, spread over up to [`num_threads`] threads when `parallel`; the results
/// are in item order.
pub(crate) fn par_map<T: Send, R: Send, F: Fn(T) -> R + Sync>(
    items: Vec<T>,
    parallel: bool,
    f: F,
) -> Vec<R> {
    let threads = num_threads().min(items.len());
    if !parallel || threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let n = items.len();
    let queue: Mutex<Vec<(usize, T)>> = Mutex::new(items.into_iter().enumerate().rev().collect());
    let out: Mutex<Vec<Option<R>>> = Mutex::new((0..n).map(|_| None).collect());
    let worker = || loop {
        let next = queue.lock().expect("queue lock").pop();
        let Some((i, item)) = next else { break };
        let r = f(item);
        out.lock().expect("output lock")[i] = Some(r);
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            s.spawn(worker);
        }
        worker();
    });
    out.into_inner().expect("output lock").into_iter().map(|r| r.expect("every item ran")).collect()
}

/// Below this many field elements per pass, threads cost more than they save.
const PAR_THRESHOLD: usize = 1 << 13;

// ---------------------------------------------------------------------------------------------
// Prover.

/// All layers of one instance's tree: `layers[k]` has `2^k` entries (`layers[n]` = leaves).
fn build_tree(leaves: Vec<Fr>) -> Vec<Vec<Fr>> {
    let n = leaves.len().trailing_zeros() as usize;
    let mut layers: Vec<Vec<Fr>> = vec![Vec::new(); n + 1];
    layers[n] = leaves;
    for k in (0..n).rev() {
        let next: Vec<Fr> = layers[k + 1].chunks_exact(2).map(|c| c[0] * c[1]).collect();
        layers[k] = next;
    }
    layers
}

/// Partial sums of one round over the pair range `h ∈ [h0, h1)` of the high eq table:
/// `(Σ w·L0·R0, Σ w·(L1−L0)(R1−R0), Σ w·L1·R1)` with `w = e_hi[h]·e_lo[l]` (the third only
/// when `want_one`).
fn round_sums(v: &[Fr], e_hi: &[Fr], e_lo: &[Fr], h0: usize, h1: usize, want_one: bool) -> [Fr; 3] {
    let half = v.len() / 2;
    let (lo_v, hi_v) = v.split_at(half);
    let block = 2 * e_lo.len();
    let mut acc = [Fr::zero(); 3];
    for (h, eh) in e_hi.iter().enumerate().take(h1).skip(h0) {
        let lo_blk = &lo_v[h * block..(h + 1) * block];
        let hi_blk = &hi_v[h * block..(h + 1) * block];
        let (mut a0, mut ainf, mut a1) = (Fr::zero(), Fr::zero(), Fr::zero());
        for ((el, lo), hi) in e_lo.iter().zip(lo_blk.chunks_exact(2)).zip(hi_blk.chunks_exact(2)) {
            let (l0, r0, l1, r1) = (lo[0], lo[1], hi[0], hi[1]);
            a0 += *el * (l0 * r0);
            ainf += *el * ((l1 - l0) * (r1 - r0));
            if want_one {
                a1 += *el * (l1 * r1);
            }
        }
        acc[0] += *eh * a0;
        acc[1] += *eh * ainf;
        acc[2] += *eh * a1;
    }
    acc
}

/// `v[j] += s·(v[j + half] − v[j])` on matching chunks of the two halves.
fn bind_chunk(lo: &mut [Fr], hi: &[Fr], s: Fr) {
    for (l, h) in lo.iter_mut().zip(hi) {
        *l += s * (*h - *l);
    }
}

/// The batched sumcheck of one layer (see module docs).
struct LayerProver<'a> {
    /// Per instance, the interleaved children bound so far (length `2^{m+1}`, `m` = vars left).
    children: Vec<Vec<Fr>>,
    /// The parent point `r` (length `k`).
    r: &'a [Fr],
    lambdas: &'a [Fr],
    round: usize,
    /// The running combined claim.
    claim: Fr,
    /// `Π_{u < round} eq(r_u, s_u)`.
    prefix: Fr,
    /// `G`'s coefficients `(G(0), c_1, c_2)` from the last `round_evals`.
    last: Cell<[Fr; 3]>,
}

impl LayerProver<'_> {
    fn len(&self) -> usize {
        self.children[0].len()
    }
}

impl SumcheckProver for LayerProver<'_> {
    fn num_vars(&self) -> usize {
        self.r.len() - self.round
    }

    fn degree(&self) -> usize {
        3
    }

    fn round_evals(&self) -> Vec<Fr> {
        let t = self.round;
        let rt = self.r[t];
        let rest = &self.r[t + 1..];
        // Split eq(rest, ·) into a high and a low table; the low part keeps the last
        // ⌈(k−1)/2⌉ coordinates for as long as there are that many.
        let lo_bits = rest.len().min(self.r.len().saturating_sub(1).div_ceil(2));
        let (hi_r, lo_r) = rest.split_at(rest.len() - lo_bits);
        let (e_hi, e_lo) = (eq_table(hi_r), eq_table(lo_r));
        let want_one = rt.is_zero();

        let inst = self.children.len();
        let total = inst * self.len();
        let parallel = total >= PAR_THRESHOLD;
        let threads = num_threads();
        let pieces = if parallel && inst < threads { threads.min(e_hi.len()) } else { 1 };
        let jobs: Vec<(usize, usize, usize)> = (0..inst)
            .flat_map(|i| {
                let n = e_hi.len();
                (0..pieces).map(move |p| (i, p * n / pieces, (p + 1) * n / pieces))
            })
            .collect();
        let children = &self.children;
        let partial = par_map(jobs, parallel, |(i, h0, h1)| {
            (i, round_sums(&children[i], &e_hi, &e_lo, h0, h1, want_one))
        });
        let mut sums = [Fr::zero(); 3];
        for (i, acc) in partial {
            for (s, a) in sums.iter_mut().zip(acc) {
                *s += self.lambdas[i] * a;
            }
        }
        let g0 = self.prefix * sums[0];
        let g_inf = self.prefix * sums[1];
        // claim = (1 − r_t)·G(0) + r_t·G(1).
        let g1 = if want_one {
            self.prefix * sums[2]
        } else {
            (self.claim - (Fr::one() - rt) * g0) * rt.inverse().expect("r_t is non-zero")
        };
        let c1 = g1 - g0 - g_inf;
        self.last.set([g0, c1, g_inf]);
        (0..4u64)
            .map(|x| {
                let x = Fr::from(x);
                let eq_lin = Fr::one() - rt + x * (rt + rt - Fr::one());
                eq_lin * (g0 + x * (c1 + x * g_inf))
            })
            .collect()
    }

    fn bind(&mut self, s: Fr) {
        let rt = self.r[self.round];
        let [g0, c1, g_inf] = self.last.get();
        let eq_lin = Fr::one() - rt - s + (rt + rt) * s;
        self.claim = eq_lin * (g0 + s * (c1 + s * g_inf));
        self.prefix *= eq_lin;
        self.round += 1;

        let half = self.len() / 2;
        let inst = self.children.len();
        let parallel = inst * half >= PAR_THRESHOLD;
        let threads = num_threads();
        let pieces = if parallel && inst < threads { threads } else { 1 };
        let chunk = half.div_ceil(pieces).max(1);
        let jobs: Vec<(&mut [Fr], &[Fr])> = self
            .children
            .iter_mut()
            .flat_map(|v| {
                let (lo, hi) = v.split_at_mut(half);
                lo.chunks_mut(chunk).zip(hi.chunks(chunk))
            })
            .collect();
        par_map(jobs, parallel, |(lo, hi)| bind_chunk(lo, hi, s));
        for v in &mut self.children {
            v.truncate(half);
        }
    }
}

fn absorb_header(t: &mut Transcript, num_vars: usize, products: &[Fr]) {
    t.append_u64(b"gkr/num_vars", num_vars as u64);
    t.append_u64(b"gkr/instances", products.len() as u64);
    t.append_scalars(b"gkr/products", products);
}

/// Prove the products of `leaves` (all of the same power-of-two length ≥ 2, at least one
/// vector). Returns the products, the proof, the final point (MSB first, `n` coordinates) and
/// each instance's leaf MLE evaluated there.
pub fn prove(
    leaves: Vec<Vec<Fr>>,
    transcript: &mut Transcript,
) -> (Vec<Fr>, GrandProductProof, Vec<Fr>, Vec<Fr>) {
    assert!(!leaves.is_empty(), "grand product of no vectors");
    let len = leaves[0].len();
    assert!(
        len >= 2 && len.is_power_of_two(),
        "leaf vectors must have a power-of-two length ≥ 2, got {len}"
    );
    assert!(leaves.iter().all(|l| l.len() == len), "leaf vectors differ in length");
    let inst = leaves.len();
    let parallel = inst * len >= PAR_THRESHOLD;
    let trees = par_map(leaves, parallel, build_tree);
    prove_trees(trees, None, transcript)
}

/// [`prove`] for leaf vectors produced on demand by `leaf(i)` (called twice per instance:
/// to build the tree, and again for the last layer's sumcheck). The leaves are never all in
/// memory next to the upper layers, which halves the peak for many large instances.
pub fn prove_recomputing(
    instances: usize,
    leaf: &(dyn Fn(usize) -> Vec<Fr> + Sync),
    transcript: &mut Transcript,
) -> (Vec<Fr>, GrandProductProof, Vec<Fr>, Vec<Fr>) {
    assert!(instances > 0, "grand product of no vectors");
    let trees = par_map((0..instances).collect(), true, |i| {
        let mut t = build_tree(leaf(i));
        t.pop();
        t
    });
    prove_trees(trees, Some(leaf), transcript)
}

/// The layer-by-layer proof over built trees; with `leaf`, the trees lack their leaf layer
/// and it is recomputed when the last layer needs it.
fn prove_trees(
    mut trees: Vec<Vec<Vec<Fr>>>,
    leaf: Option<&(dyn Fn(usize) -> Vec<Fr> + Sync)>,
    transcript: &mut Transcript,
) -> (Vec<Fr>, GrandProductProof, Vec<Fr>, Vec<Fr>) {
    let n = trees[0].len() - usize::from(leaf.is_none());
    let len = 1usize << n;
    assert!(n >= 1, "leaf vectors must have a power-of-two length ≥ 2, got {len}");
    assert!(trees.iter().all(|t| t.len() == trees[0].len()), "leaf vectors differ in length");
    let inst = trees.len();
    let products: Vec<Fr> = trees.iter().map(|t| t[0][0]).collect();
    absorb_header(transcript, n, &products);

    let mut claims = products.clone();
    let mut point: Vec<Fr> = Vec::with_capacity(n);
    let mut layers = Vec::with_capacity(n);
    for k in 0..n {
        let lambdas = transcript.challenge_powers(b"gkr/lambda", inst);
        let combined: Fr = lambdas.iter().zip(&claims).map(|(l, c)| *l * c).sum();
        let children: Vec<Vec<Fr>> = match leaf {
            Some(leaf) if k + 1 == n => {
                trees.clear();
                par_map((0..inst).collect(), inst * len >= PAR_THRESHOLD, leaf)
            }
            _ => trees.iter_mut().map(|t| std::mem::take(&mut t[k + 1])).collect(),
        };
        assert!(
            children.iter().all(|c| c.len() == 2 << k),
            "leaf vectors must all have 2^{n} entries"
        );
        let mut lp = LayerProver {
            children,
            r: &point,
            lambdas: &lambdas,
            round: 0,
            claim: combined,
            prefix: Fr::one(),
            last: Cell::new([Fr::zero(); 3]),
        };
        let (sc, s) = sumcheck::prove(&mut lp, combined, transcript);
        let left: Vec<Fr> = lp.children.iter().map(|v| v[0]).collect();
        let right: Vec<Fr> = lp.children.iter().map(|v| v[1]).collect();
        debug_assert_eq!(
            lp.claim,
            lp.prefix
                * lambdas
                    .iter()
                    .zip(left.iter().zip(&right))
                    .map(|(l, (a, b))| *l * a * b)
                    .sum::<Fr>()
        );
        drop(lp);
        transcript.append_scalars(b"gkr/left", &left);
        transcript.append_scalars(b"gkr/right", &right);
        let rho = transcript.challenge_scalar(b"gkr/rho");
        claims = left.iter().zip(&right).map(|(l, r)| *l + rho * (*r - l)).collect();
        point = s;
        point.push(rho);
        layers.push(GkrLayerProof { sumcheck: sc, left, right });
    }
    (products, GrandProductProof { layers }, point, claims)
}

/// Verify that the `products.len()` committed-to leaf vectors of `2^num_vars` entries multiply
/// to `products`. Returns the point (MSB first) and the leaf claims the caller must justify.
pub fn verify(
    num_vars: usize,
    products: &[Fr],
    proof: &GrandProductProof,
    transcript: &mut Transcript,
) -> Result<(Vec<Fr>, Vec<Fr>), GkrError> {
    let inst = products.len();
    if inst == 0 || num_vars == 0 {
        return Err(GkrError::BadShape(format!("{inst} instances of 2^{num_vars} leaves")));
    }
    if proof.layers.len() != num_vars {
        return Err(GkrError::BadShape(format!(
            "{} layers, expected {num_vars}",
            proof.layers.len()
        )));
    }
    absorb_header(transcript, num_vars, products);
    let mut claims = products.to_vec();
    let mut point: Vec<Fr> = Vec::with_capacity(num_vars);
    for (k, layer) in proof.layers.iter().enumerate() {
        if layer.left.len() != inst || layer.right.len() != inst {
            return Err(GkrError::BadShape(format!(
                "layer {k}: child claims for the wrong number of instances"
            )));
        }
        let lambdas = transcript.challenge_powers(b"gkr/lambda", inst);
        let combined: Fr = lambdas.iter().zip(&claims).map(|(l, c)| *l * c).sum();
        let (final_claim, s) = sumcheck::verify(combined, k, 3, &layer.sumcheck, transcript)
            .map_err(|source| GkrError::Sumcheck { layer: k, source })?;
        transcript.append_scalars(b"gkr/left", &layer.left);
        transcript.append_scalars(b"gkr/right", &layer.right);
        let products_at_s: Fr = lambdas
            .iter()
            .zip(layer.left.iter().zip(&layer.right))
            .map(|(l, (a, b))| *l * a * b)
            .sum();
        if final_claim != eq_eval(&point, &s) * products_at_s {
            return Err(GkrError::LayerMismatch { layer: k });
        }
        let rho = transcript.challenge_scalar(b"gkr/rho");
        claims = layer.left.iter().zip(&layer.right).map(|(l, r)| *l + rho * (*r - l)).collect();
        point = s;
        point.push(rho);
    }
    Ok((point, claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poly::DenseMle;
    use ark_std::UniformRand;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn random_leaves(seed: u64, inst: usize, n: usize) -> Vec<Vec<Fr>> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..inst).map(|_| (0..1 << n).map(|_| Fr::rand(&mut rng)).collect()).collect()
    }

    #[test]
    fn tree_and_round_polys_are_consistent() {
        // The specialised layer prover against a direct evaluation of Σ eq·L·R.
        let leaves = random_leaves(1, 3, 6);
        let (products, proof, point, claims) = prove(leaves.clone(), &mut Transcript::new(b"t"));
        for (p, l) in products.iter().zip(&leaves) {
            assert_eq!(*p, l.iter().product::<Fr>());
        }
        for (c, l) in claims.iter().zip(&leaves) {
            assert_eq!(*c, DenseMle::new(l.clone()).evaluate(&point));
        }
        assert_eq!(proof.layers.len(), 6);
        verify(6, &products, &proof, &mut Transcript::new(b"t")).unwrap();
    }

    #[test]
    fn zero_coordinate_fallback() {
        // r_t = 0 takes the direct G(1) path: check it against the division path's answer.
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let k = 4;
        let children: Vec<Vec<Fr>> =
            (0..2).map(|_| (0..2 << k).map(|_| Fr::rand(&mut rng)).collect()).collect();
        let mut r: Vec<Fr> = (0..k).map(|_| Fr::rand(&mut rng)).collect();
        r[0] = Fr::zero();
        let lambdas = [Fr::one(), Fr::from(7u64)];
        let eq = eq_table(&r);
        let claim: Fr = children
            .iter()
            .zip(&lambdas)
            .map(|(v, l)| *l * (0..1 << k).map(|y| eq[y] * v[2 * y] * v[2 * y + 1]).sum::<Fr>())
            .sum();
        let lp = LayerProver {
            children,
            r: &r,
            lambdas: &lambdas,
            round: 0,
            claim,
            prefix: Fr::one(),
            last: Cell::new([Fr::zero(); 3]),
        };
        let evals = lp.round_evals();
        assert_eq!(evals[0] + evals[1], claim);
        // g(1) = eq(0, 1)·G(1) = 0.
        assert_eq!(evals[1], Fr::zero());
    }

    #[test]
    fn par_map_keeps_order() {
        let out = par_map((0..100u64).collect(), true, |x| x * x);
        assert_eq!(out, (0..100u64).map(|x| x * x).collect::<Vec<_>>());
    }
}
