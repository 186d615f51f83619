import Foundation
import UraHTTPClient
import UraHTTPCore
import UraModel
import UraProtocol

/// When a signature counts offline: the key was valid at the time the signed message or receipt
/// says it was made (so a retired key's old signatures still verify and its new ones do not), and
/// that time is not later than this computer's clock, give or take a skew (the profile's
/// `clock_skew_seconds`, as the gateway's `intake.clock_skew_seconds`: 300 by default).
public enum SigningTime {
    /// How far ahead of this computer's clock a message or receipt may say it was made, unless the
    /// profile says otherwise.
    public static let skew: TimeInterval = 5 * 60

    /// Throws (verification failed) unless `key` of `signer` could sign `what` made at `made`, seen at `now`.
    package static func check(_ what: String, madeAt made: Date, key: DirectoryKey, of signer: AgencyID, now: Date,
                      skew: TimeInterval = SigningTime.skew) throws(ClientError) {
        if made.timeIntervalSince(now) > skew {
            throw ClientError("the \(what) says it was made at \(RFC3339.string(from: made)), more than \(Int(skew)) seconds after this computer's time "
                           + "\(RFC3339.string(from: now)); it does not check out (if this computer's clock is behind, set it right; "
                           + "if the gateway allows more, set clock_skew_seconds in the profile to match)", .verificationFailed)
        }
        if let notBefore = key.notBefore, made < notBefore {
            throw ClientError("the \(what) is signed with key \(key.kid) of \(signer), valid only from \(RFC3339.string(from: notBefore)), "
                           + "but says it was made at \(RFC3339.string(from: made))", .verificationFailed)
        }
        if let notAfter = key.notAfter, made >= notAfter {
            throw ClientError("the \(what) is signed with key \(key.kid) of \(signer), which expired at \(RFC3339.string(from: notAfter)), "
                           + "but says it was made at \(RFC3339.string(from: made))", .verificationFailed)
        }
    }
}
