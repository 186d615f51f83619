import Foundation
import UraBasics
import UraClient
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura status ID`: where each recipient's copy of a message stands (sender and secretariat).
/// `ura status` without an id: the secretariat's overview — deliveries per agency, reachability,
/// overdue deadlines, dead letters and the ledger.
enum StatusCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["json"])
        guard !args.positionals.isEmpty else { return try await overview(args, context) }
        let text = try args.positional(0, "the message id (ura status ID)")
        guard let id = try? MessageID(text) else { throw UsageError("'\(text)' is not a message id") }
        if try local(text, args, context) { return }
        let connection = try context.connection()
        defer { connection.close() }
        let status = try await StatusClient.message(id, connection)
        if args.flag("json") {
            Terminal.out(status.serializedString())
            return
        }
        Terminal.out("\(text) \(status["type"]?.stringValue ?? "") case \(status["case"]?.stringValue ?? ""), accepted \(status["accepted_at"]?.stringValue ?? "")")
        for d in status["deliveries"]?.arrayValue ?? [] {
            var line = "  \(d["recipient"]?.stringValue ?? "?"): \(d["state"]?.stringValue ?? "?") after \(d["attempts"]?.intValue ?? 0) attempt(s)"
            if let next = d["next_attempt_at"]?.stringValue { line += ", next \(next)" }
            if let error = d["last_error"]?.stringValue { line += ", last error: \(error)" }
            Terminal.out(line)
        }
    }
}

extension StatusCommand {
    /// A message the gateway has not accepted is known here only: in the outbox (waiting, or
    /// retrying with its backoff) or in rejected/. Answered without the gateway.
    static func local(_ id: String, _ args: CommandLineArguments, _ context: UraCLI.Context) throws -> Bool {
        guard let profile = try? context.profile() else { return false }
        let outboxed = try Outbox.folder(of: profile).appendingPathComponent("\(id).jws")
        let rejected = profile.state.appendingPathComponent("rejected/\(id).jws")
        let state: JSONValue
        if FileManager.default.fileExists(atPath: outboxed.path) {
            let entry = try OutboxRetry.load(profile).entries[id]
            state = .object(["id": .string(id), "state": entry == nil ? "outboxed" : "retrying", "file": .string(outboxed.path),
                             "attempts": .number(Double(entry?.attempts ?? 0)), "next_attempt_at": entry.map { .string(RFC3339.string(from: $0.nextAt)) } ?? .null,
                             "last_error": entry.map { .string($0.lastError) } ?? .null])
        } else if FileManager.default.fileExists(atPath: rejected.path) {
            state = .object(["id": .string(id), "state": "rejected", "file": .string(rejected.path)])
        } else {
            return false
        }
        if args.flag("json") { Terminal.out(state.serializedString()); return true }
        switch state["state"]?.stringValue {
        case "outboxed": Terminal.out("\(id) is in the outbox, not yet sent (\(outboxed.path)); `ura outbox` sends it")
        case "retrying":
            Terminal.out("\(id) is in the outbox, retrying: \(state["attempts"]?.intValue ?? 0) failed attempt(s), next at "
                         + "\(state["next_attempt_at"]?.stringValue ?? "?"); last error: \(state["last_error"]?.stringValue ?? "")")
        default: Terminal.out("\(id) was refused by the gateway and moved to \(rejected.path); sending it again cannot help: send a corrected message")
        }
        return true
    }

    static func overview(_ args: CommandLineArguments, _ context: UraCLI.Context) async throws {
        let connection = try context.connection()
        defer { connection.close() }
        let o = try await StatusClient.overview(connection)
        if args.flag("json") {
            Terminal.out(o.serializedString())
            return
        }
        func n(_ v: JSONValue?) -> String { v?.intValue.map(String.init) ?? "-" }
        let d = o["deliveries"]
        Terminal.out("Ura at \(o["generated_at"]?.stringValue ?? "?")")
        Terminal.out("deliveries: \(n(d?["pending"])) pending, \(n(d?["in_flight"])) in flight, \(n(d?["retry_scheduled"])) retrying, "
            + "\(n(d?["delivered"])) delivered, \(n(d?["dead_letter"])) dead letters")
        let l = o["latency_seconds"]
        if let count = l?["count"]?.intValue, count > 0 {
            Terminal.out("accept to delivered (last 24 h, \(count)): p50 \(l?["p50"]?.numberValue ?? 0) s, p90 \(l?["p90"]?.numberValue ?? 0) s, p99 \(l?["p99"]?.numberValue ?? 0) s")
        }
        Terminal.out("deadlines: \(n(o["deadlines"]?["overdue"])) overdue, \(n(o["deadlines"]?["open"])) open")
        let ledger = o["ledger"]
        var ledgerLine = "ledger: \(n(ledger?["entries"])) entries"
        if let at = ledger?["last_checkpoint"]?["at"]?.stringValue { ledgerLine += ", last checkpoint \(at)" }
        if let v = ledger?["last_verification"], v != .null {
            ledgerLine += v["intact"] == true ? ", verified intact \(v["at"]?.stringValue ?? "")" : ", VERIFICATION FAILED \(v["at"]?.stringValue ?? "")"
        }
        Terminal.out(ledgerLine)
        Terminal.out("")
        let header = "agency".padding(toLength: 34, withPad: " ", startingAt: 0) + " pend  flight retry  deliv  dead  state"
        Terminal.out(header)
        for a in o["agencies"]?.arrayValue ?? [] {
            func col(_ key: String) -> String { n(a[key]).leftPadded(to: 6) }
            var line = (a["agency"]?.stringValue ?? "?").padding(toLength: 34, withPad: " ", startingAt: 0)
            line += col("pending") + col("in_flight") + col("retry_scheduled") + col("delivered") + col("dead_letter")
            let r = a["reachability"]
            line += "  " + (r?["state"]?.stringValue ?? "?")
            if r?["state"] == "failing" {
                line += " since \(r?["failing_since"]?.stringValue ?? "?") (\(n(r?["consecutive_failures"])) failures: \(r?["last_error"]?.stringValue ?? ""))"
            }
            Terminal.out(line)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
