//! The shared store (PostgreSQL): any number of nodes on one database.
//!
//! Schema: `migrations/` (applied at start; sqlx's migrator takes a lock, so nodes starting
//! together apply them once). A job row holds its whole [`JobRecord`] plus the columns the
//! nodes query by (state, consumer and nonce, relay time, finality, owner), written together.
//!
//! What several nodes need beyond the embedded store:
//! - a PENDING job has an `owner`: the node that accepted (or took over) the job executes it.
//!   Nodes beat a heartbeat into `nodes`; the jobs of a node whose heartbeat is older than
//!   [`NODE_LEASE`] are taken over by the others (`FOR UPDATE SKIP LOCKED`, so two nodes never
//!   take the same job);
//! - the relayer and the listener run on one node at a time: each role is a session-level
//!   advisory lock ([`Role::lock_key`]), released by PostgreSQL when that node's connection
//!   ends (a crash, a kill, a network cut the server notices), and then taken by another node.
use std::time::Duration;

use anyhow::{Context, Result};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Row, Transaction};

use super::record::{decode, encode, Admit, JobKind, JobRecord, JobState};
use super::{ClusterNode, Role};

/// A node whose last heartbeat is older than this is gone: its PENDING jobs are taken over.
pub const NODE_LEASE: Duration = Duration::from_secs(5);
/// A node gone for this long is no longer listed in the cluster.
pub const FORGET_GONE_NODES: Duration = Duration::from_secs(600);

/// The notification channel on which a job queued for relay wakes the relayer.
const RELAY_CHANNEL: &str = "ivm_relay";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
    options: PgConnectOptions,
    node_id: String,
}

/// One role held by this node: the session that holds its advisory lock.
pub(crate) struct PgRoleLease {
    conn: PgConnection,
}

impl PgRoleLease {
    /// Whether the session (and so the lock) is still alive.
    pub async fn held(&mut self) -> bool {
        let ping = sqlx::query("SELECT 1").execute(&mut self.conn);
        matches!(tokio::time::timeout(Duration::from_secs(3), ping).await, Ok(Ok(_)))
    }
}

fn state_name(state: JobState) -> &'static str {
    match state {
        JobState::Pending => "pending",
        JobState::Done => "done",
        JobState::Relayed => "relayed",
        JobState::Failed => "failed",
    }
}

fn as_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// `postgres://user:***@host/db`: the URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

/// The columns a job row keeps besides its record.
struct RowState {
    relay_at: Option<i64>,
    unfinal: bool,
    owner: Option<String>,
}

async fn write_job(conn: &mut PgConnection, job: &JobRecord, row: &RowState) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, seq, state, consumer, nonce, program_id, offchain_input_hash,
                           relay_at, unfinal, owner, accepted_at_ms, record)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET
           seq = EXCLUDED.seq, state = EXCLUDED.state, consumer = EXCLUDED.consumer,
           nonce = EXCLUDED.nonce, program_id = EXCLUDED.program_id,
           offchain_input_hash = EXCLUDED.offchain_input_hash, relay_at = EXCLUDED.relay_at,
           unfinal = EXCLUDED.unfinal, owner = EXCLUDED.owner,
           accepted_at_ms = EXCLUDED.accepted_at_ms, record = EXCLUDED.record",
    )
    .bind(job.id.as_slice())
    .bind(as_i64(job.seq))
    .bind(state_name(job.state))
    .bind(job.consumer.as_slice())
    .bind(job.nonce.to_be_bytes().as_slice())
    .bind(job.program_id.as_slice())
    .bind(job.offchain_input_hash.as_slice())
    .bind(row.relay_at)
    .bind(row.unfinal)
    .bind(row.owner.as_deref())
    .bind(as_i64(job.accepted_at_ms))
    .bind(encode(job)?)
    .execute(conn)
    .await
    .context("cannot write a job")?;
    Ok(())
}

