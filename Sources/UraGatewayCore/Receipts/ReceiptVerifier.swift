import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Checks a recipient's delivered receipt before it settles a delivery: a JWS by a key registered
/// for that recipient (and valid now), `receipt: delivered`, this message id, this recipient, the
/// message's digest, and a time no later than the gateway's clock allows (`skew`: the gateway's
/// `intake.clock_skew_seconds`). Anything else is refused and the delivery stays open.
public struct ReceiptVerifier: Sendable {
    let directory: DirectoryBook
    let clock: any WallClock
    let skew: Duration

    public init(directory: DirectoryBook, clock: any WallClock, skew: Duration = IntakeSettings().clockSkew) {
        self.directory = directory
        self.clock = clock
        self.skew = skew
    }

    public func verifyDelivered(_ bytes: [UInt8], message: MessageID, digest: String, recipient: AgencyID) throws(GatewayError) -> Receipt {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes, limits: .init(maxDepth: 16, maxBytes: 64 << 10)) } catch {
            throw GatewayError(.invalidReceipt, "the receipt is not a JWS: \(error)")
        }
        let receipt: Receipt
        do {
            receipt = try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Receipt.self)) { kid, _ throws(SignedObjectCheck.Failure) in
                guard let key = directory.snapshot.signingKey(kid: kid, agency: recipient, at: clock.now) else {
                    throw .unknownKey(kid: kid, reason: "the receipt is signed with key \(kid), which is not a current key of \(recipient)")
                }
                return key
            }.payload
        } catch {
            switch error {
            case .noKeyID: throw GatewayError(.invalidReceipt, "the receipt's protected header has no kid")
            case .unknownKey(_, let reason): throw GatewayError(.invalidReceipt, reason)
            case .invalidSignature(let kid): throw GatewayError(.invalidReceipt, "the receipt's signature does not verify with \(recipient)'s key \(kid)")
            case .payload(let reason): throw GatewayError(.invalidReceipt, "the receipt's payload is not a receipt: \(reason)")
            case .unsupported(let reason): throw GatewayError(.invalidReceipt, "the receipt's signature cannot be checked: \(reason)")
            }
        }
        guard receipt.kind == .delivered else { throw GatewayError(.invalidReceipt, "the receipt says \(receipt.kind.rawValue), not delivered") }
        guard receipt.message == message else { throw GatewayError(.invalidReceipt, "the receipt is for message \(receipt.message), not \(message)") }
        guard receipt.recipient == recipient, receipt.by == recipient else {
            throw GatewayError(.invalidReceipt, "the receipt must name \(recipient) as recipient and signer")
        }
        let now = clock.now
        guard receipt.at.timeIntervalSince(now) <= skew.seconds else {
            throw GatewayError(.invalidReceipt, "the receipt says it was made at \(RFC3339.string(from: receipt.at)), more than \(skew.spoken) after the gateway's "
                               + "time \(RFC3339.string(from: now)); set the clock of the system that signs receipts right")
        }
        guard receipt.digest == digest else {
            throw GatewayError(.invalidReceipt, "the receipt's digest \(receipt.digest) is not the message's digest \(digest); the recipient did not receive this exact message")
        }
        return receipt
    }
}
