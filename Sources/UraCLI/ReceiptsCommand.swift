import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura receipts`: the delivered and failed receipts of the agency's messages since the last time
/// (a cursor kept in the state folder; `--all` starts from the beginning), each checked: delivered
/// receipts signed by the recipient, failed ones by the gateway.
enum ReceiptsCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["all", "json"])
        let connection = try context.connection()
        defer { connection.close() }
        let profile = connection.profile
        let directory = try await connection.directory()
        let cursorFile = try profile.stateFolder("cursors").appendingPathComponent("receipts")
        var cursor = args.flag("all") ? 0 : Int64((try? String(contentsOf: cursorFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        var shown = 0, bad = 0
        while true {
            let reply = try await connection.request("GET", "/v1/receipts?after=\(cursor)&limit=500")
            let items = reply.json?["receipts"]?.arrayValue ?? []
            for item in items {
                guard let signed = item["receipt"] else { continue }
                do {
                    let receipt = try ReceiptCheck.verify(signed.serialized(), directory: directory, skew: profile.clockSkew)
                    shown += 1
                    if args.flag("json") {
                        Terminal.out(JSONValue.object(["cursor": item["cursor"] ?? .null, "receipt": (try? JSONValue(parsing: JSONValueDecoder.reencode(receipt))) ?? .null]).serializedString())
                    } else {
                        Terminal.out("\(receipt.kind.rawValue) \(receipt.message) → \(receipt.recipient?.rawValue ?? "?") at \(RFC3339.string(from: receipt.at))"
                                     + (receipt.reason.map { ": \($0)" } ?? ""))
                    }
                } catch {
                    bad += 1
                    Terminal.error("receipt \(item["cursor"]?.intValue ?? -1) does not check out: \(error.message)")
                }
            }
            guard let next = reply.json?["next"]?.intValue, items.count == 500 else {
                cursor = Int64(reply.json?["next"]?.intValue ?? Int(cursor))
                break
            }
            cursor = Int64(next)
        }
        try? Data("\(cursor)\n".utf8).write(to: cursorFile, options: .atomic)
        if shown == 0 && bad == 0 && !args.flag("json") { Terminal.out("no new receipts") }
        if bad > 0 { throw ClientError("\(bad) receipt(s) did not check out", .verificationFailed) }
    }
}
