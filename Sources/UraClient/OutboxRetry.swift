import Foundation
import UraBasics
import UraJSON
import UraModel

/// What the outbox remembers between attempts, in `state/outbox/retry.json` (0600, synced): per
/// kept message, how many attempts failed, when the next is due and why the last failed. It
/// survives a restart, so a mission's laptop that reboots keeps its backoff, and `ura status ID`
/// can answer for a message the gateway has not seen yet.
public struct OutboxRetry: Sendable {
    public struct Entry: Sendable, Equatable {
        public var attempts: Int
        public var nextAt: Date
        public var lastError: String
    }

    public private(set) var entries: [String: Entry] = [:]
    let file: URL

    /// The first wait after a failure; it doubles up to `maximumBackoff`.
    public static let firstBackoff: Duration = .seconds(30)
    public static let maximumBackoff: Duration = .seconds(900)

    public static func backoff(afterAttempts attempts: Int) -> Duration {
        let seconds = Double(firstBackoff.components.seconds) * pow(2, Double(max(0, attempts - 1)))
        return .seconds(Int64(min(seconds, Double(maximumBackoff.components.seconds))))
    }

    /// The state kept for `profile` (empty when none was kept yet or the file is unreadable).
    public static func load(_ profile: AgencyProfile) throws(ClientError) -> OutboxRetry {
        var retry = OutboxRetry(file: try Outbox.folder(of: profile).appendingPathComponent("retry.json"))
        if let data = FileManager.default.contents(atPath: retry.file.path), let json = try? JSONValue(parsing: Array(data)),
           case .object(let object) = json {
            for (id, value) in object {
                guard let attempts = value["attempts"]?.intValue, let next = value["next_at"]?.stringValue.flatMap(RFC3339.date(from:)) else { continue }
                retry.entries[id] = Entry(attempts: attempts, nextAt: next, lastError: value["last_error"]?.stringValue ?? "")
            }
        }
        return retry
    }

    public func isDue(_ id: String, at now: Date) -> Bool { entries[id].map { $0.nextAt <= now } ?? true }

    public mutating func failed(_ id: String, at now: Date, reason: String) {
        let attempts = (entries[id]?.attempts ?? 0) + 1
        entries[id] = Entry(attempts: attempts, nextAt: now.addingTimeInterval(TimeInterval(Self.backoff(afterAttempts: attempts).components.seconds)),
                            lastError: reason)
    }

    public mutating func forget(_ id: String) { entries[id] = nil }

    /// Written whole and synced.
    public func save() throws(ClientError) {
        let object = JSONObject(entries.keys.sorted().map { id in
            let e = entries[id]!
            return (id, JSONValue.object(["attempts": .number(Double(e.attempts)), "next_at": .string(RFC3339.string(from: e.nextAt)),
                                          "last_error": .string(e.lastError)]))
        })
        do { try DurableFile.write(JSONValue.object(object).serialized(options: .prettyPrinted), to: file) } catch {
            throw ClientError("cannot keep the outbox's retry state: \(error.message)", .ioError)
        }
    }
}
