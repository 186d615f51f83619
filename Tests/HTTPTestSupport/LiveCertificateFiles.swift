import Foundation

/// A copy of a certificate and its key in a private directory, which a test replaces as `ura admin
/// renew-tls` would (TLS reload of the server, a client's renewed certificate). Removed with it.
public final class LiveCertificateFiles: Sendable {
    public let directory = NSTemporaryDirectory() + "ura-tls-reload-\(UUID().uuidString)"
    public var certificate: String { directory + "/live.pem" }
    public var key: String { directory + "/live.key" }

    /// A copy of `certificate` and `key` (the test server's by default).
    public init(_ pki: TestPKI, certificate from: String? = nil, key fromKey: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.copyItem(atPath: from ?? pki.serverCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: fromKey ?? pki.serverKey, toPath: key)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// A new P-256 key and a certificate from the test CA (by default a server's, for localhost
    /// and 127.0.0.1), written in place of the live pair (each file by rename, as `ura admin
    /// renew-tls` does). Blocking: call it through `blocking`.
    public func renew(_ pki: TestPKI, commonName: String = "localhost", extensions: String = "server.ext") throws {
        let staged = directory + "/staged"
        try Self.openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", staged + ".key"])
        try Self.openssl(["req", "-new", "-key", staged + ".key", "-subj", "/CN=\(commonName)", "-out", staged + ".csr"])
        try Self.openssl(["x509", "-req", "-in", staged + ".csr", "-CA", pki.caCertificate, "-CAkey", pki.directory + "/ca.key",
                          "-set_serial", "\(Int.random(in: 1_000_000...9_999_999))", "-days", "30",
                          "-out", staged + ".pem", "-extfile", pki.directory + "/" + extensions])
        guard rename(staged + ".key", key) == 0, rename(staged + ".pem", certificate) == 0 else {
            throw TestFailure("cannot move the renewed files into place: \(String(cString: strerror(errno)))")
        }
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runProcess("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed: \(result.standardError)") }
    }
}
