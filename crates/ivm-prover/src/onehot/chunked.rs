//! d-way address decomposition of a one-hot matrix, and **ra virtualization**.
//!
//! A Dory commitment costs pairings per matrix row and needs setup generators per column, so
//! a committed polynomial must stay near `2^30` entries whatever its sparsity: a one-hot
//! matrix over the `2^21` lookup cells (or the bytecode or RAM address space) of a `2^20`-row
//! run has `2^41` entries and cannot be committed at all. So a large address space is split
//! into `d` chunks of at most [`MAX_LOG_CHUNK`] bits (most significant first), and only the
//! small chunk matrices are committed:
//!
//! `ra(k, j) = Π_i ra_i(k_i, j)`, with `k = (k_1, …, k_d)` and `ra_i` one-hot over `2^|k_i|`.
//!
//! `ra` itself is **virtual**: the sumchecks over the full address space (read checking,
//! Twist) end with claims `ra(r_addr, r_cycle) = v` on the product. [`prove`] turns any
//! number of such claims into claims on the chunks with one sumcheck over the cycle variables,
//!
//! `Σ_m α^m·v_m = Σ_j Σ_m α^m·eq(r_cycle^m, j)·Π_i ra_i(r_addr_i^m, j)`,
//!
//! of degree `d + 1`, ending at one cycle point `ρ` with the claims `ra_i(r_addr_i^m, ρ)`.
//! Claims that share their address point (every claim a batched read check leaves) share
//! their product too: `Σ_j (Σ_{m ∈ g} α^m·eq(r_cycle^m, j))·Π_i ra_i(r_addr_i^g, j)`, one
//! product per row with the group's eq tables summed into one more factor, and one set of
//! chunk values per group.
//!
//! Well-formedness is checked per chunk: booleanity of every chunk, and every chunk's Hamming
//! weight equal to the row's access flag (1, or 0 on a row without access). Then each row of
//! the product has exactly one 1 at the concatenated address, or none.

use super::read_check::RaClaim;
use super::{OneHot, NO_ACCESS};
use crate::eq_product::{EqProduct, Term};
use crate::factor::Factor;
use crate::field::{Fr, One};
use crate::poly::{eq_eval, eq_sum_table};
use crate::sumcheck::{self, BatchClaim, SumcheckError, SumcheckProof, SumcheckProver};
use crate::transcript::Transcript;

/// The widest committed chunk: `2^3` addresses. A chunk matrix has `2^width·T` entries, and
/// the largest committed polynomial sets the Dory layout's row width `2^⌈N/2⌉`, which the
/// opening pays for in pairings; narrow chunks keep `N` small. The price is more chunks (a
/// higher-degree virtualization sumcheck over the rows). Measured at 2^16 rows: 3-bit chunks
/// prove in 15.4 s, 4-bit chunks in 17.6 s (the Dory opening 3.8 s against 6.6 s).
pub const MAX_LOG_CHUNK: usize = 3;

/// How a `2^log_k` address space is split: chunk widths, most significant first, as equal as
/// possible, each at most [`MAX_LOG_CHUNK`] bits. A fixed function of `log_k`, so the verifier
/// derives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunking {
    widths: Vec<usize>,
}

impl Chunking {
    pub fn new(log_k: usize) -> Self {
        Self::with_max(log_k, MAX_LOG_CHUNK)
    }

    /// As [`Chunking::new`], with chunks of at most `max_width` bits.
    pub fn with_max(log_k: usize, max_width: usize) -> Self {
        assert!(max_width > 0, "chunks need at least one bit");
        let d = log_k.div_ceil(max_width).max(1);
        let (base, extra) = (log_k / d, log_k % d);
        // The wider chunks first: their bits are the most significant.
        Self { widths: (0..d).map(|i| base + usize::from(i < extra)).collect() }
    }

    /// Number of chunks.
    pub fn d(&self) -> usize {
        self.widths.len()
    }

    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    pub fn log_k(&self) -> usize {
        self.widths.iter().sum()
    }

    /// The low bit position of each chunk inside an address.
    fn shifts(&self) -> Vec<usize> {
        let mut rest = self.log_k();
        self.widths
            .iter()
            .map(|w| {
                rest -= w;
                rest
            })
            .collect()
    }

    /// Chunk `i` of `addr` ([`NO_ACCESS`] stays [`NO_ACCESS`]).
    pub fn chunk(&self, addr: u32, i: usize) -> u32 {
        chunk_bits(addr, self.shifts()[i], self.widths[i])
    }

