//! Job intake and the executor pool.
//!
//! Intake stores a verified job as PENDING (fsync'd) before answering with its ID. The pool runs
//! at most `executors` jobs at once on blocking threads, each under its own `maxCycles`, then
//! stores DONE (signed result, queued for relay) or FAILED with a reason.
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use ivm_api::{ApiError, GrpcCode, SubmitJobRequest};
use ivm_contracts::alloy_primitives::{Bytes, B256};
use ivm_contracts::{OffchainJobRequest, OffchainResultWithMetadata, ResultWithMetadata};
use tokio::sync::{mpsc, Semaphore};

use crate::metrics::Metrics;
use crate::store::{Admit, ExecutionOutcome, JobKind, JobRecord, NewJob};
use crate::{verify, Shared};

fn internal(e: anyhow::Error) -> ApiError {
    ApiError::internal(format!("failed to submit job: {e:#}"))
}

/// Runs `job` with `program` and says how it ended; `None` if the run was abandoned for a
/// shutdown. Onchain jobs cannot be refused at submission: one over a node limit fails here.
async fn run_job(
    shared: &Arc<Shared>,
    job: &JobRecord,
    program: Arc<ivm_vm::Program>,
) -> anyhow::Result<Option<ExecutionOutcome>> {
    if let Some(reason) = over_node_limit(shared, job, &program) {
        return Ok(Some(ExecutionOutcome::Failed(reason)));
    }
    let offchain_input = match job.kind {
        JobKind::Onchain => Vec::new(),
        JobKind::Offchain => {
            shared.store.offchain_input(&job.offchain_input_hash).await?.unwrap_or_default()
        }
    };
    // The blobs the offchain input will be posted in: their versioned hashes are signed. KZG
    // commitments are CPU work: off the async workers.
    let input = offchain_input.clone();
    let sidecar = tokio::task::spawn_blocking(move || ivm_contracts::da::sidecar(&input)).await?;
    let blob_hashes = match sidecar {
        Ok(sidecar) => sidecar.map(|s| ivm_contracts::da::versioned_hashes(&s)).unwrap_or_default(),
        Err(e) => {
            return Ok(Some(ExecutionOutcome::Failed(format!("offchain_input_too_large: {e}"))))
        }
    };
    let inputs = (job.onchain_input.clone(), offchain_input);
    shared.metrics.executions_running.fetch_add(1, Relaxed);
    let started = Instant::now();
    let run = run_bounded(shared, program, inputs, job.max_cycles).await;
    shared.metrics.executions_running.fetch_sub(1, Relaxed);
    shared.health.execution_finished();
    shared.metrics.observe_exec(started.elapsed().as_secs_f64());
    let Some(run) = run? else { return Ok(None) };
    let exec = match run {
        Err(reason) => return Ok(Some(ExecutionOutcome::Failed(reason))),
        Ok(exec) => exec,
    };
    Ok(Some(match exec.exit {
        ivm_vm::Exit::Halted => {
            let output = practice_output(shared, job, exec.output);
            let result = encode_result(job, output, blob_hashes)?;
            let signature = shared.signer.sign(&result)?;
            ExecutionOutcome::Done {
                result_with_metadata: result,
                operator_signature: signature.to_vec(),
                cycles: exec.cycles,
            }
        }
        ivm_vm::Exit::Panicked { message } => ExecutionOutcome::Failed(format!(
            "execution_error: guest panicked after {} cycles: {}",
            exec.cycles,
            message.as_deref().unwrap_or("(no message)")
        )),
        ivm_vm::Exit::Fault(fault) => ExecutionOutcome::Failed(format!("execution_error: {fault}")),
    }))
}

/// The failure reason of a job over one of the node's limits (memory, then cycles), if any.
fn over_node_limit(shared: &Shared, job: &JobRecord, program: &ivm_vm::Program) -> Option<String> {
    if let Some(why) = over_memory_limit(shared, verify::run_memory_bytes(program)) {
        return Some(format!("memory_limit_exceeded: {why}"));
    }
    let limit = shared.config.max_job_cycles;
    (job.max_cycles > limit).then(|| {
        format!(
            "max_cycles_exceeded: the job asks for {} cycles, above this node's limit of {limit}",
            job.max_cycles
        )
    })
}

