//! `ivm challenge withdraw`: pays out what `JobManager` owes the caller (returned and rewarded
//! challenge bonds, refunds) with `withdrawPayout`.
use clap::Args;
use ivm_contracts::alloy_primitives::{Address, U256};
use serde::Serialize;

use super::{chain_error, connect, job_manager_of};
use crate::cli::JsonFlag;
use crate::exit::{Code, Outcome};
use crate::keys::KeyArgs;
use crate::network::{parse_address, runtime, NetworkArgs};
use crate::ui::{self, eth};

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Where to send the payout (default: the key's own address).
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<String>,
    /// Only say what is owed; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The `JobManager` contract (default: the network profile's).
    #[arg(long, value_name = "ADDRESS", env = "IVM_JOB_MANAGER")]
    pub job_manager: Option<String>,
    #[command(flatten)]
    pub network: NetworkArgs,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WithdrawReport {
    account: String,
    to: String,
    /// Owed before this command, in wei (a decimal string).
    owed_wei: String,
    /// Sent by this command, in wei (0 when nothing was owed or with --dry-run).
    withdrawn_wei: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_hash: Option<String>,
}

pub fn run(args: WithdrawArgs) -> Outcome {
    let net = args.network.resolve()?;
    let (job_manager, _) = job_manager_of(&args.job_manager, &net)?;
    let signer = args.keys.signer(&net)?;
    let account = signer.address();
    let to: Address = match &args.to {
        Some(a) => parse_address("--to", a)?,
        None => account,
    };
    let rt = runtime()?;
    let report = rt.block_on(async {
        let client = connect(&net, Some(signer)).await?;
        let owed = client
            .claimable(job_manager, account)
            .await
            .map_err(|e| chain_error("reading claimable()", e))?;
        let mut report = WithdrawReport {
            account: account.to_string(),
            to: to.to_string(),
            owed_wei: owed.to_string(),
            withdrawn_wei: "0".into(),
            tx_hash: None,
        };
        if owed.is_zero() || args.dry_run {
            return Ok::<_, anyhow::Error>(report);
        }
        let receipt = client
            .withdraw_payout(job_manager, to)
            .await
            .map_err(|e| chain_error("withdrawPayout", e))?;
        report.withdrawn_wei = owed.to_string();
        report.tx_hash = Some(receipt.transaction_hash.to_string());
        Ok(report)
    })?;
    if args.json.json {
        ui::print_json(&report)?;
    } else {
        let owed: U256 = report.owed_wei.parse().expect("we printed it");
        match (&report.tx_hash, owed.is_zero()) {
            (_, true) => println!("nothing to withdraw: JobManager owes {account} nothing"),
            (None, false) => println!("owed {} to {account} (--dry-run: nothing sent)", eth(owed)),
            (Some(tx), false) => println!("withdrew {} to {to} in tx {tx}", eth(owed)),
        }
    }
    Ok(Code::Ok)
}
