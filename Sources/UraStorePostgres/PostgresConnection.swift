import CLibPQ
import Foundation
import UraStore

/// One libpq connection, used by one thread at a time (the writer thread, or a reader checked out
/// of the pool). Statements with parameters are prepared once per connection and cached by their
/// SQL text; they are written with SQLite-style `?` placeholders (`?N` names the Nth), which are
/// turned into PostgreSQL's `$N`. A lost connection is reset before the next statement (libpq tries
/// every host of a multi-host URL again, so it follows a promoted standby). No libpq pointer leaves
/// this file.
@usableFromInline package final class PostgresConnection: SQLDatabase, @unchecked Sendable {
    @usableFromInline package static var dialect: SQLDialect { .postgresql }

    private var handle: OpaquePointer?
    private var prepared: [String: String] = [:]
    /// Where it connects, without the password (for error messages).
    package let target: String

    /// Connects (blocking) to `url` (a libpq connection URI or `key=value` string).
    package init(url: String) throws(StoreError) {
        target = PostgresURL.describe(url)
        guard let connection = Self.connect(url) else { throw StoreError.unavailable("cannot connect to PostgreSQL at \(target): out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(target): \(message)")
        }
        handle = connection
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { close() }

    /// What urad sets unless the URL says otherwise: a connection attempt gives up after 10 s (so a
    /// multi-host URL moves on from a host that does not answer), and a server that vanished is
    /// noticed within about half a minute, idle (keepalives) or in the middle of a statement
    /// (`tcp_user_timeout`), instead of TCP's minutes.
    static let defaults: [(String, String)] = [
        ("connect_timeout", "10"), ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"),
        ("keepalives_count", "3"), ("tcp_user_timeout", "30000"), ("application_name", "urad"),
    ]

    /// `PQconnectdbParams` with the defaults first and the URL expanded after them: what the URL
    /// sets wins.
    private static func connect(_ url: String) -> OpaquePointer? {
        let keywords = defaults.map(\.0) + ["dbname"]
        let values = defaults.map(\.1) + [url]
        let cKeywords = keywords.map { strdup($0) }, cValues = values.map { strdup($0) }
        defer { (cKeywords + cValues).forEach { free($0) } }
        let k = cKeywords.map { UnsafePointer<CChar>($0) } + [nil]
        let v = cValues.map { UnsafePointer<CChar>($0) } + [nil]
        return PQconnectdbParams(k, v, 1)
    }

    package func close() {
        guard let connection = handle else { return }
        PQfinish(connection)
        handle = nil
        prepared.removeAll()
    }

    /// False once the server went away (or the connection was closed).
    package var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Resets a lost connection (trying every host again); throws `unavailable` when no server answers.
    package func reconnectIfNeeded() throws(StoreError) {
        guard let connection = handle else { throw StoreError.unavailable("the store is shutting down") }
        guard PQstatus(connection) != CONNECTION_OK else { return }
        prepared.removeAll()
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(target) and cannot reconnect: \(Self.message(PQerrorMessage(connection)))")
        }
    }

    /// True inside a transaction block (also one that failed and awaits ROLLBACK).
    package var isInTransaction: Bool {
        guard let connection = handle else { return false }
        let status = PQtransactionStatus(connection)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The server's version number (150004 for 15.4), 0 when not connected.
    package var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// Runs one or more statements without parameters (the simple query protocol).
    package func execute(_ sql: String) throws(StoreError) {
        let connection = try live()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
    }

    /// Runs one or more statements without parameters in one round trip and calls `row` for every
    /// row of the last one's result (`BEGIN; SELECT …`).
    package func simpleQuery(_ sql: String, row: (PostgresRow) throws(StoreError) -> Void) throws(StoreError) {
        let connection = try live()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, sql: sql)
        for index in 0..<PQntuples(result) { try row(PostgresRow(result: result, row: index)) }
    }

    /// Runs `sql` with `values` and calls `row` for every row of the result.
    @usableFromInline package func query(_ sql: String, _ values: [PostgresValue] = [], row: (PostgresRow) throws(StoreError) -> Void) throws(StoreError) {
        let result = try executePrepared(sql, values)
        defer { PQclear(result) }
        let rows = PQntuples(result)
        for index in 0..<rows { try row(PostgresRow(result: result, row: index)) }
    }

    /// Runs a statement that changes rows; returns how many it changed.
    @discardableResult
    @usableFromInline package func run(_ sql: String, _ values: [PostgresValue] = []) throws(StoreError) -> Int {
        let result = try executePrepared(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The first column of the first row, if any (nil also for SQL NULL).
    @usableFromInline package func scalar(_ sql: String, _ values: [PostgresValue] = []) throws(StoreError) -> PostgresValue? {
        var value: PostgresValue?
        try query(sql, values) { (row) throws(StoreError) in if value == nil { value = row[0] } }
        if case .null = value { return nil }
        return value
    }

    /// Notifications received so far (channel, payload), after reading what the socket holds.
    package func notifications() throws(StoreError) -> [(channel: String, payload: String)] {
        let connection = try withoutReconnecting()
        guard PQconsumeInput(connection) == 1 else {
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(target): \(Self.message(PQerrorMessage(connection)))")
        }
        var received: [(String, String)] = []
        while let notify = PQnotifies(connection) {
            received.append((String(cString: notify.pointee.relname), String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }

    /// Waits until the server sends something (a notification) or `timeout` passes; false on timeout.
    package func waitForInput(timeout: Duration) throws(StoreError) -> Bool {
        let socket = PQsocket(try withoutReconnecting())
        guard socket >= 0 else { throw StoreError.unavailable("lost the connection to PostgreSQL at \(target)") }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let millis = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&descriptor, 1, millis) > 0
    }

    /// The connection as it is: a listener must not be reset silently (it would no longer listen).
    private func withoutReconnecting() throws(StoreError) -> OpaquePointer {
        guard let connection = handle, PQstatus(connection) == CONNECTION_OK else {
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(target)")
        }
        return connection
    }

    private func live() throws(StoreError) -> OpaquePointer {
        try reconnectIfNeeded()
        return handle!
    }

    /// The name of `sql` prepared on this connection (prepared now if it is not yet).
    private func prepare(_ sql: String, _ values: [PostgresValue], on connection: OpaquePointer) throws(StoreError) -> String {
        if let cached = prepared[sql] { return cached }
        let name = "s\(prepared.count)"
        var types = values.map(\.typeOID)
        let result = PQprepare(connection, name, Self.numbered(sql), Int32(values.count), &types)
        defer { PQclear(result) }
        try check(result, sql: sql)
        prepared[sql] = name
        return name
    }

    /// Calls `body` with the parameters in libpq's form: text for everything but bytea, which goes
    /// as raw bytes (format 1).
    private static func withParameters<T>(_ values: [PostgresValue],
                                          _ body: (UnsafePointer<UnsafePointer<CChar>?>?, [Int32], [Int32]) -> T) -> T {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        defer { for buffer in buffers { free(buffer) } }
        for value in values {
            switch value {
            case .null:
                buffers.append(nil); lengths.append(0); formats.append(0)
            case .integer(let v):
                buffers.append(strdup(String(v))); lengths.append(0); formats.append(0)
            case .text(let v):
                buffers.append(strdup(v)); lengths.append(0); formats.append(0)
            case .blob(let bytes):
                let buffer = malloc(max(bytes.count, 1))!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { raw in if let base = raw.baseAddress { memcpy(buffer, base, raw.count) } }
                buffers.append(buffer); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        return buffers.withUnsafeBufferPointer { pointers in
            pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constPointers in
                body(constPointers.baseAddress, lengths, formats)
            }
        }
    }

    private func executePrepared(_ sql: String, _ values: [PostgresValue]) throws(StoreError) -> OpaquePointer? {
        let connection = try live()
        let name = try prepare(sql, values, on: connection)
        let result = Self.withParameters(values) { pointers, lengths, formats in
            PQexecPrepared(connection, name, Int32(values.count), pointers, lengths, formats, 0)
        }
        do {
            try check(result, sql: sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// Sends `statements` in one go (libpq's pipeline mode: no waiting for each answer) and returns
    /// each one's rows. When one fails, those after it do not run, and the error is thrown once all
    /// answers are read (inside a transaction, the transaction is then failed: roll it back).
    package func pipeline(_ statements: [(sql: String, values: [PostgresValue])]) throws(StoreError) -> [[[PostgresValue]]] {
        let connection = try live()
        var names: [String] = []
        for statement in statements { names.append(try prepare(statement.sql, statement.values, on: connection)) }
        guard PQenterPipelineMode(connection) == 1 else {
            throw StoreError.unavailable("PostgreSQL at \(target): cannot enter pipeline mode: \(Self.message(PQerrorMessage(connection)))")
        }
        defer {
            // Leaving fails only with answers still unread (a send failed half-way): the connection
            // is then of no further use in a known state, so it starts afresh.
            if PQexitPipelineMode(connection) != 1 {
                prepared.removeAll()
                PQreset(connection)
            }
        }
        for (statement, name) in zip(statements, names) {
            let sent = Self.withParameters(statement.values) { pointers, lengths, formats in
                PQsendQueryPrepared(connection, name, Int32(statement.values.count), pointers, lengths, formats, 0)
            }
            guard sent == 1 else {
                throw StoreError.unavailable("lost the connection to PostgreSQL at \(target): \(Self.message(PQerrorMessage(connection)))")
            }
        }
        guard PQpipelineSync(connection) == 1 else {
            throw StoreError.unavailable("lost the connection to PostgreSQL at \(target): \(Self.message(PQerrorMessage(connection)))")
        }
        var all: [[[PostgresValue]]] = []
        var failure: StoreError?
        for statement in statements {
            var rows: [[PostgresValue]] = []
            while let result = PQgetResult(connection) {
                defer { PQclear(result) }
                let status = PQresultStatus(result)
                if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK {
                    for index in 0..<PQntuples(result) {
                        let row = PostgresRow(result: result, row: index)
                        rows.append((0..<row.count).map { row[$0] })
                    }
                } else if failure == nil {
                    do { try check(result, sql: statement.sql) } catch { failure = error }
                }
            }
            all.append(rows)
            if !isConnected { break }
        }
        // The answer to the sync point ends the pipeline.
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        if let failure { throw failure }
        guard isConnected else { throw StoreError.unavailable("lost the connection to PostgreSQL at \(target)") }
        return all
    }

    private func check(_ result: OpaquePointer?, sql: String) throws(StoreError) {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK, status != PGRES_EMPTY_QUERY else { return }
        let connection = handle
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        let message = result.map { Self.message(PQresultErrorMessage($0)) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? connection.map { Self.message(PQerrorMessage($0)) } ?? "no connection"
        let lost = connection.map { PQstatus($0) != CONNECTION_OK } ?? true
        throw StoreError.fromPostgres(sqlState: sqlState, message: message, lostConnection: lost, target: target, sql: sql)
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: "; ") ?? ""
    }

    /// `?` → `$1`, `$2`, … in order; `?N` → `$N`. The store's SQL has no `?` in literals.
    static func numbered(_ sql: String) -> String {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var next = 0
        var characters = sql.makeIterator()
        var pending: Character? = characters.next()
        while let c = pending {
            pending = characters.next()
            guard c == "?" else { out.append(c); continue }
            var digits = ""
            while let d = pending, d.isASCII, d.isNumber {
                digits.append(d)
                pending = characters.next()
            }
            if digits.isEmpty {
                next += 1
                out += "$\(next)"
            } else {
                out += "$\(digits)"
            }
        }
        return out
    }
}

/// One row of a result, read by column index; valid only inside the `query` closure.
@usableFromInline package struct PostgresRow: SQLRow {
    fileprivate let result: OpaquePointer?
    fileprivate let row: Int32

    @usableFromInline package subscript(_ column: Int) -> PostgresValue {
        let c = Int32(column)
        guard PQgetisnull(result, row, c) == 0 else { return .null }
        let length = Int(PQgetlength(result, row, c))
        let pointer = PQgetvalue(result, row, c)!
        // Results come as text; bytea as `\x` and hex digits.
        if PQftype(result, c) == PostgresValue.byteaOID {
            return .blob(ByteaHex.decode(UnsafeRawBufferPointer(start: pointer, count: length)))
        }
        return .text(String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self))
    }

    package var count: Int { Int(PQnfields(result)) }
}

/// A value bound to or read from PostgreSQL. Read values are `.text` (numbers and booleans in
/// PostgreSQL's text form), `.blob` (bytea) or `.null`.
@usableFromInline package enum PostgresValue: SQLValue {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    static let byteaOID: Oid = 17
    static let int8OID: Oid = 20

    /// The parameter type given when a statement is prepared: bigint and bytea; text and NULL are
    /// left to the server to infer from where they are used.
    var typeOID: Oid {
        switch self {
        case .integer: Self.int8OID
        case .blob: Self.byteaOID
        case .null, .text: 0
        }
    }

    @usableFromInline package var int64: Int64? {
        switch self {
        case .integer(let v): v
        case .text(let t): Int64(t)
        default: nil
        }
    }
    @usableFromInline package var int: Int? { int64.map { Int($0) } }
    @usableFromInline package var string: String? {
        switch self {
        case .text(let t): t
        case .integer(let v): String(v)
        default: nil
        }
    }
    @usableFromInline package var bytes: [UInt8]? {
        switch self {
        case .blob(let b): b
        case .text(let t): Array(t.utf8)
        default: nil
        }
    }
    /// A `text[]` parameter (cast it in the SQL: `?::text[]`), each element quoted.
    package static func textArray(_ items: [String]) -> PostgresValue {
        .text("{" + items.map(arrayElement).joined(separator: ",") + "}")
    }

    /// A `text[]` parameter whose nil elements are NULL.
    package static func nullableTextArray(_ items: [String?]) -> PostgresValue {
        .text("{" + items.map { $0.map(arrayElement) ?? "NULL" }.joined(separator: ",") + "}")
    }

    /// One element of an array literal, quoted. Escaping (a backslash before each backslash or
    /// quote) is rare and slow: only where one is found.
    private static func arrayElement(_ item: String) -> String {
        guard item.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) else { return "\"" + item + "\"" }
        return "\"" + item.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A `bigint[]` parameter (cast it in the SQL: `?::bigint[]`).
    package static func bigintArray(_ items: [Int64]) -> PostgresValue {
        .text("{" + items.map(String.init).joined(separator: ",") + "}")
    }

    /// A `bytea[]` parameter (cast it in the SQL: `?::bytea[]`), each element in bytea's hex form.
    package static func byteaArray(_ items: [[UInt8]]) -> PostgresValue {
        let digits = Array("0123456789abcdef".utf8)
        var literal: [UInt8] = [UInt8(ascii: "{")]
        literal.reserveCapacity(2 + items.reduce(0) { $0 + 2 * $1.count + 6 })
        for (i, item) in items.enumerated() {
            if i > 0 { literal.append(UInt8(ascii: ",")) }
            literal += [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]  // "\\x…": \x once unquoted
            for byte in item {
                literal.append(digits[Int(byte >> 4)])
                literal.append(digits[Int(byte & 0x0F)])
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return .text(String(decoding: literal, as: UTF8.self))
    }

    /// PostgreSQL's text form of a boolean.
    @usableFromInline package var bool: Bool { string == "t" || string == "true" }
    /// A boolean parameter in text form (the server infers `boolean` from where it is used).
    @usableFromInline package static func boolean(_ value: Bool) -> PostgresValue { .text(value ? "true" : "false") }
}

enum ByteaHex {
    /// Decodes bytea's hex output (`\x0a1b…`).
    static func decode(_ raw: UnsafeRawBufferPointer) -> [UInt8] {
        guard raw.count >= 2, raw[0] == UInt8(ascii: "\\"), raw[1] == UInt8(ascii: "x") else { return Array(raw) }
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: 0
            }
        }
        var out = [UInt8](repeating: 0, count: (raw.count - 2) / 2)
        var i = 2
        for j in out.indices {
            out[j] = nibble(raw[i]) << 4 | nibble(raw[i + 1])
            i += 2
        }
        return out
    }
}
