import Foundation
import UraCrypto
import UraModel

/// What an enrolment did: the agency's entry, a sentence per change for the operator, the
/// certificate issued and where it was written, and the gateway keys the agency's profile pins.
public struct Enrolled: Sendable {
    public let agency: Agency
    /// The agency was in the directory already.
    public let isReEnrolment: Bool
    public let changes: [String]
    public let certificate: Certificate
    /// Where the certificate was written; nil when it was enrolled in memory.
    public internal(set) var certificateFile: URL?
    public internal(set) var directoryVersion: Int
    public let gatewayID: AgencyID
    /// The kids of the gateway's current signing keys: the `gateway_key` of the agency's profile.
    public let gatewaySigningKeyIDs: [String]
}
