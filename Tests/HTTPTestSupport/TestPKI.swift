import Foundation
import UraHTTPCore

/// Certificates for the tests, made once per test run with the `openssl` CLI in a private
/// temporary directory (0700, keys 0600): a CA, a server certificate for 127.0.0.1/localhost,
/// a client certificate from the CA, one from another CA, an expired one from the CA, and one from
/// the CA whose basicConstraints extension does not decode (OpenSSL queues an error verifying it).
public struct TestPKI: Sendable {
    public let directory: String

    public var caCertificate: String { directory + "/ca.pem" }
    public var serverCertificate: String { directory + "/server.pem" }
    public var serverKey: String { directory + "/server.key" }
    public var clientCertificate: String { directory + "/client.pem" }
    public var clientKey: String { directory + "/client.key" }
    public var otherCACertificate: String { directory + "/other-ca.pem" }
    public var strangerCertificate: String { directory + "/stranger.pem" }
    public var strangerKey: String { directory + "/stranger.key" }
    public var expiredCertificate: String { directory + "/expired.pem" }
    public var expiredKey: String { directory + "/expired.key" }
    public var malformedCertificate: String { directory + "/malformed.pem" }
    public var malformedKey: String { directory + "/malformed.key" }

    /// Removed at process exit: the keys must not outlive the test run.
    private static let directoryToRemove = Locked<String>("")

    public static let shared: TestPKI = {
        do { return try TestPKI.generate() } catch { fatalError("cannot create the test PKI: \(error)") }
    }()

    /// Server TLS with client certificates verified against the test CA.
    public func serverTLS(askForClientCertificates: Bool = true) -> TLSConfiguration {
        TLSConfiguration(certificateChain: .file(serverCertificate), privateKey: .file(serverKey),
                         clientCertificateAuthorities: askForClientCertificates ? .file(caCertificate) : nil)
    }

    public func bytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    private static func generate() throws -> TestPKI {
        let directory = NSTemporaryDirectory() + "ura-http-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let pki = TestPKI(directory: directory)
        TestPKI.directoryToRemove.set(directory)
        atexit { try? FileManager.default.removeItem(atPath: TestPKI.directoryToRemove.value) }
        func openssl(_ arguments: [String]) throws {
            let result = try runProcess("/usr/bin/openssl", arguments)
            guard result.status == 0 else {
                throw TestFailure("openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(result.standardError)")
            }
        }
        func key(_ name: String) throws {
            let path = "\(directory)/\(name).key"
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        func authority(_ name: String, _ commonName: String) throws {
            try key(name)
            try openssl(["req", "-x509", "-new", "-key", "\(directory)/\(name).key", "-subj", "/CN=\(commonName)",
                         "-days", "3650", "-out", "\(directory)/\(name).pem",
                         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        }
        func leaf(_ name: String, _ commonName: String, issuer: String, extensions: String) throws {
            try key(name)
            try openssl(["req", "-new", "-key", "\(directory)/\(name).key", "-subj", "/CN=\(commonName)",
                         "-out", "\(directory)/\(name).csr"])
            try openssl(["x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", "\(directory)/\(issuer).pem",
                         "-CAkey", "\(directory)/\(issuer).key", "-set_serial", "\(Int.random(in: 1000...999_999))",
                         "-days", "365", "-out", "\(directory)/\(name).pem", "-extfile", "\(directory)/\(extensions)"])
        }
        try write("server.ext", "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try write("client.ext", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n")
        try write("malformed.ext", "basicConstraints=DER:30:03:01:01\nextendedKeyUsage=clientAuth\n")
        try authority("ca", "Ura Test CA")
        try authority("other-ca", "Some Other CA")
        try leaf("server", "localhost", issuer: "ca", extensions: "server.ext")
        try leaf("client", "al.police.test", issuer: "ca", extensions: "client.ext")
        try leaf("stranger", "al.stranger.test", issuer: "other-ca", extensions: "client.ext")
        try leaf("malformed", "al.malformed.test", issuer: "ca", extensions: "malformed.ext")

        // `openssl ca` is the CLI way to pick validity dates in the past.
        try FileManager.default.createDirectory(atPath: "\(directory)/issued", withIntermediateDirectories: true)
        try write("index.txt", "")
        try write("ca.cnf", """
            [ca]
            default_ca = test
            [test]
            database = \(directory)/index.txt
            new_certs_dir = \(directory)/issued
            serial = \(directory)/serial
            default_md = sha256
            policy = anything
            copy_extensions = none
            [anything]
            commonName = supplied
            """)
        try write("serial", "1000\n")
        try key("expired")
        try openssl(["req", "-new", "-key", "\(directory)/expired.key", "-subj", "/CN=al.expired.test", "-out", "\(directory)/expired.csr"])
        try openssl(["ca", "-batch", "-config", "\(directory)/ca.cnf", "-cert", "\(directory)/ca.pem", "-keyfile", "\(directory)/ca.key",
                     "-startdate", "20200101000000Z", "-enddate", "20210101000000Z", "-notext",
                     "-extfile", "\(directory)/client.ext", "-in", "\(directory)/expired.csr", "-out", "\(directory)/expired.pem"])
        return pki
    }
}
