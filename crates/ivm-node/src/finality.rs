//! Reorgs. A RELAYED job's transaction is watched until `finality_depth` blocks are on top of
//! it. If the chain loses it meanwhile (a reorg deeper than the relay's confirmations), the job
//! goes back to DONE and the relayer sends it again — still exactly once on the final chain,
//! because every attempt first reads the job's state in `JobManager` and skips a result that
//! is already there.
use std::sync::Arc;

use ivm_contracts::alloy_primitives::B256;
use ivm_contracts::client::alloy_provider::Provider;

use crate::Shared;

/// Checks every watched relay once: final ones are forgotten, lost ones requeued.
pub(crate) async fn check(shared: &Arc<Shared>) -> anyhow::Result<()> {
    let watched = shared.store.unfinal_relays()?;
    if watched.is_empty() {
        return Ok(());
    }
    let provider = shared.chain.provider();
    let head = provider.get_block_number().await?;
    for id in watched {
        let Some(job) = shared.store.job(&id)? else { continue };
        let Ok(tx) = <[u8; 32]>::try_from(job.relay_tx_hash.as_slice()) else {
            // Marked RELAYED without a transaction of its own to follow.
            shared.store.mark_relay_final(&id)?;
            continue;
        };
        let tx = B256::from(tx);
        if tx.is_zero() {
            shared.store.mark_relay_final(&id)?;
            continue;
        }
        match provider.get_transaction_receipt(tx).await? {
            Some(receipt) => {
                let block = receipt.block_number.unwrap_or(head);
                if head.saturating_sub(block) >= shared.config.finality_depth {
                    shared.store.mark_relay_final(&id)?;
                }
            }
            None => {
                let why = format!(
                    "relay_reorged: relay transaction {tx} is no longer on chain (a reorg); \
                     relaying again"
                );
                tracing::warn!(job = %B256::from(id), %tx, "relay transaction lost in a reorg: relaying the job again");
                shared.store.relay_reorged(&id, why)?;
                shared.relay_wake.notify_one();
            }
        }
    }
    Ok(())
}