/// Raises the consumer's highest stored nonce to the job's.
async fn note_nonce(conn: &mut PgConnection, job: &JobRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO consumer_nonces (consumer, highest) VALUES ($1, $2)
         ON CONFLICT (consumer) DO UPDATE
           SET highest = GREATEST(consumer_nonces.highest, EXCLUDED.highest)",
    )
    .bind(job.consumer.as_slice())
    .bind(job.nonce.to_be_bytes().as_slice())
    .execute(conn)
    .await?;
    Ok(())
}

async fn next_seq(conn: &mut PgConnection) -> Result<u64> {
    let seq: i64 = sqlx::query_scalar("SELECT nextval('job_seq')").fetch_one(conn).await?;
    Ok(seq as u64)
}

/// The stored job with this ID, locked for this transaction.
async fn job_for_update(
    tx: &mut Transaction<'_, Postgres>,
    id: &[u8],
) -> Result<Option<JobRecord>> {
    let bytes: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT record FROM jobs WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
    bytes.map(|b| decode(&b)).transpose()
}

fn id32(bytes: &[u8]) -> Option<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).ok()
}

fn nonce_of(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map(u64::from_be_bytes).unwrap_or(0)
}

impl PgStore {
    /// Connects, applies the migrations, and registers this node (`node_id`).
    pub async fn open(url: &str, node_id: String) -> Result<PgStore> {
        let shown = redact(url);
        let options: PgConnectOptions = url
            .parse()
            .with_context(|| format!("--db {shown}: not a PostgreSQL connection URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
        MIGRATOR
            .run(&pool)
            .await
            .with_context(|| format!("cannot apply the node's migrations to {shown}"))?;
        Ok(PgStore { pool, options, node_id })
    }

    /// Stores `job` as a new PENDING job of this node (replacing a row with its ID), with the
    /// next acceptance number.
    async fn insert_new(&self, conn: &mut PgConnection, job: &mut JobRecord) -> Result<()> {
        job.seq = next_seq(conn).await?;
        job.state = JobState::Pending;
        let row = RowState { relay_at: None, unfinal: false, owner: Some(self.node_id.clone()) };
        write_job(conn, job, &row).await?;
        note_nonce(conn, job).await
    }

    pub async fn highest_nonce(&self, consumer: &[u8; 20]) -> Result<Option<u64>> {
        let v: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT highest FROM consumer_nonces WHERE consumer = $1")
                .bind(consumer.as_slice())
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.map(|b| nonce_of(&b)))
    }

    // ----- programs -----

    pub async fn put_program(&self, program_id: &[u8], vm_type: u8, elf: &[u8]) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO programs (id, vm_type, elf) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(program_id)
        .bind(i16::from(vm_type))
        .bind(elf)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn program(&self, program_id: &[u8]) -> Result<Option<(u8, Vec<u8>)>> {
        let row = sqlx::query("SELECT vm_type, elf FROM programs WHERE id = $1")
            .bind(program_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| (r.get::<i16, _>(0) as u8, r.get::<Vec<u8>, _>(1))))
    }

    pub async fn contains_program(&self, program_id: &[u8]) -> Result<bool> {
        Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM programs WHERE id = $1)")
            .bind(program_id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn programs_total_bytes(&self) -> Result<u64> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(SUM(octet_length(elf) + 1), 0)::BIGINT FROM programs",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(total as u64)
    }

