-- ivm node store on PostgreSQL: what the embedded redb store keeps, shared by any number of
-- nodes. Each job row carries its whole record (postcard, `record`) plus the columns the nodes
-- query by; both are written together from the same record, never separately.

CREATE TABLE programs (
    id       BYTEA PRIMARY KEY,
    vm_type  SMALLINT NOT NULL,
    elf      BYTEA NOT NULL
);

CREATE TABLE offchain_inputs (
    hash   BYTEA PRIMARY KEY,   -- keccak256(input)
    input  BYTEA NOT NULL
);

-- Acceptance order of jobs (unique, increasing).
CREATE SEQUENCE job_seq;

CREATE TABLE jobs (
    id                   BYTEA PRIMARY KEY,
    seq                  BIGINT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('pending', 'done', 'relayed', 'failed')),
    consumer             BYTEA NOT NULL,
    nonce                BYTEA NOT NULL,     -- u64, 8 bytes big-endian: sorts like the number
    program_id           BYTEA NOT NULL,
    offchain_input_hash  BYTEA NOT NULL,
    relay_at             BIGINT,             -- unix ms of the next relay attempt (DONE jobs)
    unfinal              BOOLEAN NOT NULL DEFAULT FALSE,  -- RELAYED, transaction not final yet
    owner                TEXT,               -- the node that executes it (PENDING jobs)
    accepted_at_ms       BIGINT NOT NULL,
    record               BYTEA NOT NULL
);
CREATE INDEX jobs_open_by_consumer ON jobs (consumer, nonce) WHERE state IN ('pending', 'done');
CREATE INDEX jobs_pending ON jobs (seq) WHERE state = 'pending';
CREATE INDEX jobs_relay_queue ON jobs (relay_at) WHERE relay_at IS NOT NULL;
CREATE INDEX jobs_unfinal ON jobs (id) WHERE unfinal;
CREATE INDEX jobs_state_seq ON jobs (state, seq);

-- The highest nonce of any job stored for a consumer, in any state (8 bytes big-endian).
CREATE TABLE consumer_nonces (
    consumer  BYTEA PRIMARY KEY,
    highest   BYTEA NOT NULL
);

-- Counters and cursors: `listener_next_block`.
CREATE TABLE meta (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);

-- The nodes sharing this database: a node whose heartbeat is older than its lease is gone, and
-- the PENDING jobs it owned are taken over by the others.
CREATE TABLE nodes (
    id            TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who holds each singleton role (relayer, listener), for operators; the role itself is an
-- advisory lock held by that node's session.
CREATE TABLE roles (
    role     TEXT PRIMARY KEY,
    node_id  TEXT NOT NULL,
    since    TIMESTAMPTZ NOT NULL DEFAULT now()
);
