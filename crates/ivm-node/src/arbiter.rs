//! The arbiter role: votes on `JobManager` challenges by verifying their Jolt proofs.
//!
//! A challenge names a job, a claimed outcome (output bytes, panicked, or "should have
//! failed") and a proof file (published in the `ChallengeFiled` event, or in the blobs
//! `ChallengeProofInBlobs` names). The verdict ([`judge`]) takes what it checks from the chain
//! and the ELF, never from the proof: the job's program ID and max cycles (`JobManager`), its
//! onchain input and offchain input hash (the job's consumer, where `JobManager` itself checks
//! posted results against), the claimed outcome (the event) and the ELF this node stores under
//! the job's program ID. Fraud is proven exactly when the proof file's statement is that job
//! with that outcome, within the job's max cycles, and the proof verifies against the ELF.
//!
//! JobManager has k-of-n arbiters: each key casts one vote (`resolveChallenge`) and the
//! challenge is decided when `arbiterThreshold` votes agree. One task runs per arbiter key
//! ([`crate::NodeConfig::arbiters`]); each scans `ChallengeFiled` from `listener_start_block`
//! (again after a restart: a decided challenge is no longer open and is skipped) and watches
//! every open challenge until it is decided, voting again if a change of the arbiter set voided
//! its vote. A challenge whose program this node does not have is retried every poll until its
//! resolve deadline, so submitting the program late still lets it be judged.
use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, Context};
use ivm_contracts::alloy_primitives::{keccak256, U256};
use ivm_contracts::alloy_sol_types::SolEvent;
use ivm_contracts::bindings::JobManager::ChallengeFiled;
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::Filter;
use ivm_contracts::client::{decode_log, Client, CHALLENGE_OPEN};
use ivm_prover::statement::{Outcome, Statement};
use ivm_prover::{ProofFile, ProofFileError};

use crate::metrics::Metrics;
use crate::Shared;

/// What the chain says about a challenged job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengedJob {
    pub program_id: Vec<u8>,
    pub max_cycles: u64,
    pub onchain_input: Vec<u8>,
    pub offchain_input_hash: [u8; 32],
}

/// The outcome a challenger claims is the correct one.
pub use ivm_contracts::ClaimedOutcome;

/// Why a challenge's proof does not prove its claim.
#[derive(Debug, thiserror::Error)]
pub enum NotProven {
    #[error("the proof file cannot be read: {0}")]
    Unreadable(ProofFileError),
    #[error("the proof is of program 0x{proof}, but the job runs program 0x{job}")]
    OtherProgram { proof: String, job: String },
    #[error("the proof's onchain input is not the job's onchain input")]
    OnchainInput,
    #[error("the proof's offchain input does not hash to the job's offchain input hash")]
    OffchainInput,
    #[error("the proof shows {proven}, but the challenge claims {claimed}")]
    OtherOutcome { proven: ClaimedOutcome, claimed: ClaimedOutcome },
    #[error("the proven run takes {cycles} cycles, more than the job's limit of {max_cycles}")]
    OverCycleLimit { cycles: u64, max_cycles: u64 },
    #[error(
        "the proof shows the run does not end within {cycles} cycles, but the job's limit is \
         {max_cycles}: only a run that exhausts the job's own limit has failed"
    )]
    OtherCycleLimit { cycles: u64, max_cycles: u64 },
    #[error("the proof does not verify: {0}")]
    Invalid(ProofFileError),
}

/// The outcome a statement proves, as a challenge claims it.
pub fn proven_outcome(st: &Statement) -> ClaimedOutcome {
    match st.outcome {
        Outcome::Halted => ClaimedOutcome::Output(st.output.clone()),
        Outcome::Panicked => ClaimedOutcome::Panicked,
        Outcome::OutOfCycles | Outcome::Faulted { .. } => ClaimedOutcome::Failed,
    }
}

