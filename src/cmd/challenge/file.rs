//! `ivm challenge file`: prove the correct run of a job whose posted result is wrong, judge the
//! proof as the arbiter will, and file the challenge with its bond.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use ivm_contracts::{
    alloy_primitives::{Address, B256, U256},
    client::{Client, CHALLENGE_OPEN, CHALLENGE_REFUNDED, CHALLENGE_TIMED_OUT, CHALLENGE_UPHELD},
};
use ivm_node::arbiter::{judge, ClaimedOutcome};
use serde::Serialize;
use tokio::runtime::Runtime;

use super::inspect::{state_name, Elf, Inspection, Verdict};
use super::{chain_error, connect, inspect_target, FileArgs, MemoryArgs};
use crate::{
    exit::{coded, invalid_input, Code, Outcome},
    input::to_hex,
    network::runtime,
    ui,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileReport {
    pub job_id: String,
    /// `output`, `panicked` or `failed`.
    pub claimed_outcome: &'static str,
    pub claimed_panicked: bool,
    pub claimed_output: String,
    pub proof: PathBuf,
    pub proof_size_bytes: u64,
    /// The proof file's proof system (`jolt-rv32im-dory/2.3`).
    pub proof_system: &'static str,
    /// Wei attached to the challenge.
    pub bond_wei: String,
    /// Wei paid to the challenger from the operator's bond if the challenge is upheld.
    pub reward_wei: String,
    pub dry_run: bool,
    /// Where the proof travels: `blobs` (EIP-4844) or `calldata`.
    pub proof_in: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gas_used: Option<u64>,
    /// With `--wait`: `upheld`, `rejected`, `refunded` (another challenge overturned the job
    /// first), `timed-out` (the arbiter missed its deadline) or `open` (timed out waiting).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<&'static str>,
    /// With `--wait`, after the verdict: what `JobManager` owes the challenger in wei (withdraw
    /// it with `ivm challenge withdraw`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owed_wei: Option<String>,
}

pub fn run(args: FileArgs) -> Outcome {
    let net = args.target.network.resolve()?;
    let signer =
        if args.dry_run && !args.keys.given() { None } else { Some(args.keys.signer(&net)?) };
    let rt = runtime()?;
    let chain = rt.block_on(connect(&net, signer))?;
    let (inspection, elf) = rt.block_on(inspect_target(&args.target, &net, &chain))?;
    refuse_unless_challengeable(&inspection)?;
    let proof = match &args.proof {
        Some(path) => ProofSource::File(path),
        None => ProofSource::Prove {
            out: args.out.clone().unwrap_or_else(|| default_proof_path(&inspection.chain.id)),
            memory: &args.memory,
        },
    };
    let filing = match (args.dry_run, args.proof_in_calldata) {
        (true, _) => Filing::DryRun,
        (false, false) => Filing::ProofInBlobs,
        (false, true) => Filing::ProofInCalldata,
    };
    let mut report = challenge(&rt, &chain, &inspection, &elf, proof, filing)?;

    let mut code = Code::Ok;
    if let (Some(id), true) = (&report.challenge_id, args.wait) {
        let id: U256 = id.parse().expect("a challenge ID we printed");
        let timeout = Duration::from_secs(args.timeout);
        let verdict =
            rt.block_on(wait_for_verdict(&chain, inspection.chain.job_manager, id, timeout))?;
        report.verdict = Some(verdict);
        let me = chain.address();
        let owed = rt.block_on(chain.claimable(inspection.chain.job_manager, me)).ok();
        report.owed_wei = owed.map(|o| o.to_string());
        code = match verdict {
            "upheld" | "refunded" => Code::Ok,
            "open" | "timed-out" => Code::Timeout,
            _ => Code::ProofRejected,
        };
    }
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        print_file(&report);
    }
    Ok(code)
}

/// An error saying why this job's result cannot be challenged, unless it can.
pub(super) fn refuse_unless_challengeable(i: &Inspection) -> Result<()> {
    let job = i.chain.id;
    match i.verdict() {
        Verdict::Wrong => {}
        Verdict::Correct => {
            return Err(invalid_input(format!(
                "the posted result of job {job} is correct: a challenge would lose its bond"
            )))
        }
        Verdict::NoResult => {
            return Err(invalid_input(format!(
                "job {job} has no result on chain (state: {})",
                state_name(i.chain.state)
            )))
        }
    }
    match i.not_challengeable() {
        Some(why) => Err(invalid_input(format!("job {job} cannot be challenged: {why}"))),
        None => Ok(()),
    }
}

/// Whether the challenge is sent, and how its proof travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Filing {
    /// Everything but the send.
    DryRun,
    /// `challengeWithProofInBlobs`: the proof in EIP-4844 blobs.
    ProofInBlobs,
    /// `challenge`: the proof in calldata.
    ProofInCalldata,
}

