import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura send`: seal a form, keep it in the outbox, submit it, check the receipt. When the gateway
/// cannot be reached the message stays in the outbox for `ura outbox`; its id makes the retry safe.
enum SendCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["type", "to", "case", "subject", "priority", "in-reply-to", "participants",
                                                           "county", "expires-days"], flags: ["json"])
        let formPath = try args.positional(0, "the form's JSON file (ura send FORM.json --type …)")
        let form: JSONValue
        do { form = try JSONValue(parsing: try readFile(formPath)) } catch let error as ClientError { throw error } catch {
            throw ClientError("\(formPath) is not valid JSON: \(error)", .dataError)
        }
        func parsed<T>(_ name: String, _ make: (String) throws -> T) throws -> T {
            let text = try args.requiredOption(name)
            do { return try make(text) } catch { throw UsageError("--\(name): \(error)") }
        }
        var draft = MessageComposer.Draft(
            type: try parsed("type") { try MessageType($0) }, to: try args.list("to") { try AgencyID($0) },
            caseReference: try parsed("case") { try CaseReference($0) },
            subject: try parsed("subject") { text in
                guard let s = SubjectCategory(rawValue: text) else { throw UsageError("'\(text)' is not child, adult or unknown") }
                return s
            }, form: form)
        guard !draft.to.isEmpty else { throw UsageError("--to needs at least one agency id") }
        if let text = args.option("priority") {
            guard let p = Priority(rawValue: text) else { throw UsageError("--priority: '\(text)' is not normal, urgent or immediate") }
            draft.priority = p
        }
        if let text = args.option("in-reply-to") {
            do { draft.inReplyTo = try MessageID(text) } catch { throw UsageError("--in-reply-to: \(error)") }
        }
        let roles = try args.list("participants") { text in
            guard let role = DeclarantRole(rawValue: text) else { throw UsageError("'\(text)' is not a declarant role") }
            return role
        }
        if !roles.isEmpty { draft.participants = roles }
        if let text = args.option("county") {
            guard let c = County(rawValue: text) else { throw UsageError("--county: '\(text)' is not a county of Albania") }
            draft.county = c
        }
        draft.lifetime = .seconds(try args.intOption("expires-days", default: 30) * 86_400)
        let catalogue = try context.catalogue()
        if catalogue.bodyValidator(for: draft.type) == nil { throw Discovery.unknownType(draft.type.rawValue, in: catalogue) }

        let connection = try context.connection()
        defer { connection.close() }
        let profile = connection.profile
        let (directory, cached) = try await connection.directoryOrCached()
        if cached { Terminal.error("the gateway cannot be reached; sealing with the cached directory version \(directory.version)") }
        let composer = MessageComposer(agency: profile.agency, signingKey: try profile.loadSigningKey(), directory: directory,
                                       catalogue: catalogue)
        let id = MessageID.random()
        let bytes = try composer.compose(draft, id: id)
        let file = try Outbox.keep(bytes, id: id, in: profile)
        show(try await Outbox.submit(file: file, connection: connection, directory: directory), json: args.flag("json"))
    }

    /// One accepted message: a line, or its JSON.
    static func show(_ accepted: Outbox.Accepted, json: Bool) {
        if let warning = accepted.warning { Terminal.error(warning) }
        if json {
            Terminal.out(JSONValue.object(["message": .string(accepted.id), "status": .number(accepted.isNew ? 202 : 200),
                                           "receipt": (try? JSONValue(parsing: accepted.signedReceipt)) ?? .null]).serializedString())
        } else {
            Terminal.out("\(accepted.isNew ? "accepted" : "already accepted") \(accepted.id) at \(RFC3339.string(from: accepted.receipt.at)), digest \(accepted.receipt.digest)")
        }
    }
}

/// `ura outbox`: send again what was kept while the gateway was unreachable (`--list` only lists).
enum OutboxCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["list", "json"])
        let profile = try context.profile()
        let files = try Outbox.waiting(in: profile)
        if args.flag("list") || files.isEmpty {
            if args.flag("json") {
                for file in files {
                    Terminal.out(JSONValue.object(["id": .string(file.deletingPathExtension().lastPathComponent), "state": "waiting",
                                                   "file": .string(file.path)]).serializedString())
                }
            } else {
                Terminal.out(files.isEmpty ? "the outbox is empty" : files.map { "waiting: \($0.deletingPathExtension().lastPathComponent)" }.joined(separator: "\n"))
            }
            return
        }
        let connection = try context.connection()
        defer { connection.close() }
        let (directory, _) = try await connection.directoryOrCached()
        var failure: ClientError?
        for file in files {
            do { SendCommand.show(try await Outbox.submit(file: file, connection: connection, directory: directory), json: args.flag("json")) } catch {
                Terminal.error(error.message)
                // Unreachable, busy or not letting this agency in: the rest would meet the same, and stay kept.
                let keptForAll = error.kind == .unavailable || error.kind == .permission
                if failure == nil || keptForAll { failure = error }
                if keptForAll { break }
            }
        }
        if let failure { throw ClientError("not everything in the outbox was sent", failure.kind) }
    }
}
