-- Ura on PostgreSQL, schema version 1: the same tables as the SQLite store's eight migrations.
-- Applied by urad at start under an advisory lock (Sources/UraStorePostgres/PostgresMigrations+Files.swift keeps
-- a byte-for-byte copy; scripts/postgres-migrations regenerates it). Never edit a released file: add 002_….
-- Times are milliseconds since 1970 (bigint), as in the SQLite store. Rows refer to messages by
-- `seq`. Every write transaction first locks the single ledger_head row, so batches of every node
-- commit one after the other: sequence values (the receipts feed's cursor) follow commit order.

CREATE TABLE messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL UNIQUE,
    digest text NOT NULL,
    type text NOT NULL,
    sender text NOT NULL,
    recipients text NOT NULL,
    case_ref text NOT NULL,
    subject text NOT NULL,
    priority text NOT NULL,
    county text,
    in_reply_to text,
    participants text,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    accepted_at bigint NOT NULL,
    settled_at bigint,
    purged_at bigint,
    jws bytea,
    accepted_receipt bytea NOT NULL,
    ledger_index bigint NOT NULL
);
CREATE INDEX messages_case ON messages (case_ref, accepted_at);
CREATE INDEX messages_sender ON messages (sender, accepted_at);
CREATE INDEX messages_settled ON messages (settled_at) WHERE purged_at IS NULL AND settled_at IS NOT NULL;
CREATE INDEX messages_accepted ON messages (accepted_at);

-- One row per recipient. A worker claims due rows with FOR UPDATE SKIP LOCKED and leases them:
-- leased_until (ms) and leased_by (the node); an expired lease is put back in the retry queue.
CREATE TABLE deliveries (
    message_seq bigint NOT NULL REFERENCES messages (seq),
    recipient text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('push', 'pull')),
    state text NOT NULL CHECK (state IN ('pending', 'in_flight', 'retry_scheduled', 'delivered', 'dead_letter')),
    priority integer NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    leased_until bigint,
    leased_by text,
    last_attempt_at bigint,
    last_error text,
    settled_at bigint,
    receipt bytea,
    deliver_until bigint NOT NULL,
    PRIMARY KEY (message_seq, recipient)
);
CREATE INDEX deliveries_due ON deliveries (channel, priority DESC, next_attempt_at) WHERE state IN ('pending', 'retry_scheduled');
CREATE INDEX deliveries_recipient ON deliveries (recipient, state);
CREATE INDEX deliveries_lease ON deliveries (leased_until) WHERE state = 'in_flight';
CREATE INDEX deliveries_settled ON deliveries (settled_at) WHERE state = 'delivered';
CREATE INDEX deliveries_open_until ON deliveries (deliver_until) WHERE state IN ('pending', 'retry_scheduled');

-- The senders' receipts feed; seq is the cursor.
CREATE TABLE receipts (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sender text NOT NULL,
    message_id text NOT NULL,
    recipient text NOT NULL,
    kind text NOT NULL,
    at bigint NOT NULL,
    jws bytea NOT NULL
);
CREATE INDEX receipts_sender ON receipts (sender, seq);

-- The hash-linked ledger (RFC 9162 leaves) and its one head: the next index is tree_size, last_hash
-- the hash of the entry before it, the frontier continues the Merkle tree, signed is the gateway's
-- tree head (NULL while empty). A batch reads the head with the lock it takes on it.
CREATE TABLE ledger (
    idx bigint PRIMARY KEY,
    leaf bytea NOT NULL,
    hash bytea NOT NULL,
    message_seq bigint
);
CREATE INDEX ledger_message ON ledger (message_seq) WHERE message_seq IS NOT NULL;

CREATE TABLE ledger_head (
    id integer PRIMARY KEY CHECK (id = 1),
    tree_size bigint NOT NULL,
    root bytea NOT NULL,
    frontier bytea NOT NULL,
    last_hash bytea NOT NULL,
    signed bytea
);
INSERT INTO ledger_head (id, tree_size, root, frontier, last_hash, signed)
    VALUES (1, 0, '\x', '\x', '\x0000000000000000000000000000000000000000000000000000000000000000', NULL);

-- The roots of the ledger's perfect subtrees of 64 entries and more, for proofs in O(log n).
CREATE TABLE ledger_nodes (
    height integer NOT NULL,
    start bigint NOT NULL,
    hash bytea NOT NULL,
    PRIMARY KEY (height, start)
);

CREATE TABLE checkpoints (
    tree_size bigint PRIMARY KEY,
    root bytea NOT NULL,
    at bigint NOT NULL,
    signed bytea NOT NULL
);

-- Confidentiality declarations (form A1).
CREATE TABLE declarations (
    id text PRIMARY KEY,
    case_ref text NOT NULL,
    role text NOT NULL,
    agency text NOT NULL,
    declared_on text NOT NULL,
    form_digest text NOT NULL,
    encrypted_name bytea NOT NULL,
    recorded_at bigint NOT NULL,
    ledger_index bigint NOT NULL,
    signed bytea
);
CREATE INDEX declarations_case ON declarations (case_ref, agency);

-- The SOP's deadlines, armed and met in the same transaction as their messages; one pending
-- deadline per obligation, a repeat of its trigger is a row of deadline_triggers.
CREATE TABLE deadlines (
    id text PRIMARY KEY,
    series text NOT NULL,
    case_ref text NOT NULL,
    trigger_id text NOT NULL,
    trigger_type text NOT NULL,
    expected jsonb NOT NULL,
    responsible jsonb NOT NULL,
    responsible_kinds jsonb NOT NULL,
    optional boolean NOT NULL,
    rule text NOT NULL,
    occurrence integer,
    armed_at bigint NOT NULL,
    due_at bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('open', 'met', 'overdue', 'cancelled')),
    met_by text,
    met_at bigint,
    notified_at bigint,
    obligation text
);
CREATE INDEX deadlines_case ON deadlines (case_ref, state);
CREATE INDEX deadlines_due ON deadlines (due_at) WHERE state = 'open' AND NOT optional;
CREATE UNIQUE INDEX deadlines_obligation ON deadlines (case_ref, obligation, coalesce(occurrence, 0))
    WHERE obligation IS NOT NULL AND state IN ('open', 'overdue');

CREATE TABLE deadline_triggers (
    deadline_id text NOT NULL,
    trigger_id text NOT NULL,
    linked_at bigint NOT NULL,
    PRIMARY KEY (deadline_id, trigger_id)
);
CREATE INDEX deadline_triggers_trigger ON deadline_triggers (trigger_id);

-- Reachability of each agency, for the secretariat's monitor and alerts.
CREATE TABLE agency_health (
    agency text PRIMARY KEY,
    last_success_at bigint,
    last_failure_at bigint,
    failing_since bigint,
    consecutive_failures integer NOT NULL DEFAULT 0,
    last_error text,
    last_seen_at bigint,
    alerted_at bigint
);
