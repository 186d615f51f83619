import Testing
import UraStore
import UraStoreConformance
@testable import UraStoreSQLite
import UraTestTraits

/// The statements `SQLDialect` writes out for SQLite are the ones SQLite's indexes were made for:
/// it plans them with the partial index each relies on — and would not with PostgreSQL's wording,
/// which is why the dialect keeps both texts rather than one.
@Suite(.offThePool) struct SQLDialectTests {
    /// SQLite's query plan of `sql` (the `detail` column of each step).
    private func plan(_ db: SQLiteConnection, _ sql: String, _ values: [SQLiteValue]) throws -> String {
        var steps: [String] = []
        try db.query("EXPLAIN QUERY PLAN " + sql, values) { (row) throws(StoreError) in steps.append(row[3].string ?? "") }
        return steps.joined(separator: "\n")
    }

    @Test func sqliteStatementsUseThePartialIndexesTheyWereWrittenFor() throws {
        let f = try StoreFixture()
        let db = try SQLiteConnection(path: f.path, readOnly: true)
        defer { db.close() }

        let dueDeadlines = "SELECT id FROM deadlines "
        #expect(try plan(db, dueDeadlines + SQLDialect.sqlite.dueDeadlines, [.integer(0), .integer(10)]).contains("deadlines_due"))
        #expect(try !plan(db, dueDeadlines + SQLDialect.postgresql.dueDeadlines, [.integer(0), .integer(10)]).contains("deadlines_due"))

        #expect(try plan(db, SQLDialect.sqlite.expiredLeases, [.integer(0)]).contains("deliveries_lease"))

        let claim: [SQLiteValue] = [.text("push"), .integer(0), .integer(4), .integer(100)]
        #expect(try !plan(db, SQLDialect.sqlite.claimDue, claim).contains("deliveries_recipient"))
        #expect(try plan(db, SQLDialect.postgresql.claimDue, claim).contains("deliveries_recipient"))
    }
}
