import Foundation
import UraCrypto
import UraModel
import UraProtocol

/// Checks a signed message against a directory the agency checked: signed by a key the directory
/// lists for its sender (or for the gateway, for the gateway's notices), valid when the envelope
/// says the message was made, and its envelope well formed.
package enum MessageCheck {
    package static func verify(_ bytes: [UInt8], directory: Directory, now: Date = Date(),
                               skew: TimeInterval = SigningTime.skew) throws(ClientError) -> (ParsedJWS, Envelope) {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch { throw ClientError("not a well-formed signed message: \(error)", .verificationFailed) }
        var listed: DirectoryKey?
        let checked: SignedObjectCheck.Checked<Envelope>
        do {
            checked = try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Envelope.self)) { kid, envelope throws(SignedObjectCheck.Failure) in
                let found = try directory.signingKey(kid, of: envelope.from)
                listed = found.entry
                return found.key
            }
        } catch {
            throw ClientError(signed: "the message", error, .verificationFailed)
        }
        if let listed {
            try SigningTime.check("message", madeAt: checked.payload.created, key: listed, of: checked.payload.from, now: now, skew: skew)
        }
        return (jws, checked.payload)
    }
}
