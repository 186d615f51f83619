import Foundation
import UraBasics
import UraModel
import UraProtocol

/// The outbox: signed messages not yet accepted by the gateway.
public enum Outbox {
    /// A kept message the gateway accepted: its id, the checked accepted receipt, the receipt as
    /// the gateway sent it, whether it was new (202) or accepted before (200), and a warning when
    /// the file could not be removed (sending it again would only fetch the receipt again).
    public struct Accepted: Sendable {
        public let id: String
        public let receipt: Receipt
        public let signedReceipt: [UInt8]
        public let isNew: Bool
        public let warning: String?
    }

    /// Tree heads of ledger receipts already checked in this process: the receipts of one commit
    /// batch share their head, so a sender that submits many checks its signature once.
    static let heads = TreeHeadCache()

    /// The outbox folder of `profile` (`state/outbox`), created 0700 if needed.
    public static func folder(of profile: AgencyProfile) throws(ClientError) -> URL { try profile.stateFolder("outbox") }

    /// The messages waiting in the outbox, oldest name first.
    public static func waiting(in profile: AgencyProfile) throws(ClientError) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: try folder(of: profile), includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "jws" }.sorted { $0.path < $1.path }
    }

    /// Keeps a sealed message in the outbox, on disk before it is submitted: a message whose
    /// submission fails must survive a power loss.
    public static func keep(_ bytes: [UInt8], id: MessageID, in profile: AgencyProfile) throws(ClientError) -> URL {
        let file = try folder(of: profile).appendingPathComponent("\(id).jws")
        do { try DurableFile.write(bytes, to: file) } catch {
            throw ClientError("cannot keep the message in the outbox, so it was not sent: \(error.message)", .ioError)
        }
        return file
    }

    /// Submits one kept message. Accepted: the receipt is checked and the file removed. Unreachable,
    /// or refused for a reason that can pass (certificate, suspension, a busy or failing gateway):
    /// the file stays for `ura outbox`. Refused for what the message is: the file moves to
    /// `rejected/`, as sending it again cannot help.
    public static func submit(file: URL, connection: GatewayConnection, directory: Directory) async throws(ClientError) -> Accepted {
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ClientError("cannot read \(file.path), kept in the outbox", .ioError)
        }
        let bytes = Array(data)
        let id = file.deletingPathExtension().lastPathComponent
        let reply: GatewayConnection.Reply
        do {
            reply = try await connection.exchange("POST", "/v1/messages", body: bytes)
        } catch where error.kind == .configuration {
            throw ClientError("\(error.message)\nThe message \(id) stays in the outbox (\(file.path)); once the file is fixed, `ura outbox` sends it.", .configuration)
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
        let receipt = try ReceiptCheck.accepted(reply.body, message: bytes, directory: directory, heads: heads)
        var warning: String?
        do { try DurableFile.remove(file) } catch {
            warning = "\(error.message); the message \(id) was accepted all the same (`ura outbox` would only fetch its receipt again)"
        }
        return Accepted(id: id, receipt: receipt, signedReceipt: reply.body, isNew: reply.status == 202, warning: warning)
    }

    /// Whether sending the same message again may succeed: the refusal is about the sender's
    /// standing (certificate, suspension) or the gateway's state, not about the message. By the
    /// gateway's problem type where it names one, by the HTTP status otherwise.
    public static func retryCanHelp(status: Int, problem: ProblemType?) -> Bool {
        guard let problem else { return [401, 403, 404, 405, 408, 425, 429].contains(status) || status >= 500 }
        switch problem {
        case .clientCertificateRequired, .clientCertificateUntrusted, .clientCertificateUnknown, .agencySuspended, .forbidden,
             .notFound, .methodNotAllowed, .unavailable, .internalError, .requestTimeout, .serverBusy:
            return true
        case .payloadTooLarge, .unsupportedMediaType, .malformedJSON, .malformedJWS, .unsupportedAlgorithm, .unknownSigningKey, .invalidSignature, .invalidEnvelope,
             .senderMismatch, .unknownRecipient, .recipientInactive, .unknownMessageType, .routeNotAllowed, .routingRuleViolated,
             .replyMismatch, .declarationsMissing, .bodyNotEncryptedToRecipient, .createdOutOfWindow, .messageExpired, .idConflict,
             .invalidReceipt, .invalidState, .invalidRequest, .badRequest, .lengthRequired, .uriTooLong, .requestHeaderFieldsTooLarge,
             .expectationFailed, .httpVersionNotSupported, .crossBorderNotAllowed, .relayNotAllowed:
            return false
        }
    }
}
