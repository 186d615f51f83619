import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraStoreSQLite

/// The raw configuration: the defaults, overlaid with the operator's file, overlaid with
/// environment variables. Kept as JSON until the end so that every error can name the option.
///
/// - Keys starting with `#` are comments and ignored (JSON has none of its own).
/// - A key the defaults do not have is an error naming it, with the closest known key.
/// - Environment: `URA_<KEY>` for a top-level option, `URA_<SECTION>__<KEY>` (two underscores)
///   for a nested one, e.g. `URA_DATA_DIR=/srv/ura`, `URA_LISTEN__PORT=9443`. Values are read as
///   JSON when they parse as a number, boolean or null, else as a string.
public struct ConfigurationDocument: Sendable {
    public private(set) var value: JSONValue

    public init(defaults: JSONValue) { value = defaults }

    /// Overlays a file's JSON on the current value.
    public mutating func overlay(file url: URL) throws(ConfigurationError) {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: url)) } catch {
            throw ConfigurationError(option: "", reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        let parsed: JSONValue
        do { parsed = try JSONValue(parsing: bytes) } catch {
            throw ConfigurationError(option: "", reason: "\(url.path) is not valid JSON: \(error)")
        }
        value = try ConfigurationDocument.merge(parsed, into: value, path: "")
    }

    /// `URA_` variables that are not configuration options: read by other parts (the schemas'
    /// folder, the CLI's profile, the test suites' vectors) or by tests (`URA_TEST_…`).
    public static let otherVariables: Set<String> = ["URA_SCHEMAS", "URA_PROFILE", "URA_VECTORS"]

    /// Overlays `URA_…` environment variables. An unknown one is refused (a typo must not be
    /// silently ignored), except the few that are not configuration options.
    public mutating func overlay(environment: [String: String]) throws(ConfigurationError) {
        for (name, text) in environment.sorted(by: { $0.key < $1.key })
        where name.hasPrefix("URA_") && !name.hasPrefix("URA_TEST_") && !ConfigurationDocument.otherVariables.contains(name) {
            let path = name.dropFirst(4).lowercased().components(separatedBy: "__")
            let parsed: JSONValue
            if let literal = try? JSONValue(parsing: text), literal.stringValue == nil, literal.arrayValue == nil, literal.objectValue == nil {
                parsed = literal
            } else {
                parsed = .string(text)
            }
            value = try ConfigurationDocument.set(parsed, at: path[...], in: value, path: "", source: name)
        }
    }

    private static func merge(_ overlay: JSONValue, into base: JSONValue, path: String) throws(ConfigurationError) -> JSONValue {
        guard case .object(let over) = overlay else {
            throw ConfigurationError(option: path, reason: "must be an object")
        }
        guard case .object(var result) = base else { return overlay }
        for (key, value) in over where !key.hasPrefix("#") {
            let option = path.isEmpty ? key : "\(path).\(key)"
            guard let existing = result[key] else {
                throw ConfigurationError(option: option, reason: "is not a known option\(suggestion(for: key, among: result.keys))")
            }
            if case .object = existing {
                result[key] = try merge(value, into: existing, path: option)
            } else {
                result[key] = value
            }
        }
        return .object(result)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in base: JSONValue, path done: String,
                            source: String) throws(ConfigurationError) -> JSONValue {
        guard let key = path.first, case .object(var object) = base else { return value }
        let option = done.isEmpty ? key : "\(done).\(key)"
        guard let existing = object[key] else {
            throw ConfigurationError(option: option, reason: "(from \(source)) is not a known option\(suggestion(for: key, among: object.keys))")
        }
        object[key] = try set(value, at: path.dropFirst(), in: existing, path: option, source: source)
        return .object(object)
    }

    private static func suggestion(for key: String, among keys: [String]) -> String {
        let known = keys.filter { !$0.hasPrefix("#") }
        guard let best = known.min(by: { distance($0, key) < distance($1, key) }), distance(best, key) <= 3 else {
            return "; known options here: \(known.sorted().joined(separator: ", "))"
        }
        return "; did you mean '\(best)'?"
    }

    /// Levenshtein distance, for "did you mean".
    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

/// A configuration problem, naming the option (`limits.max_message_bytes`) and why.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let option: String
    public let reason: String
    public init(option: String, reason: String) {
        self.option = option
        self.reason = reason
    }
    public var description: String { option.isEmpty ? reason : "\(option): \(reason)" }
}
