//! `ivm challenge check|file`: re-execute a job whose result is on chain and, when the posted
//! result is wrong, prove the correct run and file a challenge with `JobManager`.
//!
//! Everything compared comes from the chain, not from the node: the job's program ID, max
//! cycles and state (`JobManager`), its onchain input and offchain input hash (the job's
//! consumer, which `JobManager` checks results against), the posted result (`JobCompleted`)
//! and its challenge window (`getResultRecord`). The ELF is the challenger's own and must have
//! the job's program ID; the offchain input comes from a flag or from the node, and is checked
//! against the job's hash either way. Before a bond is spent, the proof is judged exactly as the
//! arbiter will judge it (`ivm_node::arbiter::judge`).
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ivm_contracts::{
    alloy_primitives::{keccak256, Address, Bytes, B256, U256},
    client::{
        alloy_signer_local::PrivateKeySigner, Client, ResultRecord, CHALLENGE_OPEN,
        CHALLENGE_UPHELD,
    },
    EMPTY_INPUT_HASH, JOB_STATE_CANCELLED, JOB_STATE_COMPLETED, JOB_STATE_OVERTURNED,
    JOB_STATE_PENDING,
};
use ivm_node::arbiter::{judge, ChallengedJob, ClaimedOutcome};
use ivm_vm::{Exit, Inputs};
use serde::Serialize;

use crate::{
    cli::{JsonFlag, ProjectArgs},
    exit::{coded, invalid_input, Code, Outcome},
    guest_build,
    input::{parse_hex, to_hex, InputBytes},
    keys::KeyArgs,
    network::{parse_address, parse_job_id, runtime, NetworkArgs, Resolved},
    node_client::NodeClient,
    ui,
};

use super::prove::{prove_run, MemoryArgs};

#[derive(Debug, Args)]
pub struct ChallengeArgs {
    #[command(subcommand)]
    pub command: ChallengeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChallengeCommand {
    /// Re-execute a job and say whether its posted result is right (exit 13 when it is wrong).
    Check(Box<CheckArgs>),
    /// Prove the correct run of a job whose posted result is wrong and file a challenge.
    File(Box<FileArgs>),
}

/// Which job, and how to re-execute it.
#[derive(Debug, Args)]
pub struct JobTarget {
    /// The job ID (32 bytes of hex).
    #[arg(long, value_name = "ID")]
    pub job: String,
    /// The job's program ELF. Without it, the project's program is built (as `ivm execute`).
    #[arg(conflicts_with_all = ["path", "program"])]
    pub elf: Option<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Which program of the project (needed when it has several).
    #[arg(long, value_name = "NAME")]
    pub program: Option<String>,
    /// The job's offchain input as hex (default: fetched from the node by its hash).
    #[arg(long, value_name = "HEX", conflicts_with = "offchain_input_file")]
    pub offchain_input_hex: Option<String>,
    /// The job's offchain input from a file (default: fetched from the node by its hash).
    #[arg(long, value_name = "FILE")]
    pub offchain_input_file: Option<PathBuf>,
    /// The `JobManager` contract (default: the network profile's).
    #[arg(long, value_name = "ADDRESS", env = "IVM_JOB_MANAGER")]
    pub job_manager: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
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
    /// Wait for the arbiter's verdict (exit 0 upheld, 8 rejected, 10 on timeout).
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
        ChallengeCommand::Check(a) => check(*a),
        ChallengeCommand::File(a) => file(*a),
    }
}

// ---- inspecting a job ---------------------------------------------------------------------

/// A job as the chain has it, and its correct run.
struct Inspection {
    job_id: B256,
    job_manager: Address,
    state: u8,
    job: ChallengedJob,
    offchain_input: Vec<u8>,
    record: ResultRecord,
    posted: Option<Bytes>,
    /// Latest block's timestamp.
    now: u64,
    elf: Vec<u8>,
    run: CorrectRun,
}

