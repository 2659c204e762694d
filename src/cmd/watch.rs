//! `ivm watch <job id>…`: follow jobs until each is relayed or failed (or `--timeout`).
//! A live multi-line view on a terminal; one plain line per state change otherwise.
//! Exit: 0 all relayed, 9 some job failed, 10 timeout (docs/exit-codes.md).
use std::{
    collections::BTreeMap,
    io::IsTerminal,
    time::{Duration, Instant},
};

use anyhow::Result;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use ivm_api::{JobResult, JobStatusType};
use ivm_contracts::{OffchainResultWithMetadata, ResultWithMetadata};
use serde::Serialize;

use crate::{
    cli::JsonFlag,
    exit::{invalid_input, Code, Outcome},
    input::to_hex,
    network::{parse_job_id, runtime, NetworkArgs, Resolved},
    node_client::NodeClient,
    ui,
};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Job IDs (32 bytes of hex).
    #[arg(required = true, value_name = "JOB_ID")]
    pub jobs: Vec<String>,
    /// Give up after this many seconds (exit 10).
    #[arg(long, value_name = "SECS", default_value_t = 300, env = "IVM_WATCH_TIMEOUT")]
    pub timeout: u64,
    /// Poll interval in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 250)]
    pub interval: u64,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub fn run(args: WatchArgs) -> Outcome {
    let ids = args.jobs.iter().map(|j| parse_job_id(j)).collect::<Result<Vec<_>>>()?;
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let rt = runtime()?;
    let grace = Duration::from_secs(args.timeout.min(UNKNOWN_GRACE_SECS));
    rt.block_on(refuse_unknown(&net, &node, &ids, grace))?;
    let views = rt.block_on(watch(
        &node,
        &ids,
        Duration::from_secs(args.timeout),
        Duration::from_millis(args.interval.max(10)),
        !args.json.json,
    ))?;
    if args.json.json {
        ui::print_json(&serde_json::json!({ "jobs": views }))?;
    } else {
        for v in &views {
            println!("{}  {}", v.job_id, v.describe());
        }
    }
    Ok(exit_code(&views))
}

/// How long `ivm watch` waits for a job neither the node nor the chain knows before saying so.
const UNKNOWN_GRACE_SECS: u64 = 5;