    /// The coordinates of an address point that belong to each chunk (most significant first,
    /// like the point itself).
    pub fn split_point<'a>(&self, r_addr: &'a [Fr]) -> Vec<&'a [Fr]> {
        assert_eq!(r_addr.len(), self.log_k(), "address point has the wrong number of coordinates");
        let mut out = Vec::with_capacity(self.d());
        let mut at = 0;
        for w in &self.widths {
            out.push(&r_addr[at..at + w]);
            at += w;
        }
        out
    }

    /// The chunk matrices of `oh` (which must have this chunking's address space).
    pub fn split(&self, oh: &OneHot) -> Vec<OneHot> {
        (0..self.d()).map(|i| self.split_one(oh, i)).collect()
    }

    /// Chunk matrix `i` of `oh`.
    pub fn split_one(&self, oh: &OneHot, i: usize) -> OneHot {
        assert_eq!(oh.log_k(), self.log_k(), "matrix and chunking differ in address space");
        self.split_one_by(i, oh.log_t(), |j| oh.addrs().get(j))
    }

    /// Chunk matrix `i` of the `2^log_t`-row matrix whose row `j` reads `addr(j)` (in this
    /// chunking's address space, or [`NO_ACCESS`]).
    pub fn split_one_by(
        &self,
        i: usize,
        log_t: usize,
        addr: impl Fn(usize) -> u32 + Sync,
    ) -> OneHot {
        // Straight to the chunk's (byte) addresses: no `u32` per row first.
        let (shift, width) = (self.shifts()[i], self.widths[i]);
        OneHot::from_fn(width, log_t, |j| chunk_bits(addr(j), shift, width))
    }
}

/// The `width` bits of `addr` from bit `shift` up ([`NO_ACCESS`] stays [`NO_ACCESS`]).
fn chunk_bits(addr: u32, shift: usize, width: usize) -> u32 {
    if addr == NO_ACCESS {
        NO_ACCESS
    } else {
        (addr >> shift) & ((1u32 << width) - 1)
    }
}

/// The virtualization sumcheck and the chunk values at its point, per claim then per chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualizationProof {
    pub sumcheck: SumcheckProof,
    pub chunk_evals: Vec<Vec<Fr>>,
}

/// A claim on chunk `chunk` of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkClaim {
    pub chunk: usize,
    pub claim: RaClaim,
}

/// Absorb the claims on the product and draw their combination coefficients.
fn absorb(claims: &[RaClaim], log_t: usize, transcript: &mut Transcript) -> Vec<Fr> {
    transcript.append_u64(b"ra-virt/log_t", log_t as u64);
    transcript.append_u64(b"ra-virt/claims", claims.len() as u64);
    for c in claims {
        transcript.append_scalars(b"ra-virt/point", &c.point);
        transcript.append_scalar(b"ra-virt/eval", &c.eval);
    }
    transcript.challenge_powers(b"ra-virt/alpha", claims.len())
}

/// The claims grouped by address point, in order of first appearance (indices into
/// `claims`).
fn groups(claims: &[RaClaim], log_k: usize) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (m, c) in claims.iter().enumerate() {
        let r_a = &c.point[..log_k];
        match out.iter_mut().find(|g| &claims[g[0]].point[..log_k] == r_a) {
            Some(g) => g.push(m),
            None => out.push(vec![m]),
        }
    }
    out
}

/// The chunk claims the proof leaves, in group-then-chunk order.
fn chunk_claims(
    chunking: &Chunking,
    claims: &[RaClaim],
    groups: &[Vec<usize>],
    rho: &[Fr],
    evals: &[Vec<Fr>],
) -> Vec<ChunkClaim> {
    let log_k = chunking.log_k();
    groups
        .iter()
        .map(|g| &claims[g[0]])
        .zip(evals)
        .flat_map(|(c, e)| {
            chunking.split_point(&c.point[..log_k]).into_iter().zip(e).enumerate().map(
                |(chunk, (r_a, eval))| ChunkClaim {
                    chunk,
                    claim: RaClaim { point: [r_a, rho].concat(), eval: *eval },
                },
            )
        })
        .collect()
}

/// The prover's side of a virtualization, for a caller that runs its sumcheck in a larger
/// batch (whose last `log_t` challenges are then its cycle point).
pub struct Virtualization<'a> {
    chunking: &'a Chunking,
    claims: &'a [RaClaim],
    groups: Vec<Vec<usize>>,
    instance: EqProduct<'a>,
    claim: Fr,
}