/// What the job's program really does on the job's inputs.
enum CorrectRun {
    /// Not re-executed: there is no posted result to compare.
    Skipped,
    /// Halted or panicked: a proof of it can be made.
    Provable { outcome: ClaimedOutcome, cycles: u64 },
    /// Faulted or ran past the job's max cycles: no proof of any outcome exists.
    Unprovable(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Verdict {
    /// The posted result is the program's output.
    Correct,
    /// The posted result is not what the program outputs: a challenge can prove it.
    Wrong,
    /// The run cannot be proven (fault or cycle limit), so nothing can be claimed.
    Unprovable,
    /// No result is on chain (pending, cancelled or unknown job).
    NoResult,
}

impl Inspection {
    fn verdict(&self) -> Verdict {
        let posted_hash = self.record.resultHash;
        match &self.run {
            CorrectRun::Skipped => Verdict::NoResult,
            CorrectRun::Unprovable(_) => Verdict::Unprovable,
            CorrectRun::Provable { outcome: ClaimedOutcome::Output(o), .. }
                if keccak256(o) == posted_hash =>
            {
                Verdict::Correct
            }
            CorrectRun::Provable { .. } => Verdict::Wrong,
        }
    }

    /// Why no challenge can be filed now, if so.
    fn not_challengeable(&self) -> Option<String> {
        match self.state {
            JOB_STATE_COMPLETED => {}
            JOB_STATE_OVERTURNED => return Some("the job's result was already overturned".into()),
            s => return Some(format!("the job has no result on chain (state: {})", state_name(s))),
        }
        if self.record.openChallengeID != U256::ZERO {
            return Some(format!(
                "challenge {} against this result is still open",
                self.record.openChallengeID
            ));
        }
        if self.now > self.record.challengeDeadline {
            return Some("the result's challenge window has closed (the result is final)".into());
        }
        None
    }

    fn claim(&self) -> Option<&ClaimedOutcome> {
        match &self.run {
            CorrectRun::Provable { outcome, .. } => Some(outcome),
            _ => None,
        }
    }

    fn inputs(&self) -> InputBytes {
        InputBytes {
            onchain: self.job.onchain_input.clone(),
            offchain: self.offchain_input.clone(),
        }
    }
}

fn state_name(state: u8) -> &'static str {
    match state {
        0 => "unknown job",
        JOB_STATE_PENDING => "pending",
        JOB_STATE_CANCELLED => "cancelled",
        JOB_STATE_COMPLETED => "completed",
        JOB_STATE_OVERTURNED => "overturned",
        _ => "unrecognised",
    }
}

fn chain_error(what: &str, e: impl std::fmt::Display) -> anyhow::Error {
    coded(Code::Network, format!("{what}: {e}"))
}

fn job_manager_of(flag: &Option<String>, net: &Resolved) -> Result<(Address, u64)> {
    match (flag, &net.profile) {
        (Some(a), _) => Ok((parse_address("--job-manager", a)?, 0)),
        (None, Some(p)) => Ok((p.contracts.job_manager, p.contracts.deploy_block)),
        (None, None) => Err(invalid_input(
            "no JobManager: pass --job-manager <address> or --network <profile> (or start `ivm devnet`)",
        )),
    }
}

/// Reads the job from the chain and re-executes it.
async fn inspect(target: &JobTarget, net: &Resolved, chain: &Client) -> Result<Inspection> {
    let job_id = B256::from(parse_job_id(&target.job)?);
    let (job_manager, from_block) = job_manager_of(&target.job_manager, net)?;
    let elf_path = guest_build::select_elf(
        target.elf.as_deref(),
        target.project.path.as_deref(),
        target.program.as_deref(),
        "re-execute",
    )?;
    let (program, program_id) = super::program_id::load_elf(&elf_path)?;
    let elf =
        std::fs::read(&elf_path).with_context(|| format!("reading ELF {}", elf_path.display()))?;

    let meta = chain.job_metadata(job_manager, job_id).await.map_err(|e| {
        chain_error(&format!("reading job {job_id} from JobManager {job_manager}"), e)
    })?;
    let state = meta.status;
    let record = chain
        .result_record(job_manager, job_id)
        .await
        .map_err(|e| chain_error("reading the result record", e))?;
    let now =
        chain.block_timestamp().await.map_err(|e| chain_error("reading the latest block", e))?;
    if state == 0 {
        return Err(invalid_input(format!(
            "JobManager {job_manager} has no job {job_id} (check --job and the network)"
        )));
    }
    if meta.programID.as_ref() != program_id.0.as_slice() {
        return Err(invalid_input(format!(
            "{} is program {}, but job {job_id} runs program {}: pass the job's program",
            elf_path.display(),
            to_hex(&program_id.0),
            to_hex(&meta.programID)
        )));
    }
    let job = ivm_node::arbiter::challenged_job(chain, job_manager, job_id)
        .await
        .map_err(|e| chain_error("reading the job's inputs from its consumer", e))?;
    let posted = chain
        .posted_result(job_manager, job_id, from_block)
        .await
        .map_err(|e| chain_error("reading the posted result", e))?;

    let mut inspection = Inspection {
        job_id,
        job_manager,
        state,
        offchain_input: Vec::new(),
        record,
        posted,
        now,
        elf,
        run: CorrectRun::Skipped,
        job,
    };
    if !matches!(state, JOB_STATE_COMPLETED | JOB_STATE_OVERTURNED) {
        return Ok(inspection);
    }
    inspection.offchain_input =
        offchain_input(target, net, inspection.job.offchain_input_hash).await?;

    let spinner = ui::spinner(format!("re-executing job {job_id}"));
    let exec = ivm_vm::execute(
        &program,
        Inputs { onchain: &inspection.job.onchain_input, offchain: &inspection.offchain_input },
        inspection.job.max_cycles,
    )
    .map_err(|e| invalid_input(format!("the job's inputs do not fit the program: {e}")))?;
    spinner.finish_and_clear();
    inspection.run = match exec.exit {
        Exit::Halted => CorrectRun::Provable {
            outcome: ClaimedOutcome::Output(exec.output),
            cycles: exec.cycles,
        },
        Exit::Panicked { .. } => {
            CorrectRun::Provable { outcome: ClaimedOutcome::Panicked, cycles: exec.cycles }
        }
        Exit::Fault(f) => CorrectRun::Unprovable(format!(
            "the run faults after {} cycles: {}",
            ui::thousands(f.cycles),
            f.kind
        )),
    };
    Ok(inspection)
}

/// The job's offchain input: empty, from the flags, or from the node; checked against `hash`.
async fn offchain_input(target: &JobTarget, net: &Resolved, hash: [u8; 32]) -> Result<Vec<u8>> {
    let (bytes, source) = if let Some(h) = &target.offchain_input_hex {
        let b = parse_hex(h).map_err(|e| invalid_input(format!("--offchain-input-hex: {e}")))?;
        (b, "--offchain-input-hex")
    } else if let Some(f) = &target.offchain_input_file {
        let b = std::fs::read(f).map_err(|e| {
            invalid_input(format!("--offchain-input-file {}: cannot read: {e}", f.display()))
        })?;
        (b, "--offchain-input-file")
    } else if hash == EMPTY_INPUT_HASH.0 {
        return Ok(Vec::new());
    } else {
        let node = NodeClient::new(net.node_url()?)?;
        let bytes = node.offchain_input(hash).await?.ok_or_else(|| {
            invalid_input(format!(
                "the node at {} has no offchain input with hash {}: pass it with --offchain-input-file or --offchain-input-hex",
                node.url(),
                to_hex(&hash)
            ))
        })?;
        (bytes, "the node")
    };
    if keccak256(&bytes).0 != hash {
        return Err(invalid_input(format!(
            "the offchain input from {source} hashes to {}, but the job's offchain input hash is {}",
            keccak256(&bytes),
            to_hex(&hash)
        )));
    }
    Ok(bytes)
}

/// A client for reads (and, with a key, for sending the challenge).
async fn connect(net: &Resolved, signer: Option<PrivateKeySigner>) -> Result<Client> {
    let rpc = net.rpc_url()?;
    // Reads need no account; a throwaway key satisfies the client and never signs anything.
    let signer = signer.unwrap_or_else(PrivateKeySigner::random);
    Client::connect_with_signer(rpc, signer)
        .await
        .map_err(|e| chain_error(&format!("connecting to {rpc}"), e))
}

// ---- check ----------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckReport {
    job_id: String,
    job_manager: String,
    program_id: String,
    state: &'static str,
    verdict: Verdict,
    /// The output posted on chain.
    posted_output: Option<String>,
    correct: Option<CorrectJson>,
    /// Why the run cannot be proven (verdict `unprovable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    unprovable_reason: Option<String>,
    challengeable: bool,
    /// Why a challenge cannot be filed now.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_challengeable_reason: Option<String>,
    challenge_deadline: u64,
    open_challenge_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CorrectJson {
    output: Option<String>,
    panicked: bool,
    cycles: u64,
}

fn check_report(i: &Inspection) -> CheckReport {
    let (correct, unprovable_reason) = match &i.run {
        CorrectRun::Provable { outcome, cycles } => (
            Some(CorrectJson {
                output: match outcome {
                    ClaimedOutcome::Output(o) => Some(to_hex(o)),
                    ClaimedOutcome::Panicked => None,
                },
                panicked: matches!(outcome, ClaimedOutcome::Panicked),
                cycles: *cycles,
            }),
            None,
        ),
        CorrectRun::Unprovable(why) => (None, Some(why.clone())),
        CorrectRun::Skipped => (None, None),
    };
    let blocked = i.not_challengeable();
    CheckReport {
        job_id: i.job_id.to_string(),
        job_manager: i.job_manager.to_string(),
        program_id: to_hex(&i.job.program_id),
        state: state_name(i.state),
        verdict: i.verdict(),
        posted_output: i.posted.as_ref().map(|p| to_hex(p)),
        correct,
        unprovable_reason,
        challengeable: blocked.is_none() && i.verdict() == Verdict::Wrong,
        not_challengeable_reason: blocked,
        challenge_deadline: i.record.challengeDeadline,
        open_challenge_id: (i.record.openChallengeID != U256::ZERO)
            .then(|| i.record.openChallengeID.to_string()),
    }
}

fn check(args: CheckArgs) -> Outcome {
    let net = args.target.network.resolve()?;
    let rt = runtime()?;
    let inspection = rt.block_on(async {
        let chain = connect(&net, None).await?;
        inspect(&args.target, &net, &chain).await
    })?;
    let report = check_report(&inspection);
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_check(&report, &inspection);
    }
    Ok(if report.verdict == Verdict::Wrong { Code::WrongResult } else { Code::Ok })
}

