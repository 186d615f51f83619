import Foundation

/// The certificate a client presented on its TLS connection, computed once per connection.
/// The gateway maps `sha256Fingerprint` or `spkiSHA256` to an agency of the directory.
public struct PeerCertificate: Sendable, Hashable {
    /// Lowercase hex SHA-256 of the certificate's DER (what `openssl x509 -fingerprint -sha256` shows, without colons).
    public let sha256Fingerprint: String
    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER (an SPKI pin: survives re-issuing with the same key).
    public let spkiSHA256: String
    public let subjectCommonName: String?
    /// True when the chain verified against the configured client CAs (validity dates, signatures, purpose).
    public let chainVerified: Bool
    /// OpenSSL's sentence for the failure (e.g. "certificate has expired"), nil when verified.
    public let verificationError: String?
    /// The failure sorted into the cases an application answers differently, nil when verified.
    public let verificationFailure: VerificationFailure?
    /// The certificate's validity period (nil if unreadable). `chainVerified` says it held at the
    /// handshake; a keep-alive connection outlives that, so an application compares these with
    /// its own clock on each request.
    public let notBefore: Date?
    public let notAfter: Date?

    public init(sha256Fingerprint: String, spkiSHA256: String, subjectCommonName: String?, chainVerified: Bool,
                verificationError: String?, verificationFailure: VerificationFailure?, notBefore: Date? = nil, notAfter: Date? = nil) {
        self.sha256Fingerprint = sha256Fingerprint
        self.spkiSHA256 = spkiSHA256
        self.subjectCommonName = subjectCommonName
        self.chainVerified = chainVerified
        self.verificationError = verificationError
        self.verificationFailure = verificationFailure
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// True when `date` is inside the validity period (not before `notBefore`, before `notAfter`,
    /// as OpenSSL judges it at the handshake); an unreadable bound does not refuse.
    public func isValid(at date: Date) -> Bool {
        (notBefore.map { $0 <= date } ?? true) && (notAfter.map { date < $0 } ?? true)
    }

    /// Why a client certificate did not verify.
    public enum VerificationFailure: Sendable, Hashable {
        /// Not issued (directly or through intermediates) by a configured CA, or self-signed.
        case untrustedIssuer
        case expired
        case notYetValid
        /// The certificate is not meant for TLS client authentication (extended key usage).
        case invalidPurpose
        /// Any other X.509 verification error, with OpenSSL's code.
        case other(code: Int)
    }
}
