//! `ivm challenge check|file|watch`: re-execute jobs whose results are on chain and, when a
//! posted result is wrong, prove the correct run and file a challenge with `JobManager`.
//!
//! Everything compared comes from the chain, not from the node: the job's program ID, max
//! cycles and state (`JobManager`), its onchain input and offchain input hash (the job's
//! consumer, which `JobManager` checks results against), the posted result (`JobCompleted`)
//! and its challenge window (`getResultRecord`). The ELF is the challenger's own and must have
//! the job's program ID; the offchain input comes from a flag or from the node, and is checked
//! against the job's hash either way. Before a bond is spent, the proof is judged exactly as the
//! arbiter will judge it (`ivm_node::arbiter::judge`).
//!
//! - [`inspect`]: reading a job from the chain and re-executing it;
//! - [`check`], [`file`], [`watch`]: the subcommands.
mod check;
mod file;
mod inspect;

pub(crate) use inspect::state_name;
mod watch;
mod withdraw;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use ivm_contracts::{
    alloy_primitives::{Address, B256},
    client::{alloy_signer_local::PrivateKeySigner, Client},
    EMPTY_INPUT_HASH,
};

use crate::{
    beacon::BeaconClient,
    cli::{JsonFlag, ProgramSelect},
    exit::{coded, invalid_input, Code, Outcome},
    input::read_given,
    keys::KeyArgs,
    network::{parse_address, parse_job_id, NetworkArgs, Resolved},
    node_client::NodeClient,
};

use super::prove::MemoryArgs;
use inspect::{read_job, Elf, Inspection, OffchainSource};

