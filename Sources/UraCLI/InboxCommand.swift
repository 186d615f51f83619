import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// `ura inbox`: fetch and check the agency's messages (`InboxReader`), keep each one — the signed
/// original and the opened form, 0600 and synced, in the state folder or --out — and only then
/// acknowledge it. The terminal gets one summary line per message, never the form (that is
/// `ura show ID`); a closed or full standard output loses a line, never a message.
enum InboxCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["wait", "limit", "out", "show"], flags: ["json", "no-ack"])
        let wait = try args.intOption("wait", default: 0)
        let limit = try args.intOption("limit", default: 50)
        let connection = try context.connection(timeout: .seconds(wait + 60))
        defer { connection.close() }
        let profile = connection.profile
        let store = try args.option("out").map { path throws(ClientError) in try InboxStore(folder: URL(fileURLWithPath: path)) } ?? InboxStore(profile: profile)
        if let show = args.option("show") { try ShowCommand.requireTerminal(show, store) }
        let directory = try await connection.directory()
        let catalogue = try context.catalogue()
        let signingKey = try profile.loadSigningKey()
        let encryptionKey = try profile.loadEncryptionKey()

        let items = try await InboxReader.fetch(connection, directory: directory, catalogue: catalogue, key: encryptionKey, wait: wait, limit: limit)
        var refused = 0
        var output = Terminal.Lines()
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
            // Kept (written and synced) before it is acknowledged: a write that fails leaves it
            // unacknowledged, so it comes back after its lease instead of being lost.
            let e = opened.envelope
            do { try store.keep(opened) } catch {
                throw ClientError("\(error.message); message \(e.id) was not acknowledged and comes back after its lease", error.kind)
            }
            if !args.flag("no-ack") { try await InboxReader.acknowledge(opened, connection, signingKey: signingKey) }
            if args.flag("json") {
                var metadata = opened.metadata
                if case .object(var object) = metadata {
                    object["from_name"] = directory[e.from].map { .string($0.name) } ?? .null
                    object["form_code"] = catalogue.catalogue[e.type]?.form.map(JSONValue.string) ?? .null
                    object["acknowledged"] = .bool(!args.flag("no-ack"))
                    object["original"] = .string(store.original(e.id.rawValue).path)
                    object["record"] = .string(store.recordFile(e.id.rawValue).path)
                    metadata = .object(object)
                }
                output.write(metadata.serializedString())
            } else {
                output.write(summary(opened.envelope, acknowledged: !args.flag("no-ack"), directory: directory, catalogue: catalogue))
            }
        }
        if !args.flag("json") && items.isEmpty { output.write("the inbox is empty") }
        if let show = args.option("show") { output.write(try ShowCommand.form(show, in: store)) }
        if refused > 0 { throw ClientError("\(refused) message(s) did not check out", .verificationFailed) }
        if let failure = output.failure {
            throw ClientError("\(failure.message); every message listed was kept in \(store.folder.path) all the same", .ioError)
        }
    }

    /// One line for a message: id, type with its SOP form, the sender's name, the case — never the form.
    static func summary(_ e: Envelope, acknowledged: Bool, directory: Directory, catalogue: MessageCatalogue) -> String {
        let form = catalogue.catalogue[e.type]?.form.map { " (form \($0))" } ?? ""
        let sender = directory[e.from].map { "\($0.name) (\(e.from))" } ?? e.from.rawValue
        return "\(acknowledged ? "received" : "fetched") \(e.id) \(e.type)\(form) from \(sender), case \(e.caseReference) (\(e.subject.rawValue))"
    }
}

/// `ura show ID`: the form of a kept message, to a terminal only — a pipe or a file would copy a
/// victim's data where nobody meant it to go; the record file itself is 0600 in the inbox folder.
enum ShowCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["from"], flags: [])
        let id = try args.positional(0, "the id of a received message (ura show ID)")
        let store = try args.option("from").map { path throws(ClientError) in try InboxStore(folder: URL(fileURLWithPath: path)) }
            ?? InboxStore(profile: try context.profile())
        try requireTerminal(id, store)
        Terminal.out(try form(id, in: store))
    }

    static func requireTerminal(_ id: String, _ store: InboxStore) throws(ClientError) {
        guard isatty(STDOUT_FILENO) == 1 else {
            throw ClientError("the form of message \(id) holds personal data and is printed only to a terminal; "
                              + "a program can read the kept record \(store.recordFile(id).path) (0600)", .usage)
        }
    }

    static func form(_ id: String, in store: InboxStore) throws(ClientError) -> String {
        let record = try store.record(id)
        return (record["form"] ?? .null).serializedString(options: .prettyPrinted)
    }
}
