import Foundation

/// SHA-256 certificate fingerprints as the `openssl` CLI computes them, in lowercase hex without
/// colons (as `PeerCertificate` and `ServedCertificate` give them). Blocking: call them off the
/// cooperative pool.
public enum OpenSSLFingerprint {
    /// The fingerprint of the certificate in a PEM file (`openssl x509 -fingerprint -sha256`).
    public static func ofCertificateFile(_ path: String) throws -> String {
        hex(fromOpenSSLLine: String(decoding: try ChildProcess.run("/usr/bin/openssl", ["x509", "-in", path, "-noout", "-fingerprint", "-sha256"]).output,
                                    as: UTF8.self))
    }

    /// The fingerprint of the certificate a new TLS connection to 127.0.0.1:`port` is served (SNI
    /// localhost), as `openssl s_client` receives it; nil unless it verifies against `caFile`.
    public static func served(port: Int, caFile: String) throws -> String? {
        let result = try ChildProcess.run("/bin/sh", ["-c", """
            openssl s_client -connect 127.0.0.1:\(port) -servername localhost -CAfile '\(caFile)' -verify_return_error </dev/null 2>/dev/null \
            | openssl x509 -noout -fingerprint -sha256
            """])
        return result.status == 0 ? hex(fromOpenSSLLine: String(decoding: result.output, as: UTF8.self)) : nil
    }

    /// "sha256 Fingerprint=AB:CD:…" → "abcd…".
    public static func hex(fromOpenSSLLine line: String) -> String {
        (line.split(separator: "=").last.map(String.init) ?? "")
            .replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
