import Foundation
import UraBasics
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
/// `--due` sends what its backoff allows (the systemd timer's), `--watch` keeps doing so.
enum OutboxCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["interval"], flags: ["list", "json", "due", "watch"])
        let profile = try context.profile()
        let files = try Outbox.waiting(in: profile)
        let json = args.flag("json")
        if args.flag("list") {
            let retry = try OutboxRetry.load(profile)
            if files.isEmpty && !json { Terminal.out("the outbox is empty") }
            for file in files {
                let id = file.deletingPathExtension().lastPathComponent
                let entry = retry.entries[id]
                if json {
                    Terminal.out(JSONValue.object(["id": .string(id), "state": entry == nil ? "waiting" : "retrying", "file": .string(file.path),
                                                   "attempts": .number(Double(entry?.attempts ?? 0)),
                                                   "next_attempt_at": entry.map { .string(RFC3339.string(from: $0.nextAt)) } ?? .null,
                                                   "last_error": entry.map { .string($0.lastError) } ?? .null]).serializedString())
                } else {
                    Terminal.out("waiting: \(id)" + (entry.map { ", \($0.attempts) failed attempt(s), next at \(RFC3339.string(from: $0.nextAt))" } ?? ""))
                }
            }
            return
        }
        if files.isEmpty && !args.flag("watch") {
            if !json { Terminal.out("the outbox is empty") }
            return
        }
        let connection = try context.connection()
        defer { connection.close() }
        if args.flag("watch") {
            let interval = try args.intOption("interval", default: 60)
            guard interval > 0 else { throw UsageError("--interval: give a number of seconds above 0") }
            try await OutboxSender.watch(profile, connection: connection, clock: SystemClock(), interval: .seconds(interval)) { pass in
                show(pass, json: json)
                if let waiting = pass.waiting { Terminal.error(waiting.message + (pass.nextDue.map { "; next attempt at \(RFC3339.string(from: $0))" } ?? "")) }
            }
            return
        }
        let pass = try await OutboxSender.pass(profile, connection: connection, now: Date(), respectBackoff: args.flag("due"))
        show(pass, json: json)
        if let waiting = pass.waiting {
            Terminal.error(waiting.message)
            throw ClientError("not everything in the outbox was sent", waiting.kind)
        }
        if let rejected = pass.rejected.first { throw ClientError("not everything in the outbox was sent", rejected.kind) }
        if args.flag("due") && pass.accepted.isEmpty && pass.left > 0 && !json {
            Terminal.out("nothing is due yet; \(pass.left) message(s) wait\(pass.nextDue.map { ", the next attempt at \(RFC3339.string(from: $0))" } ?? "")")
        }
    }

    static func show(_ pass: OutboxSender.Pass, json: Bool) {
        for accepted in pass.accepted { SendCommand.show(accepted, json: json) }
        for rejected in pass.rejected { Terminal.error(rejected.message) }
    }
}
