//! `ivm challenge check`: re-execute one job and say whether its posted result is right.
use ivm_contracts::JOB_STATE_COMPLETED;
use ivm_node::arbiter::ClaimedOutcome;
use serde::Serialize;

use super::inspect::{state_name, CorrectRun, Inspection, Verdict};
use super::{connect, inspect_target, CheckArgs};
use crate::{
    exit::{Code, Outcome},
    input::to_hex,
    network::runtime,
    ui,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CheckReport {
    job_id: String,
    job_manager: String,
    program_id: String,
    state: &'static str,
    verdict: Verdict,
    /// The output posted on chain.
    posted_output: Option<String>,
    correct: Option<CorrectJson>,
    challengeable: bool,
    /// Why a challenge cannot be filed now.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_challengeable_reason: Option<String>,
    challenge_deadline: u64,
    /// Challenges against the posted result awaiting a verdict (they do not stop another).
    open_challenges: u32,
    /// Whether this machine can prove the job's worst case (any run within its max cycles).
    #[serde(skip_serializing_if = "Option::is_none")]
    worst_case: Option<WorstCase>,
}

/// The job's worst case against this machine, known before anyone needs to prove it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WorstCase {
    max_cycles: u64,
    /// Trace rows planned for: 2 per cycle (the allowance the provability bound is sized with).
    rows: u64,
    /// Trace rows if every cycle expanded into the program's longest virtual sequence.
    rows_upper_bound: u64,
    estimated_memory_bytes: u64,
    machine_memory_bytes: Option<u64>,
    provable_here: bool,
}

fn worst_case(elf: &super::inspect::Elf, max_cycles: u64) -> Option<WorstCase> {
    let shape = ivm_prover::v2::shape::worst_case_shape(&elf.bytes, max_cycles).ok()?;
    let longest = ivm_prover::v2::shape::longest_virtual_sequence(&elf.bytes).ok()?;
    let (total, _) = crate::cmd::prove::meminfo();
    let estimate = shape.estimated_memory_bytes();
    Some(WorstCase {
        max_cycles,
        rows: shape.rows as u64,
        rows_upper_bound: max_cycles.saturating_mul(longest),
        estimated_memory_bytes: estimate,
        machine_memory_bytes: total,
        provable_here: total.is_some_and(|t| estimate <= t),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CorrectJson {
    /// `output`, `panicked` or `failed` (faults or runs out of the job's `maxCycles`).
    outcome: &'static str,
    output: Option<String>,
    panicked: bool,
    cycles: u64,
}

pub(super) fn check_report(i: &Inspection) -> CheckReport {
    let correct = match &i.run {
        CorrectRun::Provable { outcome, cycles } => Some(CorrectJson {
            outcome: outcome.name(),
            output: match outcome {
                ClaimedOutcome::Output(o) => Some(to_hex(o)),
                ClaimedOutcome::Panicked | ClaimedOutcome::Failed => None,
            },
            panicked: matches!(outcome, ClaimedOutcome::Panicked),
            cycles: *cycles,
        }),
        CorrectRun::Skipped => None,
    };
    let blocked = i.not_challengeable();
    let c = &i.chain;
    CheckReport {
        job_id: c.id.to_string(),
        job_manager: c.job_manager.to_string(),
        program_id: to_hex(&c.job.program_id),
        state: state_name(c.state),
        verdict: i.verdict(),
        posted_output: c.posted.as_ref().map(|p| to_hex(&p.output)),
        correct,
        challengeable: blocked.is_none() && i.verdict() == Verdict::Wrong,
        not_challengeable_reason: blocked,
        challenge_deadline: c.record.challengeDeadline,
        open_challenges: c.record.openChallenges,
        worst_case: None,
    }
}

pub fn run(args: CheckArgs) -> Outcome {
    let net = args.target.network.resolve()?;
    let rt = runtime()?;
    let (inspection, elf) = rt.block_on(async {
        let chain = connect(&net, None).await?;
        inspect_target(&args.target, &net, &chain).await
    })?;
    let mut report = check_report(&inspection);
    report.worst_case = worst_case(&elf, inspection.chain.job.max_cycles);
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_check(&report, &inspection, &elf.path);
    }
    // 13 means "a result that stands is wrong": an overturned result no longer stands.
    Ok(if inspection.stands_wrong() { Code::WrongResult } else { Code::Ok })
}

/// `s` as one shell word (quoted when it holds anything but plain path characters).
fn shell_word(s: &str) -> String {
    let plain = s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c));
    if plain && !s.is_empty() {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn print_check(r: &CheckReport, i: &Inspection, elf: &std::path::Path) {
    println!("job        {}", r.job_id);
    println!("program    {}", r.program_id);
    let now = i.chain.now;
    let window = if i.chain.state != JOB_STATE_COMPLETED {
        String::new()
    } else if now <= r.challenge_deadline {
        format!(" (challengeable for {} s more)", ui::thousands(r.challenge_deadline - now))
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
        Verdict::NoResult => "no result posted".to_string(),
    };
    println!("verdict    {verdict}");
    if let Some(w) = &r.worst_case {
        let gib = crate::cmd::prove::gib;
        let machine = w.machine_memory_bytes.map_or("unknown".into(), gib);
        let verdict = if w.provable_here { "provable here" } else { "NOT provable here" };
        println!(
            "worst case {} cycles → {} rows at 2 per cycle, ~{} to prove ({verdict}; this machine has {machine}; at most {} rows if every cycle ran the longest virtual sequence)",
            ui::thousands(w.max_cycles),
            ui::thousands(w.rows),
            gib(w.estimated_memory_bytes),
            ui::thousands(w.rows_upper_bound)
        );
    }
    if r.verdict == Verdict::Wrong {
        match &r.not_challengeable_reason {
            None => println!(
                "           file a challenge: ivm challenge file --job {} {} --private-key <hex> (or --keystore FILE, or --dev-account N on a devnet)",
                r.job_id,
                shell_word(&elf.display().to_string())
            ),
            Some(why) => println!("           cannot be challenged: {why}"),
        }
    }
}
