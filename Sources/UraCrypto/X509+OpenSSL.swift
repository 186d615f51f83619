import Foundation
import COpenSSL
import UraBasics

/// Owns an `X509` (freed in `deinit`): certificates UraCrypto makes and reads, and those the HTTP
/// server loads for its SSL_CTX or takes from a handshake (`SSL_get1_peer_certificate`).
package final class X509Owner: @unchecked Sendable {
    package let pointer: OpaquePointer

    /// Takes over one reference of `pointer`.
    package init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }

    /// The first certificate of `pem`.
    convenience init(pem: String) throws(CryptoError) {
        guard let x509 = OpenSSL.reading(Array(pem.utf8), { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            OpenSSL.clearErrors()
            throw CryptoError.invalidInput("not a PEM certificate")
        }
        self.init(x509)
    }

    /// Every certificate in PEM `bytes`, in order; empty when there is none.
    package static func certificates(pem bytes: [UInt8]) -> [X509Owner] {
        OpenSSL.clearErrors()
        let certificates = OpenSSL.reading(bytes) { bio -> [X509Owner]? in
            var certificates: [X509Owner] = []
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { certificates.append(X509Owner(certificate)) }
            return certificates
        }
        OpenSSL.clearErrors()  // the loop ends on a "no start line" error, which is expected
        return certificates ?? []
    }

    /// Lowercase hex SHA-256 of the DER (as `openssl x509 -fingerprint -sha256`, without colons).
    package func sha256Fingerprint() throws(CryptoError) -> String { Hex.encode(SHA256.hash(try der())) }

    /// Whether `key` is the private key of this certificate's public key.
    func matches(_ key: PKey) -> Bool { X509_check_private_key(pointer, key.pointer) == 1 }

    /// Lowercase hex SHA-256 of the SubjectPublicKeyInfo DER: a pin that survives re-issuing with the same key.
    package func spkiSHA256() throws(CryptoError) -> String { Hex.encode(SHA256.hash(try publicKeyDER())) }

    /// The validity period's bounds (UTC), nil when one does not parse.
    package var notBefore: Date? { Self.date(X509_get0_notBefore(pointer)) }
    package var notAfter: Date? { Self.date(X509_get0_notAfter(pointer)) }

    private static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    func pem() throws(CryptoError) -> String {
        try AsymmetricKey.withMemoryBIO { (bio) throws(CryptoError) in try OpenSSL.check(PEM_write_bio_X509(bio, pointer), "write certificate") }
    }

    func der() throws(CryptoError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509(pointer, &out)
        guard length > 0, let out else { throw CryptoError.library("cannot encode the certificate") }
        defer { ura_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    func publicKeyDER() throws(CryptoError) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(pointer), &out)
        guard length > 0, let out else { throw CryptoError.library("cannot encode the public key") }
        defer { ura_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }

    /// The common name of the subject (or of the issuer), as UTF-8 whatever string type it has.
    package func commonName(subject: Bool) -> String? {
        X509Owner.commonName(of: subject ? X509_get_subject_name(pointer) : X509_get_issuer_name(pointer))
    }

    static func commonName(of name: OpaquePointer?) -> String? {
        guard let name else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { ura_openssl_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    func validity() throws(CryptoError) -> (Date, Date) {
        guard let notBefore, let notAfter else { throw CryptoError.invalidInput("the certificate has an unreadable validity") }
        return (notBefore, notAfter)
    }

    func isIssued(by issuer: X509Owner) -> Bool {
        guard X509_check_issued(issuer.pointer, pointer) == X509_V_OK, let key = X509_get0_pubkey(issuer.pointer) else { return false }
        let ok = X509_verify(pointer, key) == 1
        OpenSSL.clearErrors()
        return ok
    }

    /// Builds and signs a v3 certificate.
    static func issue(subject: String, publicKey: PKey, issuer: X509Owner?, signer: PKey, digest: SignatureAlgorithm,
                      notBefore: Date, notAfter: Date, extensions: [(String, String)]) throws(CryptoError) -> X509Owner {
        guard let x509 = X509_new() else { throw CryptoError.library("out of memory") }
        let owner = X509Owner(x509)
        try OpenSSL.check(X509_set_version(x509, 2), "version")
        let serial = SecureRandom.bytes(16).enumerated().map { $0.offset == 0 ? $0.element & 0x7F : $0.element }
        guard let number = BN_bin2bn(serial, Int32(serial.count), nil) else { throw CryptoError.library("out of memory") }
        defer { BN_free(number) }
        guard BN_to_ASN1_INTEGER(number, X509_get_serialNumber(x509)) != nil else { throw CryptoError.library("serial number") }
        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter.timeIntervalSince1970)) != nil
        else { throw CryptoError.library("validity") }
        try OpenSSL.check(X509_set_pubkey(x509, publicKey.pointer), "public key")
        let name = X509_get_subject_name(x509)
        try OpenSSL.check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, subject, -1, -1, 0), "subject")
        try OpenSSL.check(X509_set_issuer_name(x509, issuer.map { X509_get_subject_name($0.pointer) } ?? name), "issuer")
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? x509, x509, nil, nil, 0)
        for (extensionName, value) in extensions {
            let nid = OBJ_sn2nid(extensionName)
            guard let ext = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw CryptoError.library("extension \(extensionName)=\(value): \(OpenSSL.drainErrors())")
            }
            defer { X509_EXTENSION_free(ext) }
            try OpenSSL.check(X509_add_ext(x509, ext, -1), "add \(extensionName)")
        }
        guard X509_sign(x509, signer.pointer, Signatures.digest(for: digest)) > 0 else {
            throw CryptoError.library("signing the certificate: \(OpenSSL.drainErrors())")
        }
        return owner
    }
}

