//! The durable store (redb, one file, fsync on every commit).
//!
//! Tables:
//! - `programs`: program ID → `vm_type (1 byte) ‖ ELF`;
//! - `jobs`: job ID → [`JobRecord`] (postcard);
//! - `offchain_inputs`: keccak256(input) → input bytes;
//! - `relay_queue`: job ID → unix ms of the next relay attempt (jobs DONE, not yet RELAYED);
//! - `pending`: consumer (20 bytes) ‖ nonce (8 bytes, big-endian) → job ID, for every job not
//!   yet RELAYED or FAILED (answers `get_pending_jobs`, orders `Ordered` relays);
//! - `nonces`: consumer (20 bytes) → the highest nonce of any job the node has stored for it
//!   (in any state): clients choose new nonces above it, so a job ID is never reused;
//! - `meta`: name → u64 (the listener cursor, the job sequence counter).
//!
//! Every state change that must be atomic (a job and its offchain input, a result and its relay
//! queue entry, the listener's jobs and its cursor) happens in one write transaction.
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

const PROGRAMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("programs");
const JOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jobs");
const OFFCHAIN_INPUTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("offchain_inputs");
const RELAY_QUEUE: TableDefinition<&[u8], u64> = TableDefinition::new("relay_queue");
const PENDING: TableDefinition<&[u8], &[u8]> = TableDefinition::new("pending");
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const NONCES: TableDefinition<&[u8], u64> = TableDefinition::new("nonces");
/// RELAYED jobs whose transaction is not final yet (job ID → 0): watched for reorgs.
const UNFINAL: TableDefinition<&[u8], u64> = TableDefinition::new("unfinal_relays");

const META_LISTENER_NEXT_BLOCK: &str = "listener_next_block";
const META_JOB_SEQ: &str = "job_seq";

/// How a job reached the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobKind {
    /// From a `JobCreated` event.
    Onchain,
    /// From `submit_job` with a signed `OffchainJobRequest`.
    Offchain,
}

/// Where a job is in its life: PENDING → DONE → RELAYED, or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Accepted, not yet executed.
    Pending,
    /// Executed and signed, not yet relayed.
    Done,
    /// The result is on chain.
    Relayed,
    /// Will not be relayed; `failure_reason` says why.
    Failed,
}

impl JobState {
    pub fn api(self) -> ivm_api::JobStatusType {
        match self {
            JobState::Pending => ivm_api::JobStatusType::Pending,
            JobState::Done => ivm_api::JobStatusType::Done,
            JobState::Relayed => ivm_api::JobStatusType::Relayed,
            JobState::Failed => ivm_api::JobStatusType::Failed,
        }
    }

    /// Not yet RELAYED or FAILED.
    pub fn is_open(self) -> bool {
        matches!(self, JobState::Pending | JobState::Done)
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    pub id: [u8; 32],
    pub kind: JobKind,
    pub nonce: u64,
    pub max_cycles: u64,
    pub consumer: [u8; 20],
    pub program_id: Vec<u8>,
    pub onchain_input: Vec<u8>,
    pub offchain_input_hash: [u8; 32],
    /// `abi.encode(OffchainJobRequest)` as signed (offchain jobs; empty for onchain jobs).
    pub request: Vec<u8>,
    /// The requester's signature (offchain jobs; empty for onchain jobs).
    pub request_signature: Vec<u8>,
    /// 0 = Unordered, 1 = Ordered.
    pub relay_strategy: i32,
    pub state: JobState,
    /// Why the job FAILED, or the last relay error while it waits for a retry.
    pub failure_reason: Option<String>,
    /// Relay attempts that failed.
    pub retries: u32,
    /// `abi.encode(ResultWithMetadata | OffchainResultWithMetadata)` once executed.
    pub result_with_metadata: Vec<u8>,
    pub operator_signature: Vec<u8>,
    /// Hash of the transaction that put the result on chain.
    pub relay_tx_hash: Vec<u8>,
    /// Cycles the execution took.
    pub cycles: Option<u64>,
    /// Acceptance order (unique, increasing).
    pub seq: u64,
    pub accepted_at_ms: u64,
    pub done_at_ms: Option<u64>,
    pub relayed_at_ms: Option<u64>,
}

/// What a job is when it is accepted (from a signed request or a `JobCreated` event); the rest
/// of a [`JobRecord`] is its progress.
pub struct NewJob {
    pub id: [u8; 32],
    pub kind: JobKind,
    pub nonce: u64,
    pub max_cycles: u64,
    pub consumer: [u8; 20],
    pub program_id: Vec<u8>,
    pub onchain_input: Vec<u8>,
    pub offchain_input_hash: [u8; 32],
    pub request: Vec<u8>,
    pub request_signature: Vec<u8>,
    pub relay_strategy: i32,
}

impl JobRecord {
    /// A PENDING job accepted now, with no progress yet (`seq` is set when it is stored).
    pub fn accepted(job: NewJob) -> JobRecord {
        let NewJob {
            id,
            kind,
            nonce,
            max_cycles,
            consumer,
            program_id,
            onchain_input,
            offchain_input_hash,
            request,
            request_signature,
            relay_strategy,
        } = job;
        JobRecord {
            id,
            kind,
            nonce,
            max_cycles,
            consumer,
            program_id,
            onchain_input,
            offchain_input_hash,
            request,
            request_signature,
            relay_strategy,
            state: JobState::Pending,
            failure_reason: None,
            retries: 0,
            result_with_metadata: vec![],
            operator_signature: vec![],
            relay_tx_hash: vec![],
            cycles: None,
            seq: 0,
            accepted_at_ms: now_ms(),
            done_at_ms: None,
            relayed_at_ms: None,
        }
    }