/// Whether the proven run fits the job's cycle limit: a run that ended or faulted did so
/// within it; a run out of cycles exhausted exactly the job's limit (a shorter prefix proves
/// nothing about the job).
fn check_cycles(st: &Statement, max_cycles: u64) -> Result<(), NotProven> {
    let cycles = st.cycles;
    match st.outcome {
        Outcome::OutOfCycles if cycles != max_cycles => {
            Err(NotProven::OtherCycleLimit { cycles, max_cycles })
        }
        // The faulting instruction is the (cycles + 1)-th: it must be within the limit.
        Outcome::Faulted { .. } if cycles >= max_cycles => {
            Err(NotProven::OverCycleLimit { cycles: cycles + 1, max_cycles })
        }
        _ if cycles > max_cycles => Err(NotProven::OverCycleLimit { cycles, max_cycles }),
        _ => Ok(()),
    }
}

/// Whether `proof_file` proves that `job`, run by `elf`, has outcome `claim`. The cheap
/// comparisons come first; the proof is verified only when the statement is the right one.
pub fn judge(
    elf: &[u8],
    job: &ChallengedJob,
    claim: &ClaimedOutcome,
    proof_file: &[u8],
) -> Result<Statement, NotProven> {
    let file = ProofFile::from_bytes(proof_file).map_err(NotProven::Unreadable)?;
    let st = &file.statement;
    if st.program_id.as_slice() != job.program_id.as_slice() {
        return Err(NotProven::OtherProgram {
            proof: hex::encode(st.program_id),
            job: hex::encode(&job.program_id),
        });
    }
    if st.onchain_input != job.onchain_input {
        return Err(NotProven::OnchainInput);
    }
    if keccak256(&st.offchain_input).0 != job.offchain_input_hash {
        return Err(NotProven::OffchainInput);
    }
    let proven = proven_outcome(st);
    if &proven != claim {
        return Err(NotProven::OtherOutcome { proven, claimed: claim.clone() });
    }
    check_cycles(st, job.max_cycles)?;
    file.verify(elf).map_err(NotProven::Invalid)?;
    Ok(file.statement)
}

/// Reads what [`judge`] needs about `job_id` from `JobManager` and the job's consumer.
pub async fn challenged_job(
    chain: &Client,
    job_manager: ivm_contracts::alloy_primitives::Address,
    job_id: ivm_contracts::alloy_primitives::B256,
) -> anyhow::Result<ChallengedJob> {
    let meta = chain.job_metadata(job_manager, job_id).await.map_err(|e| anyhow!("{e}"))?;
    let (onchain_input, offchain_input_hash) =
        chain.consumer_job_inputs(meta.consumer, job_id).await.map_err(|e| anyhow!("{e}"))?;
    Ok(ChallengedJob {
        program_id: meta.programID.to_vec(),
        max_cycles: meta.maxCycles,
        onchain_input: onchain_input.to_vec(),
        offchain_input_hash: offchain_input_hash.0,
    })
}

/// One arbiter key's task: votes on every open challenge it has not voted on (again after a
/// change of the arbiter set voids earlier votes) until the challenge is decided.
pub(crate) async fn run(shared: Arc<Shared>, arbiter: Client, lies: bool) {
    let mut next_block = shared.config.listener_start_block;
    let mut open: BTreeMap<U256, ChallengeFiled> = BTreeMap::new();
    loop {
        if let Err(e) = scan(&shared, &arbiter, &mut next_block, &mut open).await {
            if let Some(held_back) = shared.log_limit.admit("arbiter scan") {
                tracing::warn!(held_back, "arbiter: {e:#}");
            }
        }
        let ids: Vec<U256> = open.keys().copied().collect();
        for id in ids {
            if shared.shutdown.is_cancelled() {
                return;
            }
            match vote_on(&shared, &arbiter, lies, &open[&id]).await {
                Ok(Watch::Settled) => {
                    open.remove(&id);
                }
                Ok(Watch::Open) => {}
                Err(e) => {
                    if let Some(held_back) = shared.log_limit.admit("arbiter vote") {
                        tracing::warn!(challenge = %id, held_back, "arbiter: {e:#}");
                    }
                }
            }
        }
        tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            _ = tokio::time::sleep(shared.config.poll_interval) => {}
        }
    }
}