/// Why a program whose runs take `needs` bytes is over the node's memory limit, if it is.
pub(crate) fn over_memory_limit(shared: &Shared, needs: u64) -> Option<String> {
    let limit = shared.config.max_job_memory_bytes;
    (needs > limit).then(|| {
        format!("a run of this program needs {needs} bytes of memory, over this node's limit of {limit}")
    })
}

/// The operator's limits on offchain work (`NodeConfig`): the largest `maxCycles` this node
/// runs, and how many open jobs one consumer may have queued.
async fn check_operator_limits(
    shared: &Shared,
    request: &ivm_contracts::OffchainJobRequest,
) -> Result<(), ApiError> {
    let config = &shared.config;
    if request.maxCycles > config.max_job_cycles {
        return Err(ApiError::invalid_argument(format!(
            "maxCycles {} is above this node's limit of {} cycles per job: request at most {}",
            request.maxCycles, config.max_job_cycles, config.max_job_cycles
        )));
    }
    let queued = shared.store.pending_jobs(&request.consumer.0 .0).await.map_err(internal)?.len();
    if queued >= config.max_queued_per_consumer {
        return Err(ApiError::new(
            GrpcCode::ResourceExhausted,
            format!(
                "consumer {} already has {queued} jobs queued on this node (its limit is {}): \
                 try again when some are relayed",
                request.consumer, config.max_queued_per_consumer
            ),
        ));
    }
    Ok(())
}

/// `submit_job`: verifies the request (locally, then against the chain), stores the job and
/// queues it. Resubmitting the same request returns the same job ID; a different request for a
/// job ID the node already holds is refused, whatever that job's state: a job ID stays bound
/// to one request for good (a FAILED job's record is never replaced).
pub(crate) async fn submit_offchain(
    shared: &Arc<Shared>,
    req: SubmitJobRequest,
) -> Result<B256, ApiError> {
    let checked = verify::check_request(&req)?;
    let program_id = checked.request.programID.to_vec();
    let program = shared.program(&program_id).await.map_err(internal)?.ok_or_else(|| {
        ApiError::not_found(format!(
            "unknown program 0x{}: submit it with submit_program first",
            hex::encode(&program_id)
        ))
    })?;
    verify::check_input_sizes(
        &program,
        checked.request.onchainInput.len(),
        req.offchain_input.len(),
    )?;
    verify::check_blob_budget(&req.offchain_input)?;
    if let Some(why) = over_memory_limit(shared, verify::run_memory_bytes(&program)) {
        return Err(ApiError::new(GrpcCode::ResourceExhausted, why));
    }

    // A resubmission of a job we already hold needs no chain round trip.
    if let Some(existing) = shared.store.job(checked.job_id.as_slice()).await.map_err(internal)? {
        if existing.request == req.request && existing.request_signature == req.signature {
            return Ok(checked.job_id);
        }
    }
    check_operator_limits(shared, &checked.request).await?;
    // While the chain probe fails, answer at once instead of waiting out the RPC timeout.
    if let Some(e) = shared.health.chain_error() {
        return Err(ApiError::new(
            GrpcCode::Unavailable,
            format!(
                "the chain does not answer ({e}): the request cannot be checked on chain now; \
                 try again when the RPC endpoint is reachable"
            ),
        ));
    }
    verify::check_on_chain(&shared.chain, shared.config.job_manager, &req, &checked).await?;

    let request = &checked.request;
    let job = JobRecord::accepted(NewJob {
        id: checked.job_id.0,
        kind: JobKind::Offchain,
        nonce: request.nonce,
        max_cycles: request.maxCycles,
        consumer: request.consumer.0 .0,
        program_id,
        onchain_input: request.onchainInput.to_vec(),
        offchain_input_hash: request.offchainInputHash.0,
        request: req.request.clone(),
        request_signature: req.signature.clone(),
        relay_strategy: checked.relay_strategy as i32,
    });
    let outcome = shared
        .store
        .submit_job(job, Some(&req.offchain_input), |existing| match existing {
            None => Ok(Admit::Insert),
            Some(old) if old.request == req.request && old.request_signature == req.signature => {
                Ok(Admit::Keep)
            }
            Some(old) => Err((old.nonce, old.state)),
        })
        .await
        .map_err(internal)?;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err((nonce, state)) => {
            let highest = shared.store.highest_nonce(&request.consumer.0 .0).await.ok().flatten();
            return Err(ApiError::new(
                GrpcCode::AlreadyExists,
                format!(
                    "job {} (nonce {nonce} of consumer {}) already exists on this node with a \
                     different request (status {state:?}); a job ID stays bound to its request: \
                     use a nonce above {} (the highest this node has seen for the consumer)",
                    checked.job_id,
                    request.consumer,
                    highest.unwrap_or(nonce)
                ),
            ));
        }
    };
    let (job, inserted) = outcome;
    if inserted {
        Metrics::inc(&shared.metrics.offchain_jobs_accepted);
        tracing::info!(job = %checked.job_id, nonce = job.nonce, consumer = %request.consumer, "offchain job accepted");
        shared.enqueue(job.id);
    }
    Ok(checked.job_id)
}

