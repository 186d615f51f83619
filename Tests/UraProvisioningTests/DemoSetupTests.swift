import Foundation
import Testing
import UraCrypto
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// The demo is a gateway set up as an operator would — init, then per agency keys, request,
/// enrolment — plus a `ura` profile per agency that names the files the agency was given.
@Suite(.offThePool) struct DemoSetupTests {
    @Test func everyDemoAgencyIsEnrolledWithTheFilesItsProfileNames() throws {
        let folder = TemporaryFolder()
        let data = folder.path("data")
        #expect(!DemoSetup.exists(in: data))
        let enrolled = try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura",
                                            gatewayURL: "https://127.0.0.1:1", now: provisioningTime)
        #expect(DemoSetup.exists(in: data))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted() == ["agencies", "ca", "directory.json", "gateway"])
        let directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        #expect(directory.version == 1 && directory.issued == provisioningTime)
        #expect(directory.agencies.map(\.id.rawValue) == DemoSetup.agencies.map(\.id) && enrolled.map(\.agency) == directory.agencies)
        let ca = try DemoSetup.authority(in: data).certificate
        #expect(ca.subjectCommonName == "Ura demo CA")
        #expect(try mode(data.appendingPathComponent("agencies")) == 0o700)

        for demo in DemoSetup.agencies {
            let files = data.appendingPathComponent("agencies/\(demo.id)")
            let agency = try #require(directory[AgencyID(validated: demo.id)])
            #expect(agency.kind == demo.kind && agency.name == demo.name && agency.county == demo.county && agency.parent?.rawValue == demo.parent)
            #expect(try mode(files) == 0o700)
            for key in ["signing.key", "encryption.key", "tls.key"] { #expect(try mode(files.appendingPathComponent(key)) == 0o600, "\(demo.id)/\(key)") }

            let profile = try ProfileFile.read(files.appendingPathComponent("profile.json"))
            #expect(profile.agency == agency.id && profile.gateway == "https://127.0.0.1:1" && profile.gatewayKeys == directory.gateway.keys.map(\.kid))
            func file(_ path: String) -> URL { files.appendingPathComponent(path).standardized }
            let certificate = try Certificate(pem: String(contentsOf: file(profile.certificate), encoding: .utf8))
            #expect(certificate.isIssued(by: ca) && certificate.subjectCommonName == demo.id && certificate.notBefore == provisioningTime.addingTimeInterval(-300))
            #expect(agency.certificates == [CertificatePin(sha256: certificate.sha256Fingerprint)])
            #expect(try Certificate(pem: String(contentsOf: file(profile.ca), encoding: .utf8)).sha256Fingerprint == ca.sha256Fingerprint)
            #expect(try SigningKey(contentsOfFile: file(profile.privateKey).path).publicKey.spkiPEM()
                    == (try SigningKey(contentsOfFile: files.appendingPathComponent("tls.key").path)).publicKey.spkiPEM())
            #expect(agency.keys.map(\.kid) == [try SigningKey(contentsOfFile: file(profile.signingKey).path).keyID,
                                               try AgreementPrivateKey(contentsOfFile: file(profile.encryptionKey).path).keyID])
        }
    }

    @Test func aDemoIsNotCreatedOverAnother() throws {
        let folder = TemporaryFolder()
        try DemoSetup.create(in: folder.url, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1",
                             now: provisioningTime)
        let before = contents(folder.url)
        #expect { try DemoSetup.create(in: folder.url, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura",
                                       gatewayURL: "https://127.0.0.1:1", now: provisioningTime) } throws: { error in
            (error as? ProvisioningError)?.kind == .exists
        }
        #expect(contents(folder.url) == before)
    }
}
