/// TLS settings of an HTTPS listener.
///
/// When `clientCertificateAuthorities` is set the server asks every client for a certificate and
/// verifies it against those CAs, but never fails the handshake over it: the outcome is reported
/// per request in `HTTPRequest.peer`, so the application can answer 401/403 with a problem that
/// says what is wrong (no certificate, untrusted issuer, expired...).
public struct TLSConfiguration: Sendable, Hashable {
    /// The server certificate first, then any intermediates (PEM).
    public var certificateChain: PEMSource
    /// The server's private key (PEM, unencrypted).
    public var privateKey: PEMSource
    /// CA certificates client certificates are verified against; nil: do not ask for one.
    public var clientCertificateAuthorities: PEMSource?
    /// TLS 1.2 or 1.3; earlier versions are never allowed.
    public var minimumVersion: TLSVersion
    /// TLS 1.2 cipher list (OpenSSL syntax). TLS 1.3 suites are OpenSSL's defaults (all AEAD).
    public var cipherList: String

    public static let modernCipherList = "ECDHE+AESGCM:ECDHE+CHACHA20"

    public init(certificateChain: PEMSource, privateKey: PEMSource, clientCertificateAuthorities: PEMSource? = nil,
                minimumVersion: TLSVersion = .tls1_2, cipherList: String = TLSConfiguration.modernCipherList) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCertificateAuthorities = clientCertificateAuthorities
        self.minimumVersion = minimumVersion
        self.cipherList = cipherList
    }
}
