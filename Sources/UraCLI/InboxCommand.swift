import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// `ura inbox`: fetch the agency's messages, check each one — the sender's signature with its key
/// from the directory, the envelope, the body bound to this message and decrypted with the
/// agency's key, the form valid against its schema — and acknowledge it with a signed delivered
/// receipt. A message that does not check out is reported and not acknowledged, so it is neither
/// lost nor confirmed.
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

        let reply = try await connection.request("GET", "/v1/inbox?wait=\(wait)&limit=\(limit)")
        let items = reply.json?["messages"]?.arrayValue ?? []
        var refused = 0
        for item in items {
            guard let message = item["message"], let claimedDigest = item["digest"]?.stringValue else { continue }
            let opened: Opened
            do {
                opened = try open(message.serialized(), directory: directory, catalogue: catalogue, key: encryptionKey, me: profile.agency,
                                  skew: profile.clockSkew)
            } catch {
                refused += 1
                Terminal.error("message \(item["id"]?.stringValue ?? "?") does not check out and was not acknowledged: \(error.message)")
                continue
            }
            guard opened.digest == claimedDigest else {
                refused += 1
                Terminal.error("message \(opened.envelope.id): the gateway's digest differs from the message's; not acknowledged")
                continue
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
            if !args.flag("no-ack") {
                let receipt = try MessageComposer.deliveredReceipt(for: e.id, digest: opened.digest, by: profile.agency, key: signingKey)
                do { _ = try await connection.request("POST", "/v1/inbox/\(e.id)/ack", body: receipt) } catch {
                    throw ClientError("\(error.message)\nMessage \(e.id) was written but not acknowledged; it comes back after its lease", error.kind)
                }
            }
        }
        if !args.flag("json") && items.isEmpty { Terminal.out("the inbox is empty") }
        if refused > 0 { throw ClientError("\(refused) message(s) did not check out", .verificationFailed) }
    }

    struct Opened {
        let envelope: Envelope
        let form: JSONValue
        let digest: String
        var record: JSONValue {
            var metadata = (try? JSONValue(parsing: JSONValueDecoder.reencode(MessageMetadata(envelope)))) ?? .null
            if case .object(var object) = metadata {
                object["form"] = form
                object["digest"] = .string(digest)
                metadata = .object(object)
            }
            return metadata
        }
    }

    /// Verifies, decrypts and checks one message addressed to `me`.
    static func open(_ bytes: [UInt8], directory: Directory, catalogue: MessageCatalogue, key: AgreementPrivateKey,
                     me: AgencyID, skew: TimeInterval = SigningTime.skew) throws(ClientError) -> Opened {
        let (jws, envelope) = try MessageCheck.verify(bytes, directory: directory, skew: skew)
        guard envelope.to.contains(me) else { throw ClientError("the message is not addressed to \(me)", .verificationFailed) }
        let decrypted: (plaintext: [UInt8], protectedHeader: JSONObject)
        do { decrypted = try JWE.parse(json: envelope.body).decrypt(with: key) } catch {
            throw ClientError("the body cannot be decrypted with this agency's key", .verificationFailed)
        }
        guard decrypted.protectedHeader["ura_msg"]?.stringValue == envelope.id.rawValue else {
            throw ClientError("the body was encrypted for another message", .verificationFailed)
        }
        let form: JSONValue
        do { form = try JSONValue(parsing: decrypted.plaintext) } catch { throw ClientError("the form is not JSON", .verificationFailed) }
        if let validator = catalogue.bodyValidator(for: envelope.type) {
            let errors = validator.validate(form)
            guard errors.isEmpty else {
                throw ClientError("the form does not match the \(envelope.type) schema: " + errors.prefix(3).map(\.description).joined(separator: "; "), .verificationFailed)
            }
        }
        return Opened(envelope: envelope, form: form, digest: Base64URL.encode(SHA256.hash(jws.signingInput())))
    }
}