impl<'a> Virtualization<'a> {
    /// Absorb `claims` (on the virtual product of `chunks`, made by `chunking`; every point
    /// `(r_addr, r_cycle)` over the full address space) and build the sumcheck instance.
    pub fn new(
        chunking: &'a Chunking,
        chunks: &'a [OneHot],
        claims: &'a [RaClaim],
        transcript: &mut Transcript,
    ) -> Self {
        assert_eq!(chunks.len(), chunking.d(), "one matrix per chunk");
        let log_t = chunks[0].log_t();
        let log_k = chunking.log_k();
        let alpha = absorb(claims, log_t, transcript);
        let groups = groups(claims, log_k);
        // Per group: Σ_m α_m·eq(r_cycle^m, ·) times Π_i ra_i(r_addr_i, ·); the eq weight of a
        // lone claim stays out of the factors (the product prover's cheaper case).
        let terms: Vec<Term> = groups
            .iter()
            .map(|g| {
                let r_a = &claims[g[0]].point[..log_k];
                let mut factors: Vec<Factor> = chunks
                    .iter()
                    .zip(chunking.split_point(r_a))
                    .map(|(m, r)| m.address_eq_factor(r))
                    .collect();
                let cycle = |m: usize| &claims[m].point[log_k..];
                if let [m] = g[..] {
                    return Term { coeff: alpha[m], point: Some(cycle(m).to_vec()), factors };
                }
                let points: Vec<&[Fr]> = g.iter().map(|&m| cycle(m)).collect();
                let coeffs: Vec<Fr> = g.iter().map(|&m| alpha[m]).collect();
                factors.push(Factor::Dense(eq_sum_table(&points, &coeffs)));
                Term { coeff: Fr::one(), point: None, factors }
            })
            .collect();
        let instance = EqProduct::new(terms, log_t);
        // The true sum (a false claim then fails the verifier's first round check).
        let claim = instance.claim();
        Virtualization { chunking, claims, groups, instance, claim }
    }

    pub fn claim(&self) -> Fr {
        self.claim
    }

    pub fn instance(&mut self) -> &mut dyn SumcheckProver {
        &mut self.instance
    }

    /// Once the sumcheck is done: the chunk values at its cycle point `rho` (per group of
    /// claims at one address point, then per chunk), absorbed, and the claims they leave.
    pub fn finish(
        &self,
        rho: &[Fr],
        transcript: &mut Transcript,
    ) -> (Vec<Vec<Fr>>, Vec<ChunkClaim>) {
        let d = self.chunking.d();
        let mut chunk_evals = self.instance.final_factor_evals();
        // A group's summed eq weights are its last factor, not a chunk.
        chunk_evals.iter_mut().for_each(|e| e.truncate(d));
        for e in &chunk_evals {
            transcript.append_scalars(b"ra-virt/chunk_evals", e);
        }
        let out = chunk_claims(self.chunking, self.claims, &self.groups, rho, &chunk_evals);
        (chunk_evals, out)
    }
}

/// The verifier's side of [`Virtualization`].
pub struct VirtualizationCheck<'a> {
    chunking: &'a Chunking,
    log_t: usize,
    claims: &'a [RaClaim],
    groups: Vec<Vec<usize>>,
    alpha: Vec<Fr>,
}

impl<'a> VirtualizationCheck<'a> {
    /// Absorb `claims` (the verifier's own, on the product over `2^log_t` rows).
    pub fn new(
        chunking: &'a Chunking,
        log_t: usize,
        claims: &'a [RaClaim],
        transcript: &mut Transcript,
    ) -> Self {
        let alpha = absorb(claims, log_t, transcript);
        let groups = groups(claims, chunking.log_k());
        VirtualizationCheck { chunking, log_t, claims, groups, alpha }
    }

    /// What the verifier knows of the instance: its claim, size and degree.
    pub fn batch_claim(&self) -> BatchClaim {
        let claim = self.alpha.iter().zip(self.claims).map(|(a, c)| *a * c.eval).sum();
        BatchClaim { claim, num_vars: self.log_t, degree: self.chunking.d() + 1 }
    }

