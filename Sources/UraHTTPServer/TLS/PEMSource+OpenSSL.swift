import Foundation
import COpenSSL
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
    package func loadCertificates() throws(TLSSetupError) -> [OwnedX509] {
        let bytes = try loadBytes()
        var certificates: [OwnedX509] = []
        OpenSSLError.clear()
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(OwnedX509(certificate))
            }
        }
        OpenSSLError.clear()  // the loop ends on a "no start line" error, which is expected
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
    package func loadPrivateKey() throws(TLSSetupError) -> OwnedPrivateKey {
        var bytes = try loadBytes()
        defer { bytes.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        OpenSSLError.clear()
        let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let key else {
            throw TLSSetupError("\(label) holds no usable private key (\(OpenSSLError.drain())); give an unencrypted PEM key")
        }
        return OwnedPrivateKey(key)
    }
}
