//! `ivm challenge watch`: check every result posted on chain as it lands. Watch-only by default
//! (a watchtower: it reports wrong results and files nothing); with `--file` it proves and
//! challenges each wrong result it can, as `ivm challenge file` would.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use ivm_contracts::{
    alloy_primitives::{Address, B256},
    alloy_sol_types::SolEvent,
    bindings::JobManager::ResultRecorded,
    client::{alloy_provider::Provider, alloy_rpc_types_eth::Filter, decode_log, Client},
};
use serde::{Deserialize, Serialize};
use tokio::runtime::Runtime;

use super::file::{
    challenge, default_proof_path, refuse_unless_challengeable, Filing, ProofSource,
};
use super::inspect::{inspect, read_job, state_name, Elf, OffchainSource, Verdict};
use super::{chain_error, connect, job_manager_of, MemoryArgs};
use crate::{
    cli::JsonFlag,
    exit::{invalid_input, Code, Outcome},
    input::to_hex,
    keys::KeyArgs,
    network::{runtime, NetworkArgs},
    node_client::NodeClient,
    ui,
};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// An ELF to check jobs of (repeatable); jobs of other programs are reported as skipped.
    #[arg(long = "elf", value_name = "FILE")]
    pub elfs: Vec<PathBuf>,
    /// A directory whose `*.elf` files are programs to check jobs of (repeatable).
    #[arg(long = "elf-dir", value_name = "DIR", required_unless_present = "elfs")]
    pub elf_dirs: Vec<PathBuf>,
    /// First block to scan (default: the profile's JobManager deploy block, else 0).
    #[arg(long, value_name = "N")]
    pub from_block: Option<u64>,
    /// Scan up to the latest block once and exit: 13 if a standing result is wrong and was
    /// not challenged by this run, else 14 if some result could not be checked (verdict
    /// `error`, e.g. its offchain input is withheld), else 0.
    #[arg(long)]
    pub once: bool,
    /// Challenge wrong results (prove, judge, send with the bond); needs a key.
    #[arg(long)]
    pub file: bool,
    /// Where `--file` keeps its proofs (default: `--datadir`, else the current directory).
    #[arg(long, value_name = "DIR")]
    pub proof_dir: Option<PathBuf>,
    /// Keep the watch's state here (the next block to scan, the challenges it filed), so that a
    /// restart resumes where it stopped and never files the same job twice.
    #[arg(long, value_name = "DIR", env = "IVM_CHALLENGER_DATADIR")]
    pub datadir: Option<PathBuf>,
    /// Poll interval in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub interval: u64,
    /// The `JobManager` contract (default: the network profile's).
    #[arg(long, value_name = "ADDRESS", env = "IVM_JOB_MANAGER")]
    pub job_manager: Option<String>,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub memory: MemoryArgs,
    #[command(flatten)]
    pub blobs: super::BlobSource,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// The `--json` document (printed when the watch ends).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WatchReport {
    from_block: u64,
    /// The last block scanned.
    to_block: Option<u64>,
    jobs: Vec<JobLine>,
}

/// One posted result and what the watch made of it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JobLine {
    job_id: String,
    program_id: Option<String>,
    /// The ELF's file name, when the program is known.
    program: Option<String>,
    /// `correct`, `wrong`, `no-result`, `skipped` (program not given),
    /// `challenged` (by this watcher, in an earlier run with the same `--datadir`) or `error`.
    verdict: String,
    state: Option<&'static str>,
    challengeable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    challenge_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl JobLine {
    /// A line for `job_id` that says nothing yet (verdict `error` until it is checked).
    fn new(job_id: B256) -> JobLine {
        JobLine {
            job_id: job_id.to_string(),
            program_id: None,
            program: None,
            verdict: "error".into(),
            state: None,
            challengeable: false,
            challenge_id: None,
            message: None,
        }
    }
}

/// What `--datadir` keeps between runs (`challenge-watch.json`).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchState {
    #[serde(skip)]
    path: PathBuf,
    job_manager: Address,
    /// The next block to scan.
    next_block: Option<u64>,
    /// Challenges this watcher filed, by job ID.
    filed: BTreeMap<String, String>,
}

impl WatchState {
    fn load(dir: &Path, job_manager: Address) -> Result<WatchState> {
        std::fs::create_dir_all(dir).map_err(|e| {
            invalid_input(format!("--datadir {}: cannot create: {e}", dir.display()))
        })?;
        let path = dir.join("challenge-watch.json");
        if !path.exists() {
            return Ok(WatchState { path, job_manager, next_block: None, filed: BTreeMap::new() });
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| invalid_input(format!("{}: cannot read: {e}", path.display())))?;
        let mut state: WatchState = serde_json::from_str(&text).map_err(|e| {
            invalid_input(format!("{}: not a watch state file ({e}); move it away", path.display()))
        })?;
        if state.job_manager != job_manager {
            return Err(invalid_input(format!(
                "--datadir {} watches JobManager {}, not {job_manager}: use another --datadir",
                dir.display(),
                state.job_manager
            )));
        }
        state.path = path;
        Ok(state)
    }

