//! The chunked matrices (bytecode fetches, RAM accesses, lookup slots): the claims the stages
//! left on each matrix as a whole become claims on its chunks (ra virtualization), and each
//! chunk is shown well formed — boolean, with a Hamming weight equal to the row's access flag
//! (`onehot::chunked` docs) — which makes the product of the chunks one-hot. The claims left
//! on the chunks are returned: bytecode and RAM chunks are committed as they are
//! ([`commit_claims`]), lookup chunks per slot group (`slot_split`).
use super::polys::{Chunked, Claims, Polys};
use crate::field::{Fr, Zero};
use crate::onehot::booleanity::{Booleanity, BooleanityCheck};
use crate::onehot::chunked::{
    ChunkClaim, Virtualization, VirtualizationCheck, VirtualizationError,
};
use crate::onehot::read_check::{self, ones_table, BatchedReadCheckProof, RaClaim};
use crate::onehot::OneHot;
use crate::sumcheck::{self, SumcheckError, SumcheckProof};
use crate::transcript::Transcript;

/// One chunked matrix's checks. The virtualization and every chunk's booleanity are one
/// batched sumcheck, so they end at one cycle point `ρ` (its last `log T` challenges), and
/// the Hamming weights of a matrix whose every row accesses are checked at `ρ` too: a
/// chunk's claims then share their cycle coordinates, and the claim reduction weights the
/// chunk's rows with one eq table for all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedProof {
    /// Virtualization first, then one booleanity instance per chunk.
    pub sumcheck: SumcheckProof,
    /// The chunks' values at the virtualization's points, per claim then per chunk.
    pub chunk_evals: Vec<Vec<Fr>>,
    /// Every chunk's value at its booleanity point.
    pub booleanity: Vec<Fr>,
    /// Per chunk, in one batched sumcheck: `Σ_k ra_i(k, r_h) = flag(r_h)`.
    pub hamming: BatchedReadCheckProof,
}

#[derive(Debug, thiserror::Error)]
pub enum ChunkError {
    #[error("{0:?} matrix: {1}")]
    Virtualization(Chunked, VirtualizationError),
    #[error("{0:?} matrix: {1}")]
    Sumcheck(Chunked, SumcheckError),
    #[error("{0:?} matrix: {1} chunk proofs for {2} chunks")]
    Shape(Chunked, usize, usize),
}

/// Where each chunk's Hamming weight is checked and what it must be there.
pub enum Hamming {
    /// Every row accesses (weight 1): checked at the batch's cycle point `ρ`.
    One,
    /// A row's weight is its access flag, whose value the verifier knows at `point` only.
    Flag { point: Vec<Fr>, flag: Fr },
}

impl Hamming {
    /// The cycle point and the weight there.
    fn at<'a>(&'a self, rho: &'a [Fr]) -> (&'a [Fr], Fr) {
        match self {
            Hamming::One => (rho, Fr::from(1u64)),
            Hamming::Flag { point, flag } => (point, *flag),
        }
    }
}

/// Commit the claims on the chunks of the bytecode or RAM matrix.
pub fn commit_claims(polys: &Polys, m: Chunked, out: Vec<ChunkClaim>, claims: &mut Claims) {
    for c in out {
        claims.commit(polys.chunk(m, c.chunk), c.claim.point, c.claim.eval);
    }
}

/// Claims per chunk, in chunk order.
fn per_chunk(ras: Vec<RaClaim>) -> impl Iterator<Item = ChunkClaim> {
    ras.into_iter().enumerate().map(|(chunk, claim)| ChunkClaim { chunk, claim })
}

pub fn prove(
    polys: &Polys,
    m: Chunked,
    chunks: &[OneHot],
    hamming: &Hamming,
    claims: &mut Claims,
    t: &mut Transcript,
) -> (ChunkedProof, Vec<ChunkClaim>) {
    let chunking = polys.chunking(m);
    let on_matrix = std::mem::take(claims.matrix(m));
    let refs: Vec<&OneHot> = chunks.iter().collect();
    let mut virt = Virtualization::new(chunking, chunks, &on_matrix, t);
    let mut booleanity = Booleanity::draw(&refs, t);
    let mut sums = vec![Fr::zero(); chunks.len() + 1];
    sums[0] = virt.claim();
    let (sumcheck, point) = {
        let mut instances = vec![virt.instance()];
        instances.extend(booleanity.instances());
        sumcheck::prove_batched(&mut instances, &sums, t)
    };
    let rho = &point[point.len() - polys.log_t(m)..];
    let (chunk_evals, mut out) = virt.finish(rho, t);
    let (booleanity_evals, bs) = booleanity.finish(&point, t);
    let ones: Vec<_> = chunks.iter().map(|c| ones_table(c.log_k())).collect();
    let (h_point, _) = hamming.at(rho);
    let (hamming, _, ras) = read_check::prove_batched(&refs, h_point, &ones, t);
    out.extend(per_chunk(ras));
    out.extend(per_chunk(bs));
    (ChunkedProof { sumcheck, chunk_evals, booleanity: booleanity_evals, hamming }, out)
}

pub fn verify(
    polys: &Polys,
    m: Chunked,
    hamming: &Hamming,
    proof: &ChunkedProof,
    claims: &mut Claims,
    t: &mut Transcript,
) -> Result<Vec<ChunkClaim>, ChunkError> {
    let chunking = polys.chunking(m);
    let d = chunking.d();
    if proof.hamming.ra_evals.len() != d || proof.booleanity.len() != d {
        return Err(ChunkError::Shape(m, proof.hamming.ra_evals.len(), d));
    }
    let log_t = polys.log_t(m);
    let sc = |e| ChunkError::Sumcheck(m, e);
    let on_matrix = std::mem::take(claims.matrix(m));
    let virt = VirtualizationCheck::new(chunking, log_t, &on_matrix, t);
    let shapes: Vec<(usize, usize)> = chunking.widths().iter().map(|&w| (w, log_t)).collect();
    let booleanity = BooleanityCheck::draw(&shapes, t);
    let mut batch = vec![virt.batch_claim()];
    batch.extend(booleanity.batch_claims());
    let out = sumcheck::verify_batched(&batch, &proof.sumcheck, t).map_err(sc)?;
    let rho = out.instance_point(log_t);
    let (virt_final, mut chunk_claims) =
        virt.finish(rho, &proof.chunk_evals, t).map_err(|e| ChunkError::Virtualization(m, e))?;
    let (mut finals, bs) = booleanity.finish(&out.point, &proof.booleanity, t);
    finals.insert(0, virt_final);
    out.check(&finals).map_err(sc)?;
    let (h_point, flag) = hamming.at(rho);
    let ones = |_: usize, _: &[Fr]| Fr::from(1u64);
    let flags = vec![flag; d];
    let ras =
        read_check::verify_batched(&flags, chunking.widths(), h_point, &proof.hamming, ones, t)
            .map_err(sc)?;
    chunk_claims.extend(per_chunk(ras));
    chunk_claims.extend(per_chunk(bs));
    Ok(chunk_claims)
}
