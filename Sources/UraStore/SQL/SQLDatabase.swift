import Foundation
import UraModel

/// A value bound to or read from a SQL database: what the shared SQL (`SQLStore`) needs of
/// `SQLiteValue` and `PostgresValue`. Each backend keeps its own enum and its own reading of a
/// column (PostgreSQL returns text); the shared code only builds parameters and reads columns
/// through these members, specialised for the backend's type (no per-row dynamic dispatch).
@usableFromInline package protocol SQLValue: Sendable, Equatable {
    static var null: Self { get }
    static func integer(_ value: Int64) -> Self
    static func text(_ value: String) -> Self
    static func blob(_ value: [UInt8]) -> Self
    /// A boolean parameter as the schema stores one (SQLite: 0 or 1; PostgreSQL: `boolean`).
    static func boolean(_ value: Bool) -> Self
    var int: Int? { get }
    var int64: Int64? { get }
    var string: String? { get }
    var bytes: [UInt8]? { get }
    /// A boolean column as the schema stores one.
    var bool: Bool { get }
}

extension SQLValue {
    /// A time column: milliseconds since 1970.
    @inlinable package var date: Date? { int64.map(Date.init(millis:)) }
    @inlinable package static func date(_ date: Date?) -> Self { date.map { .integer($0.millis) } ?? .null }
}

/// The current row of a result, read by column index; valid only inside the `query` closure.
@usableFromInline package protocol SQLRow {
    associatedtype Value: SQLValue
    subscript(_ index: Int) -> Value { get }
}

/// One connection to a SQL database, used by one thread at a time: what the shared SQL runs on.
/// Parameters are written `?` (or `?N` for the Nth), as SQLite takes them; PostgreSQL's connection
/// numbers them.
@usableFromInline package protocol SQLDatabase {
    associatedtype Value: SQLValue
    associatedtype Row: SQLRow where Row.Value == Value
    /// How this database's SQL differs from the other's.
    static var dialect: SQLDialect { get }
    /// Runs `sql` with `values` and calls `row` for every row of the result.
    func query(_ sql: String, _ values: [Value], row: (Row) throws(StoreError) -> Void) throws(StoreError)
    /// Runs a statement that changes rows; returns how many it changed.
    @discardableResult
    func run(_ sql: String, _ values: [Value]) throws(StoreError) -> Int
    /// The first column of the first row, if any.
    func scalar(_ sql: String, _ values: [Value]) throws(StoreError) -> Value?
}

extension Date {
    /// Milliseconds since 1970, as the stores keep times.
    @inlinable package var millis: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    @inlinable package init(millis: Int64) { self.init(timeIntervalSince1970: Double(millis) / 1000) }
}

extension Priority {
    /// The `priority` column of a delivery: higher is claimed first.
    @inlinable package var rank: Int64 {
        switch self {
        case .normal: 0
        case .urgent: 1
        case .immediate: 2
        }
    }
}