    pub async fn program_count(&self) -> Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM programs").fetch_one(&self.pool).await?;
        Ok(n as u64)
    }

    // ----- jobs -----

    pub async fn job(&self, id: &[u8]) -> Result<Option<JobRecord>> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar("SELECT record FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        bytes.map(|b| decode(&b)).transpose()
    }

    pub async fn submit_job<E>(
        &self,
        mut job: JobRecord,
        offchain_input: Option<&[u8]>,
        admit: impl FnOnce(Option<&JobRecord>) -> std::result::Result<Admit, E>,
    ) -> Result<std::result::Result<(JobRecord, bool), E>> {
        let mut tx = self.pool.begin().await?;
        // Serializes submissions of one job ID across nodes (the row may not exist yet).
        let key = i64::from_be_bytes(job.id[..8].try_into().expect("8 bytes"));
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(key).execute(&mut *tx).await?;
        let existing = job_for_update(&mut tx, &job.id).await?;
        let outcome = match admit(existing.as_ref()) {
            Err(e) => Err(e),
            Ok(Admit::Keep) => Ok((existing.expect("Keep needs a stored job"), false)),
            Ok(Admit::Insert) => {
                self.insert_new(&mut tx, &mut job).await?;
                if let Some(input) = offchain_input {
                    sqlx::query(
                        "INSERT INTO offchain_inputs (hash, input) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(job.offchain_input_hash.as_slice())
                    .bind(input)
                    .execute(&mut *tx)
                    .await?;
                }
                Ok((job, true))
            }
        };
        if outcome.is_ok() {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(outcome)
    }

    pub async fn add_onchain_jobs(
        &self,
        jobs: Vec<JobRecord>,
        next_block: u64,
    ) -> Result<Vec<JobRecord>> {
        let mut tx = self.pool.begin().await?;
        let mut inserted = Vec::new();
        for mut job in jobs {
            if let Some(old) = job_for_update(&mut tx, &job.id).await? {
                if old.kind == JobKind::Onchain || old.state == JobState::Relayed {
                    continue;
                }
                tracing::warn!(
                    job = %hex::encode(old.id),
                    "an onchain job took the nonce of an accepted offchain job; the offchain job is replaced"
                );
            }
            self.insert_new(&mut tx, &mut job).await?;
            inserted.push(job);
        }
        sqlx::query(
            "INSERT INTO meta (name, value) VALUES ('listener_next_block', $1)
             ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
        )
        .bind(as_i64(next_block))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn listener_next_block(&self) -> Result<Option<u64>> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT value FROM meta WHERE name = 'listener_next_block'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.map(|v| v as u64))
    }

    /// As the embedded store's `update`: the job's relay time, finality watch and owner follow
    /// its new state (a job back to PENDING has no owner until a node claims it).
    pub async fn update(
        &self,
        id: &[u8],
        relay_at: Option<u64>,
        f: impl FnOnce(&mut JobRecord),
    ) -> Result<Option<JobRecord>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT record, relay_at, unfinal, owner FROM jobs WHERE id = $1 FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut job = decode(&row.get::<Vec<u8>, _>(0))?;
        let mut state = RowState { relay_at: row.get(1), unfinal: row.get(2), owner: row.get(3) };
        let was = job.state;
        f(&mut job);
        state.unfinal = match job.state {
            JobState::Relayed => state.unfinal || was != JobState::Relayed,
            _ => false,
        };
        state.relay_at = match (job.state, relay_at) {
            (JobState::Done, Some(at)) => Some(as_i64(at)),
            (JobState::Done, None) => state.relay_at,
            _ => None,
        };
        if job.state == JobState::Pending && was != JobState::Pending {
            state.owner = None;
        }
        write_job(&mut tx, &job, &state).await?;
        if job.state == JobState::Done && relay_at.is_some() {
            // Wakes the relayer, which may run on another node (delivered at commit).
            sqlx::query("SELECT pg_notify($1, '')").bind(RELAY_CHANNEL).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(Some(job))
    }

    async fn ids(&self, sql: &str, bind: Option<&[u8]>) -> Result<Vec<[u8; 32]>> {
        let mut q = sqlx::query_scalar::<_, Vec<u8>>(sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        Ok(q.fetch_all(&self.pool).await?.iter().filter_map(|b| id32(b)).collect())
    }

    pub async fn unfinal_relays(&self) -> Result<Vec<[u8; 32]>> {
        self.ids("SELECT id FROM jobs WHERE unfinal", None).await
    }

    pub async fn mark_relay_final(&self, id: &[u8]) -> Result<()> {
        sqlx::query("UPDATE jobs SET unfinal = FALSE WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn programs_with_offchain_input(&self, hash: &[u8]) -> Result<Vec<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT program_id FROM jobs WHERE offchain_input_hash = $1")
            .bind(hash)
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn pending_for_program(&self, program_id: &[u8]) -> Result<Vec<[u8; 32]>> {
        self.ids(
            "SELECT id FROM jobs WHERE state = 'pending' AND program_id = $1 ORDER BY seq",
            Some(program_id),
        )
        .await
    }

    async fn records(&self, sql: &str, state: Option<&str>) -> Result<Vec<JobRecord>> {
        let mut q = sqlx::query_scalar::<_, Vec<u8>>(sql);
        if let Some(s) = state {
            q = q.bind(s);
        }
        q.fetch_all(&self.pool).await?.iter().map(|b| decode(b)).collect()
    }

    pub async fn jobs_in_state(&self, state: JobState) -> Result<Vec<JobRecord>> {
        self.records(
            "SELECT record FROM jobs WHERE state = $1 ORDER BY seq",
            Some(state_name(state)),
        )
        .await
    }

    pub async fn all_jobs(&self) -> Result<Vec<JobRecord>> {
        self.records("SELECT record FROM jobs ORDER BY seq", None).await
    }

    pub async fn relay_queue(&self) -> Result<Vec<([u8; 32], u64)>> {
        let rows = sqlx::query("SELECT id, relay_at FROM jobs WHERE relay_at IS NOT NULL")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some((id32(&r.get::<Vec<u8>, _>(0))?, r.get::<i64, _>(1).max(0) as u64))
            })
            .collect())
    }

    pub async fn relay_all_now(&self) -> Result<()> {
        sqlx::query("UPDATE jobs SET relay_at = 0 WHERE relay_at IS NOT NULL")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn pending_jobs(&self, consumer: &[u8; 20]) -> Result<Vec<(u64, [u8; 32])>> {
        let rows = sqlx::query(
            "SELECT nonce, id FROM jobs WHERE consumer = $1 AND state IN ('pending', 'done')
             ORDER BY nonce",
        )
        .bind(consumer.as_slice())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some((nonce_of(&r.get::<Vec<u8>, _>(0)), id32(&r.get::<Vec<u8>, _>(1))?))
            })
            .collect())
    }

    pub async fn offchain_input(&self, hash: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT input FROM offchain_inputs WHERE hash = $1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    // ----- several nodes -----

    /// The job, if it is PENDING and this node may execute it (it owns it, nobody does, or its
    /// owner is gone); it is then this node's.
    pub async fn claim(&self, id: &[u8]) -> Result<Option<JobRecord>> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar(
            "UPDATE jobs SET owner = $2
             WHERE id = $1 AND state = 'pending'
               AND (owner IS NULL OR owner = $2 OR owner NOT IN (
                     SELECT id FROM nodes WHERE heartbeat_at > now() - make_interval(secs => $3)))
             RETURNING record",
        )
        .bind(id)
        .bind(&self.node_id)
        .bind(NODE_LEASE.as_secs_f64())
        .fetch_optional(&self.pool)
        .await?;
        bytes.map(|b| decode(&b)).transpose()
    }

    /// Takes over up to `limit` PENDING jobs whose owner is gone, oldest first; two nodes never
    /// take the same job (rows another node is taking are skipped).
    pub async fn take_orphans(&self, limit: usize) -> Result<Vec<[u8; 32]>> {
        let ids: Vec<Vec<u8>> = sqlx::query_scalar(
            "UPDATE jobs SET owner = $1 WHERE id IN (
               SELECT id FROM jobs
               WHERE state = 'pending' AND owner IS NOT NULL AND owner <> $1
                 AND owner NOT IN (
                   SELECT id FROM nodes WHERE heartbeat_at > now() - make_interval(secs => $3))
               ORDER BY seq LIMIT $2
               FOR UPDATE SKIP LOCKED)
             RETURNING id",
        )
        .bind(&self.node_id)
        .bind(limit as i64)
        .bind(NODE_LEASE.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.iter().filter_map(|b| id32(b)).collect())
    }

    /// This node no longer executes the job (it waits for its program, which may arrive at
    /// another node).
    pub async fn release(&self, id: &[u8]) -> Result<()> {
        sqlx::query("UPDATE jobs SET owner = NULL WHERE id = $1 AND owner = $2")
            .bind(id)
            .bind(&self.node_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that this node (serving at `url`) is alive, and forgets nodes gone for longer
    /// than [`FORGET_GONE_NODES`] (their jobs stay claimable: an owner that is not alive is gone).
    pub async fn heartbeat(&self, url: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO nodes (id, url) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), url = EXCLUDED.url",
        )
        .bind(&self.node_id)
        .bind(url)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM nodes WHERE heartbeat_at < now() - make_interval(secs => $1)")
            .bind(FORGET_GONE_NODES.as_secs_f64())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Calls `wake` whenever any node queues a job for relay, until the connection fails.
    pub async fn relay_wakeups(&self, wake: impl Fn()) -> Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(RELAY_CHANNEL).await?;
        loop {
            listener.recv().await?;
            wake();
        }
    }

    /// The role's lock, if no other node holds it.
    pub async fn try_acquire(&self, role: Role) -> Result<Option<PgRoleLease>> {
        let mut conn = PgConnection::connect_with(&self.options).await?;
        let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(role.lock_key())
            .fetch_one(&mut conn)
            .await?;
        if !got {
            let _ = conn.close().await;
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO roles (role, node_id) VALUES ($1, $2)
             ON CONFLICT (role) DO UPDATE SET node_id = EXCLUDED.node_id, since = now()",
        )
        .bind(role.name())
        .bind(&self.node_id)
        .execute(&mut conn)
        .await?;
        Ok(Some(PgRoleLease { conn }))
    }

    /// The nodes that have registered with this database, newest heartbeat first.
    pub async fn cluster(&self) -> Result<Vec<ClusterNode>> {
        let rows = sqlx::query(
            "SELECT n.id, n.url,
                    (EXTRACT(EPOCH FROM (now() - n.heartbeat_at)) * 1000)::BIGINT,
                    n.heartbeat_at > now() - make_interval(secs => $1),
                    COALESCE(ARRAY(SELECT r.role FROM roles r WHERE r.node_id = n.id ORDER BY r.role), '{}')
             FROM nodes n ORDER BY n.heartbeat_at DESC",
        )
        .bind(NODE_LEASE.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ClusterNode {
                id: r.get(0),
                url: r.get(1),
                heartbeat_age_ms: r.get::<i64, _>(2).max(0) as u64,
                alive: r.get(3),
                roles: r.get(4),
                this_node: r.get::<String, _>(0) == self.node_id,
            })
            .collect())
    }
}

/// Creates a new, empty database named `{prefix}_{random}` on the server of `server_url` (whose
/// user may create databases) and returns its URL. For tests and throw-away devnets.
pub async fn create_scratch_database(server_url: &str, prefix: &str) -> Result<String> {
    use std::hash::{BuildHasher, Hasher};
    let shown = redact(server_url);
    let options: PgConnectOptions =
        server_url.parse().with_context(|| format!("{shown}: not a PostgreSQL connection URL"))?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {shown}"))?;
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let name = format!("{prefix}_{random:016x}");
    anyhow::ensure!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "database name prefix {prefix:?}: use letters, digits and underscores"
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .with_context(|| format!("cannot create database {name} on {shown}"))?;
    let _ = conn.close().await;
    // Same server and credentials, the new database.
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (server_url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    Ok(match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    })
}