/// Where the challenge's proof comes from.
pub(super) enum ProofSource<'a> {
    /// An existing proof file (`--proof`).
    File(&'a Path),
    /// Prove the correct run now and keep the proof at `out`.
    Prove { out: PathBuf, memory: &'a MemoryArgs },
}

/// Obtains the proof, judges it as the arbiter will, and (unless `dry_run`) files the
/// challenge with the current bond. `i` must pass [`refuse_unless_challengeable`].
pub(super) fn challenge(
    rt: &Runtime,
    chain: &Client,
    i: &Inspection,
    elf: &Elf,
    proof: ProofSource<'_>,
    filing: Filing,
) -> Result<FileReport> {
    let job_manager = i.chain.job_manager;
    let claim = i.claim().expect("a wrong verdict has a provable run").clone();
    let params = rt
        .block_on(chain.dispute_parameters(job_manager))
        .map_err(|e| chain_error("reading the dispute parameters", e))?;
    let (proof, proof_path) = obtain_proof(proof, i, elf)?;

    let spinner = ui::spinner("judging the proof as the arbiter will");
    let judged = judge(&elf.bytes, &i.chain.job, &claim, &proof);
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
            "the proof shows {claim} for job {}; bond {}, reward if upheld {}",
            i.chain.id,
            crate::ui::eth(params.challengeBond),
            crate::ui::eth(params.challengerReward)
        ),
    );

    let mut report = FileReport {
        job_id: i.chain.id.to_string(),
        claimed_outcome: claim.name(),
        claimed_panicked: claim == ClaimedOutcome::Panicked,
        claimed_output: to_hex(claim.output()),
        proof_system: ivm_prover::proof_file::PROOF_SYSTEM,
        proof: proof_path,
        proof_size_bytes: proof.len() as u64,
        bond_wei: params.challengeBond.to_string(),
        reward_wei: params.challengerReward.to_string(),
        dry_run: filing == Filing::DryRun,
        proof_in: match filing {
            Filing::ProofInCalldata => "calldata",
            _ => "blobs",
        },
        challenge_id: None,
        tx_hash: None,
        gas_used: None,
        verdict: None,
        owed_wei: None,
    };
    if filing == Filing::DryRun {
        return Ok(report);
    }
    let spinner = ui::spinner("filing the challenge");
    let (challenge_id, receipt) = rt
        .block_on(async {
            let (id, bond) = (i.chain.id, params.challengeBond);
            match filing {
                Filing::ProofInCalldata => {
                    chain.challenge(job_manager, id, &claim, proof, bond).await
                }
                _ => {
                    chain.challenge_with_proof_in_blobs(job_manager, id, &claim, &proof, bond).await
                }
            }
        })
        .map_err(|e| chain_error("filing the challenge", e))?;
    spinner.finish_and_clear();
    ui::status("Filed", format!("challenge {challenge_id} (tx {})", receipt.transaction_hash));
    report.challenge_id = Some(challenge_id.to_string());
    report.tx_hash = Some(receipt.transaction_hash.to_string());
    report.gas_used = Some(receipt.gas_used);
    Ok(report)
}

/// The proof bytes and where they are kept.
fn obtain_proof(source: ProofSource<'_>, i: &Inspection, elf: &Elf) -> Result<(Vec<u8>, PathBuf)> {
    match source {
        ProofSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                invalid_input(format!("--proof {}: cannot read: {e}", path.display()))
            })?;
            Ok((bytes, path.to_path_buf()))
        }
        ProofSource::Prove { out, memory } => {
            use super::super::prove::{prove_run, Proving};
            let (inputs, max_cycles) = (i.inputs(), i.chain.job.max_cycles);
            let proved = prove_run(&elf.bytes, &inputs, max_cycles, memory, Proving::Challenge)?;
            proved.save(&out)?;
            Ok((proved.bytes, out))
        }
    }
}

/// `challenge-<first 12 hex digits of the job ID>.proof` in the current directory.
pub(super) fn default_proof_path(job_id: &B256) -> PathBuf {
    let hex = job_id.to_string();
    PathBuf::from(format!("challenge-{}.proof", &hex[2..14]))
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
            let verdict = match c.status {
                CHALLENGE_UPHELD => "upheld",
                // Another challenge overturned the job first; this bond is returned.
                CHALLENGE_REFUNDED => "refunded",
                CHALLENGE_TIMED_OUT => "timed-out",
                _ => "rejected",
            };
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
    match r.claimed_outcome {
        "panicked" => println!("claim      the guest panics"),
        "failed" => println!("claim      the job should have failed (fault or out of cycles)"),
        _ => println!("claim      output {}", r.claimed_output),
    }
    println!(
        "proof      {} ({} bytes, {}, sent in {})",
        r.proof.display(),
        ui::thousands(r.proof_size_bytes),
        r.proof_system,
        r.proof_in
    );
    let eth = |w: &str| crate::ui::eth(w.parse().unwrap_or_default());
    println!("bond       {} (reward if upheld: {})", eth(&r.bond_wei), eth(&r.reward_wei));
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
    if let Some(owed) = r.owed_wei.as_deref().filter(|o| *o != "0") {
        println!(
            "owed       {} by JobManager: withdraw it with `ivm challenge withdraw`",
            eth(owed)
        );
    }
}
