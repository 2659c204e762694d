//! Reorgs. A RELAYED job's transaction is watched until `finality_depth` blocks are on top of
//! it. If the chain loses it meanwhile (a reorg deeper than the relay's confirmations), the job
//! goes back to DONE and the relayer sends it again — still exactly once on the final chain,
//! because every attempt first reads the job's state in `JobManager` and skips a result that
//! is already there.
//!
//! Cost: a relay's receipt is read once, to learn its block (once per transaction in a check: a
//! batch's jobs share it); after that each check reads one block header per distinct height
//! (not one receipt per relay), so thousands of relays waiting for finality cost a few
//! requests per poll. A height whose hash changed has its relays'
//! receipts read again: moved to another block, or lost.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use ivm_contracts::alloy_primitives::B256;
use ivm_contracts::client::alloy_provider::Provider;

use crate::Shared;

/// Where each watched relay was included, as last seen.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    included: HashMap<[u8; 32], Inclusion>,
}

#[derive(Debug, Clone, Copy)]
struct Inclusion {
    tx: B256,
    block: u64,
    block_hash: B256,
}

/// Checks every watched relay once: final ones are forgotten, lost ones requeued. Returns how
/// many were lost (the relayer account's nonce went back with them).
pub(crate) async fn check(shared: &Arc<Shared>, watch: &mut Watch) -> anyhow::Result<usize> {
    let watched: HashSet<[u8; 32]> = shared.store.unfinal_relays().await?.into_iter().collect();
    watch.included.retain(|id, _| watched.contains(id));
    if watched.is_empty() {
        return Ok(0);
    }
    let mut lost = 0;
    let mut receipts = Receipts::default();
    let provider = shared.chain.provider();
    let head = provider.get_block_number().await?;
    let mut by_height: BTreeMap<u64, Vec<[u8; 32]>> = BTreeMap::new();
    for id in watched {
        if let Some(seen) = watch.included.get(&id) {
            by_height.entry(seen.block).or_default().push(id);
            continue;
        }
        let Some(tx) = relay_tx(shared, &id).await? else {
            // Marked RELAYED without a transaction of its own to follow.
            shared.store.mark_relay_final(&id).await?;
            continue;
        };
        lost += usize::from(!locate(shared, watch, &mut receipts, id, tx, head).await?);
    }
    for (height, ids) in by_height {
        let canonical = provider.get_block_by_number(height.into()).await?.map(|b| b.header.hash);
        for id in ids {
            let seen = watch.included[&id];
            if canonical == Some(seen.block_hash) {
                if head.saturating_sub(seen.block) >= shared.config.finality_depth {
                    shared.store.mark_relay_final(&id).await?;
                    watch.included.remove(&id);
                }
            } else {
                // That block is gone: the transaction moved, or is lost.
                watch.included.remove(&id);
                lost +=
                    usize::from(!locate(shared, watch, &mut receipts, id, seen.tx, head).await?);
            }
        }
    }
    Ok(lost)
}

/// The job's relay transaction, `None` if it has none to follow.
async fn relay_tx(shared: &Shared, id: &[u8; 32]) -> anyhow::Result<Option<B256>> {
    let Some(job) = shared.store.job(id).await? else { return Ok(None) };
    let tx = <[u8; 32]>::try_from(job.relay_tx_hash.as_slice()).ok().map(B256::from);
    Ok(tx.filter(|t| !t.is_zero()))
}

/// Where each transaction read in one check was included (`None`: not on chain), so that the
/// jobs of a batch read their shared receipt once.
#[derive(Default)]
struct Receipts(HashMap<B256, Option<(Option<u64>, Option<B256>)>>);

impl Receipts {
    async fn inclusion(
        &mut self,
        shared: &Shared,
        tx: B256,
    ) -> anyhow::Result<Option<(Option<u64>, Option<B256>)>> {
        if let Some(known) = self.0.get(&tx) {
            return Ok(*known);
        }
        let receipt = shared.chain.provider().get_transaction_receipt(tx).await?;
        let inclusion = receipt.map(|r| (r.block_number, r.block_hash));
        self.0.insert(tx, inclusion);
        Ok(inclusion)
    }
}

/// Reads the relay's receipt: remembers its block (final already if deep enough), or requeues
/// the job when the chain no longer has it. Whether the transaction is on chain.
async fn locate(
    shared: &Shared,
    watch: &mut Watch,
    receipts: &mut Receipts,
    id: [u8; 32],
    tx: B256,
    head: u64,
) -> anyhow::Result<bool> {
    match receipts.inclusion(shared, tx).await? {
        Some((block_number, block_hash)) => {
            let block = block_number.unwrap_or(head);
            if head.saturating_sub(block) >= shared.config.finality_depth {
                shared.store.mark_relay_final(&id).await?;
            } else if let Some(block_hash) = block_hash {
                watch.included.insert(id, Inclusion { tx, block, block_hash });
            }
        }
        None => {
            let why = format!(
                "relay_reorged: relay transaction {tx} is no longer on chain (a reorg); \
                 relaying again"
            );
            tracing::warn!(job = %B256::from(id), %tx, "relay transaction lost in a reorg: relaying the job again");
            shared.store.relay_reorged(&id, why).await?;
            shared.relay_wake.notify_one();
            return Ok(false);
        }
    }
    Ok(true)
}
