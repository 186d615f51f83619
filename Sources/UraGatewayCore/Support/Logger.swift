import Foundation
import Glibc
import UraJSON
import UraModel
import UraProtocol
#if canImport(Glibc)
#endif

/// Structured logs: one JSON object per line on stderr, `{"ts", "level", "event", …fields}`.
///
/// Fields are metadata only — ids, types, agencies, states, counts, durations, error sentences.
/// Never pass a body, a key, a name or anything from inside a form: the gateway cannot read bodies,
/// and nothing it can read that identifies a person belongs in a log.
public struct Logger: Sendable {
    public enum Level: Int, Sendable, Comparable, CaseIterable {
        case debug, info, warning, error

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warning", "warn": self = .warning
            case "error": self = .error
            default: return nil
            }
        }

        var name: String {
            switch self {
            case .debug: "debug"
            case .info: "info"
            case .warning: "warning"
            case .error: "error"
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public let minimum: Level
    private let clock: any WallClock
    private let sink: @Sendable ([UInt8]) -> Void

    public init(minimum: Level = .info, clock: any WallClock = SystemClock(), sink: @escaping @Sendable ([UInt8]) -> Void = Logger.standardError) {
        self.minimum = minimum
        self.clock = clock
        self.sink = sink
    }

    /// Writes a line to stderr in one `write(2)`, so concurrent lines never interleave.
    public static let standardError: @Sendable ([UInt8]) -> Void = { line in
        line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }

    /// A logger that writes nowhere (tests that do not look at logs).
    public static let silent = Logger(minimum: .error, sink: { _ in })

    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, LogValue> = [:]) {
        guard level >= minimum else { return }
        var object: JSONObject = ["ts": .string(RFC3339.string(from: clock.now)), "level": .string(level.name), "event": .string(event)]
        for (key, value) in fields { object[key] = value.json }
        var line = JSONValue.object(object).serialized()
        line.append(0x0A)
        sink(line)
    }

    public func debug(_ event: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.debug, event, fields) }
    public func info(_ event: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.info, event, fields) }
    public func warning(_ event: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.warning, event, fields) }
    public func error(_ event: String, _ fields: KeyValuePairs<String, LogValue> = [:]) { log(.error, event, fields) }
}

/// A value in a log line. Built from identifiers and plain values; there is deliberately no way
/// to log a `JSONValue` or bytes.
public struct LogValue: Sendable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    let json: JSONValue

    public init(stringLiteral value: String) { json = .string(value) }
    public init(integerLiteral value: Int) { json = .number(Double(value)) }
    public init(booleanLiteral value: Bool) { json = .bool(value) }

    public static func string(_ s: String) -> LogValue { LogValue(json: .string(s)) }
    public static func int(_ n: Int) -> LogValue { LogValue(json: .number(Double(n))) }
    public static func seconds(_ d: Double) -> LogValue { LogValue(json: .number((d * 1000).rounded() / 1000)) }
    public static func id(_ id: some ValidatedString) -> LogValue { LogValue(json: .string(id.rawValue)) }
    public static func ids(_ ids: [some ValidatedString]) -> LogValue { LogValue(json: .array(ids.map { .string($0.rawValue) })) }

    private init(json: JSONValue) { self.json = json }
}