/// Queues the PENDING jobs that were waiting for `program_id` (just stored).
pub(crate) async fn wake_waiting_for(
    shared: &Arc<Shared>,
    program_id: &[u8],
) -> anyhow::Result<()> {
    for id in shared.store.pending_for_program(program_id).await? {
        tracing::info!(job = %B256::from(id), "its program arrived: running the job");
        shared.enqueue(id);
    }
    Ok(())
}

/// Runs queued jobs, at most `executors` at once, until shutdown.
pub(crate) async fn run_pool(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<[u8; 32]>) {
    let permits = Arc::new(Semaphore::new(shared.config.executors));
    // Executions in flight: on shutdown they are told to stop and awaited (within a
    // millisecond or so), so that the node has let go of its store when it reports stopped.
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        let id = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            id = rx.recv() => match id { Some(id) => id, None => break },
        };
        shared.metrics.jobs_queued.fetch_sub(1, Relaxed);
        let permit = tokio::select! {
            _ = shared.shutdown.cancelled() => break,
            p = permits.clone().acquire_owned() => p.expect("semaphore is never closed"),
        };
        let shared = shared.clone();
        running.spawn(async move {
            if let Err(e) = execute(&shared, id).await {
                tracing::error!(job = %B256::from(id), "cannot execute job: {e:#}");
            }
            drop(permit);
        });
    }
    while running.join_next().await.is_some() {}
}

/// Executes one PENDING job and stores the outcome.
async fn execute(shared: &Arc<Shared>, id: [u8; 32]) -> anyhow::Result<()> {
    // Not PENDING any more, or (on a shared store) another live node's to run.
    let Some(job) = shared.store.claim(&id).await? else {
        return Ok(());
    };
    let job_id = B256::from(id);
    let outcome = match shared.program(&job.program_id).await? {
        None => {
            // An onchain job for a program the node lacks (offchain requests are refused
            // without one): it waits, and runs when the program is submitted.
            let why = format!(
                "waiting_for_program: program 0x{} is not stored on this node yet; submit it \
                 (`ivm program submit <elf>`) and the job runs",
                hex::encode(&job.program_id)
            );
            shared.store.note_waiting(&id, why).await?;
            tracing::warn!(job = %job_id, program = %format!("0x{}", hex::encode(&job.program_id)),
                "job waits for its program");
            return Ok(());
        }
        Some(program) => match run_job(shared, &job, program).await? {
            Some(outcome) => outcome,
            None => {
                tracing::info!(job = %job_id, "execution abandoned for shutdown: the job stays \
                    pending and runs again after a restart");
                return Ok(());
            }
        },
    };
    let done = matches!(outcome, ExecutionOutcome::Done { .. });
    let stored = shared.store.finish_execution(&id, outcome).await?;
    if done {
        Metrics::inc(&shared.metrics.jobs_done);
        tracing::info!(job = %job_id, cycles = stored.as_ref().and_then(|j| j.cycles), "job executed");
    } else {
        Metrics::inc(&shared.metrics.jobs_failed);
        let reason = stored.and_then(|j| j.failure_reason).unwrap_or_default();
        tracing::warn!(job = %job_id, %reason, "job failed");
    }
    // Ordered relays may wait on failed jobs too.
    shared.relay_wake.notify_one();
    Ok(())
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Relaxed);
    }
}

