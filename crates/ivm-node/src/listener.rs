//! The listener: turns `JobCreated` events of the `JobManager` into onchain jobs.
//!
//! It polls `eth_getLogs` in chunks from its cursor to the latest block; the jobs of a chunk and
//! the new cursor are stored in one transaction, so after a restart it resumes exactly where it
//! stopped (never skipping a block, never storing a job twice). Without a cursor it starts at
//! `listener_start_block`.
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use anyhow::Context;
use ivm_contracts::alloy_primitives::keccak256;
use ivm_contracts::alloy_sol_types::SolEvent;
use ivm_contracts::bindings::JobManager::JobCreated;
use ivm_contracts::client::alloy_provider::Provider;
use ivm_contracts::client::alloy_rpc_types_eth::Filter;
use ivm_contracts::client::decode_log;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::store::{JobKind, JobRecord, NewJob};
use crate::Shared;

/// Polls until `stop` (a shutdown, or this node losing the listener role).
pub(crate) async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    loop {
        if let Err(e) = poll_once(&shared, &stop).await {
            if let Some(held_back) = shared.log_limit.admit("listener") {
                tracing::warn!(held_back, "listener: {e:#}");
            }
        }
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = tokio::time::sleep(shared.config.poll_interval) => {}
        }
    }
}

async fn poll_once(shared: &Arc<Shared>, stop: &CancellationToken) -> anyhow::Result<()> {
    let latest = shared
        .chain
        .block_number()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the block number: {e}"))?;
    let mut from =
        shared.store.listener_next_block().await?.unwrap_or(shared.config.listener_start_block);
    let chunk = shared.config.listener_chunk_blocks.max(1);
    while from <= latest && !stop.is_cancelled() {
        let to = latest.min(from.saturating_add(chunk - 1));
        let filter = Filter::new()
            .address(shared.config.job_manager)
            .event_signature(JobCreated::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = shared
            .chain
            .provider()
            .get_logs(&filter)
            .await
            .with_context(|| format!("eth_getLogs for blocks {from}..={to}"))?;
        let mut jobs = Vec::with_capacity(logs.len());
        for log in &logs {
            let event = decode_log::<JobCreated>(log).map_err(|e| anyhow::anyhow!("{e}"))?;
            jobs.push(JobRecord::accepted(NewJob {
                id: event.jobID.0,
                kind: JobKind::Onchain,
                nonce: event.nonce,
                max_cycles: event.maxCycles,
                consumer: event.consumer.0 .0,
                program_id: event.programID.to_vec(),
                onchain_input: event.onchainInput.to_vec(),
                offchain_input_hash: keccak256([]).0,
                request: vec![],
                request_signature: vec![],
                relay_strategy: shared.config.onchain_relay_strategy as i32,
            }));
        }
        let inserted = shared.store.add_onchain_jobs(jobs, to + 1).await?;
        shared.metrics.listener_next_block.store(to + 1, Relaxed);
        for job in inserted {
            Metrics::inc(&shared.metrics.onchain_jobs_accepted);
            tracing::info!(
                job = %ivm_contracts::alloy_primitives::B256::from(job.id),
                nonce = job.nonce,
                "onchain job picked up"
            );
            shared.enqueue(job.id);
        }
        from = to + 1;
    }
    Ok(())
}
