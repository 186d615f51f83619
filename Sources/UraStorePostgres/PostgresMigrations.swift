import UraStore

/// The PostgreSQL schema as versioned SQL files (`deploy/postgres/NNN_name.sql`, carried in the binary
/// by `PostgresMigrations+Files.swift`). `ura_schema_migrations` records each version applied. Nodes
/// starting at once take a session advisory lock first, so one migrates and the others then find the
/// schema current. A schema newer than this binary is refused, never written to.
package enum PostgresMigrations {
    /// The advisory lock's first key ("URA\0"); the second is the schema's name hashed, so stores on
    /// different schemas of one database migrate independently.
    static let lockKey: Int32 = 0x5552_4100

    /// The version this binary brings the schema to.
    package static var latest: Int { files.count }

    /// The schema's recorded version, 0 when it has none yet.
    package static func version(of db: PostgresConnection) throws(StoreError) -> Int {
        let exists = try db.scalar("SELECT to_regclass('ura_schema_migrations') IS NOT NULL")?.bool ?? false
        guard exists else { return 0 }
        return try db.scalar("SELECT coalesce(max(version), 0) FROM ura_schema_migrations")?.int ?? 0
    }

    /// Brings the schema to `latest` under the advisory lock; refuses a schema written by a newer urad.
    static func apply(to db: PostgresConnection) throws(StoreError) {
        try db.execute("SELECT pg_advisory_lock(\(lockKey), hashtext(current_schema()))")
        defer { try? db.execute("SELECT pg_advisory_unlock(\(lockKey), hashtext(current_schema()))") }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS ura_schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)
        let current = try version(of: db)
        guard current <= latest else {
            throw StoreError.corrupt("the database at \(db.target) is at schema version \(current), newer than this urad (\(latest)); upgrade urad")
        }
        for version in current..<latest {
            let file = files[version]
            try db.execute("BEGIN")
            do {
                try db.execute(file.sql)
                try db.run("INSERT INTO ura_schema_migrations (version, name) VALUES (?, ?)", [.integer(Int64(version + 1)), .text(file.name)])
                try db.execute("COMMIT")
            } catch {
                try? db.execute("ROLLBACK")
                throw error
            }
        }
    }
}
