import Foundation
import UraCrypto
import UraHTTPCore
import UraModel
import UraProtocol

/// Creates a working demo in a data directory on first run: a local certificate authority, the
/// gateway's signing key and TLS certificate, and a directory of demo agencies, each with its own
/// keys (and keys.json), client certificate and `ura` profile — made by the same functions as a
/// production gateway's. Never used in production: there the CA key stays offline.
public enum DemoSetup {
    public struct DemoAgency: Sendable {
        public let id: String
        public let kind: AgencyKind
        public let name: String
        public let county: County?
        public let parent: String?

        public init(id: String, kind: AgencyKind, name: String, county: County?, parent: String?) {
            self.id = id
            self.kind = kind
            self.name = name
            self.county = county
            self.parent = parent
        }
    }

    /// A neighbouring country's demo agencies (`scripts/demo-federation`: Kosovo's gateway).
    public static let kosovoAgencies: [DemoAgency] = [
        DemoAgency(id: "xk.mpb.secretariat", kind: .secretariat, name: "Zyra e Koordinatorit Kombëtar kundër Trafikimit", county: nil, parent: nil),
        DemoAgency(id: "xk.social.prishtine", kind: .social, name: "Qendra për Punë Sociale Prishtinë", county: nil, parent: nil),
        DemoAgency(id: "xk.police.prishtine", kind: .police, name: "Policia e Kosovës, Drejtoria e Trafikimit", county: nil, parent: nil),
        DemoAgency(id: "xk.shelter.prishtine", kind: .shelter, name: "Strehimorja Shtetërore Prishtinë", county: nil, parent: nil),
    ]

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

    /// The demo agencies of the gateway `gatewayID`: Kosovo's for a gateway of Kosovo (`xk.…`, as
    /// `scripts/demo-federation` starts it), Albania's otherwise.
    public static func agencies(for gatewayID: AgencyID) -> [DemoAgency] {
        gatewayID.rawValue.hasPrefix("xk.") ? kosovoAgencies : agencies
    }

    /// The certificate authority a demo keeps in `directory` (`ca/ca.crt` and `ca/ca.key`).
    public static func authority(in directory: URL) throws(ProvisioningError) -> CertificateAuthority {
        try GatewayProvisioning.certificateAuthority(in: directory)
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

    /// Creates the demo under `directory` (which must not hold one yet) the way an operator sets up
    /// a gateway: `ura admin init`, then per agency `ura keys generate`, a certificate request and
    /// `ura admin enrol`, and a `ura` profile naming `gatewayURL`. All of it is made in a staging
    /// folder and moved into place at the end, the directory (version 1) last.
    @discardableResult
    public static func create(in directory: URL, gatewayID: AgencyID, gatewayName: String, gatewayURL: String,
                              agencies: [DemoAgency] = DemoSetup.agencies, now: Date = Date()) throws(ProvisioningError) -> [Enrolled] {
        let layout = ["ca", "gateway", "agencies", "directory.json"]
        try Staging.refuseExisting(layout, in: directory, "a demo is created only where there is none")
        let staging = try Staging(in: directory, purpose: "demo")
        defer { staging.discard() }
        let gateway = try GatewayProvisioning.makeGateway(in: staging, gatewayID: gatewayID, name: gatewayName, authorityName: "Ura demo CA",
                                                          hosts: [try HostName("localhost"), try HostName("127.0.0.1")], now: now)
        var directoryValue = gateway.initialised.directory
        var enrolled: [Enrolled] = []
        for demo in agencies {
            let id = AgencyID(validated: demo.id)
            let folder = "agencies/\(demo.id)"
            let keys = try AgencyKeys.generate(in: staging.url(folder), agency: id)
            let enrolment = Enrolment(kind: demo.kind, name: demo.name, county: demo.county, parent: demo.parent.map { AgencyID(validated: $0) })
            let agency = try enrolment.enrol(try keys.certificateRequest(for: id), keys: keys.publicKeys, into: &directoryValue,
                                             authority: gateway.authority, now: now)
            let profile = ProfileFile(agency: id, gateway: gatewayURL, ca: "../../ca/ca.crt", certificate: "tls.crt", privateKey: "tls.key",
                                      signingKey: "signing.key", encryptionKey: "encryption.key", gatewayKeys: [gateway.initialised.signingKeyID],
                                      state: "state")
            do {
                try staging.write(agency.certificate.pem, to: "\(folder)/tls.crt")
                try profile.write(to: staging.url("\(folder)/profile.json"))
            } catch {
                throw ProvisioningError(.io, "could not create \(demo.id)'s files: \(error)")
            }
            enrolled.append(agency)
        }
        try GatewayProvisioning.writeDirectory(directoryValue, in: staging)
        try staging.commit(layout)
        return enrolled
    }
}
