//! `ivm job submit|status|result|list`: jobs on a coprocessor network.
//!
//! Offchain jobs (default): build an `OffchainJobRequest`, sign it EIP-191 with the requester
//! key (the consumer's offchain signer), and send it to the node's `submit_job`. Onchain jobs
//! (`--onchain`): call `ExampleConsumer.requestJob` on the chain; the node picks the job up from
//! the `JobCreated` event.
use std::time::Duration;

use alloy_dyn_abi::{DynSolType, DynSolValue};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use ivm_api::{RelayStrategy, SubmitJobRequest};
use ivm_contracts::{
    alloy_primitives::{Address, Bytes},
    alloy_sol_types::SolEvent,
    bindings::JobManager::JobCreated,
    client::{alloy_signer_local::PrivateKeySigner, decode_log, Client},
    sign_eip191, OffchainJobRequest,
};
use serde::Serialize;

use super::watch::{self, JobView};
use crate::{
    cli::JsonFlag,
    exit::{coded, invalid_input, Code, Outcome},
    input::{parse_hex, to_hex, InputArgs},
    keys::KeyArgs,
    network::{parse_address, parse_job_id, runtime, NetworkArgs, Resolved},
    node_client::NodeClient,
    ui,
};

/// Default `--max-cycles` for jobs.
pub const DEFAULT_JOB_MAX_CYCLES: u64 = 10_000_000;

