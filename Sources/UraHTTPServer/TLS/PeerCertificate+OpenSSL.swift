import Foundation
import COpenSSL
import UraCrypto
import UraHTTPCore

extension PeerCertificate {
    /// Reads the client certificate and verification result of a finished handshake; nil when the
    /// client sent no certificate.
    init?(ssl: OpaquePointer) {
        guard let certificate = SSL_get1_peer_certificate(ssl).map(X509Owner.init) else { return nil }
        let recorded = Int(bitPattern: SSL_get_ex_data(ssl, ServerTLSContext.firstVerifyErrorSlot))
        let code = recorded != 0 ? recorded : SSL_get_verify_result(ssl)
        let verified = code == X509_V_OK
        self.init(sha256Fingerprint: (try? certificate.sha256Fingerprint()) ?? "", spkiSHA256: (try? certificate.spkiSHA256()) ?? "",
                  subjectCommonName: certificate.commonName(subject: true), chainVerified: verified,
                  verificationError: verified ? nil : String(cString: X509_verify_cert_error_string(code)),
                  verificationFailure: verified ? nil : Self.failure(code: Int32(code)),
                  notBefore: certificate.notBefore, notAfter: certificate.notAfter)
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
}