/// Whether a challenge still needs watching.
enum Watch {
    /// Decided, refunded, timed out or past its deadline: nothing more to do.
    Settled,
    /// Still open: voted on and awaiting the other arbiters, or not judgeable yet (program or
    /// proof blobs missing).
    Open,
}

/// Collects new `ChallengeFiled` events into `undecided`.
async fn scan(
    shared: &Shared,
    arbiter: &Client,
    next_block: &mut u64,
    undecided: &mut BTreeMap<U256, ChallengeFiled>,
) -> anyhow::Result<()> {
    let latest = arbiter.block_number().await.map_err(|e| anyhow!("block number: {e}"))?;
    let chunk = shared.config.listener_chunk_blocks.max(1);
    while *next_block <= latest {
        let to = latest.min(next_block.saturating_add(chunk - 1));
        let filter = Filter::new()
            .address(shared.config.job_manager)
            .event_signature(ChallengeFiled::SIGNATURE_HASH)
            .from_block(*next_block)
            .to_block(to);
        let logs = arbiter
            .provider()
            .get_logs(&filter)
            .await
            .with_context(|| format!("eth_getLogs for blocks {}..={to}", *next_block))?;
        for log in &logs {
            let event = decode_log::<ChallengeFiled>(log).map_err(|e| anyhow!("{e}"))?;
            undecided.insert(event.challengeID, event);
        }
        *next_block = to + 1;
    }
    Ok(())
}

/// The proof of a challenge: the event's calldata, or the blobs it was filed in (checked
/// against its recorded hash). `None` while the blobs cannot be read: the challenge is judged
/// later, or times out (its bond then goes back to the challenger).
async fn challenge_proof(
    arbiter: &Client,
    jm: ivm_contracts::alloy_primitives::Address,
    event: &ChallengeFiled,
    proof_hash: ivm_contracts::alloy_primitives::B256,
) -> Option<Vec<u8>> {
    if !event.proof.is_empty() {
        return Some(event.proof.to_vec());
    }
    let id = event.challengeID;
    let read = async {
        let hashes = arbiter.challenge_proof_blob_hashes(jm, id).await?;
        arbiter.bytes_from_blobs(&hashes, proof_hash).await
    };
    match read.await {
        Ok(proof) => Some(proof),
        Err(e) => {
            tracing::warn!(challenge = %id, "arbiter: cannot read the proof from its blobs yet: {e}");
            None
        }
    }
}