    /// Absorb the stated chunk values (per group of claims at one address point, then per
    /// chunk); returns the summand's value at `rho` given them (for the caller's final check)
    /// and the chunk claims they leave.
    pub fn finish(
        &self,
        rho: &[Fr],
        chunk_evals: &[Vec<Fr>],
        transcript: &mut Transcript,
    ) -> Result<(Fr, Vec<ChunkClaim>), VirtualizationError> {
        let (log_k, d) = (self.chunking.log_k(), self.chunking.d());
        if chunk_evals.len() != self.groups.len() || chunk_evals.iter().any(|e| e.len() != d) {
            return Err(VirtualizationError::Shape {
                expected: self.groups.len(),
                got: chunk_evals.len(),
            });
        }
        let weight = |m: usize| self.alpha[m] * eq_eval(&self.claims[m].point[log_k..], rho);
        let expected: Fr = self
            .groups
            .iter()
            .zip(chunk_evals)
            .map(|(g, e)| g.iter().map(|&m| weight(m)).sum::<Fr>() * e.iter().product::<Fr>())
            .sum();
        for e in chunk_evals {
            transcript.append_scalars(b"ra-virt/chunk_evals", e);
        }
        let out = chunk_claims(self.chunking, self.claims, &self.groups, rho, chunk_evals);
        Ok((expected, out))
    }
}

/// Reduce `claims` on the virtual product of `chunks` (made by `chunking`) to claims on the
/// chunks, with a sumcheck of its own. Every claim's point is `(r_addr, r_cycle)` over the
/// full address space.
pub fn prove(
    chunking: &Chunking,
    chunks: &[OneHot],
    claims: &[RaClaim],
    transcript: &mut Transcript,
) -> (VirtualizationProof, Vec<ChunkClaim>) {
    let mut v = Virtualization::new(chunking, chunks, claims, transcript);
    let claim = v.claim();
    let (sumcheck, rho) = sumcheck::prove(v.instance(), claim, transcript);
    let (chunk_evals, out) = v.finish(&rho, transcript);
    (VirtualizationProof { sumcheck, chunk_evals }, out)
}

/// Why a virtualization proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VirtualizationError {
    #[error("ra virtualization: {got} lists of chunk values for {expected} address points")]
    Shape { expected: usize, got: usize },
    #[error("ra virtualization: {0}")]
    Sumcheck(#[from] SumcheckError),
}

