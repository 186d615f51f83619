import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// Every file Ura writes — the demo's, `ura admin init`'s, `ura keys generate`'s — is valid
/// against its schema in `Schemas/files/`, so that what the docs promise is what the code writes.
@Suite(.offThePool) struct FileSchemaTests {
    @Test func everyFileTheDemoWritesMatchesItsSchema() throws {
        let folder = TemporaryFolder()
        let data = folder.path("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1",
                             now: provisioningTime)
        #expect(try FileSchemas.problems(of: data.appendingPathComponent("directory.json"), against: "directory").isEmpty)
        for agency in DemoSetup.agencies {
            let files = data.appendingPathComponent("agencies/\(agency.id)")
            for (file, schema) in [("profile.json", "profile"), ("keys.json", "keys")] {
                let problems = try FileSchemas.problems(of: files.appendingPathComponent(file), against: schema)
                #expect(problems.isEmpty, "\(agency.id)/\(file): \(problems)")
            }
        }
    }

    @Test func theDirectoryInitWritesMatchesItsSchema() throws {
        let folder = TemporaryFolder()
        _ = try GatewayProvisioning.initialise(in: folder.url, gatewayID: AgencyID(validated: "al.test.gateway"), name: "Porta e provës",
                                               hosts: [try HostName("gateway.example.al")], now: provisioningTime)
        #expect(try FileSchemas.problems(of: folder.path("directory.json"), against: "directory").isEmpty)
    }

    @Test(arguments: [nil, AgencyID(validated: "al.police.dvp-shkoder")])
    func theKeysFileKeysGenerateWritesMatchesItsSchema(_ agency: AgencyID?) throws {
        let folder = TemporaryFolder()
        _ = try AgencyKeys.generate(in: folder.url, agency: agency)
        let problems = try FileSchemas.problems(of: folder.path("keys.json"), against: "keys")
        #expect(problems.isEmpty, "\(problems)")
    }

    /// A profile that pins two gateway keys and sets its clock skew: written as the schema says,
    /// read back the same.
    @Test func aProfileWithEveryFieldRoundTripsAndMatchesItsSchema() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        let profile = ProfileFile(agency: AgencyID(validated: "al.mpb.secretariat"), gateway: "https://ura.example.al:8443", ca: "/etc/ura/ca.crt",
                                  certificate: "tls.crt", privateKey: "tls.key", signingKey: "signing.key", encryptionKey: "encryption.key",
                                  gatewayKeys: ["old-kid", "new-kid"], state: "state", clockSkewSeconds: 900)
        let file = folder.path("profile.json")
        try profile.write(to: file)
        #expect(try ProfileFile.read(file) == profile)
        #expect(try FileSchemas.problems(of: file, against: "profile").isEmpty)
    }
}
