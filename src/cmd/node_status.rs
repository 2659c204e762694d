//! `ivm node status`: the node at a glance from its operator endpoints (`GET /v1/status`),
//! once or as a live view (`--watch`).
use std::time::Duration;

use clap::Args;
use ivm_api::operator::NodeStatus;

use crate::{
    cli::JsonFlag,
    exit::{Code, Outcome},
    network::{runtime, NetworkArgs},
    node_client::NodeClient,
    ui,
};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Redraw every N seconds until Ctrl-C (a live dashboard; a terminal is expected).
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "1")]
    pub watch: Option<u64>,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub fn run(args: StatusArgs) -> Outcome {
    let net = args.network.resolve()?;
    let node = NodeClient::new(net.node_url()?)?;
    let rt = runtime()?;
    let Some(every) = args.watch else {
        let status = rt.block_on(node.status())?;
        if args.json.json {
            ui::print_json(&status)?;
        } else {
            print!("{}", render(node.url(), &status));
        }
        return Ok(Code::Ok);
    };
    let every = Duration::from_secs(every.max(1));
    loop {
        let frame = match rt.block_on(node.status()) {
            Ok(status) => render(node.url(), &status),
            Err(e) => format!("{}: {e:#}\n", node.url()),
        };
        // Clear the screen and draw from the top left.
        print!("\x1b[2J\x1b[H{frame}\n(every {}s; Ctrl-C to stop)\n", every.as_secs());
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::thread::sleep(every);
    }
}

/// The status as a few aligned lines.
pub fn render(url: &str, s: &NodeStatus) -> String {
    let mut out = format!("node {url}\n");
    let j = &s.jobs;
    out += &format!(
        "  jobs       {} pending · {} done · {} relayed · {} failed\n",
        ui::thousands(j.pending),
        ui::thousands(j.done),
        ui::thousands(j.relayed),
        ui::thousands(j.failed)
    );
    let e = &s.executors;
    out += &format!("  executors  {}/{} busy · {} queued\n", e.running, e.total, e.queued);
    let r = &s.relay;
    let lag =
        r.oldest_waiting_ms.map_or("—".to_string(), |ms| format!("{:.1}s", ms as f64 / 1000.0));
    out += &format!(
        "  relay      {} in flight · {} waiting · oldest waits {lag} · {} relayed since start\n",
        r.in_flight,
        r.backlog,
        ui::thousands(r.relayed_since_start)
    );
    let l = &s.listener;
    out += &match (l.enabled, l.chain_head, l.lag_blocks) {
        (false, _, _) => "  listener   off\n".to_string(),
        (true, Some(head), Some(lag)) => {
            format!("  listener   next block {} · head {head} · {lag} behind\n", l.next_block)
        }
        (true, _, _) => format!("  listener   next block {} · chain head unknown\n", l.next_block),
    };
    if !s.cluster.is_empty() {
        let alive = s.cluster.iter().filter(|n| n.alive).count();
        out += &format!("  cluster    {alive} of {} nodes alive\n", s.cluster.len());
        for n in &s.cluster {
            let roles = if n.roles.is_empty() { String::new() } else { n.roles.join(", ") };
            out += &format!(
                "    {}{} {} {} · beat {:.1}s ago{}\n",
                if n.this_node { "*" } else { " " },
                n.node_id,
                n.url,
                if n.alive { "alive" } else { "GONE" },
                n.heartbeat_age_ms as f64 / 1000.0,
                if roles.is_empty() || !n.alive { String::new() } else { format!(" · {roles}") }
            );
        }
    }
    if s.recent_failures.is_empty() {
        out += "  failures   none\n";
    } else {
        out += "  failures   (newest first)\n";
        for f in &s.recent_failures {
            out += &format!(
                "    {} {} {}\n",
                f.job_id,
                f.state,
                f.failure_reason.as_deref().unwrap_or("")
            );
        }
    }
    out
}
