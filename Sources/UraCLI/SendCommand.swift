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

        let connection = try context.connection()
        defer { connection.close() }
        let profile = connection.profile
        let (directory, cached) = try await connection.directoryOrCached()
        if cached { Terminal.error("the gateway cannot be reached; sealing with the cached directory version \(directory.version)") }
        let composer = MessageComposer(agency: profile.agency, signingKey: try profile.loadSigningKey(), directory: directory,
                                       catalogue: try context.catalogue())
        let id = MessageID.random()
        let bytes = try composer.compose(draft, id: id)
        let outbox = try profile.stateFolder("outbox")
        let file = outbox.appendingPathComponent("\(id).jws")
        // On disk before it is submitted: a message whose submission fails must survive a power loss.
        do { try DurableFile.write(bytes, to: file) } catch {
            throw ClientError("cannot keep the message in the outbox, so it was not sent: \(error.message)", .ioError)
        }
        try await Outbox.submit(file: file, connection: connection, directory: directory, json: args.flag("json"))
    }
}

/// The outbox: signed messages not yet accepted by the gateway.
enum Outbox {
    /// Submits one kept message. Accepted: the receipt is checked and the file removed. Unreachable,
    /// or refused for a reason that can pass (certificate, suspension, a busy or failing gateway):
    /// the file stays for `ura outbox`. Refused for what the message is: the file moves to
    /// `rejected/`, as sending it again cannot help.
    static func submit(file: URL, connection: GatewayConnection, directory: Directory, json: Bool) async throws {
        let bytes = try readFile(file.path)
        let id = file.deletingPathExtension().lastPathComponent
        let reply: GatewayConnection.Reply
        do {
            reply = try await connection.exchange("POST", "/v1/messages", body: bytes)
        } catch {
            throw ClientError("\(error.message)\nThe message \(id) is kept in the outbox (\(file.path)); `ura outbox` sends it again.", .unavailable)
        }
        if reply.status >= 400 {
            let refusal = reply.refusal
            if retryCanHelp(status: reply.status, problem: reply.problem) {
                throw ClientError("\(refusal.message)\nThe message \(id) is kept in the outbox (\(file.path)); once this is resolved, `ura outbox` sends it again.",
                               refusal.kind == .permission ? .permission : .unavailable)
            }
            // Copied to rejected/ and synced before it leaves the outbox: a crash in between leaves it in both, never in neither.
            let rejected = try connection.profile.stateFolder("rejected").appendingPathComponent(file.lastPathComponent)
            do {
                try DurableFile.write(bytes, to: rejected)
                try DurableFile.remove(file)
            } catch {
                throw ClientError("\(refusal.message)\nSending the message \(id) again cannot help, but it could not be moved out of the outbox "
                               + "(\(error.message)); remove \(file.path) and send a corrected message.", .rejected)
            }
            throw ClientError("\(refusal.message)\nSending the message \(id) again cannot help: it was moved to \(rejected.path); send a corrected message.",
                           .rejected)
        }
        let receipt = try ReceiptCheck.accepted(reply.body, message: bytes, directory: directory)
        do { try DurableFile.remove(file) } catch {
            Terminal.error("\(error.message); the message \(id) was accepted all the same (`ura outbox` would only fetch its receipt again)")
        }
        if json {
            Terminal.out(JSONValue.object(["message": .string(id), "status": .number(Double(reply.status)),
                                           "receipt": (try? JSONValue(parsing: reply.body)) ?? .null]).serializedString())
        } else {
            Terminal.out("\(reply.status == 202 ? "accepted" : "already accepted") \(id) at \(RFC3339.string(from: receipt.at)), digest \(receipt.digest)")
        }
    }

    /// Whether sending the same message again may succeed: the refusal is about the sender's
    /// standing (certificate, suspension) or the gateway's state, not about the message. By the
    /// gateway's problem type where it names one, by the HTTP status otherwise.
    static func retryCanHelp(status: Int, problem: ProblemType?) -> Bool {
        guard let problem else { return [401, 403, 404, 405, 408, 425, 429].contains(status) || status >= 500 }
        switch problem {
        case .clientCertificateRequired, .clientCertificateUntrusted, .clientCertificateUnknown, .agencySuspended, .forbidden,
             .notFound, .methodNotAllowed, .unavailable, .internalError, .requestTimeout, .serverBusy:
            return true
        case .payloadTooLarge, .malformedJSON, .malformedJWS, .unsupportedAlgorithm, .unknownSigningKey, .invalidSignature, .invalidEnvelope,
             .senderMismatch, .unknownRecipient, .recipientInactive, .unknownMessageType, .routeNotAllowed, .routingRuleViolated,
             .replyMismatch, .declarationsMissing, .bodyNotEncryptedToRecipient, .createdOutOfWindow, .messageExpired, .idConflict,
             .invalidReceipt, .invalidState, .invalidRequest, .badRequest, .lengthRequired, .uriTooLong, .requestHeaderFieldsTooLarge,
             .expectationFailed, .httpVersionNotSupported:
            return false
        }
    }
}

/// `ura outbox`: send again what was kept while the gateway was unreachable (`--list` only lists).
enum OutboxCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["list", "json"])
        let profile = try context.profile()
        let outbox = try profile.stateFolder("outbox")
        let files = ((try? FileManager.default.contentsOfDirectory(at: outbox, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "jws" }.sorted { $0.path < $1.path }
        if args.flag("list") || files.isEmpty {
            Terminal.out(files.isEmpty ? "the outbox is empty" : files.map { "waiting: \($0.deletingPathExtension().lastPathComponent)" }.joined(separator: "\n"))
            return
        }
        let connection = try context.connection()
        defer { connection.close() }
        let (directory, _) = try await connection.directoryOrCached()
        var failure: ClientError?
        for file in files {
            do { try await Outbox.submit(file: file, connection: connection, directory: directory, json: args.flag("json")) } catch let error as ClientError {
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