#[derive(Debug, Args)]
pub struct JobArgs {
    #[command(subcommand)]
    pub command: JobCommand,
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Submit a job (offchain by default; `--onchain` requests it through the consumer contract).
    Submit(Box<SubmitArgs>),
    /// Show a job's status.
    Status(IdArgs),
    /// Show a job's output, optionally ABI-decoded.
    Result(ResultArgs),
    /// List jobs on the node: a consumer's pending ones (InfinityVM's route), or, with
    /// --state / --since / --all, every job that matches (an `ivm node` route) with its
    /// failure reason.
    List(ListArgs),
    /// Run a FAILED or stuck job again (a DONE job: relay it now). Needs the node's admin key.
    Retry(RetryArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Program ID (32 bytes of hex, as printed by `ivm build` / `ivm program-id`).
    #[arg(long, value_name = "HEX")]
    pub program_id: String,
    /// Consumer contract [default: the network profile's example consumer].
    #[arg(long, value_name = "ADDRESS")]
    pub consumer: Option<String>,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Cycle limit for the job [default: 10,000,000, or JobManager's maxJobCycles (the
    /// provability bound) when that is lower; a larger value is refused before sending].
    #[arg(long, value_name = "N")]
    pub max_cycles: Option<u64>,
    /// Request nonce (offchain jobs) [default: the next unused nonce: the consumer's
    /// getNextNonce(), past any nonce the node has seen for the consumer].
    #[arg(long, value_name = "N", conflicts_with = "onchain")]
    pub nonce: Option<u64>,
    /// Request the job on chain instead of signing an offchain request: calls the consumer's
    /// `requestJob(bytes programID, bytes onchainInput, uint64 maxCycles)` (as `ExampleConsumer`
    /// has) from the key's account; the node picks the job up from `JobCreated`.
    #[arg(long)]
    pub onchain: bool,
    /// Relay results strictly in nonce order (offchain jobs).
    #[arg(long, conflicts_with = "onchain")]
    pub ordered: bool,
    /// Wait until the job is relayed or failed (exit 0 / 9 / 10 as `ivm watch`).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, requires = "wait")]
    pub timeout: u64,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// Job ID (32 bytes of hex).
    #[arg(value_name = "JOB_ID")]
    pub job_id: String,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct ResultArgs {
    #[command(flatten)]
    pub id: IdArgs,
    /// Decode the output as Solidity ABI types, e.g. `(uint256,bytes32)` (as `abi.decode`);
    /// parameter names are allowed, as in `(uint256 n, uint256 root)`.
    #[arg(long, value_name = "TYPES")]
    pub output_abi: Option<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Consumer contract [default: the network profile's example consumer; with --state,
    /// --since or --all: every consumer].
    #[arg(long, value_name = "ADDRESS")]
    pub consumer: Option<String>,
    /// Only jobs in this state.
    #[arg(long, value_parser = ["pending", "done", "relayed", "failed"])]
    pub state: Option<String>,
    /// Only jobs accepted within this long before now (e.g. 90s, 15m, 2h, 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub since: Option<std::time::Duration>,
    /// Every job on the node (newest first), not only a consumer's pending ones.
    #[arg(long)]
    pub all: bool,
    /// At most this many jobs (newest first).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: usize,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub fn run(args: JobArgs) -> Outcome {
    match args.command {
        JobCommand::Submit(a) => submit(*a),
        JobCommand::Status(a) => status(a),
        JobCommand::Result(a) => result(a),
        JobCommand::List(a) => list(a),
        JobCommand::Retry(a) => retry(a),
    }
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// Job ID (32 bytes of hex).
    #[arg(value_name = "JOB_ID")]
    pub job_id: String,
    /// The node's admin key (`ivm node --admin-key`).
    #[arg(long, env = "IVM_ADMIN_KEY", hide_env_values = true, value_name = "KEY")]
    pub admin_key: String,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// `90s`, `15m`, `2h`, `1d`, or seconds.
fn parse_age(s: &str) -> std::result::Result<std::time::Duration, String> {
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 =
        digits.parse().map_err(|_| format!("{s:?} is not a duration (e.g. 90s, 15m, 2h, 1d)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

fn retry(args: RetryArgs) -> Outcome {
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let id = args.job_id.trim();
    let done = runtime()?.block_on(node.retry_job(id, &args.admin_key))?;
    if args.json.json {
        ui::print_json(&done)?;
    } else {
        ui::status(
            "Retried",
            format!("job {} ({} → {})", done.job_id, done.previous_state, done.state),
        );
    }
    Ok(Code::Ok)
}

/// Every job matching the filters, from the node's operator route.
fn list_filtered(args: ListArgs) -> Outcome {
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let since_ms = args.since.map(|d| {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        now.saturating_sub(d).as_millis() as u64
    });
    let query = ivm_api::operator::JobListQuery {
        state: args.state.clone(),
        consumer: args.consumer.clone(),
        since_ms,
        limit: Some(args.limit),
    };
    let list = runtime()?.block_on(node.jobs(&query))?;
    if args.json.json {
        ui::print_json(&list)?;
        return Ok(Code::Ok);
    }
    if list.jobs.is_empty() {
        eprintln!("no jobs match");
    }
    for j in &list.jobs {
        let reason = j.failure_reason.as_deref().map(|r| format!("  {r}")).unwrap_or_default();
        println!("{}  {:<8} nonce {:<6} {}{reason}", j.job_id, j.state, j.nonce, j.consumer);
    }
    if list.matching as usize > list.jobs.len() {
        eprintln!("({} of {} matching jobs; --limit for more)", list.jobs.len(), list.matching);
    }
    Ok(Code::Ok)
}

/// `--json` of `job submit`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Submitted {
    job_id: String,
    kind: &'static str,
    nonce: u64,
    consumer: Address,
    program_id: String,
    /// Onchain jobs: the `requestJob` transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<String>,
    /// With --wait: the final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<JobView>,
}

fn consumer_of(flag: &Option<String>, net: &Resolved) -> Result<Address> {
    match flag {
        Some(c) => parse_address("--consumer", c),
        None => net.default_consumer().ok_or_else(|| {
            invalid_input("no consumer: pass --consumer <address> (or use a network profile with an example consumer, e.g. `ivm devnet`)")
        }),
    }
}

fn parse_program_id(s: &str) -> Result<Vec<u8>> {
    let id = parse_hex(s).map_err(|e| invalid_input(format!("--program-id: {e}")))?;
    if id.len() != 32 {
        return Err(invalid_input(format!(
            "--program-id must be 32 bytes (64 hex digits), got {} bytes",
            id.len()
        )));
    }
    Ok(id)
}

fn chain_error(what: &str, e: impl std::fmt::Display) -> anyhow::Error {
    coded(Code::Network, format!("{what}: {e}"))
}

async fn connect(net: &Resolved, signer: PrivateKeySigner) -> Result<Client> {
    let rpc = net.rpc_url()?;
    Client::connect_with_signer(rpc, signer)
        .await
        .map_err(|e| chain_error(&format!("connecting to {rpc}"), e))
}

fn submit(args: SubmitArgs) -> Outcome {
    let program_id = parse_program_id(&args.program_id)?;
    let inputs = args.inputs.read()?;
    if args.max_cycles == Some(0) {
        return Err(invalid_input("--max-cycles must be greater than 0"));
    }
    let net = args.network.resolve()?;
    let consumer = consumer_of(&args.consumer, &net)?;
    let signer = args.keys.signer(&net)?;
    let node = NodeClient::new(net.node_url()?)?;
    let rt = runtime()?;
    let max_cycles = rt.block_on(resolve_max_cycles(&net, signer.clone(), args.max_cycles))?;
    let mut submitted = rt.block_on(async {
        if args.onchain {
            if !inputs.offchain.is_empty() {
                return Err(invalid_input(
                    "--onchain jobs have no offchain input (drop --offchain-input-*, or submit an offchain job)",
                ));
            }
            // The node must be able to run it: refuse before anything is sent on chain.
            if !node.contains_program(program_id.clone()).await? {
                return Err(invalid_input(format!(
                    "the node at {} does not have program {}: submit it first with `ivm program submit <elf>` (an onchain job for it would wait on chain until then)",
                    node.url(),
                    to_hex(&program_id)
                )));
            }
            let client = connect(&net, signer).await?;
            warn_if_nonce_taken(&client, &node, consumer).await;
            let (job_id, receipt) = client
                .request_job(consumer, program_id.clone(), inputs.onchain.clone(), max_cycles)
                .await
                .map_err(|e| chain_error(&format!("ExampleConsumer({consumer}).requestJob"), e))?;
            // The nonce the consumer used, from JobManager's JobCreated log in the receipt.
            let nonce = receipt
                .inner
                .logs()
                .iter()
                .find(|l| l.topics().first() == Some(&JobCreated::SIGNATURE_HASH))
                .and_then(|l| decode_log::<JobCreated>(l).ok())
                .map(|e| e.nonce)
                .unwrap_or_default();
            Ok::<_, anyhow::Error>(Submitted {
                job_id: to_hex(job_id.as_slice()),
                kind: "onchain",
                nonce,
                consumer,
                program_id: to_hex(&program_id),
                tx_hash: Some(to_hex(receipt.transaction_hash.as_slice())),
                result: None,
            })
        } else {
            let nonce = match args.nonce {
                Some(n) => n,
                None => next_nonce(&net, &node, consumer, signer.clone()).await?,
            };
            let request = OffchainJobRequest::new(
                nonce,
                max_cycles,
                consumer,
                Bytes::from(program_id.clone()),
                Bytes::from(inputs.onchain.clone()),
                &inputs.offchain,
            );
            let encoded = request.encode();
            let signature = sign_eip191(signer.credential(), &encoded).map_err(|e| anyhow::anyhow!("{e}"))?;
            let strategy = if args.ordered { RelayStrategy::Ordered } else { RelayStrategy::Unordered };
            let resp = node
                .submit_job(&SubmitJobRequest {
                    request: encoded,
                    signature: signature.to_vec(),
                    offchain_input: inputs.offchain.clone(),
                    relay_strategy: strategy as i32,
                })
                .await
                .context("submitting the job")?;
            let expected = request.job_id();
            if resp.job_id != expected.as_slice() {
                ui::warn(format!(
                    "the node answered job ID {} but the request's job ID is {expected}",
                    to_hex(&resp.job_id)
                ));
            }
            Ok(Submitted {
                job_id: to_hex(expected.as_slice()),
                kind: "offchain",
                nonce,
                consumer,
                program_id: to_hex(&program_id),
                tx_hash: None,
                result: None,
            })
        }
    })?;
    if !args.json.json {
        eprintln!(
            "submitted {} job, nonce {}, consumer {}",
            submitted.kind, submitted.nonce, submitted.consumer
        );
        println!("{}", submitted.job_id);
    }
    let mut code = Code::Ok;
    if args.wait {
        let id = parse_job_id(&submitted.job_id)?;
        if args.onchain {
            let timeout = Duration::from_secs(args.timeout);
            rt.block_on(await_onchain_record(&node, id, &program_id, &inputs.onchain, timeout))?;
        }
        let views = rt.block_on(watch::watch(
            &node,
            &[id],
            Duration::from_secs(args.timeout),
            Duration::from_millis(200),
            !args.json.json,
        ))?;
        code = watch::exit_code(&views);
        let view = views.into_iter().next().expect("one job");
        if !args.json.json {
            println!("status  {}", view.describe());
            if let Some(o) = &view.output {
                println!("output  {o}");
            }
        }
        submitted.result = Some(view);
    }
    if args.json.json {
        ui::print_json(&submitted)?;
    }
    Ok(code)
}

/// The next unused nonce of `consumer`: its `getNextNonce()`, past any nonce the node has
/// seen for it (offchain jobs only reach the chain when relayed, and a FAILED one never does,
/// but its job ID stays taken).
async fn next_nonce(
    net: &Resolved,
    node: &NodeClient,
    consumer: Address,
    signer: PrivateKeySigner,
) -> Result<u64> {
    if net.rpc_url.is_none() {
        return Err(invalid_input(
            "cannot choose a nonce without an RPC URL: pass --nonce <n>, --rpc-url <url>, or --network <profile>",
        ));
    }
    let client = connect(net, signer).await?;
    let chain = client
        .consumer_next_nonce(consumer)
        .await
        .map_err(|e| chain_error(&format!("reading getNextNonce() of consumer {consumer}"), e))?;
    let pending = node.pending_jobs(consumer.into_array()).await.unwrap_or_default();
    // Every nonce the node has seen (a FAILED job's included) stays bound to its job ID.
    let seen = node.highest_nonce(consumer.into_array()).await?;
    Ok(pending.into_iter().chain(seen).map(|n| n + 1).fold(chain, u64::max))
}

/// The job's cycle limit: as given, else the default, and never above `JobManager`'s
/// provability bound when the network profile names the `JobManager` (a larger limit is refused
/// here, before anything is signed or sent; without a profile the node and the chain check it).
async fn resolve_max_cycles(
    net: &Resolved,
    signer: PrivateKeySigner,
    requested: Option<u64>,
) -> Result<u64> {
    let wanted = requested.unwrap_or(DEFAULT_JOB_MAX_CYCLES);
    let (Some(profile), Some(_)) = (&net.profile, &net.rpc_url) else { return Ok(wanted) };
    let jm = profile.contracts.job_manager;
    let client = connect(net, signer).await?;
    let bound = match client.max_job_cycles(jm).await {
        Ok(b) => b,
        // A JobManager deployed before the bound existed: there is none to respect.
        Err(e) => {
            ui::warn(format!("cannot read maxJobCycles() of JobManager {jm} ({e}); not checking --max-cycles against it"));
            return Ok(wanted);
        }
    };
    match requested {
        Some(n) if n > bound => Err(invalid_input(format!(
            "--max-cycles {n} is above JobManager's maxJobCycles {bound}, the largest run a challenger can prove: pass at most {bound}"
        ))),
        Some(n) => Ok(n),
        None => Ok(wanted.min(bound)),
    }
}

/// Before an onchain request: the consumer's contract picks the job's nonce itself
/// (`getNextNonce()`), and if the node already holds a job at that nonce — an offchain request
/// that failed, or one not yet relayed — the onchain job takes its job ID and the node replaces
/// it. Say so; nothing here can choose another nonce.
async fn warn_if_nonce_taken(client: &Client, node: &NodeClient, consumer: Address) {
    let Ok(next) = client.consumer_next_nonce(consumer).await else { return };
    let id = ivm_contracts::job_id(next, consumer);
    if let Ok(Some(held)) = node.get_result(id.0).await {
        let view = JobView::from_result(&id.0, &held);
        ui::warn(format!(
            "the consumer's next nonce {next} belongs to job {id} on the node ({} {}); this \
             onchain job takes the same job ID and the node replaces that record",
            view.kind.unwrap_or("offchain"),
            view.status
        ));
    }
}

/// After an onchain request: waits until the node's record under `id` is this onchain job
/// (no request signature, this program and onchain input) — until then it may still hold an
/// older offchain job with the same ID, whose status is not this job's.
async fn await_onchain_record(
    node: &NodeClient,
    id: [u8; 32],
    program_id: &[u8],
    onchain_input: &[u8],
    timeout: Duration,
) -> Result<()> {
    let start = std::time::Instant::now();
    loop {
        if let Some(r) = node.get_result(id).await? {
            if r.request_signature.is_empty()
                && r.program_id == program_id
                && r.onchain_input == onchain_input
            {
                return Ok(());
            }
        }
        if start.elapsed() >= timeout {
            return Err(coded(
                Code::Timeout,
                format!(
                    "the node has not picked up onchain job {} within {} s (its listener follows \
                     JobCreated events; check the node's --rpc-url and `ivm watch` the job later)",
                    to_hex(&id),
                    timeout.as_secs()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn fetch(node: &NodeClient, id: [u8; 32]) -> Result<ivm_api::JobResult> {
    node.get_result(id).await?.ok_or_else(|| {
        invalid_input(format!("job {} not found on the node at {}", to_hex(&id), node.url()))
    })
}

fn status(args: IdArgs) -> Outcome {
    let id = parse_job_id(&args.job_id)?;
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let rt = runtime()?;
    let r = match rt.block_on(node.get_result(id))? {
        Some(r) => r,
        // The node never saw it: the chain may still know the job (another node relayed it,
        // or it is an onchain job this node has not picked up).
        None => return rt.block_on(status_from_chain(&net, &node, id, args.json.json)),
    };
    let view = JobView::from_result(&id, &r);
    if args.json.json {
        ui::print_json(&view)?;
    } else {
        print_view(&view);
    }
    Ok(Code::Ok)
}

/// `job status` of a job the node has no record of: its state in `JobManager` (the network
/// profile's), or "unknown" to both (exit 3).
async fn status_from_chain(net: &Resolved, node: &NodeClient, id: [u8; 32], json: bool) -> Outcome {
    let unknown =
        || invalid_input(format!("job {} not found on the node at {}", to_hex(&id), node.url()));
    let Some((client, jm)) = net.job_manager_reader().await else { return Err(unknown()) };
    let meta = client.job_metadata(jm, id.into()).await.map_err(|e| {
        chain_error(&format!("reading job {} from JobManager {jm}", to_hex(&id)), e)
    })?;
    if meta.status == 0 {
        return Err(invalid_input(format!(
            "job {} is unknown to the node at {} and to JobManager {jm}",
            to_hex(&id),
            node.url()
        )));
    }
    let state = super::challenge::state_name(meta.status);
    let doc = serde_json::json!({
        "jobId": to_hex(&id),
        "status": state,
        "source": "chain",
        "consumer": meta.consumer.to_string(),
        "programId": to_hex(&meta.programID),
        "maxCycles": meta.maxCycles,
    });
    if json {
        ui::print_json(&doc)?;
    } else {
        let row = |k: &str, val: &dyn std::fmt::Display| println!("{k:<18}{val}");
        row("job", &to_hex(&id));
        row(
            "status",
            &format!("{state} (from JobManager; the node at {} has no record)", node.url()),
        );
        row("consumer", &meta.consumer);
        row("program", &to_hex(&meta.programID));
        row("max cycles", &ui::thousands(meta.maxCycles));
    }
    Ok(Code::Ok)
}

fn print_view(v: &JobView) {
    let row = |k: &str, val: &dyn std::fmt::Display| println!("{k:<18}{val}");
    row("job", &v.job_id);
    row("status", &v.describe());
    if let Some(k) = v.kind {
        row("kind", &k);
    }
    if let Some(n) = v.nonce {
        row("nonce", &n);
    }
    if let Some(c) = &v.consumer {
        row("consumer", c);
    }
    if let Some(p) = &v.program_id {
        row("program", p);
    }
    if let Some(m) = v.max_cycles {
        row("max cycles", &ui::thousands(m));
    }
    if let Some(i) = &v.onchain_input {
        row("onchain input", i);
    }
    if let Some(h) = &v.offchain_input_hash {
        row("offchain hash", h);
    }
    if let Some(o) = &v.output {
        row("output", o);
    }
    if let Some(r) = v.retries.filter(|r| *r > 0) {
        row("relay retries", &r);
    }
}

/// `--output-abi`: a Solidity type, or a parameter list with names as `cast` accepts
/// (`(uint256 n, uint256 root)`; the names are only labels).
fn parse_output_abi(t: &str) -> Result<DynSolType> {
    use alloy_dyn_abi::Specifier;
    DynSolType::parse(t)
        .or_else(|e| {
            alloy_dyn_abi::parser::Parameters::parse(t)
                .map_err(|_| e.clone())
                .and_then(|p| p.resolve().map_err(|_| e))
        })
        .map_err(|e| invalid_input(format!("--output-abi {t:?}: {e}")))
}

fn result(args: ResultArgs) -> Outcome {
    let id = parse_job_id(&args.id.job_id)?;
    let ty = args.output_abi.as_deref().map(parse_output_abi).transpose()?;
    let net = args.id.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let r = runtime()?.block_on(fetch(&node, id))?;
    let view = JobView::from_result(&id, &r);
    if view.status == "failed" {
        let reason = view.failure_reason.clone().unwrap_or_else(|| "no reason given".into());
        if args.id.json.json {
            ui::print_json(&view)?;
        }
        eprintln!("job {} failed: {reason}", view.job_id);
        return Ok(Code::JobFailed);
    }
    let Some(output) = watch::output_of(&r) else {
        return Err(coded(
            Code::Failure,
            format!(
                "job {} has no result yet (status {}): wait with `ivm watch {}`",
                view.job_id, view.status, view.job_id
            ),
        ));
    };
    let decoded = match &ty {
        Some(ty) => Some(decode_output(ty, &output).map_err(|e| {
            invalid_input(format!(
                "the output ({} bytes) does not decode as {}: {e}",
                output.len(),
                args.output_abi.as_deref().unwrap_or_default()
            ))
        })?),
        None => None,
    };
    if args.id.json.json {
        ui::print_json(&serde_json::json!({
            "jobId": view.job_id,
            "status": view.status,
            "output": to_hex(&output),
            "decoded": decoded,
            "relayTxHash": view.relay_tx_hash,
        }))?;
    } else {
        println!("status   {}", view.describe());
        println!("output   {}", to_hex(&output));
        if let Some(values) = decoded {
            println!("decoded");
            for v in values {
                println!("  {}", human(&v));
            }
        }
    }
    Ok(Code::Ok)
}

/// Decodes `data` like Solidity's `abi.decode(data, (T…))`: a tuple type is a parameter list;
/// a single type is a one-element list. Returns one JSON value per element.
pub fn decode_output(ty: &DynSolType, data: &[u8]) -> Result<Vec<serde_json::Value>> {
    let seq = match ty {
        DynSolType::Tuple(_) => ty.clone(),
        other => DynSolType::Tuple(vec![other.clone()]),
    };
    let value = seq.abi_decode_sequence(data)?;
    let DynSolValue::Tuple(items) = value else { unreachable!("decoded a tuple type") };
    Ok(items.iter().map(to_json).collect())
}

/// JSON for an ABI value: integers as decimal strings, bytes as 0x-hex, addresses checksummed.
fn to_json(v: &DynSolValue) -> serde_json::Value {
    use serde_json::Value;
    match v {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::Uint(u, _) => Value::String(u.to_string()),
        DynSolValue::FixedBytes(w, n) => Value::String(to_hex(&w[..*n])),
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Function(f) => Value::String(to_hex(f.as_slice())),
        DynSolValue::Bytes(b) => Value::String(to_hex(b)),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(xs) | DynSolValue::FixedArray(xs) | DynSolValue::Tuple(xs) => {
            Value::Array(xs.iter().map(to_json).collect())
        }
        #[allow(unreachable_patterns)]
        _ => Value::Null,
    }
}

fn human(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn list(args: ListArgs) -> Outcome {
    if args.all || args.state.is_some() || args.since.is_some() {
        return list_filtered(args);
    }
    let net = args.network.resolve()?;
    let consumer = consumer_of(&args.consumer, &net)?;
    let node = NodeClient::new(net.node_url()?)?;
    let nonces = runtime()?.block_on(node.pending_jobs(consumer.into_array()))?;
    let jobs: Vec<serde_json::Value> = nonces
        .iter()
        .map(|n| serde_json::json!({ "nonce": n, "jobId": to_hex(ivm_contracts::job_id(*n, consumer).as_slice()) }))
        .collect();
    if args.json.json {
        ui::print_json(&serde_json::json!({ "consumer": consumer, "pendingJobs": jobs }))?;
    } else if jobs.is_empty() {
        eprintln!("no pending jobs for consumer {consumer}");
    } else {
        for j in &jobs {
            println!("{:>8}  {}", j["nonce"], human(&j["jobId"]));
        }
    }
    Ok(Code::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_abi_accepts_parameter_names_like_cast() {
        let plain = parse_output_abi("(uint256,uint256)").unwrap();
        assert_eq!(parse_output_abi("(uint256 n,uint256 root)").unwrap(), plain);
        assert_eq!(parse_output_abi("(uint256 n, uint256 root)").unwrap(), plain);
        assert!(parse_output_abi("(uint256 n,,)").is_err());
        assert!(parse_output_abi("nosuchtype").is_err());
    }
}