/// A job ID that neither the node nor `JobManager` (the network profile's) knows after `grace`
/// is most likely mistyped: say so (exit 3) instead of waiting out the whole timeout. Without a
/// profile there is no chain to ask, and `watch` just waits.
async fn refuse_unknown(
    net: &Resolved,
    node: &NodeClient,
    ids: &[[u8; 32]],
    grace: Duration,
) -> Result<()> {
    let Some((chain, jm)) = net.job_manager_reader().await else { return Ok(()) };
    let start = Instant::now();
    loop {
        let mut unknown = Vec::new();
        for id in ids {
            let on_node = !matches!(node.get_result(*id).await, Ok(None));
            let on_chain =
                !matches!(chain.job_metadata(jm, (*id).into()).await, Ok(m) if m.status == 0);
            if !on_node && !on_chain {
                unknown.push(to_hex(id));
            }
        }
        if unknown.is_empty() {
            return Ok(());
        }
        if start.elapsed() >= grace {
            return Err(invalid_input(format!(
                "{} unknown to the node at {} and to JobManager {jm} after {} s: check the ID (a job is known once submitted to the node, or created on chain)",
                unknown.join(", "),
                node.url(),
                grace.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A job as the CLI reports it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub job_id: String,
    /// `unknown` (the node has not seen it yet), `pending`, `done`, `failed`, `relayed`, or
    /// `timeout` (from `watch` only).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cycles: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onchain_input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offchain_input_hash: Option<String>,
    /// The program's output (once executed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_tx_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

impl JobView {
    pub fn unknown(id: &[u8; 32]) -> JobView {
        JobView {
            job_id: to_hex(id),
            status: "unknown".into(),
            failure_reason: None,
            kind: None,
            nonce: None,
            consumer: None,
            program_id: None,
            max_cycles: None,
            onchain_input: None,
            offchain_input_hash: None,
            output: None,
            relay_tx_hash: None,
            retries: None,
        }
    }

    pub fn from_result(id: &[u8; 32], r: &JobResult) -> JobView {
        let st = r.status.as_ref();
        let status = match st.map(|s| JobStatusType::try_from(s.status)) {
            Some(Ok(JobStatusType::Pending)) => "pending",
            Some(Ok(JobStatusType::Done)) => "done",
            Some(Ok(JobStatusType::Failed)) => "failed",
            Some(Ok(JobStatusType::Relayed)) => "relayed",
            _ => "unspecified",
        };
        let offchain = !r.request_signature.is_empty();
        let non_empty = |b: &Vec<u8>| (!b.is_empty()).then(|| to_hex(b));
        JobView {
            job_id: to_hex(id),
            status: status.into(),
            failure_reason: st.and_then(|s| s.failure_reason.clone()),
            kind: Some(if offchain { "offchain" } else { "onchain" }),
            nonce: Some(r.nonce),
            consumer: non_empty(&r.consumer_address),
            program_id: Some(to_hex(&r.program_id)),
            max_cycles: Some(r.max_cycles),
            onchain_input: Some(to_hex(&r.onchain_input)),
            offchain_input_hash: non_empty(&r.offchain_input_hash),
            output: output_of(r).map(|o| to_hex(&o)),
            relay_tx_hash: non_empty(&r.relay_tx_hash),
            retries: st.map(|s| s.retries),
        }
    }

    pub fn terminal(&self) -> bool {
        matches!(self.status.as_str(), "relayed" | "failed")
    }

    pub fn describe(&self) -> String {
        match (self.status.as_str(), &self.failure_reason, &self.relay_tx_hash) {
            ("failed", Some(r), _) => format!("failed: {r}"),
            // Still open, with a reason: waiting for its program, or the last relay error.
            ("pending", Some(r), _) => format!("pending ({r})"),
            ("done", Some(r), _) => format!("done, not yet relayed ({r})"),
            ("relayed", _, Some(tx)) => format!("relayed in tx {tx}"),
            ("unknown", _, _) => "not seen by the node yet".into(),
            (s, _, _) => s.to_string(),
        }
    }
}

/// The program output inside a job's signed result, if it has one.
pub fn output_of(r: &JobResult) -> Option<Vec<u8>> {
    if r.result_with_metadata.is_empty() {
        return None;
    }
    let offchain =
        OffchainResultWithMetadata::decode(&r.result_with_metadata).map(|x| x.result.to_vec());
    let onchain = || ResultWithMetadata::decode(&r.result_with_metadata).map(|x| x.result.to_vec());
    if r.request_signature.is_empty() {
        onchain().ok().or(offchain.ok())
    } else {
        offchain.ok().or_else(|| onchain().ok())
    }
}

/// Exit code for a set of finished watches: 9 if any failed, else 10 if any timed out, else 0.
pub fn exit_code(views: &[JobView]) -> Code {
    if views.iter().any(|v| v.status == "failed") {
        Code::JobFailed
    } else if views.iter().any(|v| !v.terminal()) {
        Code::Timeout
    } else {
        Code::Ok
    }
}

/// Polls every job until all are terminal or `timeout` passes; jobs still open are reported
/// with status `timeout`. Shows progress on stderr when `show` (bars on a terminal, lines
/// otherwise).
pub async fn watch(
    node: &NodeClient,
    ids: &[[u8; 32]],
    timeout: Duration,
    interval: Duration,
    show: bool,
) -> Result<Vec<JobView>> {
    let start = Instant::now();
    let live = show && std::io::stderr().is_terminal();
    let multi = MultiProgress::new();
    let style = ProgressStyle::with_template("{spinner} {prefix}  {msg} [{elapsed}]")
        .expect("valid template");
    let bars: Vec<ProgressBar> = ids
        .iter()
        .map(|id| {
            if !live {
                return ProgressBar::hidden();
            }
            let pb = multi.add(ProgressBar::new_spinner());
            pb.set_style(style.clone());
            pb.set_prefix(short(&to_hex(id)));
            pb.set_message("waiting");
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        })
        .collect();
    let mut views: Vec<JobView> = ids.iter().map(JobView::unknown).collect();
    let mut last: BTreeMap<usize, String> = BTreeMap::new();
    loop {
        for (i, id) in ids.iter().enumerate() {
            if views[i].terminal() {
                continue;
            }
            let (view, line) = match node.get_result(*id).await {
                Ok(Some(r)) => {
                    let v = JobView::from_result(id, &r);
                    let line = v.describe();
                    (v, line)
                }
                Ok(None) => (JobView::unknown(id), JobView::unknown(id).describe()),
                // The node may be restarting: keep trying until the timeout.
                Err(e) if crate::exit::code_of(&e) == Code::Network => {
                    (views[i].clone(), format!("node unreachable, retrying ({e})"))
                }
                Err(e) => return Err(e),
            };
            if last.get(&i) != Some(&line) {
                if live {
                    bars[i].set_message(line.clone());
                } else if show {
                    eprintln!("{}  {line}", view.job_id);
                }
                last.insert(i, line);
            }
            if view.terminal() && live {
                bars[i].finish();
            }
            views[i] = view;
        }
        if views.iter().all(JobView::terminal) {
            break;
        }
        if start.elapsed() >= timeout {
            for (i, v) in views.iter_mut().enumerate() {
                if !v.terminal() {
                    v.status = "timeout".into();
                    if live {
                        bars[i].abandon_with_message(format!(
                            "timed out after {}s",
                            timeout.as_secs()
                        ));
                    } else if show {
                        eprintln!("{}  timed out after {}s", v.job_id, timeout.as_secs());
                    }
                }
            }
            break;
        }
        tokio::time::sleep(interval).await;
    }
    if live {
        let _ = multi.clear();
    }
    Ok(views)
}

fn short(hex: &str) -> String {
    if hex.len() > 14 {
        format!("{}…{}", &hex[..10], &hex[hex.len() - 4..])
    } else {
        hex.to_string()
    }
}
