/// Where the stores' SQL differs between SQLite and PostgreSQL, each text written out in full:
/// a statement whose text a backend's partial index or plan depends on stays exactly what it was.
@usableFromInline package enum SQLDialect: Sendable {
    case sqlite
    case postgresql



    /// The signed tree head (PostgreSQL keeps the row from the start, unsigned until a batch signs it).
    @inlinable package var signedHead: String {
        switch self {
        case .sqlite: "SELECT tree_size, root, signed FROM ledger_head WHERE id = 1"
        case .postgresql: "SELECT tree_size, root, signed FROM ledger_head WHERE id = 1 AND signed IS NOT NULL"
        }
    }

    /// Keeps a checkpoint once per tree size.
    @inlinable package var insertCheckpoint: String {
        switch self {
        case .sqlite: "INSERT OR IGNORE INTO checkpoints (tree_size, root, at, signed) VALUES (?, ?, ?, ?)"
        case .postgresql: "INSERT INTO checkpoints (tree_size, root, at, signed) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
        }
    }

    /// Links a repeated trigger to its pending deadline once.
    @inlinable package var linkDeadlineTrigger: String {
        switch self {
        case .sqlite: "INSERT OR IGNORE INTO deadline_triggers (deadline_id, trigger_id, linked_at) VALUES (?, ?, ?)"
        case .postgresql: "INSERT INTO deadline_triggers (deadline_id, trigger_id, linked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
        }
    }

    /// The open deadlines of a case (?) that expect a message type (?), earliest first.
    @inlinable package var openDeadlinesExpecting: String {
        switch self {
        case .sqlite: """
            SELECT id FROM deadlines WHERE case_ref = ? AND state = 'open'
              AND EXISTS (SELECT 1 FROM json_each(expected) WHERE value = ?) ORDER BY due_at
            """
        case .postgresql: """
            SELECT id FROM deadlines WHERE case_ref = ? AND state = 'open'
              AND expected @> jsonb_build_array(?::text) ORDER BY due_at
            """
        }
    }

    /// The condition of `Store.dueDeadlines`, as the partial index `deadlines_due` is written.
    @inlinable package var dueDeadlines: String {
        switch self {
        case .sqlite: "WHERE state = 'open' AND optional = 0 AND due_at <= ? ORDER BY due_at LIMIT ?"
        case .postgresql: "WHERE state = 'open' AND NOT optional AND due_at <= ? ORDER BY due_at LIMIT ?"
        }
    }

    /// A delivery's state, whether its message's body is purged (0 or 1), the message's row and the
    /// delivery's channel, by message id (?) and recipient (?).
    @inlinable package var redriveLookup: String {
        switch self {
        case .sqlite: """
            SELECT d.state, m.jws IS NULL, m.seq, d.channel FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE m.id = ? AND d.recipient = ?
            """
        case .postgresql: """
            SELECT d.state, (m.jws IS NULL)::int, m.seq, d.channel FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE m.id = ? AND d.recipient = ?
            """
        }
    }

    /// What a subquery in FROM is followed by: PostgreSQL wants a name for it.
    @inlinable package var subqueryAlias: String {
        switch self {
        case .sqlite: ""
        case .postgresql: " AS due"
        }
    }

    /// The columns `SQLStore.deliveryRecord(_:)` reads, for a query
    /// `FROM deliveries d JOIN messages m ON m.seq = d.message_seq`.
    /// Stores a perfect subtree of the ledger (height, start, hash), replacing one stored before.
    @inlinable package var storeLedgerNode: String {
        switch self {
        case .sqlite: "INSERT OR REPLACE INTO ledger_nodes (height, start, hash) VALUES (?, ?, ?)"
        case .postgresql: "INSERT INTO ledger_nodes (height, start, hash) VALUES (?, ?, ?) ON CONFLICT (height, start) DO UPDATE SET hash = excluded.hash"
        }
    }

    /// A message's ledger index (the entry that records its acceptance), in a query `FROM messages m`.
    /// SQLite keeps it in the message's row. PostgreSQL keeps it once, in the entry (`message_seq`):
    /// a node inserts the row before its batch holds the ledger head, and the first entry that
    /// refers to a message is its acceptance (later ones record its deliveries).
    @inlinable package var messageLedgerIndex: String {
        switch self {
        case .sqlite: "m.ledger_index"
        case .postgresql: "(SELECT min(l.idx) FROM ledger l WHERE l.message_seq = m.seq)"
        }
    }

    @inlinable package var deliveryColumns: String {
        switch self {
        case .sqlite: """
            m.id, d.recipient, d.channel, d.state, d.attempts, d.next_attempt_at, d.lease_until, d.last_attempt_at, d.last_error,
            d.settled_at, d.receipt, d.deliver_until
            """
        case .postgresql: """
            m.id, d.recipient, d.channel, d.state, d.attempts, d.next_attempt_at, d.leased_until, d.last_attempt_at, d.last_error,
            d.settled_at, d.receipt, d.deliver_until
            """
        }
    }

    /// A delivery delivered: settled at (?), with its receipt (?), by message row (?) and recipient (?).
    @inlinable package var markDelivered: String {
        switch self {
        case .sqlite: """
            UPDATE deliveries SET state = 'delivered', settled_at = ?, receipt = ?, lease_until = NULL, last_error = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        case .postgresql: """
            UPDATE deliveries SET state = 'delivered', settled_at = ?, receipt = ?, leased_until = NULL, leased_by = NULL, last_error = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        }
    }

    /// A delivery to try again at (?) after an error (?), by message row (?) and recipient (?).
    @inlinable package var markRetry: String {
        switch self {
        case .sqlite: """
            UPDATE deliveries SET state = 'retry_scheduled', next_attempt_at = ?, last_error = ?, lease_until = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        case .postgresql: """
            UPDATE deliveries SET state = 'retry_scheduled', next_attempt_at = ?, last_error = ?, leased_until = NULL, leased_by = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        }
    }

    /// A delivery given up: settled at (?), with the failed receipt (?) and the error (?), by message row (?) and recipient (?).
    @inlinable package var markDeadLetter: String {
        switch self {
        case .sqlite: """
            UPDATE deliveries SET state = 'dead_letter', settled_at = ?, receipt = ?, last_error = ?, lease_until = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        case .postgresql: """
            UPDATE deliveries SET state = 'dead_letter', settled_at = ?, receipt = ?, last_error = ?, leased_until = NULL, leased_by = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        }
    }

    /// The deliveries in flight whose lease ended by (?): message row, id, recipient, attempts, channel.
    @inlinable package var expiredLeases: String {
        switch self {
        case .sqlite: """
            SELECT d.message_seq, m.id, d.recipient, d.attempts, d.channel FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE d.state = 'in_flight' AND d.lease_until <= ?
            """
        case .postgresql: """
            SELECT d.message_seq, m.id, d.recipient, d.attempts, d.channel FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE d.state = 'in_flight' AND d.leased_until <= ?
            """
        }
    }

    /// A delivery whose lease expired, due again at (?), by message row (?) and recipient (?).
    @inlinable package var releaseExpiredLease: String {
        switch self {
        case .sqlite: """
            UPDATE deliveries SET state = 'retry_scheduled', next_attempt_at = ?, lease_until = NULL,
                last_error = 'the lease expired before the delivery was confirmed'
            WHERE message_seq = ? AND recipient = ?
            """
        case .postgresql: """
            UPDATE deliveries SET state = 'retry_scheduled', next_attempt_at = ?, leased_until = NULL, leased_by = NULL,
                last_error = 'the lease expired before the delivery was confirmed'
            WHERE message_seq = ? AND recipient = ?
            """
        }
    }

    /// A dead letter pending again from (?) until (?), by message row (?) and recipient (?).
    @inlinable package var redriveReset: String {
        switch self {
        case .sqlite: """
            UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, deliver_until = ?, settled_at = NULL,
                receipt = NULL, lease_until = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        case .postgresql: """
            UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, deliver_until = ?, settled_at = NULL,
                receipt = NULL, leased_until = NULL, leased_by = NULL
            WHERE message_seq = ? AND recipient = ?
            """
        }
    }

    /// The deliveries to claim on channel ?1 due by ?2, at most ?3 in flight per recipient, at most
    /// ?4 in all: message row and recipient, most urgent first. On SQLite, `+recipient`: grouping
    /// must not pick the recipient index, which walks every delivery ever stored (20 ms at 88,000);
    /// the in-flight partial index holds only those. PostgreSQL names its subquery.
    @inlinable package var claimDue: String {
        switch self {
        case .sqlite: """
            WITH busy(recipient, n) AS (
                SELECT recipient, count(*) FROM deliveries WHERE state = 'in_flight' AND channel = ?1 GROUP BY +recipient)
            SELECT message_seq, recipient FROM (
                SELECT d.message_seq, d.recipient, d.priority, d.next_attempt_at, coalesce(b.n, 0) AS busy,
                    row_number() OVER (PARTITION BY d.recipient ORDER BY d.priority DESC, d.next_attempt_at) AS place
                FROM deliveries d LEFT JOIN busy b ON b.recipient = d.recipient
                WHERE d.channel = ?1 AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?2 AND coalesce(b.n, 0) < ?3)
            WHERE busy + place <= ?3 ORDER BY priority DESC, next_attempt_at LIMIT ?4
            """
        case .postgresql: """
            WITH busy(recipient, n) AS (
                SELECT recipient, count(*) FROM deliveries WHERE state = 'in_flight' AND channel = ?1 GROUP BY recipient)
            SELECT message_seq, recipient FROM (
                SELECT d.message_seq, d.recipient, d.priority, d.next_attempt_at, coalesce(b.n, 0) AS busy,
                    row_number() OVER (PARTITION BY d.recipient ORDER BY d.priority DESC, d.next_attempt_at) AS place
                FROM deliveries d LEFT JOIN busy b ON b.recipient = d.recipient
                WHERE d.channel = ?1 AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?2 AND coalesce(b.n, 0) < ?3) AS due
            WHERE busy + place <= ?3 ORDER BY priority DESC, next_attempt_at LIMIT ?4
            """
        }
    }

    /// A recipient's (?) due pull deliveries (due by ?, open after ?, at most ?): message row and
    /// the message's size in bytes (SQLite's length() of a blob reads its size from the row, not
    /// its pages).
    @inlinable package var claimInbox: String {
        switch self {
        case .sqlite: """
            SELECT d.message_seq, length(m.jws) FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE d.recipient = ? AND d.channel = 'pull' AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?
                AND d.deliver_until > ?
            ORDER BY d.priority DESC, d.next_attempt_at LIMIT ?
            """
        case .postgresql: """
            SELECT d.message_seq, octet_length(m.jws) FROM deliveries d JOIN messages m ON m.seq = d.message_seq
            WHERE d.recipient = ? AND d.channel = 'pull' AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?
                AND d.deliver_until > ?
            ORDER BY d.priority DESC, d.next_attempt_at LIMIT ?
            """
        }
    }
}