    fn save(&self) -> Result<()> {
        let text = serde_json::to_vec_pretty(self).context("encoding the watch state")?;
        super::super::prove::write_atomically(&self.path, &text)
    }
}

pub fn run(args: WatchArgs) -> Outcome {
    let elfs = load_elfs(&args.elfs, &args.elf_dirs)?;
    let net = args.network.resolve()?;
    let (job_manager, deploy_block) = job_manager_of(&args.job_manager, &net)?;
    let signer = if args.file { Some(args.keys.signer(&net)?) } else { None };
    let inputs = InputSources {
        node: net.node_url.as_deref().map(NodeClient::new).transpose()?,
        beacon: args.blobs.client()?,
    };
    let rt = runtime()?;
    let chain = rt.block_on(connect(&net, signer))?;
    let mut state = match &args.datadir {
        Some(dir) => Some(WatchState::load(dir, job_manager)?),
        None => None,
    };
    let proof_dir = args
        .proof_dir
        .clone()
        .or_else(|| args.datadir.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    ui::status(
        "Watching",
        format!(
            "results on JobManager {job_manager} for {} program(s){}",
            elfs.len(),
            if args.file { ", challenging wrong ones" } else { " (watch-only)" }
        ),
    );

    let resume = state.as_ref().and_then(|s| s.next_block);
    let from_block = args.from_block.or(resume).unwrap_or(deploy_block);
    let mut report = WatchReport { from_block, to_block: None, jobs: Vec::new() };
    let mut next = from_block;
    let mut unchallenged_wrong = 0usize;
    let mut unchecked = 0usize;
    loop {
        let (results, latest) = match rt.block_on(new_results(&chain, job_manager, next)) {
            Ok(found) => found,
            // A long-running watch outlives RPC hiccups: say so and try again next poll.
            Err(e) if !args.once => {
                ui::warn(format!("{e:#}; retrying"));
                if rt.block_on(interrupted(Duration::from_millis(args.interval.max(100)))) {
                    break;
                }
                continue;
            }
            Err(e) => return Err(e),
        };
        report.to_block = Some(latest);
        next = latest + 1;
        for job_id in results {
            let filed_before =
                state.as_ref().and_then(|s| s.filed.get(&job_id.to_string()).cloned());
            let line = match filed_before {
                Some(ref id) => JobLine {
                    verdict: "challenged".into(),
                    challenge_id: Some(id.clone()),
                    message: Some(format!("already challenged by this watcher (challenge {id})")),
                    ..JobLine::new(job_id)
                },
                None => watch_job(
                    &rt,
                    &chain,
                    job_manager,
                    deploy_block,
                    job_id,
                    &elfs,
                    &inputs,
                    &args,
                    &proof_dir,
                ),
            };
            if let (Some(state), Some(id), None) = (&mut state, &line.challenge_id, filed_before) {
                state.filed.insert(line.job_id.clone(), id.clone());
                state.save()?;
            }
            if line.verdict == "wrong" && line.challengeable && line.challenge_id.is_none() {
                unchallenged_wrong += 1;
            }
            if line.verdict == "error" {
                unchecked += 1;
            }
            if !args.json.json {
                print_line(&line);
            }
            report.jobs.push(line);
        }
        if let Some(state) = &mut state {
            state.next_block = Some(next);
            state.save()?;
        }
        if args.once || rt.block_on(interrupted(Duration::from_millis(args.interval.max(100)))) {
            break;
        }
    }
    if args.json.json {
        ui::print_json(&report)?;
    }
    Ok(match (args.once, unchallenged_wrong, unchecked) {
        (true, w, _) if w > 0 => Code::WrongResult,
        (true, _, u) if u > 0 => Code::Unchecked,
        _ => Code::Ok,
    })
}

/// Every ELF given, by program ID.
fn load_elfs(files: &[PathBuf], dirs: &[PathBuf]) -> Result<HashMap<[u8; 32], Elf>> {
    let mut paths: Vec<PathBuf> = files.to_vec();
    for dir in dirs {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| invalid_input(format!("--elf-dir {}: cannot read: {e}", dir.display())))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "elf"))
            .collect();
        if found.is_empty() {
            return Err(invalid_input(format!(
                "--elf-dir {}: no *.elf files (build them with `ivm build`)",
                dir.display()
            )));
        }
        found.sort();
        paths.extend(found);
    }
    let mut elfs = HashMap::new();
    for path in paths {
        let elf = Elf::load(&path)?;
        elfs.insert(elf.id, elf);
    }
    Ok(elfs)
}

