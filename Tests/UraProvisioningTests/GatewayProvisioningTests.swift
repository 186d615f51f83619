import Foundation
import Testing
import UraCrypto
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// `GatewayProvisioning`: a new gateway's files in the layout urad expects, private keys readable by
/// the owner only, never replacing a gateway; a TLS renewal that changes the TLS files and nothing else.
@Suite(.offThePool) struct GatewayProvisioningTests {
    let gatewayID = AgencyID(validated: "al.test.gateway")

    func initialise(_ folder: TemporaryFolder) throws -> GatewayProvisioning.Initialised {
        try GatewayProvisioning.initialise(in: folder.url, gatewayID: gatewayID, name: "Porta",
                                           hosts: [try HostName("gateway.example.al"), try HostName("10.0.0.5")], now: provisioningTime)
    }

    @Test func aNewGatewayHasItsFilesInPlaceAndItsKeysOwnerOnly() throws {
        let folder = TemporaryFolder()
        let made = try initialise(folder)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted() == ["ca", "directory.json", "gateway"])
        for key in ["ca/ca.key", "gateway/signing.key", "gateway/tls.key"] { #expect(try mode(folder.path(key)) == 0o600, "\(key)") }
        for inner in ["", "ca", "gateway"] { #expect(try mode(folder.path(inner)) == 0o700, "\(inner)") }

        let directory = try DirectoryFile.read(folder.path("directory.json"))
        #expect(directory == made.directory && directory.version == 1 && directory.agencies.isEmpty && directory.issued == provisioningTime)
        #expect(directory.gateway.id == gatewayID && directory.gateway.keys.map(\.kid) == [made.signingKeyID])
        #expect(try SigningKey(contentsOfFile: folder.path("gateway/signing.key").path).keyID == made.signingKeyID)

        let tls = try Certificate(pem: String(contentsOf: folder.path("gateway/tls.crt"), encoding: .utf8))
        let ca = try Certificate(pem: String(contentsOf: folder.path("ca/ca.crt"), encoding: .utf8))
        #expect(tls.isIssued(by: ca) && tls.subjectCommonName == gatewayID.rawValue && ca.subjectCommonName == "Porta CA")
        #expect(tls.sha256Fingerprint == made.tlsCertificate.sha256Fingerprint && ca.sha256Fingerprint == made.authority.sha256Fingerprint)
        #expect(tls.notBefore == provisioningTime.addingTimeInterval(-300))
    }

    @Test func anExistingGatewayIsNeverReplaced() throws {
        let folder = TemporaryFolder()
        _ = try initialise(folder)
        let before = contents(folder.url)
        #expect { _ = try initialise(folder) } throws: { error in
            (error as? ProvisioningError)?.kind == .exists && "\(error)".contains("exists already")
        }
        #expect(contents(folder.url) == before)
    }

    @Test(arguments: ["not a name", "", "gateway_1.example.al"])
    func aHostThatIsNeitherADNSNameNorAnAddressIsRefused(_ text: String) {
        #expect { _ = try HostName(text) } throws: { error in
            (error as? ProvisioningError)?.kind == .invalidArgument && "\(error)".hasPrefix("host: ")
        }
    }

    @Test func renewingTheTLSCertificateChangesTheTLSFilesOnly() throws {
        let folder = TemporaryFolder()
        _ = try initialise(folder)
        let before = contents(folder.url)
        let later = provisioningTime.addingTimeInterval(600 * 86_400)
        let renewed = try GatewayProvisioning.renewTLS(in: folder.url, hosts: [try HostName("ura.example.al")], now: later)
        let after = contents(folder.url)
        #expect(Set(after.keys) == Set(before.keys))
        #expect(after.filter { before[$0.key] != $0.value }.keys.sorted() == ["gateway/tls.crt", "gateway/tls.key"])
        #expect(try mode(folder.path("gateway/tls.key")) == 0o600)
        let served = try Certificate(pem: String(contentsOf: folder.path("gateway/tls.crt"), encoding: .utf8))
        #expect(served.sha256Fingerprint == renewed.sha256Fingerprint && served.notBefore == later.addingTimeInterval(-300))
        #expect(served.isIssued(by: try Certificate(pem: String(contentsOf: folder.path("ca/ca.crt"), encoding: .utf8))))
    }

    @Test func renewingWhereNoGatewayWasSetUpChangesNothing() throws {
        let folder = TemporaryFolder()
        #expect { _ = try GatewayProvisioning.renewTLS(in: folder.url, hosts: [try HostName("localhost")], now: provisioningTime) } throws: { error in
            (error as? ProvisioningError)?.kind == .notSetUp && "\(error)".contains("ura admin init")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.url.path))
    }
}