/// Runs a job's program under the node's wall-time limit (`NodeConfig::max_job_wall_time`),
/// on a blocking thread. `Ok(None)`: the node is shutting down and abandoned the run, so the
/// job stays PENDING (it runs again after a restart); `Some(Err(reason))`: the job fails.
async fn run_bounded(
    shared: &Arc<Shared>,
    program: Arc<ivm_vm::Program>,
    (onchain, offchain): (Vec<u8>, Vec<u8>),
    max_cycles: u64,
) -> anyhow::Result<Option<Result<ivm_vm::Execution, String>>> {
    let stop = Arc::new(AtomicBool::new(false));
    // If this future is dropped (the runtime shuts down), the run stops too: otherwise the
    // runtime would wait for the blocking thread until `max_cycles`.
    let _stop_when_dropped = StopOnDrop(stop.clone());
    let limit = shared.config.max_job_wall_time;
    let watchdog = {
        let (stop, shutdown) = (stop.clone(), shared.shutdown.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep(limit) => {}
                _ = shutdown.cancelled() => {}
            }
            stop.store(true, Relaxed);
        })
    };
    let flag = stop.clone();
    let run = tokio::task::spawn_blocking(move || {
        let inputs = ivm_vm::Inputs { onchain: &onchain, offchain: &offchain };
        ivm_vm::execute_stoppable(&program, inputs, max_cycles, &flag)
    })
    .await;
    watchdog.abort();
    Ok(match run? {
        Ok(exec) => Some(Ok(exec)),
        Err(ivm_vm::RunError::Input(e)) => Some(Err(format!("execution_error: {e}"))),
        Err(ivm_vm::RunError::Stopped { .. }) if shared.shutdown.is_cancelled() => None,
        Err(ivm_vm::RunError::Stopped { cycles, .. }) => Some(Err(format!(
            "execution_error: wall-time limit of {} s reached after {cycles} cycles",
            limit.as_secs_f64()
        ))),
    })
}

/// The output the operator signs: the real one, unless the test-only practice mode makes it
/// cheat on this program ([`crate::config::Dishonesty`]).
fn practice_output(shared: &Shared, job: &JobRecord, mut output: Vec<u8>) -> Vec<u8> {
    let Some(d) = &shared.config.dishonest else { return output };
    if !d.wrong_results || !d.covers(&job.program_id) {
        return output;
    }
    match output.last_mut() {
        Some(b) => *b ^= 1,
        None => output.push(1),
    }
    tracing::warn!(job = %B256::from(job.id), "practice mode: posting a WRONG result on purpose");
    output
}

/// `abi.encode(ResultWithMetadata)` (onchain jobs) or `abi.encode(OffchainResultWithMetadata)`
/// with the versioned hashes of the blobs that carry the offchain input (offchain jobs; none
/// for an empty input).
fn encode_result(
    job: &JobRecord,
    output: Vec<u8>,
    blob_hashes: Vec<B256>,
) -> anyhow::Result<Vec<u8>> {
    Ok(match job.kind {
        JobKind::Onchain => ResultWithMetadata::new(
            B256::from(job.id),
            &job.onchain_input,
            job.max_cycles,
            Bytes::from(job.program_id.clone()),
            Bytes::from(output),
        )
        .encode(),
        JobKind::Offchain => {
            let request = OffchainJobRequest::decode(&job.request)
                .map_err(|e| anyhow::anyhow!("stored request: {e}"))?;
            OffchainResultWithMetadata::for_request(&request, Bytes::from(output), blob_hashes)
                .encode()
        }
    })
}
