import UraProtocol
import UraStore

/// The SQLite schema, as an ordered list of migrations. `PRAGMA user_version` records how many
/// have run; each runs in its own transaction. Never edit a released migration: add one.
package enum Migrations {
    /// Rows refer to messages by `seq`, the messages table's increasing row number, never by the
    /// random UUID: inserts into deliveries and the ledger then append to the same few pages instead
    /// of dirtying a random page of each index for every message.
    package static let all: [String] = [
        // 1: messages, deliveries, receipts feed, ledger with its signed head, checkpoints, declarations.
        """
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            digest TEXT NOT NULL,
            type TEXT NOT NULL,
            sender TEXT NOT NULL,
            recipients TEXT NOT NULL,
            case_ref TEXT NOT NULL,
            subject TEXT NOT NULL,
            priority TEXT NOT NULL,
            county TEXT,
            in_reply_to TEXT,
            participants TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            accepted_at INTEGER NOT NULL,
            settled_at INTEGER,
            purged_at INTEGER,
            jws BLOB,
            accepted_receipt BLOB NOT NULL,
            ledger_index INTEGER NOT NULL
        );
        CREATE INDEX messages_case ON messages(case_ref, accepted_at);
        CREATE INDEX messages_sender ON messages(sender, accepted_at);
        CREATE INDEX messages_settled ON messages(settled_at) WHERE purged_at IS NULL AND settled_at IS NOT NULL;

        CREATE TABLE deliveries (
            message_seq INTEGER NOT NULL REFERENCES messages(seq),
            recipient TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('push', 'pull')),
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'retry_scheduled', 'delivered', 'dead_letter')),
            priority INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            lease_until INTEGER,
            last_attempt_at INTEGER,
            last_error TEXT,
            settled_at INTEGER,
            receipt BLOB,
            deliver_until INTEGER NOT NULL,
            PRIMARY KEY (message_seq, recipient)
        ) WITHOUT ROWID;
        CREATE INDEX deliveries_due ON deliveries(channel, priority DESC, next_attempt_at)
            WHERE state IN ('pending', 'retry_scheduled');
        CREATE INDEX deliveries_recipient ON deliveries(recipient, state);
        CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE state = 'in_flight';

        CREATE TABLE receipts (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            sender TEXT NOT NULL,
            message_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            jws BLOB NOT NULL
        );
        CREATE INDEX receipts_sender ON receipts(sender, seq);

        CREATE TABLE ledger (
            idx INTEGER PRIMARY KEY,
            leaf BLOB NOT NULL,
            hash BLOB NOT NULL,
            message_seq INTEGER
        );
        CREATE INDEX ledger_message ON ledger(message_seq) WHERE message_seq IS NOT NULL;

        CREATE TABLE ledger_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            tree_size INTEGER NOT NULL,
            root BLOB NOT NULL,
            frontier BLOB NOT NULL,
            signed BLOB NOT NULL
        );

        CREATE TABLE checkpoints (
            tree_size INTEGER PRIMARY KEY,
            root BLOB NOT NULL,
            at INTEGER NOT NULL,
            signed BLOB NOT NULL
        );

        CREATE TABLE declarations (
            id TEXT PRIMARY KEY,
            case_ref TEXT NOT NULL,
            role TEXT NOT NULL,
            agency TEXT NOT NULL,
            declared_on TEXT NOT NULL,
            form_digest TEXT NOT NULL,
            encrypted_name BLOB NOT NULL,
            recorded_at INTEGER NOT NULL,
            ledger_index INTEGER NOT NULL
        );
        CREATE INDEX declarations_case ON declarations(case_ref, agency);
        """,
        // 2: the SOP's deadlines, armed and met in the same transaction as their messages.
        """
        CREATE TABLE deadlines (
            id TEXT PRIMARY KEY,
            series TEXT NOT NULL,
            case_ref TEXT NOT NULL,
            trigger_id TEXT NOT NULL,
            trigger_type TEXT NOT NULL,
            expected TEXT NOT NULL,
            responsible TEXT NOT NULL,
            responsible_kinds TEXT NOT NULL,
            optional INTEGER NOT NULL,
            rule TEXT NOT NULL,
            occurrence INTEGER,
            armed_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('open', 'met', 'overdue', 'cancelled')),
            met_by TEXT,
            met_at INTEGER,
            notified_at INTEGER
        );
        CREATE INDEX deadlines_case ON deadlines(case_ref, state);
        CREATE INDEX deadlines_due ON deadlines(due_at) WHERE state = 'open' AND optional = 0;
        """,
        // 3: reachability of each agency, for the secretariat's monitor and alerts.
        """
        CREATE TABLE agency_health (
            agency TEXT PRIMARY KEY,
            last_success_at INTEGER,
            last_failure_at INTEGER,
            failing_since INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_seen_at INTEGER,
            alerted_at INTEGER
        );
        CREATE INDEX deliveries_settled ON deliveries(settled_at) WHERE state = 'delivered';
        CREATE INDEX messages_accepted ON messages(accepted_at);
        """,
        // 4: the declaring agency's signed declaration, kept whole as evidence.
        """
        ALTER TABLE declarations ADD COLUMN signed BLOB;
        """,
        // 5: open deliveries by the end of their window, for the sweep that ends expired ones (a pull
        // agency that stops fetching would otherwise hold them forever).
        """
        CREATE INDEX deliveries_open_until ON deliveries(deliver_until) WHERE state IN ('pending', 'retry_scheduled');
        """,
        // 6: the state CHECKs of deliveries and deadlines as chains of comparisons. SQLite compiles a CHECK
        // `IN` list of more than two values into a temporary b-tree that it builds and frees on every
        // insert and update of the row (about a third of the writer's work for a delivery row). A CHECK
        // cannot be altered, so both tables are rebuilt, as SQLite's ALTER TABLE page prescribes: create,
        // copy, drop, rename, and create the indexes again. Nothing refers to either table.
        """
        CREATE TABLE deliveries_v6 (
            message_seq INTEGER NOT NULL REFERENCES messages(seq),
            recipient TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel = 'push' OR channel = 'pull'),
            state TEXT NOT NULL CHECK (state = 'pending' OR state = 'in_flight' OR state = 'retry_scheduled'
                                       OR state = 'delivered' OR state = 'dead_letter'),
            priority INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            lease_until INTEGER,
            last_attempt_at INTEGER,
            last_error TEXT,
            settled_at INTEGER,
            receipt BLOB,
            deliver_until INTEGER NOT NULL,
            PRIMARY KEY (message_seq, recipient)
        ) WITHOUT ROWID;
        INSERT INTO deliveries_v6 (message_seq, recipient, channel, state, priority, attempts, next_attempt_at, lease_until,
                                   last_attempt_at, last_error, settled_at, receipt, deliver_until)
            SELECT message_seq, recipient, channel, state, priority, attempts, next_attempt_at, lease_until,
                   last_attempt_at, last_error, settled_at, receipt, deliver_until FROM deliveries;
        DROP TABLE deliveries;
        ALTER TABLE deliveries_v6 RENAME TO deliveries;
        CREATE INDEX deliveries_due ON deliveries(channel, priority DESC, next_attempt_at)
            WHERE state IN ('pending', 'retry_scheduled');
        CREATE INDEX deliveries_recipient ON deliveries(recipient, state);
        CREATE INDEX deliveries_lease ON deliveries(lease_until) WHERE state = 'in_flight';
        CREATE INDEX deliveries_settled ON deliveries(settled_at) WHERE state = 'delivered';
        CREATE INDEX deliveries_open_until ON deliveries(deliver_until) WHERE state IN ('pending', 'retry_scheduled');

        CREATE TABLE deadlines_v6 (
            id TEXT PRIMARY KEY,
            series TEXT NOT NULL,
            case_ref TEXT NOT NULL,
            trigger_id TEXT NOT NULL,
            trigger_type TEXT NOT NULL,
            expected TEXT NOT NULL,
            responsible TEXT NOT NULL,
            responsible_kinds TEXT NOT NULL,
            optional INTEGER NOT NULL,
            rule TEXT NOT NULL,
            occurrence INTEGER,
            armed_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state = 'open' OR state = 'met' OR state = 'overdue' OR state = 'cancelled'),
            met_by TEXT,
            met_at INTEGER,
            notified_at INTEGER
        );
        INSERT INTO deadlines_v6 (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                                  optional, rule, occurrence, armed_at, due_at, state, met_by, met_at, notified_at)
            SELECT id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                   optional, rule, occurrence, armed_at, due_at, state, met_by, met_at, notified_at FROM deadlines;
        DROP TABLE deadlines;
        ALTER TABLE deadlines_v6 RENAME TO deadlines;
        CREATE INDEX deadlines_case ON deadlines(case_ref, state);
        CREATE INDEX deadlines_due ON deadlines(due_at) WHERE state = 'open' AND optional = 0;
        """,
        // 7: deadlines armed once per obligation, not once per triggering message. `obligation` is
        // `<trigger type>#<expectation index> <party>` (DeadlinePlanner.obligation), NULL for a rule the
        // catalogue keeps per message (the appeal window of a status decision, the hearing of an appeal);
        // a repeat of the trigger while the obligation is pending (open or overdue) is a row of
        // deadline_triggers. Rows armed before this version are given their obligation and merged: of the
        // pending rows of one obligation and occurrence the one already reported overdue, else the oldest,
        // stays and the others become links to it, so the secretariat is told once per obligation.
        // The unique index then keeps it so.
        """
        ALTER TABLE deadlines ADD COLUMN obligation TEXT;
        CREATE TABLE deadline_triggers (
            deadline_id TEXT NOT NULL,
            trigger_id TEXT NOT NULL,
            linked_at INTEGER NOT NULL,
            PRIMARY KEY (deadline_id, trigger_id)
        ) WITHOUT ROWID;
        CREATE INDEX deadline_triggers_trigger ON deadline_triggers(trigger_id);

        UPDATE deadlines SET obligation = trigger_type || '#' || substr(series, instr(series, '/') + 1) || ' ' ||
            CASE WHEN responsible = '[]'
                 THEN 'kinds:' || coalesce((SELECT group_concat(value, ',') FROM (SELECT value FROM json_each(deadlines.responsible_kinds) ORDER BY value)), '')
                 ELSE (SELECT group_concat(value, ',') FROM (SELECT value FROM json_each(deadlines.responsible) ORDER BY value)) END
        WHERE trigger_type <> 'identification.status-decision' AND trigger_type <> 'identification.appeal';

        CREATE TEMP TABLE deadline_merge AS
            SELECT d.id AS duplicate, d.trigger_id AS trigger_id, d.armed_at AS armed_at,
                   (SELECT k.id FROM deadlines k
                     WHERE k.case_ref = d.case_ref AND k.obligation = d.obligation
                       AND coalesce(k.occurrence, 0) = coalesce(d.occurrence, 0) AND (k.state = 'open' OR k.state = 'overdue')
                     ORDER BY k.state = 'overdue' DESC, k.armed_at, k.id LIMIT 1) AS keeper
            FROM deadlines d
            WHERE d.obligation IS NOT NULL AND (d.state = 'open' OR d.state = 'overdue');
        DELETE FROM deadline_merge WHERE duplicate = keeper;
        INSERT OR IGNORE INTO deadline_triggers (deadline_id, trigger_id, linked_at)
            SELECT keeper, trigger_id, armed_at FROM deadline_merge;
        DELETE FROM deadlines WHERE id IN (SELECT duplicate FROM deadline_merge);
        DROP TABLE deadline_merge;

        CREATE UNIQUE INDEX deadlines_obligation ON deadlines(case_ref, obligation, coalesce(occurrence, 0))
            WHERE obligation IS NOT NULL AND (state = 'open' OR state = 'overdue');
        """,
        // 8: the roots of the ledger's perfect subtrees of 64 entries and more, for proofs in
        // O(log n) (`LedgerNodes`); the store fills it from the ledger at the first open.
        """
        CREATE TABLE ledger_nodes (
            height INTEGER NOT NULL,
            start INTEGER NOT NULL,
            hash BLOB NOT NULL,
            PRIMARY KEY (height, start)
        ) WITHOUT ROWID;
        """,
        // 9: the statistics and trends count in SQL over a year of messages: an index on acceptance
        // that covers what they group by (no message row read), and the given-up deliveries by
        // settling time as the delivered ones already are.
        """
        DROP INDEX messages_accepted;
        CREATE INDEX messages_accepted ON messages(accepted_at, county, type, subject, case_ref);
        CREATE INDEX deliveries_given_up ON deliveries(settled_at) WHERE state = 'dead_letter';
        """,
        // 10: federation. A peer gateway's accepted receipt for a relayed message is an `accepted`
        // entry of the sender's feed, once per message and recipient; a message a peer relayed here
        // names that peer (relayed_by), and its recipient's delivered receipt is queued in
        // receipt_forwards in the same transaction, until that peer has taken it
        // (deploy/postgres/003_federation_receipts.sql is the same for PostgreSQL).
        """
        ALTER TABLE messages ADD COLUMN relayed_by TEXT;
        CREATE UNIQUE INDEX receipts_relay_accepted ON receipts(message_id, recipient) WHERE kind = 'accepted';

        CREATE TABLE receipt_forwards (
            message_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            peer TEXT NOT NULL,
            receipt BLOB NOT NULL,
            queued_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            done_at INTEGER,
            PRIMARY KEY (message_id, recipient)
        ) WITHOUT ROWID;
        CREATE INDEX receipt_forwards_due ON receipt_forwards(next_attempt_at) WHERE done_at IS NULL;
        """,
    ]

    /// Brings the database to the latest version; refuses a database written by a newer Ura.
    static func apply(to db: SQLiteConnection) throws(StoreError) {
        let current = try db.scalar("PRAGMA user_version")?.int ?? 0
        guard current <= all.count else {
            throw StoreError.corrupt("the database is at schema version \(current), newer than this urad (\(all.count)); upgrade urad")
        }
        for version in current..<all.count {
            try db.execute("BEGIN IMMEDIATE")
            do {
                try db.execute(all[version])
                try db.execute("PRAGMA user_version = \(version + 1)")
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}
