import Foundation
import COpenSSL
import UraCrypto
import UraHTTPCore

extension PEMSource {
    /// The PEM bytes (reads the file for `.file`).
    func loadBytes() throws(TLSSetupError) -> [UInt8] {
        switch self {
        case .bytes(let bytes):
            return bytes
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TLSSetupError("cannot read \(label): the file is missing or not readable by this process")
            }
            return [UInt8](data)
        }
    }

    /// Every certificate in the PEM, in order; fails when there is none.
    package func loadCertificates() throws(TLSSetupError) -> [X509Owner] {
        let certificates = X509Owner.certificates(pem: try loadBytes())
        guard !certificates.isEmpty else {
            throw TLSSetupError("\(label) holds no PEM certificate (expected \"-----BEGIN CERTIFICATE-----\")")
        }
        return certificates
    }

    /// Checks that the source holds at least one readable certificate (a CA file a client will
    /// trust, say), without keeping it.
    public func checkCertificates() throws(TLSSetupError) {
        _ = try loadCertificates()
    }

    /// The private key; fails when the PEM holds none or it is encrypted.
    package func loadPrivateKey() throws(TLSSetupError) -> PKey {
        var bytes = try loadBytes()
        defer { bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        do {
            return try PKey(privateKeyPEM: bytes)
        } catch {
            let reason = if case .invalidKey(let reason) = error { reason } else { "\(error)" }
            throw TLSSetupError("\(label) holds no usable private key (\(reason)); give an unencrypted PEM key")
        }
    }
}