/// Verify the reduction of `claims` (the verifier's own, on the product over `log_t` rows) to
/// the chunk claims it returns.
pub fn verify(
    chunking: &Chunking,
    log_t: usize,
    claims: &[RaClaim],
    proof: &VirtualizationProof,
    transcript: &mut Transcript,
) -> Result<Vec<ChunkClaim>, VirtualizationError> {
    let check = VirtualizationCheck::new(chunking, log_t, claims, transcript);
    let c = check.batch_claim();
    let (final_claim, rho) =
        sumcheck::verify(c.claim, c.num_vars, c.degree, &proof.sumcheck, transcript)?;
    let (expected, out) = check.finish(&rho, &proof.chunk_evals, transcript)?;
    sumcheck::check_final(final_claim, expected)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::One;
    use crate::onehot::tests::{random_onehot, random_point};

    #[test]
    fn chunkings_are_balanced_and_small() {
        for (log_k, widths) in [
            (0, vec![0]),
            (3, vec![3]),
            (4, vec![2, 2]),
            (6, vec![3, 3]),
            (9, vec![3, 3, 3]),
            (13, vec![3, 3, 3, 2, 2]),
            (21, vec![3, 3, 3, 3, 3, 3, 3]),
            (22, vec![3, 3, 3, 3, 3, 3, 2, 2]),
        ] {
            assert_eq!(Chunking::new(log_k).widths(), &widths[..], "log_k = {log_k}");
        }
        assert_eq!(Chunking::with_max(16, 4).widths(), &[4, 4, 4, 4]);
        assert_eq!(Chunking::with_max(15, 4).widths(), &[4, 4, 4, 3]);
    }

    #[test]
    fn the_product_of_the_chunks_is_the_matrix() {
        let oh = random_onehot(5, 9, 6, true);
        let chunking = Chunking::new(9);
        let chunks = chunking.split(&oh);
        let point = random_point(6, 9 + 6);
        let (r_a, r_c) = point.split_at(9);
        let product: Fr = (0..1usize << 6)
            .map(|j| {
                let e = crate::poly::eq_table(r_c)[j];
                let p: Fr = chunks
                    .iter()
                    .zip(chunking.split_point(r_a))
                    .map(|(m, r)| m.address_eq_column(r).get(j))
                    .product();
                e * p
            })
            .sum();
        assert_eq!(product, oh.evaluate(&point));
    }

    fn claims_on(oh: &OneHot, seeds: &[u64]) -> Vec<RaClaim> {
        seeds
            .iter()
            .map(|&s| {
                let point = random_point(s, oh.num_vars());
                RaClaim { eval: oh.evaluate(&point), point }
            })
            .collect()
    }

    #[test]
    fn claims_on_the_product_become_true_claims_on_the_chunks() {
        let oh = random_onehot(7, 13, 7, true);
        let chunking = Chunking::new(13);
        let chunks = chunking.split(&oh);
        let claims = claims_on(&oh, &[1, 2, 3]);
        let mut pt = Transcript::new(b"virt");
        let (proof, out) = prove(&chunking, &chunks, &claims, &mut pt);
        let mut vt = Transcript::new(b"virt");
        let checked = verify(&chunking, 7, &claims, &proof, &mut vt).expect("honest proof");
        assert_eq!(checked, out);
        assert_eq!(pt.state(), vt.state());
        assert_eq!(out.len(), 3 * chunking.d());
        for c in &out {
            assert_eq!(chunks[c.chunk].evaluate(&c.claim.point), c.claim.eval);
        }
    }

    /// Claims at one address point and several cycle points (a batched read check's) share
    /// one list of chunk values; the claims they leave are true, and a wrong claim in the
    /// group or a wrong shared value is rejected.
    #[test]
    fn claims_sharing_an_address_point_share_their_chunk_values() {
        let oh = random_onehot(10, 9, 6, true);
        let chunking = Chunking::new(9);
        let chunks = chunking.split(&oh);
        let r_a = random_point(11, 9);
        let mut claims: Vec<RaClaim> = [12, 13, 14]
            .iter()
            .map(|&s| {
                let point = [r_a.clone(), random_point(s, 6)].concat();
                RaClaim { eval: oh.evaluate(&point), point }
            })
            .collect();
        claims.insert(1, claims_on(&oh, &[15]).remove(0));
        let (proof, out) = prove(&chunking, &chunks, &claims, &mut Transcript::new(b"virt"));
        assert_eq!(proof.chunk_evals.len(), 2, "two address points");
        let verify = |claims: &[RaClaim], proof: &VirtualizationProof| {
            verify(&chunking, 6, claims, proof, &mut Transcript::new(b"virt"))
        };
        assert_eq!(verify(&claims, &proof).expect("honest proof"), out);
        assert_eq!(out.len(), 2 * chunking.d());
        for c in &out {
            assert_eq!(chunks[c.chunk].evaluate(&c.claim.point), c.claim.eval);
        }
        let mut wrong = claims.clone();
        wrong[3].eval += Fr::one();
        assert!(verify(&wrong, &proof).is_err());
        let mut bad = proof.clone();
        bad.chunk_evals[0][2] += Fr::one();
        assert!(verify(&claims, &bad).is_err());
        let mut split = proof.clone();
        split.chunk_evals.push(split.chunk_evals[0].clone());
        assert!(verify(&claims, &split).is_err());
    }

    #[test]
    fn a_wrong_claim_or_chunk_value_is_rejected() {
        let oh = random_onehot(8, 9, 6, false);
        let chunking = Chunking::new(9);
        let chunks = chunking.split(&oh);
        let claims = claims_on(&oh, &[4, 5]);
        let (proof, _) = prove(&chunking, &chunks, &claims, &mut Transcript::new(b"virt"));

        let mut wrong = claims.clone();
        wrong[1].eval += Fr::one();
        assert!(verify(&chunking, 6, &wrong, &proof, &mut Transcript::new(b"virt")).is_err());

        let mut bad = proof.clone();
        bad.chunk_evals[0][1] += Fr::one();
        assert!(verify(&chunking, 6, &claims, &bad, &mut Transcript::new(b"virt")).is_err());

        // A prover that proves a false claim honestly (as the sum of another matrix) fails.
        let other = chunking.split(&random_onehot(9, 9, 6, false));
        let (forged, _) = prove(&chunking, &other, &claims, &mut Transcript::new(b"virt"));
        assert!(verify(&chunking, 6, &claims, &forged, &mut Transcript::new(b"virt")).is_err());

        let mut short = proof.clone();
        short.chunk_evals.pop();
        assert!(verify(&chunking, 6, &claims, &short, &mut Transcript::new(b"virt")).is_err());
    }
}
