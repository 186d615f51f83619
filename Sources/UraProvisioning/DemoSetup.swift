import Foundation
import UraCrypto
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol

/// Creates a working demo in a data directory on first run: a local certificate authority, the
/// gateway's signing key and TLS certificate, and a directory of demo agencies, each with its own
/// signing and encryption keys, client certificate and `ura` profile. Private keys are written
/// 0600 into 0700 directories. Never used in production: there the CA key stays offline.
public enum DemoSetup {
    public struct DemoAgency: Sendable {
        public let id: String
        public let kind: AgencyKind
        public let name: String
        public let county: County
        public let parent: String?
    }

    public static let agencies: [DemoAgency] = [
        DemoAgency(id: "al.mpb.secretariat", kind: .secretariat, name: "Sekretariati Teknik i AP-së (MPB)", county: .tirane, parent: nil),
        DemoAgency(id: "al.police.dvp-tirane", kind: .police, name: "Drejtoria Vendore e Policisë Tiranë", county: .tirane, parent: nil),
        DemoAgency(id: "al.border.drkm-durres", kind: .border, name: "Drejtoria Rajonale e Kufirit dhe Migracionit Durrës", county: .durres, parent: nil),
        DemoAgency(id: "al.shssh.tirane", kind: .social, name: "Shërbimi Social Shtetëror, Zyra Rajonale Tiranë", county: .tirane, parent: nil),
        DemoAgency(id: "al.ashdmf.tirane", kind: .child, name: "ASHDMF, Njësia e Mbrojtjes së Fëmijëve Tiranë", county: .tirane, parent: nil),
        DemoAgency(id: "al.mepj", kind: .foreign, name: "Ministria për Evropën dhe Punët e Jashtme", county: .tirane, parent: nil),
        DemoAgency(id: "al.mepj.mission.gr-athens", kind: .mission, name: "Ambasada e Shqipërisë në Athinë", county: .tirane, parent: "al.mepj"),
        DemoAgency(id: "al.mepj.mission.it-rome", kind: .mission, name: "Ambasada e Shqipërisë në Romë", county: .tirane, parent: "al.mepj"),
        DemoAgency(id: "al.shelter.qkpvt", kind: .shelter, name: "Qendra Kombëtare e Pritjes së Viktimave të Trafikimit", county: .tirane, parent: nil),
        DemoAgency(id: "al.shelter.tjeter-vizion", kind: .shelter, name: "Tjetër Vizion, Elbasan", county: .elbasan, parent: nil),
        // A regional anti-trafficking committee: its certificate reads /v1/stats and nothing else.
        DemoAgency(id: "al.krat.tirane", kind: .committee, name: "Komiteti Rajonal Kundër Trafikimit, Tiranë", county: .tirane, parent: nil),
    ]

    /// The certificate authority a demo keeps in `directory` (`ca/ca.crt` and `ca/ca.key`).
    public static func authority(in directory: URL) throws -> CertificateAuthority {
        CertificateAuthority(certificate: try Certificate(pem: try String(contentsOf: directory.appendingPathComponent("ca/ca.crt"), encoding: .utf8)),
                             key: try SigningKey(contentsOfFile: directory.appendingPathComponent("ca/ca.key").path))
    }

    /// TLS for a demo agency's own HTTPS push endpoint on this machine: a server certificate for
    /// 127.0.0.1 and localhost from the demo's CA, asking the gateway for a certificate from it.
    public static func pushEndpointTLS(in directory: URL, agency: String) throws -> TLSConfiguration {
        let tls = try authority(in: directory).issue(commonName: agency, usage: .server, subjectAlternativeNames: ["IP:127.0.0.1", "DNS:localhost"])
        return TLSConfiguration(certificateChain: .bytes(Array(tls.certificate.pem.utf8)), privateKey: .bytes(Array(try tls.key.pkcs8PEM().utf8)),
                                clientCertificateAuthorities: .file(directory.appendingPathComponent("ca/ca.crt").path))
    }