fn print_check(r: &CheckReport, i: &Inspection) {
    println!("job        {}", r.job_id);
    println!("program    {}", r.program_id);
    let window = if i.state != JOB_STATE_COMPLETED {
        String::new()
    } else if i.now <= r.challenge_deadline {
        format!(" (challengeable for {} s more)", ui::thousands(r.challenge_deadline - i.now))
    } else {
        " (final: the challenge window has closed)".into()
    };
    println!("state      {}{window}", r.state);
    if let Some(p) = &r.posted_output {
        println!("posted     {p}");
    }
    if let Some(c) = &r.correct {
        match &c.output {
            Some(o) => println!("correct    {o} ({} cycles)", ui::thousands(c.cycles)),
            None => println!("correct    panics ({} cycles)", ui::thousands(c.cycles)),
        }
    }
    let verdict = match r.verdict {
        Verdict::Correct => console::style("correct").green().bold().to_string(),
        Verdict::Wrong => console::style("WRONG").red().bold().to_string(),
        Verdict::Unprovable => console::style("unprovable").yellow().bold().to_string(),
        Verdict::NoResult => "no result posted".to_string(),
    };
    println!("verdict    {verdict}");
    if let Some(why) = &r.unprovable_reason {
        println!("           {why}; no proof of any outcome exists");
    }
    if r.verdict == Verdict::Wrong {
        match &r.not_challengeable_reason {
            None => println!("           file a challenge: ivm challenge file --job {}", r.job_id),
            Some(why) => println!("           cannot be challenged: {why}"),
        }
    }
}

