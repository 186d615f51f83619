import Foundation
import COpenSSL
import UraHTTPCore

extension PeerCertificate {
    /// Reads the client certificate and verification result of a finished handshake; nil when the
    /// client sent no certificate.
    init?(ssl: OpaquePointer) {
        guard let certificate = SSL_get0_peer_certificate(ssl) else { return nil }
        let recorded = Int(bitPattern: SSL_get_ex_data(ssl, ServerTLSContext.firstVerifyErrorSlot))
        let code = recorded != 0 ? recorded : SSL_get_verify_result(ssl)
        let fingerprint = Self.sha256Hex(derOf: certificate) { i2d_X509($0, $1) }
        let spki = Self.sha256Hex(derOf: X509_get_X509_PUBKEY(certificate)) { i2d_X509_PUBKEY($0, $1) }
        let verified = code == X509_V_OK
        self.init(sha256Fingerprint: fingerprint ?? "", spkiSHA256: spki ?? "",
                  subjectCommonName: Self.commonName(of: certificate), chainVerified: verified,
                  verificationError: verified ? nil : String(cString: X509_verify_cert_error_string(code)),
                  verificationFailure: verified ? nil : Self.failure(code: Int32(code)),
                  notBefore: Self.date(X509_get0_notBefore(certificate)), notAfter: Self.date(X509_get0_notAfter(certificate)))
    }

    /// An ASN1_TIME as a date (UTC), nil when it does not parse.
    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    private static func failure(code: Int32) -> VerificationFailure {
        switch code {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
            .untrustedIssuer
        case X509_V_ERR_CERT_HAS_EXPIRED: .expired
        case X509_V_ERR_CERT_NOT_YET_VALID: .notYetValid
        case X509_V_ERR_INVALID_PURPOSE: .invalidPurpose
        default: .other(code: Int(code))
        }
    }

    /// SHA-256 over the DER encoding `encode` writes (an i2d_* function), as lowercase hex.
    static func sha256Hex(derOf object: OpaquePointer?,
                          _ encode: (OpaquePointer?, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> String? {
        guard let object else { return nil }
        let length = encode(object, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return encode(object, &cursor)
        }
        guard written == length else { return nil }
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        guard EVP_Digest(der, der.count, &digest, &digestLength, EVP_sha256(), nil) == 1 else { return nil }
        return hex(digest.prefix(Int(digestLength)))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func commonName(of certificate: OpaquePointer) -> String? {
        guard let name = X509_get_subject_name(certificate) else { return nil }
        let index = X509_NAME_get_index_by_NID(name, NID_commonName, -1)
        guard index >= 0, let entry = X509_NAME_get_entry(name, index), let data = X509_NAME_ENTRY_get_data(entry) else {
            return nil
        }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length >= 0, let utf8 else { return nil }
        defer { ura_openssl_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }
}
