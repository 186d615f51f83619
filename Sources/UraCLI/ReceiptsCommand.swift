import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura receipts`: the delivered and failed receipts of the agency's messages since the last time
/// (`ReceiptFeed`; `--all` starts from the beginning), each checked.
enum ReceiptsCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["all", "json"])
        let connection = try context.connection()
        defer { connection.close() }
        let profile = connection.profile
        let directory = try await connection.directory()
        let (entries, next) = try await ReceiptFeed.read(connection, directory: directory,
                                                         after: args.flag("all") ? 0 : ReceiptFeed.keptCursor(of: profile))
        var shown = 0, bad = 0
        for entry in entries {
            switch entry.result {
            case .success(let receipt):
                shown += 1
                if args.flag("json") {
                    Terminal.out(JSONValue.object(["cursor": entry.cursor.map { .number(Double($0)) } ?? .null,
                                                   "receipt": (try? JSONValue(parsing: JSONValueDecoder.reencode(receipt))) ?? .null]).serializedString())
                } else {
                    // Across a border the peer gateway signs its own accepted receipt: say whose it is.
                    let by = receipt.by == directory.gateway.id || receipt.kind == .delivered ? "" : " by \(receipt.by)"
                    Terminal.out("\(receipt.kind.rawValue)\(by) \(receipt.message) → \((receipt.recipient ?? entry.recipient)?.rawValue ?? "?") at \(RFC3339.string(from: receipt.at))"
                                 + (receipt.reason.map { ": \($0)" } ?? ""))
                }
            case .failure(let error):
                bad += 1
                Terminal.error("receipt \(entry.cursor ?? -1) does not check out: \(error.message)")
            }
        }
        try? ReceiptFeed.keep(cursor: next, for: profile)
        if shown == 0 && bad == 0 && !args.flag("json") { Terminal.out("no new receipts") }
        if bad > 0 { throw ClientError("\(bad) receipt(s) did not check out", .verificationFailed) }
    }
}