/// Owns an `X509_REQ` (freed in `deinit`).
final class X509RequestOwner: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_REQ_free(pointer) }

    convenience init(pem: String) throws(CryptoError) {
        guard let request = OpenSSL.reading(Array(pem.utf8), { PEM_read_bio_X509_REQ($0, nil, nil, nil) }) else {
            OpenSSL.clearErrors()
            throw CryptoError.invalidInput("not a PEM certificate signing request")
        }
        self.init(request)
    }

    static func create(commonName: String, key: PKey, digest: SignatureAlgorithm) throws(CryptoError) -> X509RequestOwner {
        guard let request = X509_REQ_new() else { throw CryptoError.library("out of memory") }
        let owner = X509RequestOwner(request)
        try OpenSSL.check(X509_REQ_set_version(request, 0), "version")
        try OpenSSL.check(X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(request), "CN", MBSTRING_ASC, commonName, -1, -1, 0), "subject")
        try OpenSSL.check(X509_REQ_set_pubkey(request, key.pointer), "public key")
        guard X509_REQ_sign(request, key.pointer, Signatures.digest(for: digest)) > 0 else {
            throw CryptoError.library("signing the request: \(OpenSSL.drainErrors())")
        }
        return owner
    }

    func verifySelfSignature() -> Bool {
        guard let key = X509_REQ_get0_pubkey(pointer) else { return false }
        let ok = X509_REQ_verify(pointer, key) == 1
        OpenSSL.clearErrors()
        return ok
    }

    func pem() throws(CryptoError) -> String {
        try AsymmetricKey.withMemoryBIO { (bio) throws(CryptoError) in try OpenSSL.check(PEM_write_bio_X509_REQ(bio, pointer), "write request") }
    }

    func commonName() -> String? { X509Owner.commonName(of: X509_REQ_get_subject_name(pointer)) }

    func publicKey() throws(CryptoError) -> PKey {
        guard let key = X509_REQ_get_pubkey(pointer) else { throw CryptoError.invalidInput("the request has no public key") }
        return PKey(key)
    }

    func publicKeyDER() throws(CryptoError) -> [UInt8] {
        let key = try publicKey()
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(key.pointer, &out)
        guard length > 0, let out else { throw CryptoError.library("cannot encode the public key") }
        defer { ura_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
