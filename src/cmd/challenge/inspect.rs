//! Reading a job from the chain and re-executing it: what `check`, `file` and `watch` share.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ivm_contracts::{
    alloy_primitives::{keccak256, Address, B256},
    client::{Client, PostedResult, ResultRecord},
    EMPTY_INPUT_HASH, JOB_STATE_CANCELLED, JOB_STATE_COMPLETED, JOB_STATE_OVERTURNED,
    JOB_STATE_PENDING,
};
use ivm_node::arbiter::{ChallengedJob, ClaimedOutcome};
use ivm_vm::{Exit, Inputs, Program};
use serde::Serialize;

use super::chain_error;
use crate::{
    beacon::BeaconClient,
    exit::invalid_input,
    input::{to_hex, InputBytes},
    node_client::NodeClient,
    ui,
};

/// An ELF the challenger re-executes jobs with.
pub struct Elf {
    pub path: PathBuf,
    pub program: Program,
    pub id: [u8; 32],
    pub bytes: Vec<u8>,
}

impl Elf {
    pub fn load(path: &Path) -> Result<Elf> {
        let (program, id) = super::super::program_id::load_elf(path)?;
        let bytes =
            std::fs::read(path).with_context(|| format!("reading ELF {}", path.display()))?;
        Ok(Elf { path: path.to_path_buf(), program, id: id.0, bytes })
    }
}

/// A job as the chain has it.
pub struct OnChainJob {
    pub id: B256,
    pub job_manager: Address,
    pub state: u8,
    pub job: ChallengedJob,
    pub record: ResultRecord,
    /// The job's `JobCompleted` event: the output, and the block that posted it (with the
    /// offchain input's blobs).
    pub posted: Option<PostedResult>,
    /// The latest block's timestamp.
    pub now: u64,
}

/// Reads job `id` from `JobManager` and its consumer (`JobCompleted` searched from
/// `from_block`). An unknown job is invalid input.
pub async fn read_job(
    chain: &Client,
    job_manager: Address,
    id: B256,
    from_block: u64,
) -> Result<OnChainJob> {
    let meta = chain
        .job_metadata(job_manager, id)
        .await
        .map_err(|e| chain_error(&format!("reading job {id} from JobManager {job_manager}"), e))?;
    if meta.status == 0 {
        return Err(invalid_input(format!(
            "JobManager {job_manager} has no job {id} (check the job ID and the network)"
        )));
    }
    let record = chain
        .result_record(job_manager, id)
        .await
        .map_err(|e| chain_error("reading the result record", e))?;
    let now =
        chain.block_timestamp().await.map_err(|e| chain_error("reading the latest block", e))?;
    let job = ivm_node::arbiter::challenged_job(chain, job_manager, id)
        .await
        .map_err(|e| chain_error("reading the job's inputs from its consumer", e))?;
    let posted = chain
        .posted_result(job_manager, id, from_block)
        .await
        .map_err(|e| chain_error("reading the posted result", e))?;
    Ok(OnChainJob { id, job_manager, state: meta.status, job, record, posted, now })
}

/// A job and its correct run.
pub struct Inspection {
    pub chain: OnChainJob,
    pub offchain_input: Vec<u8>,
    pub run: CorrectRun,
}

