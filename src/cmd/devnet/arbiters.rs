//! The devnet's arbiter set (`--arbiters N --threshold K`, `--lying-arbiters M`): N keys, each
//! voting from the devnet's node on its own, of which K must agree.
//!
//! The first arbiter is dev account 3 (as with one arbiter); the others are keys derived from a
//! public seed (`keccak256("ivm devnet arbiter <i>")`), funded by the deployer for gas. Like
//! anvil's dev accounts, they are for local use only.
use anyhow::Result;
use ivm_contracts::{
    alloy_primitives::{keccak256, Address, U256},
    client::Client,
};

use super::{chain_err, DevnetArgs, ARBITER, DEV_KEYS};
use crate::{exit::invalid_input, keys::parse_private_key, ui};

/// The most arbiters JobManager accepts (`MAX_ARBITERS`).
const MAX_ARBITERS: usize = 16;
/// Ether each derived arbiter key gets for gas.
const ARBITER_FUNDING_ETHER: u64 = 10;

/// The arbiter set a devnet runs, checked against JobManager's rules.
#[derive(Debug, Clone)]
pub(super) struct ArbiterSet {
    pub keys: Vec<String>,
    pub threshold: usize,
    /// How many of `keys` (the last ones) vote against the proof: practice mode.
    pub lying: usize,
}

impl ArbiterSet {
    /// From `--arbiters`, `--threshold` (default: a majority) and `--lying-arbiters`.
    pub fn from_args(args: &DevnetArgs) -> Result<ArbiterSet> {
        let n = args.arbiters;
        if n == 0 || n > MAX_ARBITERS {
            return Err(invalid_input(format!(
                "--arbiters {n}: a devnet runs between 1 and {MAX_ARBITERS} arbiters"
            )));
        }
        let threshold = args.threshold.unwrap_or(n / 2 + 1);
        if threshold == 0 || threshold > n {
            return Err(invalid_input(format!(
                "--threshold {threshold}: must be between 1 and the number of arbiters ({n})"
            )));
        }
        if args.lying_arbiters > n {
            return Err(invalid_input(format!(
                "--lying-arbiters {}: more than the {n} arbiters (pass --arbiters)",
                args.lying_arbiters
            )));
        }
        let keys = (0..n).map(arbiter_key).collect();
        Ok(ArbiterSet { keys, threshold, lying: args.lying_arbiters })
    }

    pub fn addresses(&self) -> Vec<Address> {
        self.keys
            .iter()
            .map(|k| parse_private_key(k).expect("valid arbiter key").address())
            .collect()
    }

    /// The node's arbiter keys, the last `lying` of them lying. Liars come first: their tasks
    /// start first, so their votes tend to land before the honest ones decide.
    pub fn node_keys(&self) -> Vec<ivm_node::ArbiterKey> {
        let honest = self.keys.len() - self.lying;
        let mut keys: Vec<_> = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| ivm_node::ArbiterKey {
                key: ivm_node::SecretKey::new(k),
                lies: i >= honest,
            })
            .collect();
        keys.sort_by_key(|k| !k.lies);
        keys
    }

    /// Funds the derived keys and, beyond the constructor's single arbiter, sets the set on
    /// JobManager.
    pub async fn install(&self, deployer: &Client, job_manager: Address) -> Result<()> {
        if self.lying > 0 {
            ui::warn(format!(
                "practice mode: {} of the {} arbiters vote against what the proofs show",
                self.lying,
                self.keys.len()
            ));
        }
        if self.keys.len() == 1 {
            return Ok(());
        }
        let funding = U256::from(ARBITER_FUNDING_ETHER) * U256::from(10u64).pow(U256::from(18u64));
        for address in self.addresses().into_iter().skip(1) {
            deployer
                .send_raw(Some(address), Default::default(), funding)
                .await
                .map_err(|e| chain_err("funding an arbiter key", &e))?;
        }
        deployer
            .set_arbiters(job_manager, self.addresses(), self.threshold as u64)
            .await
            .map_err(|e| chain_err("setting JobManager's arbiters", &e))?;
        Ok(())
    }
}

/// Arbiter `i`'s private key: dev account 3 for the first, a key derived from a public seed
/// for the others.
fn arbiter_key(i: usize) -> String {
    if i == 0 {
        return DEV_KEYS[ARBITER].to_string();
    }
    format!("0x{}", hex::encode(keccak256(format!("ivm devnet arbiter {i}"))))
}