// ---- file -----------------------------------------------------------------------------

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FileReport {
    job_id: String,
    claimed_panicked: bool,
    claimed_output: String,
    proof: Option<PathBuf>,
    proof_size_bytes: u64,
    /// Wei attached to the challenge.
    bond_wei: String,
    /// Wei paid to the challenger from the operator's bond if the challenge is upheld.
    reward_wei: String,
    dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gas_used: Option<u64>,
    /// With `--wait`: `upheld`, `rejected` or `open` (timed out waiting).
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<&'static str>,
}

fn file(args: FileArgs) -> Outcome {
    let net = args.target.network.resolve()?;
    let signer =
        if args.dry_run && !args.keys.given() { None } else { Some(args.keys.signer(&net)?) };
    let rt = runtime()?;
    let chain = rt.block_on(connect(&net, signer))?;
    let inspection = rt.block_on(inspect(&args.target, &net, &chain))?;
    match inspection.verdict() {
        Verdict::Wrong => {}
        Verdict::Correct => {
            return Err(invalid_input(format!(
                "the posted result of job {} is correct: a challenge would lose its bond",
                inspection.job_id
            )))
        }
        Verdict::Unprovable => {
            let CorrectRun::Unprovable(why) = &inspection.run else { unreachable!() };
            return Err(coded(
                Code::GuestFault,
                format!("{why}: no outcome of this job can be proven, so it cannot be challenged"),
            ));
        }
        Verdict::NoResult => {
            return Err(invalid_input(format!(
                "job {} has no result on chain (state: {})",
                inspection.job_id,
                state_name(inspection.state)
            )))
        }
    }
    if let Some(why) = inspection.not_challengeable() {
        return Err(invalid_input(format!(
            "job {} cannot be challenged: {why}",
            inspection.job_id
        )));
    }
    let claim = inspection.claim().expect("a wrong verdict has a provable run").clone();
    let params = rt
        .block_on(chain.dispute_parameters(inspection.job_manager))
        .map_err(|e| chain_error("reading the dispute parameters", e))?;

    let (proof, proof_path) = obtain_proof(&args, &inspection)?;
    let spinner = ui::spinner("judging the proof as the arbiter will");
    let judged = judge(&inspection.elf, &inspection.job, &claim, &proof);
    spinner.finish_and_clear();
    judged.map_err(|reason| {
        coded(
            Code::ProofRejected,
            format!("not filing: the arbiter would reject this proof ({reason})"),
        )
    })?;
    ui::status(
        "Judged",
        format!(
            "the proof shows {claim} for job {}; bond {} wei, reward if upheld {} wei",
            inspection.job_id, params.challengeBond, params.challengerReward
        ),
    );

    let (claimed_panicked, claimed_output) = match &claim {
        ClaimedOutcome::Panicked => (true, Vec::new()),
        ClaimedOutcome::Output(o) => (false, o.clone()),
    };
    let mut report = FileReport {
        job_id: inspection.job_id.to_string(),
        claimed_panicked,
        claimed_output: to_hex(&claimed_output),
        proof: proof_path,
        proof_size_bytes: proof.len() as u64,
        bond_wei: params.challengeBond.to_string(),
        reward_wei: params.challengerReward.to_string(),
        dry_run: args.dry_run,
        challenge_id: None,
        tx_hash: None,
        gas_used: None,
        verdict: None,
    };
    let mut code = Code::Ok;
    if !args.dry_run {
        let spinner = ui::spinner("filing the challenge");
        let (challenge_id, receipt) = rt
            .block_on(chain.challenge(
                inspection.job_manager,
                inspection.job_id,
                claimed_panicked,
                claimed_output,
                proof,
                params.challengeBond,
            ))
            .map_err(|e| chain_error("filing the challenge", e))?;
        spinner.finish_and_clear();
        ui::status("Filed", format!("challenge {challenge_id} (tx {})", receipt.transaction_hash));
        report.challenge_id = Some(challenge_id.to_string());
        report.tx_hash = Some(receipt.transaction_hash.to_string());
        report.gas_used = Some(receipt.gas_used);
        if args.wait {
            let verdict = rt.block_on(wait_for_verdict(
                &chain,
                inspection.job_manager,
                challenge_id,
                Duration::from_secs(args.timeout),
            ))?;
            report.verdict = Some(verdict);
            code = match verdict {
                "upheld" => Code::Ok,
                "open" => Code::Timeout,
                _ => Code::ProofRejected,
            };
        }
    }
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_file(&report);
    }
    Ok(code)
}

