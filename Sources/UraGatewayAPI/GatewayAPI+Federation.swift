import Foundation
import UraCrypto
import UraGatewayCore
import UraHTTPCore
import UraModel
import UraProtocol

/// Federation's route: a peer gateway relays a message of one of its own agencies
/// (`Intake.relay`), and learns where its delivery to one recipient stands.
extension GatewayAPI {
    /// The answer is a receipt, always about the recipient named in `Ura-Recipient`: the
    /// recipient's own delivered receipt (200) once it acknowledged, this gateway's failed receipt
    /// (200) once it gave up, else this gateway's accepted receipt (202 new, 200 again). Relaying the
    /// same message again is how the peer asks: nothing is stored twice.
    func relay(_ request: HTTPRequest, _ peer: Agency) async throws -> HTTPResponse {
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/jose+json" else {
            throw GatewayError(.unsupportedMediaType, "relay a message with Content-Type: application/jose+json, not \(mediaType ?? "no Content-Type")")
        }
        var window: Date?
        if let text = request.headers["Ura-Deliver-Until"] {
            guard let date = RFC3339.date(from: text) else {
                throw GatewayError(.invalidRequest, "Ura-Deliver-Until must be an RFC 3339 time (the relaying gateway's window to deliver), not \(text.prefix(64))")
            }
            window = date
        }
        let submission = try await gateway.intake.relay(request.body, from: peer.id, deliverUntil: window)
        let headers: HTTPHeaders = ["Location": "/v1/messages/\(submission.messageID)"]
        if let text = request.headers["Ura-Recipient"], let recipient = try? AgencyID(text),
           let delivery = try gateway.store.deliveries(of: submission.messageID).first(where: { $0.recipient == recipient }),
           delivery.state.isSettled, let receipt = delivery.receipt {
            return APIResponse.jose(receipt, status: 200, headers: headers)
        }
        return APIResponse.jose(submission.receipt, status: submission.isNew ? 202 : 200, headers: headers)
    }

    /// A peer forwards the delivered receipt of one of its own agencies for a message this gateway
    /// relayed to it: checked and recorded as an acknowledgement is (the recipient's own key, this
    /// message's digest), so the sender gets it without waiting for the next retry.
    func forwardedReceipt(_ request: HTTPRequest, _ peer: Agency) async throws -> HTTPResponse {
        let receipt: Receipt
        do {
            receipt = try SignedObjectCheck.json(Receipt.self)(try JWS.parse(request.body, limits: .init(maxDepth: 16, maxBytes: 64 << 10)).payload)
        } catch {
            throw GatewayError(.invalidReceipt, "the body is not a receipt (a JWS over {receipt, message, digest, recipient, at, by}): \(error)")
        }
        guard let recipient = receipt.recipient, gateway.directory.snapshot[recipient]?.via == peer.id else {
            throw GatewayError(.relayNotAllowed, "\(peer.id) may forward only the receipts of its own agencies; \(receipt.recipient.map(\.rawValue) ?? "(no recipient)") is not one")
        }
        try await gateway.inbox.acknowledge(message: receipt.message, by: recipient, receipt: request.body)
        return APIResponse.json(["message": .string(receipt.message.rawValue), "recipient": .string(recipient.rawValue), "state": "delivered"])
    }
}
