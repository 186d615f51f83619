import Foundation
import UraCrypto
import UraModel
import UraProtocol

/// Checks receipts against a directory the agency checked.
package enum ReceiptCheck {
    /// A receipt from the feed (`ura receipts`, `ura verify`): the gateway's signature for
    /// `accepted` and `failed` (only it accepts a message or gives up on a recipient), the
    /// recipient's for `delivered`, with a key the directory lists for that signer, valid at the
    /// receipt's time. Across a border the peer gateway a foreign recipient is `via` accepts (or
    /// gives up) too: its `accepted` or `failed` receipt checks out against that peer's key.
    /// `recipient` is the one the feed names: an accepted receipt covers all recipients and names none.
    package static func verify(_ bytes: [UInt8], directory: Directory, recipient: AgencyID? = nil, now: Date = Date(),
                               skew: TimeInterval = SigningTime.skew) throws(ClientError) -> Receipt {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch { throw ClientError("not a well-formed receipt: \(error)", .verificationFailed) }
        var listed: (signer: AgencyID, entry: DirectoryKey)?
        let checked: SignedObjectCheck.Checked<Receipt>
        do {
            checked = try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Receipt.self)) { kid, receipt throws(SignedObjectCheck.Failure) in
                let signer: AgencyID? = switch receipt.kind {
                case .accepted, .failed: gatewaySigner(of: receipt, recipient: recipient, in: directory)
                case .delivered: receipt.recipient
                }
                guard let signer, receipt.by == signer else {
                    throw .unknownKey(kid: kid, reason: "must be signed by \(signer?.rawValue ?? "its recipient"), not by \(receipt.by)")
                }
                let found = try directory.signingKey(kid, of: signer)
                listed = (signer, found.entry)
                return found.key
            }
        } catch {
            throw ClientError(signed: "the receipt", error, .verificationFailed)
        }
        if let listed {
            try SigningTime.check("receipt", madeAt: checked.payload.at, key: listed.entry, of: listed.signer, now: now, skew: skew)
        }
        return checked.payload
    }

    /// Who may sign an `accepted` or `failed` receipt: this gateway, or the peer gateway the
    /// directory lists as `via` for the receipt's recipient (a foreign agency).
    static func gatewaySigner(of receipt: Receipt, recipient: AgencyID?, in directory: Directory) -> AgencyID {
        guard receipt.by != directory.gateway.id, let about = receipt.recipient ?? recipient,
              let peer = directory[about]?.via, peer == receipt.by, directory[peer]?.isPeerGateway == true else { return directory.gateway.id }
        return peer
    }

    /// The gateway's answer to a submission: the signature, over this message's digest, of a
    /// gateway key the (pinned-key-signed) directory lists and that was valid when the receipt was
    /// made. What does not check out is the gateway answering badly (`protocolError`).
    package static func accepted(_ receiptBytes: [UInt8], message: [UInt8], directory: Directory) throws(ClientError) -> Receipt {
        let what = "the accepted receipt"
        let jws: ParsedJWS, messageJWS: ParsedJWS
        do { (jws, messageJWS) = (try JWS.parse(receiptBytes), try JWS.parse(message)) } catch {
            throw ClientError("the gateway's receipt does not check out: \(error)", .protocolError)
        }
        var listed: DirectoryKey?
        let checked: SignedObjectCheck.Checked<Receipt>
        do {
            checked = try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Receipt.self)) { kid, _ throws(SignedObjectCheck.Failure) in
                let found = try directory.gatewaySigningKey(kid)
                listed = found.entry
                return found.key
            }
        } catch {
            throw ClientError(signed: what, error, .protocolError)
        }
        let receipt = checked.payload
        if let listed, !listed.isValid(at: receipt.at) {
            throw ClientError("\(what) is signed with gateway key \(listed.kid), which was not valid at \(RFC3339.string(from: receipt.at)), "
                              + "the time the receipt says it was made", .protocolError)
        }
        let digest = Base64URL.encode(SHA256.hash(messageJWS.signingInput()))
        guard receipt.kind == .accepted, receipt.digest == digest else {
            throw ClientError("the receipt is not an accepted receipt for this message's digest \(digest)", .protocolError)
        }
        return receipt
    }
}