#[derive(Debug, Args)]
pub struct ChallengeArgs {
    #[command(subcommand)]
    pub command: ChallengeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChallengeCommand {
    /// Re-execute a job and say whether its posted result is right (exit 13 when a standing
    /// result is wrong).
    Check(Box<CheckArgs>),
    /// Prove the correct run of a job whose posted result is wrong and file a challenge.
    File(Box<FileArgs>),
    /// Check every result posted on chain as it lands (watch-only unless --file).
    Watch(Box<watch::WatchArgs>),
    /// Withdraw what JobManager owes you (returned and rewarded bonds, refunds).
    Withdraw(Box<withdraw::WithdrawArgs>),
}

/// Which job, and how to re-execute it.
#[derive(Debug, Args)]
pub struct JobTarget {
    /// The job ID (32 bytes of hex).
    #[arg(long, value_name = "ID")]
    pub job: String,
    /// The job's program: its ELF, or the project's program (built first).
    #[command(flatten)]
    pub program: ProgramSelect,
    /// The job's offchain input as hex (default: read from the chain's blobs, else the node).
    #[arg(long, value_name = "HEX", conflicts_with = "offchain_input_file")]
    pub offchain_input_hex: Option<String>,
    /// The job's offchain input from a file (default: read from the chain's blobs, else the node).
    #[arg(long, value_name = "FILE")]
    pub offchain_input_file: Option<PathBuf>,
    /// The `JobManager` contract (default: the network profile's).
    #[arg(long, value_name = "ADDRESS", env = "IVM_JOB_MANAGER")]
    pub job_manager: Option<String>,
    #[command(flatten)]
    pub blobs: BlobSource,
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// Where the chain's blobs (offchain inputs) are read.
#[derive(Debug, Args, Clone, Default)]
pub struct BlobSource {
    /// A consensus client's beacon API to read offchain inputs from the chain's blobs (default:
    /// the RPC node, if it serves blobs as anvil does).
    #[arg(long, value_name = "URL", env = "IVM_BEACON_URL")]
    pub beacon_url: Option<String>,
}

impl BlobSource {
    pub fn client(&self) -> Result<Option<BeaconClient>> {
        self.beacon_url.as_deref().map(BeaconClient::new).transpose()
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: JobTarget,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct FileArgs {
    #[command(flatten)]
    pub target: JobTarget,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// File this proof instead of proving again (it is still judged before anything is sent).
    #[arg(long, value_name = "FILE")]
    pub proof: Option<PathBuf>,
    /// Where to keep the proof made for the challenge (default: `challenge-<job>.proof`).
    #[arg(short = 'o', long = "out", value_name = "FILE", conflicts_with = "proof")]
    pub out: Option<PathBuf>,
    /// Check, prove and judge, show the bond, but send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send the proof in the transaction's calldata (~16 gas per byte: ~3.7 M gas for a 100 KB
    /// proof) instead of its EIP-4844 blobs (the default; the chain must take blob
    /// transactions).
    #[arg(long)]
    pub proof_in_calldata: bool,
    /// Wait for the arbiter's verdict (exit 0 upheld or refunded because another challenge
    /// overturned the job first, 8 rejected, 10 on timeout).
    #[arg(long)]
    pub wait: bool,
    /// How long `--wait` waits, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub memory: MemoryArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub fn run(args: ChallengeArgs) -> Outcome {
    match args.command {
        ChallengeCommand::Check(a) => check::run(*a),
        ChallengeCommand::File(a) => file::run(*a),
        ChallengeCommand::Watch(a) => watch::run(*a),
        ChallengeCommand::Withdraw(a) => withdraw::run(*a),
    }
}

fn chain_error(what: &str, e: impl std::fmt::Display) -> anyhow::Error {
    coded(Code::Network, format!("{what}: {e}"))
}

/// The `JobManager` address and the block to search its events from.
fn job_manager_of(flag: &Option<String>, net: &Resolved) -> Result<(Address, u64)> {
    match (flag, &net.profile) {
        (Some(a), _) => Ok((parse_address("--job-manager", a)?, 0)),
        (None, Some(p)) => Ok((p.contracts.job_manager, p.contracts.deploy_block)),
        (None, None) => Err(invalid_input(
            "no JobManager: pass --job-manager <address> or --network <profile> (or start `ivm devnet`)",
        )),
    }
}

/// A client for reads (and, with a key, for sending challenges).
async fn connect(net: &Resolved, signer: Option<PrivateKeySigner>) -> Result<Client> {
    let rpc = net.rpc_url()?;
    // Reads need no account; a throwaway key satisfies the client and never signs anything.
    let signer = signer.unwrap_or_else(PrivateKeySigner::random);
    Client::connect_with_signer(rpc, signer)
        .await
        .map_err(|e| chain_error(&format!("connecting to {rpc}"), e))
}

/// Reads `--job` from the chain and re-executes it with the selected ELF.
async fn inspect_target(
    target: &JobTarget,
    net: &Resolved,
    chain: &Client,
) -> Result<(Inspection, Elf)> {
    let job_id = B256::from(parse_job_id(&target.job)?);
    let (job_manager, from_block) = job_manager_of(&target.job_manager, net)?;
    let elf_path = target.program.elf_path("re-execute")?;
    let elf = Elf::load(&elf_path)?;
    let job = read_job(chain, job_manager, job_id, from_block).await?;
    let given = read_given(
        "--offchain-input-hex",
        &target.offchain_input_hex,
        "--offchain-input-file",
        &target.offchain_input_file,
    )?;
    let beacon = target.blobs.client()?;
    // The node is only the fallback for an input the chain's blobs do not give.
    let node = match (&given, net.node_url()) {
        (None, Ok(url)) if job.job.offchain_input_hash != EMPTY_INPUT_HASH.0 => {
            Some(NodeClient::new(url)?)
        }
        _ => None,
    };
    let source = match given {
        Some((bytes, flag)) => OffchainSource::Given(bytes, flag),
        None => OffchainSource::Fetch { chain, beacon: beacon.as_ref(), node: node.as_ref() },
    };
    let inspection = inspect::inspect(job, &elf, source).await?;
    Ok((inspection, elf))
}
