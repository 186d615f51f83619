import Foundation
import UraBasics

/// An X.509 certificate (PEM), with what the gateway needs from it: the SHA-256 fingerprints that
/// pin it to an agency, its subject's common name (an agency id) and its validity.
public struct Certificate: Sendable {
    let x509: X509Owner
    public let pem: String
    public let der: [UInt8]
    /// Lowercase hex SHA-256 of the DER (as `openssl x509 -fingerprint -sha256`, without colons).
    public let sha256Fingerprint: String
    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER: survives re-issuing with the same key.
    public let spkiSHA256: String
    public let subjectCommonName: String?
    public let issuerCommonName: String?
    public let notBefore: Date
    public let notAfter: Date

    public init(pem: String) throws(CryptoError) {
        try self.init(X509Owner(pem: pem))
    }

    /// Whether the PEM private key `pem` (any type OpenSSL reads: a TLS key) belongs to this
    /// certificate; throws when `pem` holds no usable private key.
    public func isCertified(privateKeyPEM pem: String) throws(CryptoError) -> Bool {
        x509.matches(try PKey(privateKeyPEM: Array(pem.utf8)))
    }

    init(_ x509: X509Owner) throws(CryptoError) {
        self.x509 = x509
        pem = try x509.pem()
        der = try x509.der()
        sha256Fingerprint = Hex.encode(SHA256.hash(der))
        spkiSHA256 = try x509.spkiSHA256()
        subjectCommonName = x509.commonName(subject: true)
        issuerCommonName = x509.commonName(subject: false)
        (notBefore, notAfter) = try x509.validity()
    }

    /// True when this certificate's signature verifies with `issuer`'s public key and it names
    /// `issuer`'s subject as its issuer.
    public func isIssued(by issuer: Certificate) -> Bool { x509.isIssued(by: issuer.x509) }

    /// Reads the certificates of a PEM bundle, in order.
    public static func bundle(pem: String) throws(CryptoError) -> [Certificate] {
        var certificates: [Certificate] = []
        var rest = Substring(pem)
        while let begin = rest.range(of: "-----BEGIN CERTIFICATE-----"), let end = rest.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<rest.endIndex) {
            certificates.append(try Certificate(pem: String(rest[begin.lowerBound..<end.upperBound]) + "\n"))
            rest = rest[end.upperBound...]
        }
        guard !certificates.isEmpty else { throw CryptoError.invalidInput("no PEM certificate found") }
        return certificates
    }
}

/// What a certificate may be used for.
public enum CertificateUsage: Sendable {
    /// A TLS client: an agency authenticating to the gateway.
    case client
    /// A TLS server: the gateway, or an agency's push endpoint.
    case server
    /// Both (the gateway's certificate also authenticates its pushes).
    case clientAndServer

    var extendedKeyUsage: String {
        switch self {
        case .client: "clientAuth"
        case .server: "serverAuth"
        case .clientAndServer: "serverAuth,clientAuth"
        }
    }
}

/// A certificate signing request: an agency's TLS public key and the agency id it claims, signed
/// with the matching private key (`ura cert request`), for the operator to sign (`ura admin enrol`).
public struct CertificateSigningRequest: Sendable {
    let request: X509RequestOwner
    public let pem: String
    public let commonName: String?
    /// Lowercase hex SHA-256 of the requested key's SubjectPublicKeyInfo.
    public let spkiSHA256: String

    /// A request for `commonName` signed with `key` (a P-256 key is what browsers and curl take).
    public static func create(commonName: String, key: SigningKey) throws(CryptoError) -> CertificateSigningRequest {
        try CertificateSigningRequest(X509RequestOwner.create(commonName: commonName, key: key.key, digest: key.algorithm))
    }

    /// Parses a request and checks its self-signature.
    public init(pem: String) throws(CryptoError) {
        try self.init(X509RequestOwner(pem: pem))
    }

    init(_ request: X509RequestOwner) throws(CryptoError) {
        guard request.verifySelfSignature() else {
            throw CryptoError.invalidSignature
        }
        self.request = request
        pem = try request.pem()
        commonName = request.commonName()
        spkiSHA256 = Hex.encode(SHA256.hash(try request.publicKeyDER()))
    }
}

/// A certificate authority: signs agencies' requests into client certificates and the gateway's
/// server certificate. In demo mode it lives in the data directory; in production its key belongs
/// offline, and `ura admin enrol` runs where it is.
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let key: SigningKey

    public init(certificate: Certificate, key: SigningKey) {
        self.certificate = certificate
        self.key = key
    }

    /// A new self-signed CA certificate for `key` (P-256 recommended).
    public static func create(commonName: String, key: SigningKey, validity: TimeInterval = 10 * 365 * 86_400,
                              now: Date = Date()) throws(CryptoError) -> CertificateAuthority {
        let x509 = try X509Owner.issue(subject: commonName, publicKey: key.key, issuer: nil, signer: key.key, digest: key.algorithm,
                                       notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(validity),
                                       extensions: [("basicConstraints", "critical,CA:TRUE"), ("keyUsage", "critical,keyCertSign,cRLSign"),
                                                    ("subjectKeyIdentifier", "hash")])
        return CertificateAuthority(certificate: try Certificate(x509), key: key)
    }

    /// Signs a request into a certificate for `usage`, with optional subject alternative names
    /// (`DNS:localhost`, `IP:127.0.0.1`).
    public func issue(_ request: CertificateSigningRequest, usage: CertificateUsage, subjectAlternativeNames: [String] = [],
                      validity: TimeInterval = 2 * 365 * 86_400, now: Date = Date()) throws(CryptoError) -> Certificate {
        guard let commonName = request.commonName else { throw CryptoError.invalidInput("the request has no common name") }
        var extensions: [(String, String)] = [("basicConstraints", "critical,CA:FALSE"), ("keyUsage", "critical,digitalSignature"),
                                              ("extendedKeyUsage", usage.extendedKeyUsage), ("subjectKeyIdentifier", "hash"),
                                              ("authorityKeyIdentifier", "keyid:always")]
        if !subjectAlternativeNames.isEmpty { extensions.append(("subjectAltName", subjectAlternativeNames.joined(separator: ","))) }
        let x509 = try X509Owner.issue(subject: commonName, publicKey: try request.request.publicKey(), issuer: certificate.x509,
                                       signer: key.key, digest: key.algorithm, notBefore: now.addingTimeInterval(-300),
                                       notAfter: now.addingTimeInterval(validity), extensions: extensions)
        return try Certificate(x509)
    }

    /// Creates a key and a certificate for it in one step (demo mode, tests).
    public func issue(commonName: String, usage: CertificateUsage, subjectAlternativeNames: [String] = [],
                      validity: TimeInterval = 2 * 365 * 86_400, now: Date = Date()) throws(CryptoError) -> (key: SigningKey, certificate: Certificate) {
        let key = try SigningKey.generate(.es256)
        let request = try CertificateSigningRequest.create(commonName: commonName, key: key)
        return (key, try issue(request, usage: usage, subjectAlternativeNames: subjectAlternativeNames, validity: validity, now: now))
    }
}
