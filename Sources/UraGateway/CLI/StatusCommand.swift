import Foundation
import UraJSON
import UraModel

/// `ura status ID`: where each recipient's copy of a message stands (sender and secretariat).
enum StatusCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["json"])
        let text = try args.positional(0, "the message id (ura status ID)")
        guard (try? MessageID(text)) != nil else { throw UsageError("'\(text)' is not a message id") }
        let connection = try context.connection()
        defer { connection.close() }
        let reply = try await connection.request("GET", "/v1/messages/\(text)")
        guard let status = reply.json else { throw CLIError("the gateway answered something that is not JSON", .protocolError) }
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