/// The jobs of `ResultRecorded` events from `from` to the latest block, and that block.
async fn new_results(chain: &Client, job_manager: Address, from: u64) -> Result<(Vec<B256>, u64)> {
    let latest =
        chain.block_number().await.map_err(|e| chain_error("reading the block number", e))?;
    if from > latest {
        return Ok((Vec::new(), from - 1));
    }
    let filter = Filter::new()
        .address(job_manager)
        .event_signature(ResultRecorded::SIGNATURE_HASH)
        .from_block(from)
        .to_block(latest);
    let logs = chain
        .provider()
        .get_logs(&filter)
        .await
        .with_context(|| format!("eth_getLogs for blocks {from}..={latest}"))
        .map_err(|e| chain_error("reading ResultRecorded events", format!("{e:#}")))?;
    let jobs = logs
        .iter()
        .map(|log| decode_log::<ResultRecorded>(log).map(|e| e.jobID))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| chain_error("decoding ResultRecorded", e))?;
    Ok((jobs, latest))
}

/// Where offchain inputs are read besides the chain's RPC node.
struct InputSources {
    node: Option<NodeClient>,
    beacon: Option<crate::beacon::BeaconClient>,
}

/// Checks one posted result (and challenges it with `--file`); failures become the line's
/// message so the watch goes on.
#[allow(clippy::too_many_arguments)]
fn watch_job(
    rt: &Runtime,
    chain: &Client,
    job_manager: Address,
    from_block: u64,
    job_id: B256,
    elfs: &HashMap<[u8; 32], Elf>,
    inputs: &InputSources,
    args: &WatchArgs,
    proof_dir: &Path,
) -> JobLine {
    let mut line = JobLine::new(job_id);
    let job = match rt.block_on(read_job(chain, job_manager, job_id, from_block)) {
        Ok(job) => job,
        Err(e) => {
            line.message = Some(format!("{e:#}"));
            return line;
        }
    };
    line.program_id = Some(to_hex(&job.job.program_id));
    line.state = Some(state_name(job.state));
    let Some(elf) =
        <[u8; 32]>::try_from(job.job.program_id.as_slice()).ok().and_then(|id| elfs.get(&id))
    else {
        line.verdict = "skipped".into();
        line.message = Some("the job's program is not among the ELFs given".into());
        return line;
    };
    line.program = elf.path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let source =
        OffchainSource::Fetch { chain, beacon: inputs.beacon.as_ref(), node: inputs.node.as_ref() };
    let inspection = match rt.block_on(inspect(job, elf, source)) {
        Ok(i) => i,
        Err(e) => {
            line.message = Some(format!("{e:#}"));
            return line;
        }
    };
    let verdict = inspection.verdict();
    line.verdict = serde_json::to_value(verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    line.challengeable = verdict == Verdict::Wrong && inspection.not_challengeable().is_none();
    if !line.challengeable {
        if let (Verdict::Wrong, Some(why)) = (verdict, inspection.not_challengeable()) {
            line.message = Some(why);
        }
        return line;
    }
    if !args.file {
        return line;
    }
    let filed = refuse_unless_challengeable(&inspection).and_then(|()| {
        let out = proof_dir.join(default_proof_path(&job_id));
        challenge(
            rt,
            chain,
            &inspection,
            elf,
            ProofSource::Prove { out, memory: &args.memory },
            Filing::ProofInBlobs,
        )
    });
    match filed {
        Ok(report) => line.challenge_id = report.challenge_id,
        Err(e) => line.message = Some(format!("not challenged: {e:#}")),
    }
    line
}

/// Sleeps `wait`; true if Ctrl-C came first.
async fn interrupted(wait: Duration) -> bool {
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.is_ok(),
        _ = tokio::time::sleep(wait) => false,
    }
}

fn print_line(l: &JobLine) {
    let program = l.program.clone().unwrap_or_else(|| "?".into());
    let verdict = match l.verdict.as_str() {
        "correct" => console::style("correct").green().to_string(),
        // Wrong, but already overturned: nothing stands, nothing to do.
        "wrong" if l.state == Some("overturned") => {
            console::style("overturned").green().to_string()
        }
        "wrong" => console::style("WRONG").red().bold().to_string(),
        other => other.to_string(),
    };
    let mut text = format!("{}  {program:<12} {verdict}", l.job_id);
    if let Some(id) = &l.challenge_id {
        text.push_str(&format!("  challenged: challenge {id}"));
    } else if l.challengeable {
        text.push_str(&format!("  (ivm challenge file --job {})", l.job_id));
    }
    if let Some(m) = &l.message {
        text.push_str(&format!("  {m}"));
    }
    println!("{text}");
}
