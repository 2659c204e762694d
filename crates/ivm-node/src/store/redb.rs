//! The embedded store (redb, one file, fsync on every commit): one node per file.
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

use super::record::{decode, encode, pending_key, Admit, JobKind, JobRecord, JobState};

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

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub(crate) struct RedbStore {
    db: Arc<Database>,
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

impl RedbStore {
    /// Opens (or creates) the database at `path`, creating its parent directory.
    pub fn open(path: &Path) -> Result<RedbStore> {
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
        Ok(RedbStore { db: Arc::new(db) })
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
    pub fn update(
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
}