    /// True when `directory` already holds a demo.
    public static func exists(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("directory.json").path)
    }

    /// Creates the demo under `directory` (which must not hold one yet). `gatewayURL` goes into the
    /// agencies' `ura` profiles.
    public static func create(in directory: URL, gatewayID: AgencyID, gatewayName: String, gatewayURL: String, now: Date = Date()) throws {
        let files = DemoFiles(root: directory)
        try files.makeDirectory("", mode: 0o700)
        try files.makeDirectory("ca", mode: 0o700)
        try files.makeDirectory("gateway", mode: 0o700)
        try files.makeDirectory("agencies", mode: 0o700)

        let caKey = try SigningKey.generate(.es256)
        let ca = try CertificateAuthority.create(commonName: "Ura demo CA", key: caKey, now: now)
        try caKey.writePrivateKey(to: files.path("ca/ca.key"))
        try files.write("ca/ca.crt", ca.certificate.pem)

        let gatewayKey = try SigningKey.generate(.eddsa)
        try gatewayKey.writePrivateKey(to: files.path("gateway/signing.key"))
        try files.write("gateway/signing.pub.json", gatewayKey.publicKey.jwk.serializedString(options: .prettyPrinted) + "\n")
        let tls = try ca.issue(commonName: gatewayID.rawValue, usage: .clientAndServer,
                               subjectAlternativeNames: ["DNS:localhost", "IP:127.0.0.1"], now: now)
        try tls.key.writePrivateKey(to: files.path("gateway/tls.key"))
        try files.write("gateway/tls.crt", tls.certificate.pem)

        var agencies: [Agency] = []
        for demo in Self.agencies {
            let id = try AgencyID(demo.id)
            let folder = "agencies/\(demo.id)"
            try files.makeDirectory(folder, mode: 0o700)
            let signing = try SigningKey.generate(.eddsa)
            let encryption = try AgreementPrivateKey.generate(.x25519)
            let client = try ca.issue(commonName: demo.id, usage: .client, now: now)
            try signing.writePrivateKey(to: files.path("\(folder)/signing.key"))
            try encryption.writePrivateKey(to: files.path("\(folder)/encryption.key"))
            try client.key.writePrivateKey(to: files.path("\(folder)/tls.key"))
            try files.write("\(folder)/tls.crt", client.certificate.pem)
            let profile: JSONValue = [
                "agency": .string(demo.id), "gateway": .string(gatewayURL), "ca": "../../ca/ca.crt",
                "certificate": "tls.crt", "private_key": "tls.key", "signing_key": "signing.key", "encryption_key": "encryption.key",
                "gateway_key": .string(gatewayKey.keyID), "state": "state",
            ]
            try files.write("\(folder)/profile.json", profile.serializedString(options: .prettyPrinted) + "\n")
            agencies.append(Agency(
                id: id, kind: demo.kind, name: demo.name, county: demo.county, parent: try demo.parent.map { try AgencyID($0) },
                keys: [DirectoryKey(kid: signing.keyID, use: .sig, jwk: signing.publicKey.jwk),
                       DirectoryKey(kid: encryption.keyID, use: .enc, jwk: encryption.publicKey.jwk)],
                certificates: [CertificatePin(sha256: client.certificate.sha256Fingerprint)]))
        }
        let directoryValue = try Directory(
            version: 1, issued: now,
            gateway: .init(id: gatewayID, name: gatewayName, keys: [DirectoryKey(kid: gatewayKey.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)]),
            agencies: agencies)
        try files.write("directory.json", try DirectoryFile.encode(directoryValue))
    }
}

/// Files of the demo, relative to its root.
package struct DemoFiles {
    package let root: URL

    package init(root: URL) { self.root = root }

    package func path(_ relative: String) -> String { relative.isEmpty ? root.path : root.appendingPathComponent(relative).path }

    package func makeDirectory(_ relative: String, mode: Int) throws {
        try FileManager.default.createDirectory(atPath: path(relative), withIntermediateDirectories: true, attributes: [.posixPermissions: mode])
    }

    package func write(_ relative: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path(relative)))
    }
}
