import Foundation

/// The certificate an HTTPS listener presents, as an operator checks it after a reload: its
/// SHA-256 fingerprint (lowercase hex of the DER, as `openssl x509 -fingerprint -sha256` prints it
/// without colons) and the end of its validity.
public struct ServedCertificate: Sendable, Hashable {
    public let sha256Fingerprint: String
    public let notAfter: Date?
}
