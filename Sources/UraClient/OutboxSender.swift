import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// Sends what the outbox keeps, by itself: one pass submits, oldest first, every message that is
/// due; `watch` repeats passes, waiting on the injected clock until the next is due. A message that
/// cannot be sent now waits with a doubling backoff (`OutboxRetry`), and so does every later
/// message to any of its recipients, so each recipient gets them in the order they were sealed.
public enum OutboxSender {
    /// What one pass did.
    public struct Pass: Sendable {
        public var accepted: [Outbox.Accepted] = []
        /// Moved to `rejected/`: sending them again cannot help.
        public var rejected: [ClientError] = []
        /// The failure that made messages wait (unreachable, not permitted, a file that cannot be used).
        public var waiting: ClientError?
        /// Still in the outbox after the pass.
        public var left = 0
        /// When the next kept message is due (nil when the outbox is empty).
        public var nextDue: Date?
    }

    /// Submits every due message, oldest first (ids are time-ordered, version 7 UUIDs).
    /// `respectBackoff` false sends every kept message now (`ura outbox` by hand).
    public static func pass(_ profile: AgencyProfile, connection: GatewayConnection, now: Date, respectBackoff: Bool = true) async throws(ClientError) -> Pass {
        var retry = try OutboxRetry.load(profile)
        var result = Pass()
        let files = try Outbox.waiting(in: profile)
        defer { try? retry.save() }
        guard !files.isEmpty else { return result }
        let due = files.contains { !respectBackoff || retry.isDue($0.deletingPathExtension().lastPathComponent, at: now) }
        var directory: Directory?
        if due {
            do { directory = try await connection.directoryOrCached().directory } catch where error.kind == .unavailable || error.kind == .temporaryFailure {
                result.waiting = error
            }
        }
        var held = Set<AgencyID>()
        var stopped = result.waiting != nil
        for file in files {
            let id = file.deletingPathExtension().lastPathComponent
            let recipients = Self.recipients(of: file)
            let isDue = !respectBackoff || retry.isDue(id, at: now)
            guard let directory, !stopped, isDue, held.isDisjoint(with: recipients) else {
                // Not sent: every later message to these recipients waits too, to keep their order.
                if let waiting = result.waiting, isDue, stopped || directory == nil { retry.failed(id, at: now, reason: waiting.message) }
                held.formUnion(recipients)
                continue
            }
            do {
                result.accepted.append(try await Outbox.submit(file: file, connection: connection, directory: directory))
                retry.forget(id)
            } catch {
                switch error.kind {
                case .rejected:
                    result.rejected.append(error)
                    retry.forget(id)
                case .unavailable, .permission, .configuration:
                    // The gateway or this agency's standing: every later message would meet the same.
                    retry.failed(id, at: now, reason: error.message)
                    result.waiting = error
                    stopped = true
                    held.formUnion(recipients)
                default:
                    retry.failed(id, at: now, reason: error.message)
                    if result.waiting == nil { result.waiting = error }
                    held.formUnion(recipients)
                }
            }
        }
        let remaining = try Outbox.waiting(in: profile).map { $0.deletingPathExtension().lastPathComponent }
        result.left = remaining.count
        result.nextDue = remaining.map { retry.entries[$0]?.nextAt ?? now }.min()
        return result
    }

    /// Passes until cancelled (or `passes` of them), each reported to `report`; between passes it
    /// waits on `clock` until the next message is due, and at most `interval` (new messages).
    public static func watch(_ profile: AgencyProfile, connection: GatewayConnection, clock: any WallClock, interval: Duration = .seconds(60),
                             passes: Int? = nil, report: @Sendable (Pass) -> Void) async throws {
        var done = 0
        while passes.map({ done < $0 }) ?? true {
            let result = try await pass(profile, connection: connection, now: clock.now)
            report(result)
            done += 1
            if let passes, done >= passes { return }
            var wait = interval
            if let next = result.nextDue {
                let seconds = max(1, Int64(next.timeIntervalSince(clock.now).rounded(.up)))
                wait = min(wait, .seconds(seconds))
            }
            try await clock.sleep(for: wait)
        }
    }

    /// The recipients named in a kept message's envelope (none when it cannot be read).
    static func recipients(of file: URL) -> Set<AgencyID> {
        guard let data = FileManager.default.contents(atPath: file.path), let jws = try? JWS.parse(Array(data)),
              let envelope = try? JSONValue(parsing: jws.payload) else { return [] }
        return Set((envelope["to"]?.arrayValue ?? []).compactMap { (value: JSONValue) -> AgencyID? in value.stringValue.flatMap { try? AgencyID($0) } })
    }
}