    /// The gateway's view of the job.
    pub fn to_api(&self) -> ivm_api::JobResult {
        ivm_api::JobResult {
            id: self.id.to_vec(),
            nonce: self.nonce,
            max_cycles: self.max_cycles,
            consumer_address: self.consumer.to_vec(),
            program_id: self.program_id.clone(),
            onchain_input: self.onchain_input.clone(),
            offchain_input_hash: self.offchain_input_hash.to_vec(),
            request_signature: self.request_signature.clone(),
            result_with_metadata: self.result_with_metadata.clone(),
            zkvm_operator_signature: self.operator_signature.clone(),
            status: Some(ivm_api::JobStatus {
                status: self.state.api() as i32,
                failure_reason: self.failure_reason.clone(),
                retries: self.retries,
            }),
            relay_tx_hash: self.relay_tx_hash.clone(),
        }
    }

    fn pending_key(&self) -> [u8; 28] {
        pending_key(&self.consumer, self.nonce)
    }
}

fn pending_key(consumer: &[u8; 20], nonce: u64) -> [u8; 28] {
    let mut k = [0u8; 28];
    k[..20].copy_from_slice(consumer);
    k[20..].copy_from_slice(&nonce.to_be_bytes());
    k
}

/// What to do with a submitted job, given the stored one with the same ID (if any).
pub enum Admit {
    /// Store the new job (replacing the stored one, if any).
    Insert,
    /// Keep the stored job; the submission is a duplicate.
    Keep,
}

/// Result of an execution, to be persisted.
pub enum ExecutionOutcome {
    Done { result_with_metadata: Vec<u8>, operator_signature: Vec<u8>, cycles: u64 },
    Failed(String),
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn encode(job: &JobRecord) -> Result<Vec<u8>> {
    postcard::to_stdvec(job).context("cannot encode a job record")
}

fn decode(bytes: &[u8]) -> Result<JobRecord> {
    postcard::from_bytes(bytes).context("corrupt job record in the database")
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

/// Raises `nonces[consumer]` to the job's nonce.
fn note_nonce(tx: &redb::WriteTransaction, job: &JobRecord) -> Result<()> {
    let mut t = tx.open_table(NONCES)?;
    let old = t.get(job.consumer.as_slice())?.map(|v| v.value());
    if old.is_none_or(|n| job.nonce > n) {
        t.insert(job.consumer.as_slice(), job.nonce)?;
    }
    Ok(())
}

/// A database written before the `nonces` table existed: fill it from the stored jobs.
fn backfill_nonces(tx: &redb::WriteTransaction) -> Result<()> {
    if !tx.open_table(NONCES)?.is_empty()? {
        return Ok(());
    }
    let jobs: Vec<JobRecord> = {
        let t = tx.open_table(JOBS)?;
        let mut v = Vec::new();
        for entry in t.iter()? {
            v.push(decode(entry?.1.value())?);
        }
        v
    };
    for job in &jobs {
        note_nonce(tx, job)?;
    }
    Ok(())
}

impl Store {
    /// Opens (or creates) the database at `path`, creating its parent directory.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| {
                format!("cannot create the database directory {}", dir.display())
            })?;
        }
        let db = Database::create(path).with_context(|| {
            format!("cannot open the node database {} (is another node using it?)", path.display())
        })?;
        let tx = db.begin_write()?;
        tx.open_table(PROGRAMS)?;
        tx.open_table(JOBS)?;
        tx.open_table(OFFCHAIN_INPUTS)?;
        tx.open_table(RELAY_QUEUE)?;
        tx.open_table(PENDING)?;
        tx.open_table(META)?;
        tx.open_table(UNFINAL)?;
        backfill_nonces(&tx)?;
        tx.commit()?;
        Ok(Store { db: Arc::new(db) })
    }

    /// The highest nonce of any job stored for `consumer`, in any state.
    pub fn highest_nonce(&self, consumer: &[u8; 20]) -> Result<Option<u64>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(NONCES)?;
        Ok(t.get(consumer.as_slice())?.map(|v| v.value()))
    }

    // ----- programs -----

    /// Stores a program; returns false if one with this ID was already stored (unchanged).
    pub fn put_program(&self, program_id: &[u8], vm_type: u8, elf: &[u8]) -> Result<bool> {
        let tx = self.db.begin_write()?;
        let inserted = {
            let mut t = tx.open_table(PROGRAMS)?;
            if t.get(program_id)?.is_some() {
                false
            } else {
                let mut value = Vec::with_capacity(elf.len() + 1);
                value.push(vm_type);
                value.extend_from_slice(elf);
                t.insert(program_id, value.as_slice())?;
                true
            }
        };
        tx.commit()?;
        Ok(inserted)
    }

    /// `(vm_type, elf)` of a stored program.
    pub fn program(&self, program_id: &[u8]) -> Result<Option<(u8, Vec<u8>)>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PROGRAMS)?;
        Ok(t.get(program_id)?.and_then(|v| {
            let v = v.value();
            v.split_first().map(|(vm, elf)| (*vm, elf.to_vec()))
        }))
    }

    pub fn contains_program(&self, program_id: &[u8]) -> Result<bool> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PROGRAMS)?;
        Ok(t.get(program_id)?.is_some())
    }

    /// Bytes of every stored program (ELF plus its one-byte VM type).
    pub fn programs_total_bytes(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PROGRAMS)?;
        let mut total = 0u64;
        for entry in t.iter()? {
            total += entry?.1.value().len() as u64;
        }
        Ok(total)
    }

    pub fn program_count(&self) -> Result<u64> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(PROGRAMS)?.len()?)
    }

    // ----- jobs -----

    pub fn job(&self, id: &[u8]) -> Result<Option<JobRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(JOBS)?;
        t.get(id)?.map(|v| decode(v.value())).transpose()
    }

    /// Stores a new job (state PENDING, `seq` assigned here) and its offchain input, atomically.
    /// `admit` sees the stored job with the same ID, if any, and decides. Returns the job as
    /// stored afterwards and whether it was inserted.
    pub fn submit_job<E>(
        &self,
        mut job: JobRecord,
        offchain_input: Option<&[u8]>,
        admit: impl FnOnce(Option<&JobRecord>) -> std::result::Result<Admit, E>,
    ) -> Result<std::result::Result<(JobRecord, bool), E>> {
        let tx = self.db.begin_write()?;
        let outcome = {
            let mut jobs = tx.open_table(JOBS)?;
            let existing = jobs.get(job.id.as_slice())?.map(|v| decode(v.value())).transpose()?;
            match admit(existing.as_ref()) {
                Err(e) => Err(e),
                Ok(Admit::Keep) => Ok((existing.expect("Keep needs a stored job"), false)),
                Ok(Admit::Insert) => {
                    let mut meta = tx.open_table(META)?;
                    let seq = meta.get(META_JOB_SEQ)?.map_or(0, |v| v.value()) + 1;
                    meta.insert(META_JOB_SEQ, seq)?;
                    job.seq = seq;
                    job.state = JobState::Pending;
                    jobs.insert(job.id.as_slice(), encode(&job)?.as_slice())?;
                    let mut pending = tx.open_table(PENDING)?;
                    if let Some(old) = &existing {
                        pending.remove(old.pending_key().as_slice())?;
                        tx.open_table(RELAY_QUEUE)?.remove(old.id.as_slice())?;
                    }
                    pending.insert(job.pending_key().as_slice(), job.id.as_slice())?;
                    note_nonce(&tx, &job)?;
                    if let Some(input) = offchain_input {
                        tx.open_table(OFFCHAIN_INPUTS)?
                            .insert(job.offchain_input_hash.as_slice(), input)?;
                    }
                    Ok((job, true))
                }
            }
        };
        if outcome.is_ok() {
            tx.commit()?;
        } else {
            tx.abort()?;
        }
        Ok(outcome)
    }

    /// Inserts onchain jobs and moves the listener cursor to `next_block`, atomically. Returns
    /// the jobs inserted. An ID already stored is skipped, unless it is an offchain job not yet
    /// relayed: the chain gave its nonce to this onchain job, so the offchain request can never
    /// land and the onchain job replaces it.
    pub fn add_onchain_jobs(
        &self,
        jobs: Vec<JobRecord>,
        next_block: u64,
    ) -> Result<Vec<JobRecord>> {
        let tx = self.db.begin_write()?;
        let mut inserted = Vec::new();
        {
            let mut table = tx.open_table(JOBS)?;
            let mut meta = tx.open_table(META)?;
            let mut pending = tx.open_table(PENDING)?;
            let mut seq = meta.get(META_JOB_SEQ)?.map_or(0, |v| v.value());
            let mut queue = tx.open_table(RELAY_QUEUE)?;
            for mut job in jobs {
                let existing =
                    table.get(job.id.as_slice())?.map(|v| decode(v.value())).transpose()?;
                if let Some(old) = existing {
                    if old.kind == JobKind::Onchain || old.state == JobState::Relayed {
                        continue;
                    }
                    tracing::warn!(
                        job = %hex::encode(old.id),
                        "an onchain job took the nonce of an accepted offchain job; the offchain job is replaced"
                    );
                    pending.remove(old.pending_key().as_slice())?;
                    queue.remove(old.id.as_slice())?;
                }
                seq += 1;
                job.seq = seq;
                job.state = JobState::Pending;
                table.insert(job.id.as_slice(), encode(&job)?.as_slice())?;
                pending.insert(job.pending_key().as_slice(), job.id.as_slice())?;
                note_nonce(&tx, &job)?;
                inserted.push(job);
            }
            meta.insert(META_JOB_SEQ, seq)?;
            meta.insert(META_LISTENER_NEXT_BLOCK, next_block)?;
        }
        tx.commit()?;
        Ok(inserted)
    }

    /// The next block the listener scans, if it has run before.
    pub fn listener_next_block(&self) -> Result<Option<u64>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(META)?;
        Ok(t.get(META_LISTENER_NEXT_BLOCK)?.map(|v| v.value()))
    }

    /// Applies `f` to a stored job and writes it back, keeping the pending index and the relay
    /// queue in line with its new state. Returns the updated job (None if unknown).
    fn update(
        &self,
        id: &[u8],
        relay_at: Option<u64>,
        f: impl FnOnce(&mut JobRecord),
    ) -> Result<Option<JobRecord>> {
        let tx = self.db.begin_write()?;
        let updated = {
            let mut jobs = tx.open_table(JOBS)?;
            let Some(mut job) = jobs.get(id)?.map(|v| decode(v.value())).transpose()? else {
                return Ok(None);
            };
            let was = job.state;
            f(&mut job);
            jobs.insert(id, encode(&job)?.as_slice())?;
            let mut unfinal = tx.open_table(UNFINAL)?;
            match job.state {
                JobState::Relayed if was != JobState::Relayed => {
                    unfinal.insert(id, 0)?;
                }
                JobState::Relayed => {}
                _ => {
                    unfinal.remove(id)?;
                }
            }
            let mut queue = tx.open_table(RELAY_QUEUE)?;
            match (job.state, relay_at) {
                (JobState::Done, Some(at)) => {
                    queue.insert(id, at)?;
                }
                (JobState::Done, None) => {}
                _ => {
                    queue.remove(id)?;
                }
            }
            if !job.state.is_open() {
                tx.open_table(PENDING)?.remove(job.pending_key().as_slice())?;
            } else if !was.is_open() {
                tx.open_table(PENDING)?.insert(job.pending_key().as_slice(), id)?;
            }
            job
        };
        tx.commit()?;
        Ok(Some(updated))
    }

    /// RELAYED jobs whose transaction is not known final yet.
    pub fn unfinal_relays(&self) -> Result<Vec<[u8; 32]>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(UNFINAL)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, _) = entry?;
            if let Ok(id) = <[u8; 32]>::try_from(k.value()) {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The job's relay transaction is final: stop watching it.
    pub fn mark_relay_final(&self, id: &[u8]) -> Result<()> {
        let tx = self.db.begin_write()?;
        tx.open_table(UNFINAL)?.remove(id)?;
        tx.commit()?;
        Ok(())
    }

    /// The job's relay transaction is gone from the chain (a reorg): DONE again, due now,
    /// with `why` as its reason until it is relayed again.
    pub fn relay_reorged(&self, id: &[u8], why: String) -> Result<Option<JobRecord>> {
        self.update(id, Some(now_ms()), |job| {
            if job.state == JobState::Relayed {
                job.state = JobState::Done;
                job.relay_tx_hash = Vec::new();
                job.relayed_at_ms = None;
                job.failure_reason = Some(why);
            }
        })
    }

    /// Persists an execution: DONE (queued for relay now) or FAILED.
    pub fn finish_execution(
        &self,
        id: &[u8],
        outcome: ExecutionOutcome,
    ) -> Result<Option<JobRecord>> {
        let now = now_ms();
        self.update(id, Some(now), |job| {
            if job.state != JobState::Pending {
                return;
            }
            job.done_at_ms = Some(now);
            match outcome {
                ExecutionOutcome::Done { result_with_metadata, operator_signature, cycles } => {
                    job.state = JobState::Done;
                    job.failure_reason = None; // e.g. a note that it waited for its program
                    job.result_with_metadata = result_with_metadata;
                    job.operator_signature = operator_signature;
                    job.cycles = Some(cycles);
                }
                ExecutionOutcome::Failed(reason) => {
                    job.state = JobState::Failed;
                    job.failure_reason = Some(reason);
                }
            }
        })
    }

    /// The result is on chain (in transaction `tx_hash`).
    pub fn mark_relayed(&self, id: &[u8], tx_hash: Vec<u8>) -> Result<Option<JobRecord>> {
        self.update(id, None, |job| {
            job.state = JobState::Relayed;
            job.relay_tx_hash = tx_hash;
            job.failure_reason = None;
            job.relayed_at_ms = Some(now_ms());
        })
    }

    /// The job will never be relayed.
    pub fn mark_failed(&self, id: &[u8], reason: String) -> Result<Option<JobRecord>> {
        self.update(id, None, |job| {
            job.state = JobState::Failed;
            job.failure_reason = Some(reason);
        })
    }

    /// A PENDING job that cannot run yet (its program is not stored): keep it PENDING and say
    /// why in its `failure_reason` until it runs.
    pub fn note_waiting(&self, id: &[u8], why: String) -> Result<Option<JobRecord>> {
        self.update(id, None, |job| {
            if job.state == JobState::Pending {
                job.failure_reason = Some(why);
            }
        })
    }

    /// Program IDs of the stored jobs whose offchain input hashes to `hash` (a full scan of the
    /// jobs; only the test-only practice mode asks).
    pub fn programs_with_offchain_input(&self, hash: &[u8]) -> Result<Vec<Vec<u8>>> {
        let tx = self.db.begin_read()?;
        let jobs = tx.open_table(JOBS)?;
        let mut out = Vec::new();
        for entry in jobs.iter()? {
            let job = decode(entry?.1.value())?;
            if job.offchain_input_hash[..] == *hash {
                out.push(job.program_id);
            }
        }
        Ok(out)
    }

    /// IDs of the PENDING jobs that run `program_id` (a scan of the open jobs).
    pub fn pending_for_program(&self, program_id: &[u8]) -> Result<Vec<[u8; 32]>> {
        let tx = self.db.begin_read()?;
        let pending = tx.open_table(PENDING)?;
        let jobs = tx.open_table(JOBS)?;
        let mut out = Vec::new();
        for entry in pending.iter()? {
            let (_, id) = entry?;
            if let Some(v) = jobs.get(id.value())? {
                let job = decode(v.value())?;
                if job.state == JobState::Pending && job.program_id == program_id {
                    out.push(job.id);
                }
            }
        }
        Ok(out)
    }

    /// A relay attempt failed: count it, remember the error, retry at `retry_at_ms`.
    pub fn relay_attempt_failed(
        &self,
        id: &[u8],
        error: String,
        retry_at_ms: u64,
    ) -> Result<Option<JobRecord>> {
        self.update(id, Some(retry_at_ms), |job| {
            job.retries = job.retries.saturating_add(1);
            job.failure_reason = Some(error);
        })
    }

    /// Every job in `state`, in acceptance order. (A full scan: used at startup.)
    pub fn jobs_in_state(&self, state: JobState) -> Result<Vec<JobRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(JOBS)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (_, v) = entry?;
            let job = decode(v.value())?;
            if job.state == state {
                out.push(job);
            }
        }
        out.sort_by_key(|j| j.seq);
        Ok(out)
    }

    /// `(job ID, next attempt in unix ms)` of every job waiting to be relayed.
    pub fn relay_queue(&self) -> Result<Vec<([u8; 32], u64)>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(RELAY_QUEUE)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            let (k, v) = entry?;
            let mut id = [0u8; 32];
            if k.value().len() == 32 {
                id.copy_from_slice(k.value());
                out.push((id, v.value()));
            }
        }
        Ok(out)
    }

    /// Makes every queued relay due now (after a restart).
    pub fn relay_all_now(&self) -> Result<()> {
        let queue = self.relay_queue()?;
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(RELAY_QUEUE)?;
            for (id, _) in queue {
                t.insert(id.as_slice(), 0)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Nonces of `consumer`'s jobs not yet RELAYED or FAILED, ascending.
    pub fn pending_nonces(&self, consumer: &[u8; 20]) -> Result<Vec<u64>> {
        Ok(self.pending_jobs(consumer)?.into_iter().map(|(n, _)| n).collect())
    }

    /// `(nonce, job ID)` of `consumer`'s jobs not yet RELAYED or FAILED, ascending by nonce.
    pub fn pending_jobs(&self, consumer: &[u8; 20]) -> Result<Vec<(u64, [u8; 32])>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PENDING)?;
        let start = pending_key(consumer, 0);
        let end = pending_key(consumer, u64::MAX);
        let mut out = Vec::new();
        for entry in t.range(start.as_slice()..=end.as_slice())? {
            let (k, v) = entry?;
            let k = k.value();
            let mut nonce = [0u8; 8];
            nonce.copy_from_slice(&k[20..28]);
            let mut id = [0u8; 32];
            id.copy_from_slice(v.value());
            out.push((u64::from_be_bytes(nonce), id));
        }
        Ok(out)
    }

    // ----- offchain inputs -----

    pub fn offchain_input(&self, hash: &[u8]) -> Result<Option<Vec<u8>>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(OFFCHAIN_INPUTS)?;
        Ok(t.get(hash)?.map(|v| v.value().to_vec()))
    }

    /// Every stored job (a full scan: the operator's views).
    pub fn all_jobs(&self) -> Result<Vec<JobRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(JOBS)?;
        let mut out = Vec::new();
        for entry in t.iter()? {
            out.push(decode(entry?.1.value())?);
        }
        Ok(out)
    }

    /// An operator's retry: a FAILED or PENDING job goes back to PENDING with its execution
    /// and relay progress cleared (the caller queues it), a DONE job's relay is due now. A
    /// RELAYED job is left alone. `(state before, state after)`, or `None` for an unknown job.
    pub fn retry(&self, id: &[u8]) -> Result<Option<(JobState, JobState)>> {
        let Some(job) = self.job(id)? else { return Ok(None) };
        let before = job.state;
        let updated = match before {
            JobState::Failed | JobState::Pending => self.update(id, None, |job| {
                job.state = JobState::Pending;
                job.failure_reason = None;
                job.retries = 0;
                job.result_with_metadata.clear();
                job.operator_signature.clear();
                job.cycles = None;
                job.done_at_ms = None;
            })?,
            JobState::Done => self.update(id, Some(0), |job| job.retries = 0)?,
            JobState::Relayed => Some(job),
        };
        Ok(updated.map(|job| (before, job.state)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(nonce: u64) -> JobRecord {
        JobRecord::accepted(NewJob {
            id: [nonce as u8; 32],
            kind: JobKind::Offchain,
            nonce,
            max_cycles: 10,
            consumer: [7; 20],
            program_id: vec![1; 32],
            onchain_input: vec![],
            offchain_input_hash: [9; 32],
            request: vec![],
            request_signature: vec![],
            relay_strategy: 0,
        })
    }

    #[test]
    fn onchain_job_replaces_an_open_offchain_job_with_its_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        store.submit_job(job(1), None, |_| Ok::<_, ()>(Admit::Insert)).unwrap().unwrap();
        let mut onchain = job(1);
        onchain.kind = JobKind::Onchain;
        onchain.onchain_input = b"onchain".to_vec();
        assert_eq!(store.add_onchain_jobs(vec![onchain.clone()], 5).unwrap().len(), 1);
        let stored = store.job(&[1; 32]).unwrap().unwrap();
        assert_eq!((stored.kind, stored.onchain_input), (JobKind::Onchain, b"onchain".to_vec()));
        // The same event again (a re-scan) changes nothing.
        assert!(store.add_onchain_jobs(vec![onchain], 6).unwrap().is_empty());
        assert_eq!(store.pending_nonces(&[7; 20]).unwrap(), vec![1]);
    }

    #[test]
    fn lifecycle_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/node.redb");
        {
            let store = Store::open(&path).unwrap();
            assert!(store.put_program(&[1; 32], 2, b"elf").unwrap());
            assert!(!store.put_program(&[1; 32], 2, b"elf").unwrap());
            for n in [3, 1, 2] {
                let r = store
                    .submit_job(job(n), Some(b"input"), |_| Ok::<_, ()>(Admit::Insert))
                    .unwrap()
                    .unwrap();
                assert!(r.1);
            }
            // A duplicate is kept.
            let (kept, inserted) = store
                .submit_job(job(1), None, |old| {
                    assert!(old.is_some());
                    Ok::<_, ()>(Admit::Keep)
                })
                .unwrap()
                .unwrap();
            assert!(!inserted);
            assert_eq!(kept.seq, 2);
            assert_eq!(store.pending_nonces(&[7; 20]).unwrap(), vec![1, 2, 3]);
            store
                .finish_execution(
                    &[1; 32],
                    ExecutionOutcome::Done {
                        result_with_metadata: vec![1],
                        operator_signature: vec![2],
                        cycles: 5,
                    },
                )
                .unwrap();
            store.finish_execution(&[2; 32], ExecutionOutcome::Failed("boom".into())).unwrap();
            assert_eq!(store.relay_queue().unwrap().len(), 1);
            assert_eq!(store.pending_nonces(&[7; 20]).unwrap(), vec![1, 3]);
            store.listener_next_block().unwrap();
            store.add_onchain_jobs(vec![job(4)], 17).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.program(&[1; 32]).unwrap(), Some((2, b"elf".to_vec())));
        assert_eq!(store.offchain_input(&[9; 32]).unwrap(), Some(b"input".to_vec()));
        assert_eq!(store.listener_next_block().unwrap(), Some(17));
        let pending = store.jobs_in_state(JobState::Pending).unwrap();
        assert_eq!(pending.iter().map(|j| j.nonce).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(store.jobs_in_state(JobState::Done).unwrap()[0].cycles, Some(5));
        store.mark_relayed(&[1; 32], vec![0xaa; 32]).unwrap();
        assert!(store.relay_queue().unwrap().is_empty());
        assert_eq!(store.pending_nonces(&[7; 20]).unwrap(), vec![3, 4]);
        let failed = store.job(&[2; 32]).unwrap().unwrap();
        assert_eq!(failed.failure_reason.as_deref(), Some("boom"));
        assert_eq!(failed.to_api().status.unwrap().status, 3);
    }
}
