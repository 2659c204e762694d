//! The chunked matrices (bytecode fetches, RAM accesses, lookup slots): the claims the stages
//! left on each matrix as a whole become claims on its chunks (ra virtualization), and each
//! chunk is shown well formed — boolean, with a Hamming weight equal to the row's access flag
//! (`onehot::chunked` docs) — which makes the product of the chunks one-hot. The claims left
//! on the chunks are returned: bytecode and RAM chunks are committed as they are
//! ([`commit_claims`]), lookup chunks per slot group (`slot_split`).
use super::polys::{Chunked, Claims, Polys};
use crate::field::Fr;
use crate::onehot::booleanity::{self, BatchedBooleanityProof};
use crate::onehot::chunked::{self, ChunkClaim, VirtualizationError, VirtualizationProof};
use crate::onehot::read_check::{self, ones_table, BatchedReadCheckProof};
use crate::onehot::OneHot;
use crate::sumcheck::SumcheckError;
use crate::transcript::Transcript;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkedProof {
    pub virtualization: VirtualizationProof,
    /// Per chunk, in one batched sumcheck: `Σ_k ra_i(k, r_h) = flag(r_h)`.
    pub hamming: BatchedReadCheckProof,
    /// Every chunk's booleanity, in one batched sumcheck.
    pub booleanity: BatchedBooleanityProof,
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

/// Where each chunk's Hamming weight is checked and what it must be there: the cycle point and
/// the access flag's value at it (both from the verifier's own claims).
pub struct Hamming {
    pub point: Vec<Fr>,
    pub flag: Fr,
}

/// Commit the claims on the chunks of the bytecode or RAM matrix.
pub fn commit_claims(polys: &Polys, m: Chunked, out: Vec<ChunkClaim>, claims: &mut Claims) {
    for c in out {
        claims.commit(polys.chunk(m, c.chunk), c.claim.point, c.claim.eval);
    }
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
    let (virtualization, mut out) = chunked::prove(chunking, chunks, &on_matrix, t);
    let refs: Vec<&OneHot> = chunks.iter().collect();
    let ones: Vec<_> = chunks.iter().map(|c| ones_table(c.log_k())).collect();
    let (proofs, _, ras) = read_check::prove_batched(&refs, &hamming.point, &ones, t);
    out.extend(ras.into_iter().enumerate().map(|(chunk, claim)| ChunkClaim { chunk, claim }));
    let (booleanity, bs) = booleanity::prove_batched(&refs, t);
    out.extend(bs.into_iter().enumerate().map(|(chunk, claim)| ChunkClaim { chunk, claim }));
    (ChunkedProof { virtualization, hamming: proofs, booleanity }, out)
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
    if proof.hamming.ra_evals.len() != d || proof.booleanity.ra_evals.len() != d {
        return Err(ChunkError::Shape(m, proof.hamming.ra_evals.len(), d));
    }
    let log_t = polys.log_t(m);
    let on_matrix = std::mem::take(claims.matrix(m));
    let mut out = chunked::verify(chunking, log_t, &on_matrix, &proof.virtualization, t)
        .map_err(|e| ChunkError::Virtualization(m, e))?;
    let sc = |e| ChunkError::Sumcheck(m, e);
    let flags = vec![hamming.flag; d];
    let ones = |_: usize, _: &[Fr]| Fr::from(1u64);
    let ras = read_check::verify_batched(
        &flags,
        chunking.widths(),
        &hamming.point,
        &proof.hamming,
        ones,
        t,
    )
    .map_err(sc)?;
    out.extend(ras.into_iter().enumerate().map(|(chunk, claim)| ChunkClaim { chunk, claim }));
    let shapes: Vec<(usize, usize)> = chunking.widths().iter().map(|&w| (w, log_t)).collect();
    let bs = booleanity::verify_batched(&shapes, &proof.booleanity, t).map_err(sc)?;
    out.extend(bs.into_iter().enumerate().map(|(chunk, claim)| ChunkClaim { chunk, claim }));
    Ok(out)
}