/// The proof to file: `--proof`, or a new proof of the job's correct run (kept on disk).
fn obtain_proof(args: &FileArgs, i: &Inspection) -> Result<(Vec<u8>, Option<PathBuf>)> {
    if let Some(path) = &args.proof {
        let bytes = std::fs::read(path)
            .map_err(|e| invalid_input(format!("--proof {}: cannot read: {e}", path.display())))?;
        return Ok((bytes, Some(path.clone())));
    }
    let out = args.out.clone().unwrap_or_else(|| default_proof_path(&i.job_id));
    let proved = prove_run(&i.elf, &i.inputs(), i.job.max_cycles, &args.memory)?;
    super::prove::write_atomically(&out, &proved.bytes)?;
    ui::status(
        "Proved",
        format!(
            "{} cycles in {:.1}s → {} ({} bytes)",
            ui::thousands(proved.statement.cycles),
            proved.seconds,
            out.display(),
            ui::thousands(proved.bytes.len() as u64)
        ),
    );
    Ok((proved.bytes, Some(out)))
}

fn default_proof_path(job_id: &B256) -> PathBuf {
    let hex = job_id.to_string();
    Path::new(&format!("challenge-{}.proof", &hex[2..14])).to_path_buf()
}

/// Polls the challenge until the arbiter resolves it (or `timeout`).
async fn wait_for_verdict(
    chain: &Client,
    job_manager: Address,
    id: U256,
    timeout: Duration,
) -> Result<&'static str> {
    let spinner = ui::spinner(format!("waiting for the arbiter's verdict on challenge {id}"));
    let start = Instant::now();
    loop {
        let c = chain
            .get_challenge(job_manager, id)
            .await
            .map_err(|e| chain_error("reading the challenge", e))?;
        if c.status != CHALLENGE_OPEN {
            spinner.finish_and_clear();
            let verdict = if c.status == CHALLENGE_UPHELD { "upheld" } else { "rejected" };
            ui::status("Resolved", format!("challenge {id}: {verdict}"));
            return Ok(verdict);
        }
        if start.elapsed() >= timeout {
            spinner.finish_and_clear();
            ui::warn(format!("challenge {id} is still open after {} s", timeout.as_secs()));
            return Ok("open");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

fn print_file(r: &FileReport) {
    println!("job        {}", r.job_id);
    if r.claimed_panicked {
        println!("claim      the guest panics");
    } else {
        println!("claim      output {}", r.claimed_output);
    }
    if let Some(p) = &r.proof {
        println!("proof      {} ({} bytes)", p.display(), ui::thousands(r.proof_size_bytes));
    }
    println!("bond       {} wei (reward if upheld: {} wei)", r.bond_wei, r.reward_wei);
    match &r.challenge_id {
        Some(id) => {
            println!("challenge  {id}");
            if let Some(tx) = &r.tx_hash {
                println!("tx         {tx}");
            }
        }
        None => println!("dry run    nothing was sent"),
    }
    if let Some(v) = r.verdict {
        println!("verdict    {v}");
    }
}
