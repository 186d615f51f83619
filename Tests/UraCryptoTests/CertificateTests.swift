import Foundation
import UraBasics
import UraTestSupport
import Testing
@testable import UraCrypto
import UraTestTraits

/// X.509 checked against the openssl command line tool.
@Suite(.offThePool) struct CertificateTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ura-x509-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func openssl(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let result = try ChildProcess.run("/usr/bin/openssl", arguments, input: Array((input ?? "").utf8))
        return (result.status, String(decoding: result.output + result.errors, as: UTF8.self))
    }

    @Test func issuedClientCertificatesVerifyWithOpenSSLAndCarryTheRightFingerprints() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority.create(commonName: "Ura demo CA", key: try SigningKey.generate(.es256))
        let (_, client) = try ca.issue(commonName: "al.police.dvp-tirane", usage: .client)
        let caPath = try write("ca.pem", ca.certificate.pem)
        let clientPath = try write("client.pem", client.pem)

        let verify = try openssl(["verify", "-CAfile", caPath, "-purpose", "sslclient", clientPath])
        #expect(verify.status == 0 && verify.output.contains("OK"), "\(verify.output)")
        let serverPurpose = try openssl(["verify", "-CAfile", caPath, "-purpose", "sslserver", clientPath])
        #expect(serverPurpose.status != 0, "a client certificate must not pass as a server certificate")

        let fingerprint = try openssl(["x509", "-in", clientPath, "-noout", "-fingerprint", "-sha256"]).output
        #expect(fingerprint.lowercased().replacingOccurrences(of: ":", with: "").contains(client.sha256Fingerprint))
        let pubkey = try openssl(["x509", "-in", clientPath, "-noout", "-pubkey"]).output
        let spki = try openssl(["pkey", "-pubin", "-outform", "DER", "-out", dir.appendingPathComponent("spki.der").path], input: pubkey)
        #expect(spki.status == 0)
        let spkiDER = Array(try Data(contentsOf: dir.appendingPathComponent("spki.der")))
        #expect(Hex.encode(SHA256.hash(spkiDER)) == client.spkiSHA256)

        #expect(client.subjectCommonName == "al.police.dvp-tirane" && client.issuerCommonName == "Ura demo CA")
        #expect(client.isIssued(by: ca.certificate) && !ca.certificate.isIssued(by: client))
        #expect(client.notAfter.timeIntervalSinceNow > 365 * 86_400)
    }

    @Test func serverCertificatesCarryTheirAlternativeNames() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let ca = try CertificateAuthority.create(commonName: "Ura demo CA", key: try SigningKey.generate(.es256))
        let (_, server) = try ca.issue(commonName: "ura-gateway", usage: .clientAndServer, subjectAlternativeNames: ["DNS:localhost", "IP:127.0.0.1"])
        let path = try write("server.pem", server.pem)
        let text = try openssl(["x509", "-in", path, "-noout", "-ext", "subjectAltName,extendedKeyUsage,basicConstraints"]).output
        #expect(text.contains("DNS:localhost") && text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("TLS Web Server Authentication") && text.contains("TLS Web Client Authentication"))
        #expect(text.contains("CA:FALSE"))
        let caPath = try write("ca.pem", ca.certificate.pem)
        #expect(try openssl(["verify", "-CAfile", caPath, "-purpose", "sslserver", path]).status == 0)
    }

    @Test func requestsRoundTripWithOpenSSL() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        // Ours, checked by openssl.
        let ours = try CertificateSigningRequest.create(commonName: "al.mepj.mission.gr-athens", key: try SigningKey.generate(.es256))
        let oursPath = try write("ours.csr", ours.pem)
        let check = try openssl(["req", "-in", oursPath, "-noout", "-verify", "-subject"])
        #expect(check.status == 0 && check.output.contains("verify OK") && check.output.contains("al.mepj.mission.gr-athens"), "\(check.output)")

        // openssl's, read by us.
        let keyPath = dir.appendingPathComponent("k.pem").path
        let made = try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPath,
                                "-subj", "/CN=al.shelter.tjeter-vizion", "-out", dir.appendingPathComponent("theirs.csr").path])
        #expect(made.status == 0, "\(made.output)")
        let theirs = try CertificateSigningRequest(pem: String(contentsOf: dir.appendingPathComponent("theirs.csr"), encoding: .utf8))
        #expect(theirs.commonName == "al.shelter.tjeter-vizion")
        let ca = try CertificateAuthority.create(commonName: "Ura demo CA", key: try SigningKey.generate(.es256))
        let issued = try ca.issue(theirs, usage: .client)
        #expect(issued.spkiSHA256 == theirs.spkiSHA256)
        let caPath = try write("ca.pem", ca.certificate.pem)
        #expect(try openssl(["verify", "-CAfile", caPath, try write("issued.pem", issued.pem)]).status == 0)
    }

    @Test func tamperedRequestsAndGarbageAreRefused() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let request = try CertificateSigningRequest.create(commonName: "al.police.x", key: try SigningKey.generate(.es256))
        let body = request.pem.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var der = [UInt8](Data(base64Encoded: body)!)
        der[der.count / 2] ^= 0x01
        let tampered = "-----BEGIN CERTIFICATE REQUEST-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters) + "\n-----END CERTIFICATE REQUEST-----\n"
        #expect(throws: CryptoError.self) { try CertificateSigningRequest(pem: tampered) }
        #expect(throws: CryptoError.self) { try CertificateSigningRequest(pem: "hello") }
        #expect(throws: CryptoError.self) { try Certificate(pem: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }
    }
}
