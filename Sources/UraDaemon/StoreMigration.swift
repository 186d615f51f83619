import Foundation
import UraProtocol
import UraStore
import UraStorePostgres
import UraStoreSQLite

/// `ura-admin migrate-store postgres:URL`: copies a country's SQLite store (urad stopped) into an empty
/// PostgreSQL database, table by table and row for row — messages with their signed bytes,
/// deliveries, the receipts feed, the ledger with its subtree nodes, signed head and checkpoints,
/// deadlines, declarations, the delivered receipts still owed to peer gateways (and which peer
/// relayed each message), agency health — in one PostgreSQL transaction, so a failed copy leaves
/// the target empty. The ledger keeps every entry and its signed head, so `ura audit` afterwards
/// sees the same ledger continue.
enum StoreMigration {
    /// What was copied, per table.
    struct Summary: Sendable {
        var rows: [(table: String, count: Int)] = []
        var ledgerSize = 0
    }

    /// One table: its SQLite columns and the PostgreSQL columns they go to (same order), and how a
    /// value is converted where the types differ.
    private struct Table: Sendable {
        let name: String
        let columns: [String]
        var target: [String]? = nil
        var order: String
        var convert: [String: @Sendable (SQLiteValue) -> PostgresValue] = [:]
        var overriding = false
    }

    private static let boolean: @Sendable (SQLiteValue) -> PostgresValue = { value in
        if case .integer(let v) = value { return .text(v != 0 ? "true" : "false") }
        return .null
    }

    private static let tables: [Table] = [
        Table(name: "messages", columns: ["seq", "id", "digest", "type", "sender", "recipients", "case_ref", "subject", "priority", "county",
                                          "in_reply_to", "participants", "created_at", "expires_at", "accepted_at", "settled_at", "purged_at",
                                          "jws", "accepted_receipt", "relayed_by"], order: "seq", overriding: true),  // the ledger index: in `ledger`
        Table(name: "deliveries", columns: ["message_seq", "recipient", "channel", "state", "priority", "attempts", "next_attempt_at", "lease_until",
                                            "last_attempt_at", "last_error", "settled_at", "receipt", "deliver_until"],
              target: ["message_seq", "recipient", "channel", "state", "priority", "attempts", "next_attempt_at", "leased_until",
                       "last_attempt_at", "last_error", "settled_at", "receipt", "deliver_until"], order: "message_seq, recipient"),
        Table(name: "receipts", columns: ["seq", "sender", "message_id", "recipient", "kind", "at", "jws"], order: "seq", overriding: true),
        Table(name: "ledger", columns: ["idx", "leaf", "hash", "message_seq"], order: "idx"),
        Table(name: "ledger_nodes", columns: ["height", "start", "hash"], order: "height, start"),
        Table(name: "checkpoints", columns: ["tree_size", "root", "at", "signed"], order: "tree_size"),
        Table(name: "declarations", columns: ["id", "case_ref", "role", "agency", "declared_on", "form_digest", "encrypted_name", "recorded_at",
                                              "ledger_index", "signed"], order: "id"),
        Table(name: "deadlines", columns: ["id", "series", "case_ref", "trigger_id", "trigger_type", "expected", "responsible", "responsible_kinds",
                                           "optional", "rule", "occurrence", "armed_at", "due_at", "state", "met_by", "met_at", "notified_at",
                                           "obligation"], order: "id", convert: ["optional": boolean]),
        Table(name: "deadline_triggers", columns: ["deadline_id", "trigger_id", "linked_at"], order: "deadline_id, trigger_id"),
        Table(name: "receipt_forwards", columns: ["message_id", "recipient", "peer", "receipt", "queued_at", "attempts", "next_attempt_at",
                                                  "last_error", "done_at"], order: "message_id, recipient"),
        Table(name: "agency_health", columns: ["agency", "last_success_at", "last_failure_at", "failing_since", "consecutive_failures", "last_error",
                                               "last_seen_at", "alerted_at"], order: "agency"),
    ]

