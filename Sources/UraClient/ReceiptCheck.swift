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
        if LedgerReceipt.isLedgerReceipt(bytes) { return try ledger(bytes, directory: directory, failure: .verificationFailed) }
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
    package static func accepted(_ receiptBytes: [UInt8], message: [UInt8], directory: Directory,
                                 heads: TreeHeadCache? = nil) throws(ClientError) -> Receipt {
        if LedgerReceipt.isLedgerReceipt(receiptBytes) {
            let receipt = try ledger(receiptBytes, directory: directory, heads: heads, failure: .protocolError)
            let digest: String
            do { digest = Base64URL.encode(SHA256.hash(try JWS.parse(message).signingInput())) } catch {
                throw ClientError("the message is not a JWS: \(error)", .protocolError)
            }
            guard receipt.digest == digest else {
                throw ClientError("the ledger receipt is for digest \(receipt.digest), not this message's digest \(digest)", .protocolError)
            }
            return receipt
        }
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

    /// An accepted receipt signed per batch (`LedgerReceipt`): the tree head signed with a gateway
    /// key the directory lists, valid at the receipt's time, over the receipt's tree size; the
    /// leaf's audit path to that head; the leaf saying what the receipt claims. `heads` keeps the
    /// heads already checked (a batch's receipts share one).
    package static func ledger(_ bytes: [UInt8], directory: Directory, heads: TreeHeadCache? = nil,
                               failure kind: ClientError.Kind) throws(ClientError) -> Receipt {
        let what = "the ledger receipt"
        let receipt: LedgerReceipt
        do { receipt = try LedgerReceipt(parsing: bytes) } catch { throw ClientError("\(what) is not well formed: \(error.description)", kind) }
        guard receipt.claims.kind == .accepted, receipt.claims.by == directory.gateway.id else {
            throw ClientError("\(what) must be an accepted receipt by the gateway \(directory.gateway.id), not a \(receipt.claims.kind.rawValue) receipt by \(receipt.claims.by)", kind)
        }
        let at = receipt.claims.at
        do {
            return try receipt.verify(key: { kid throws(SignedObjectCheck.Failure) in
                let found = try directory.gatewaySigningKey(kid)
                guard found.entry.isValid(at: at) else {
                    throw .unknownKey(kid: kid, reason: "is signed with gateway key \(kid), which was not valid at \(RFC3339.string(from: at)), the time the receipt says the message was accepted")
                }
                return found.key
            }, verifiedHeads: heads)
        } catch {
            switch error {
            case .head(let failure): throw ClientError(signed: "\(what)'s tree head", failure, kind)
            default: throw ClientError("\(what) does not check out: \(error.description)", kind)
            }
        }
    }
}
