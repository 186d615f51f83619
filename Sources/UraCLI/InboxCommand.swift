import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// `ura inbox`: fetch and check the agency's messages (`InboxReader`), write each one (a file with
/// --out, standard output otherwise) and only then acknowledge it. A message that does not check
/// out is reported and not acknowledged.
enum InboxCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["wait", "limit", "out"], flags: ["json", "no-ack"])
        let wait = try args.intOption("wait", default: 0)
        let limit = try args.intOption("limit", default: 50)
        let connection = try context.connection(timeout: .seconds(wait + 60))
        defer { connection.close() }
        let profile = connection.profile
        let directory = try await connection.directory()
        let catalogue = try context.catalogue()
        let signingKey = try profile.loadSigningKey()
        let encryptionKey = try profile.loadEncryptionKey()
        let out = args.option("out").map { URL(fileURLWithPath: $0) }
        if let out { try? FileManager.default.createDirectory(at: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }

        let items = try await InboxReader.fetch(connection, directory: directory, catalogue: catalogue, key: encryptionKey, wait: wait, limit: limit)
        var refused = 0
        for item in items {
            let opened: InboxReader.Opened
            switch item {
            case .refused(let id, let reason):
                refused += 1
                Terminal.error("message \(id) \(reason)")
                continue
            case .opened(let message):
                opened = message
            }
            // The message is written (and synced) before it is acknowledged: a write that fails
            // leaves it unacknowledged, so it comes back after its lease instead of being lost.
            let e = opened.envelope
            do {
                if let out {
                    try DurableFile.write(opened.record.serialized(options: .prettyPrinted) + [0x0A], to: out.appendingPathComponent("\(e.id).json"))
                }
                if args.flag("json") {
                    try Terminal.write(opened.record.serializedString())
                } else {
                    try Terminal.write("\(args.flag("no-ack") ? "fetched" : "received") \(e.id) \(e.type) from \(e.from), case \(e.caseReference) (\(e.subject.rawValue))"
                                       + (out == nil ? "\n" + opened.form.serializedString(options: .prettyPrinted) : ""))
                }
            } catch let error as DurableFileError {
                throw ClientError("\(error.message); message \(e.id) was not acknowledged and comes back after its lease", .ioError)
            } catch let error as ClientError {
                throw ClientError("\(error.message); message \(e.id) was not acknowledged and comes back after its lease", error.kind)
            }
            if !args.flag("no-ack") { try await InboxReader.acknowledge(opened, connection, signingKey: signingKey) }
        }
        if !args.flag("json") && items.isEmpty { Terminal.out("the inbox is empty") }
        if refused > 0 { throw ClientError("\(refused) message(s) did not check out", .verificationFailed) }
    }
}