    private static func value(_ v: SQLiteValue) -> PostgresValue {
        switch v {
        case .null: .null
        case .integer(let i): .integer(i)
        case .real(let d): .text(String(d))
        case .text(let t): .text(t)
        case .blob(let b): .blob(b)
        }
    }

    /// Copies the SQLite store at `sqlitePath` (brought to its latest schema first, as urad's start
    /// would) into the PostgreSQL database at `url`, which must hold no Ura data yet.
    static func copy(sqlitePath: String, to url: String, ledger: LedgerConfiguration) throws -> Summary {
        // Opening the store applies its migrations and rebuilds missing ledger nodes.
        let source = try SQLiteStore(path: sqlitePath, ledger: ledger)
        if let refusal = source.writeRefusal {
            source.close()
            throw SetupError("the SQLite store \(sqlitePath) does not check out, so it is not copied: \(refusal)")
        }
        source.close()
        // The target's schema, made by the store itself; then it is closed for the copy.
        try PostgresStore(url: url, ledger: ledger).close()

        let sqlite = try SQLiteConnection(path: sqlitePath)
        defer { sqlite.close() }
        let postgres = try PostgresConnection(url: url)
        defer { postgres.close() }
        for table in ["messages", "ledger", "declarations", "receipts"] {
            if let rows = try postgres.scalar("SELECT count(*) FROM \(table)")?.int, rows > 0 {
                throw SetupError("the PostgreSQL database at \(postgres.target) already holds Ura data (\(rows) rows in \(table)); "
                                 + "migrate into an empty database")
            }
        }
        var summary = Summary()
        try postgres.execute("BEGIN")
        do {
            try postgres.execute("LOCK TABLE ledger_head IN EXCLUSIVE MODE")
            for table in tables {
                let target = table.target ?? table.columns
                let placeholders = target.indices.map { "?\($0 + 1)" }.joined(separator: ", ")
                let insert = "INSERT INTO \(table.name) (\(target.joined(separator: ", "))) \(table.overriding ? "OVERRIDING SYSTEM VALUE " : "")"
                    + "VALUES (\(placeholders))"
                var count = 0
                try sqlite.query("SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.order)") { (row) throws(StoreError) in
                    let values = table.columns.enumerated().map { index, column in
                        table.convert[column].map { $0(row[index]) } ?? value(row[index])
                    }
                    try postgres.run(insert, values)
                    count += 1
                }
                summary.rows.append((table.name, count))
            }
            // The identity sequences continue after the copied rows (the receipts feed's cursors stay valid).
            for table in ["messages", "receipts"] {
                try postgres.execute("SELECT setval(pg_get_serial_sequence('\(table)', 'seq'), coalesce((SELECT max(seq) FROM \(table)), 0) + 1, false)")
            }
            // The signed head, with the hash of the last entry the next batch chains to.
            var head: [SQLiteValue]?
            try sqlite.query("SELECT tree_size, root, frontier, signed FROM ledger_head WHERE id = 1") { (row) throws(StoreError) in
                head = [row[0], row[1], row[2], row[3]]
            }
            if let head {
                try postgres.run("""
                    UPDATE ledger_head SET tree_size = ?, root = ?, frontier = ?, signed = ?,
                        last_hash = coalesce((SELECT hash FROM ledger WHERE idx = ? - 1), last_hash) WHERE id = 1
                    """, head.map(value) + [value(head[0])])
                summary.ledgerSize = head[0].int ?? 0
            }
            try postgres.execute("COMMIT")
        } catch {
            try? postgres.execute("ROLLBACK")
            throw error
        }
        // The copy opens as a store whose head checks out, or it is reported.
        let copied = try PostgresStore(url: url, ledger: ledger)
        defer { copied.close() }
        if let refusal = copied.writeRefusal {
            throw SetupError("the copy in PostgreSQL does not check out: \(refusal)")
        }
        return summary
    }
}
