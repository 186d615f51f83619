import Foundation
import Testing
import UraCrypto
import UraTestSupport
import UraTestTraits

/// `Certificate.isCertified(privateKeyPEM:)`: any TLS key OpenSSL reads (RSA too), matched to its
/// certificate, so `ura` can name a wrong or broken key file before curl fails on it.
@Suite(.offThePool) struct CertificateKeyMatchTests {
    func make(_ folder: URL, _ name: String, _ algorithm: [String]) throws -> (key: String, certificate: String) {
        let key = folder.appendingPathComponent("\(name).key").path, crt = folder.appendingPathComponent("\(name).crt").path
        _ = try ChildProcess.run("/usr/bin/openssl", ["req", "-x509", "-newkey"] + algorithm + ["-nodes", "-keyout", key, "-out", crt,
                                                      "-days", "1", "-subj", "/CN=\(name)"])
        return (try String(contentsOfFile: key, encoding: .utf8), try String(contentsOfFile: crt, encoding: .utf8))
    }

    @Test func aKeyMatchesItsOwnCertificateOnlyWhateverItsType() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ura-keymatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let rsa = try make(folder, "rsa", ["rsa:2048"])
        let ec = try make(folder, "ec", ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
        #expect(try Certificate(pem: rsa.certificate).isCertified(privateKeyPEM: rsa.key))
        #expect(try Certificate(pem: ec.certificate).isCertified(privateKeyPEM: ec.key))
        #expect(try !Certificate(pem: ec.certificate).isCertified(privateKeyPEM: rsa.key))
        #expect(throws: CryptoError.self) { try Certificate(pem: ec.certificate).isCertified(privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n") }
    }
}