/// What the job's program really does on the job's inputs.
pub enum CorrectRun {
    /// Not re-executed: there is no posted result to compare.
    Skipped,
    /// It halts, panics, or fails (faults, or runs out of the job's `maxCycles`): every
    /// outcome has a proof.
    Provable { outcome: ClaimedOutcome, cycles: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The posted result is the program's output.
    Correct,
    /// The posted result is not what the program outputs: a challenge can prove it.
    Wrong,
    /// No result is on chain (pending or cancelled job).
    NoResult,
}

/// Where the offchain input comes from when the job has one.
pub enum OffchainSource<'a> {
    /// Bytes the user gave (`--offchain-input-*`), named by their flag.
    Given(Vec<u8>, &'static str),
    /// The job's blobs (what `JobManager` recorded for it), from `beacon`'s beacon API or else
    /// `chain`'s RPC node, then the node serving offchain inputs by hash (`None`: no node).
    Fetch { chain: &'a Client, beacon: Option<&'a BeaconClient>, node: Option<&'a NodeClient> },
}

/// Re-executes `job` with `elf` (which must have the job's program ID). Jobs without a result
/// are not executed.
pub async fn inspect(
    job: OnChainJob,
    elf: &Elf,
    offchain: OffchainSource<'_>,
) -> Result<Inspection> {
    if job.job.program_id.as_slice() != elf.id.as_slice() {
        return Err(invalid_input(format!(
            "{} is program {}, but job {} runs program {}: pass the job's program",
            elf.path.display(),
            to_hex(&elf.id),
            job.id,
            to_hex(&job.job.program_id)
        )));
    }
    if !matches!(job.state, JOB_STATE_COMPLETED | JOB_STATE_OVERTURNED) {
        return Ok(Inspection { chain: job, offchain_input: Vec::new(), run: CorrectRun::Skipped });
    }
    let offchain_input = offchain_input(offchain, &job).await?;
    let spinner = ui::spinner(format!("re-executing job {}", job.id));
    let exec = ivm_vm::execute(
        &elf.program,
        Inputs { onchain: &job.job.onchain_input, offchain: &offchain_input },
        job.job.max_cycles,
    )
    .map_err(|e| invalid_input(format!("the job's inputs do not fit the program: {e}")))?;
    spinner.finish_and_clear();
    let run = match exec.exit {
        Exit::Halted => CorrectRun::Provable {
            outcome: ClaimedOutcome::Output(exec.output),
            cycles: exec.cycles,
        },
        Exit::Panicked { .. } => {
            CorrectRun::Provable { outcome: ClaimedOutcome::Panicked, cycles: exec.cycles }
        }
        Exit::Fault(f) => {
            CorrectRun::Provable { outcome: ClaimedOutcome::Failed, cycles: f.cycles }
        }
    };
    Ok(Inspection { chain: job, offchain_input, run })
}

/// The job's offchain input, checked against its offchain input hash.
async fn offchain_input(source: OffchainSource<'_>, job: &OnChainJob) -> Result<Vec<u8>> {
    let hash = job.job.offchain_input_hash;
    let (chain, beacon, node) = match source {
        OffchainSource::Given(bytes, flag) => return checked_input(bytes, hash, flag),
        OffchainSource::Fetch { .. } if hash == EMPTY_INPUT_HASH.0 => return Ok(Vec::new()),
        OffchainSource::Fetch { chain, beacon, node } => (chain, beacon, node),
    };
    let from_blobs = match input_from_blobs(chain, beacon, job).await {
        Ok(bytes) => return Ok(bytes),
        Err(e) => e,
    };
    let Some(node) = node else {
        return Err(invalid_input(format!(
            "the job's offchain input could not be read from the chain's blobs ({from_blobs:#}), and no node is configured to ask: pass --offchain-input-file / --offchain-input-hex, or --node-url"
        )));
    };
    ui::warn(format!(
        "the job's offchain input could not be read from the chain's blobs ({from_blobs:#}): asking the node at {}",
        node.url()
    ));
    let bytes = node.offchain_input(hash).await?.ok_or_else(|| {
        invalid_input(format!(
            "the job's offchain input is neither in the chain's blobs ({from_blobs:#}) nor served by the node at {} (hash {}): pass it with --offchain-input-file or --offchain-input-hex",
            node.url(),
            to_hex(&hash)
        ))
    })?;
    checked_input(bytes, hash, &format!("the node at {}", node.url()))
}

/// The offchain input in the blobs `JobManager` recorded for the job, fetched from the beacon
/// API when one is given, else by versioned hash from the chain's RPC node, and checked against
/// the job's hash (`ivm_contracts::da`).
async fn input_from_blobs(
    chain: &Client,
    beacon: Option<&BeaconClient>,
    job: &OnChainJob,
) -> Result<Vec<u8>> {
    let hashes = chain
        .job_blob_hashes(job.job_manager, job.id)
        .await
        .map_err(|e| anyhow::anyhow!("reading the job's blob hashes: {e}"))?;
    if hashes.is_empty() {
        anyhow::bail!("JobManager recorded no blobs for the job");
    }
    let hash = B256::from(job.job.offchain_input_hash);
    let Some(beacon) = beacon else {
        return Ok(chain.bytes_from_blobs(&hashes, hash).await?);
    };
    let posted = job.posted.as_ref().context("the job's result event was not found")?;
    let block_id = beacon_block_id(chain, posted).await?;
    let fetched = beacon
        .blobs(&block_id, &hashes)
        .await
        .with_context(|| format!("the beacon API at {}", beacon.url()))?;
    ivm_contracts::da::unpack_bytes(&fetched, hash).map_err(anyhow::Error::msg)
}

/// The beacon API's ID of the block that posted a result: its beacon block root, which the
/// next execution block names (`parentBeaconBlockRoot`); without one — no next block yet, or a
/// chain without a consensus layer (anvil, whose beacon API takes execution block hashes) —
/// the execution block's hash.
async fn beacon_block_id(chain: &Client, posted: &PostedResult) -> Result<String> {
    use ivm_contracts::client::alloy_provider::Provider;
    let next = chain
        .provider()
        .get_block_by_number((posted.block_number + 1).into())
        .await
        .context("reading the block after the result's")?;
    Ok(match next.and_then(|b| b.header.parent_beacon_block_root) {
        Some(root) if root != B256::ZERO => root.to_string(),
        _ => posted.block_hash.to_string(),
    })
}

/// `bytes` if they hash to `hash`, else an error naming where they came from.
fn checked_input(bytes: Vec<u8>, hash: [u8; 32], from: &str) -> Result<Vec<u8>> {
    if keccak256(&bytes).0 != hash {
        return Err(invalid_input(format!(
            "the offchain input from {from} hashes to {}, but the job's offchain input hash is {}",
            keccak256(&bytes),
            to_hex(&hash)
        )));
    }
    Ok(bytes)
}

impl Inspection {
    pub fn verdict(&self) -> Verdict {
        match &self.run {
            CorrectRun::Skipped => Verdict::NoResult,
            CorrectRun::Provable { outcome: ClaimedOutcome::Output(o), .. }
                if keccak256(o) == self.chain.record.resultHash =>
            {
                Verdict::Correct
            }
            CorrectRun::Provable { .. } => Verdict::Wrong,
        }
    }

    /// A wrong result that still stands (not overturned).
    pub fn stands_wrong(&self) -> bool {
        self.verdict() == Verdict::Wrong && self.chain.state == JOB_STATE_COMPLETED
    }

    /// Why no challenge can be filed now, if so.
    pub fn not_challengeable(&self) -> Option<String> {
        let c = &self.chain;
        match c.state {
            JOB_STATE_COMPLETED => {}
            JOB_STATE_OVERTURNED => return Some("the job's result was already overturned".into()),
            s => return Some(format!("the job has no result on chain (state: {})", state_name(s))),
        }
        if c.now > c.record.challengeDeadline {
            return Some("the result's challenge window has closed (the result is final)".into());
        }
        None
    }

    pub fn claim(&self) -> Option<&ClaimedOutcome> {
        match &self.run {
            CorrectRun::Provable { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    pub fn inputs(&self) -> InputBytes {
        InputBytes {
            onchain: self.chain.job.onchain_input.clone(),
            offchain: self.offchain_input.clone(),
        }
    }
}

pub fn state_name(state: u8) -> &'static str {
    match state {
        0 => "unknown job",
        JOB_STATE_PENDING => "pending",
        JOB_STATE_CANCELLED => "cancelled",
        JOB_STATE_COMPLETED => "completed",
        JOB_STATE_OVERTURNED => "overturned",
        _ => "unrecognised",
    }
}