/// Judges one challenge and casts this arbiter's vote, unless it has voted already.
async fn vote_on(
    shared: &Shared,
    arbiter: &Client,
    lies: bool,
    event: &ChallengeFiled,
) -> anyhow::Result<Watch> {
    let jm = shared.config.job_manager;
    let id = event.challengeID;
    let challenge = arbiter.get_challenge(jm, id).await.map_err(|e| anyhow!("{e}"))?;
    if challenge.status != CHALLENGE_OPEN {
        return Ok(Watch::Settled);
    }
    let now = arbiter.block_timestamp().await.map_err(|e| anyhow!("{e}"))?;
    if now > challenge.resolveDeadline {
        tracing::warn!(challenge = %id, "arbiter: the resolve deadline passed before a verdict");
        return Ok(Watch::Settled);
    }
    if arbiter.has_voted(jm, id, arbiter.address()).await.map_err(|e| anyhow!("{e}"))? {
        return Ok(Watch::Open);
    }
    let meta = arbiter.job_metadata(jm, event.jobID).await.map_err(|e| anyhow!("{e}"))?;
    if meta.status == ivm_contracts::JOB_STATE_OVERTURNED {
        // Another challenge already overturned the job: JobManager refunds this one on any
        // arbiter's call, whatever the vote, so there is nothing to judge.
        if send_vote(arbiter, jm, id, false).await? {
            tracing::info!(challenge = %id, job = %event.jobID,
                "challenge refunded: another challenge already overturned the job");
        }
        return Ok(Watch::Settled);
    }
    let Some(verdict) = verdict(shared, arbiter, event, challenge.proofHash).await? else {
        return Ok(Watch::Open);
    };
    // Test-only practice mode: a lying arbiter votes against what it verified.
    let vote = verdict.is_ok() != lies;
    if !send_vote(arbiter, jm, id, vote).await? {
        if lies {
            tracing::warn!(challenge = %id, vote,
                "practice mode: this arbiter tried to vote against the proof, but the others decided first");
        }
        return Ok(Watch::Settled);
    }
    Metrics::inc(if vote {
        &shared.metrics.arbiter_votes_upheld
    } else {
        &shared.metrics.arbiter_votes_rejected
    });
    match verdict {
        // A warning: an operator was caught posting a wrong result.
        Ok(st) => tracing::warn!(challenge = %id, job = %event.jobID, cycles = st.cycles, vote,
            "voted on a challenge whose proof shows the posted result is wrong"),
        Err(reason) => tracing::info!(challenge = %id, job = %event.jobID, vote,
            "voted on a challenge whose proof does not prove its claim: {reason}"),
    }
    if lies {
        tracing::warn!(challenge = %id, vote, "practice mode: this arbiter voted against the proof");
    }
    Ok(Watch::Open)
}

/// Verifies a challenge's proof: `None` while it cannot be judged yet (the program is not
/// stored here, or the proof's blobs cannot be read).
async fn verdict(
    shared: &Shared,
    arbiter: &Client,
    event: &ChallengeFiled,
    proof_hash: ivm_contracts::alloy_primitives::B256,
) -> anyhow::Result<Option<Result<Statement, NotProven>>> {
    let jm = shared.config.job_manager;
    let job = challenged_job(arbiter, jm, event.jobID).await?;
    let Some((_, elf)) = shared.store.program(&job.program_id).await? else {
        tracing::warn!(
            challenge = %event.challengeID,
            program = %format!("0x{}", hex::encode(&job.program_id)),
            "arbiter: the challenged job's program is not stored on this node; submit it \
             (`ivm program submit`) so the challenge can be judged"
        );
        return Ok(None);
    };
    // JobManager only accepts the three outcomes (ABI decoding of its enum).
    let claim = ClaimedOutcome::from_chain(event.claimedOutcome, &event.claimedOutput)
        .context("ChallengeFiled with an unknown claimed outcome")?;
    let Some(proof) = challenge_proof(arbiter, jm, event, proof_hash).await else {
        return Ok(None);
    };
    let verdict = tokio::task::spawn_blocking(move || judge(&elf, &job, &claim, &proof))
        .await
        .context("the verifier task failed")?;
    Ok(Some(verdict))
}

/// `resolveChallenge`: whether the vote counted. Losing a race to another arbiter's deciding
/// vote is not an error (`false`).
async fn send_vote(
    arbiter: &Client,
    jm: ivm_contracts::alloy_primitives::Address,
    id: U256,
    fraud_proven: bool,
) -> anyhow::Result<bool> {
    let decided_first = || {
        tracing::debug!(challenge = %id, "another arbiter's vote decided the challenge first");
        Ok(false)
    };
    match arbiter.resolve_challenge(jm, id, fraud_proven).await {
        Ok(_) => Ok(true),
        Err(e) if e.revert_reason().is_some_and(|r| r.contains("challenge is not open")) => {
            decided_first()
        }
        Err(e) => {
            // Mined in the same block as the deciding vote, the transaction reverts without a
            // reason the estimate could have seen: the challenge's state tells.
            match arbiter.get_challenge(jm, id).await {
                Ok(c) if c.status != CHALLENGE_OPEN => decided_first(),
                _ => Err(anyhow!("voting on challenge {id}: {e}")),
            }
        }
    }
}
