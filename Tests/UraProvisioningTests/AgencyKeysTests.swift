import Foundation
import Testing
import UraCrypto
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// `AgencyKeys`: what `ura keys generate` and `ura cert request` write — private keys owner-only,
/// keys.json with the public halves, a request naming the agency — and never over existing files.
@Suite(.offThePool) struct AgencyKeysTests {
    let agency = AgencyID(validated: "al.police.dvp-shkoder")

    @Test func generatedKeysArePrivateAndKeysJSONHoldsTheirPublicHalves() throws {
        let folder = TemporaryFolder()
        let keys = try AgencyKeys.generate(in: folder.path("keys"), agency: agency)
        let out = folder.path("keys")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["encryption.key", "keys.json", "signing.key", "tls.key"])
        #expect(try mode(out) == 0o700)
        for key in ["signing.key", "encryption.key", "tls.key"] { #expect(try mode(out.appendingPathComponent(key)) == 0o600, "\(key)") }
        let file = try KeysFile.read(out.appendingPathComponent("keys.json"))
        #expect(file.agency == agency && file.signing.thumbprint == keys.signing.keyID && file.encryption.thumbprint == keys.encryption.keyID)
        #expect(try SigningKey(contentsOfFile: out.appendingPathComponent("signing.key").path).keyID == keys.signing.keyID)
        #expect(try String(contentsOf: out.appendingPathComponent("keys.json"), encoding: .utf8).contains("\"d\"") == false)
    }

    @Test func generatingIntoAFolderWithKeysRefusesAndKeepsThem() throws {
        let folder = TemporaryFolder()
        _ = try AgencyKeys.generate(in: folder.url, agency: nil)
        let before = contents(folder.url)
        #expect { _ = try AgencyKeys.generate(in: folder.url, agency: agency) } throws: { error in
            (error as? ProvisioningError)?.kind == .io && "\(error)".contains("use an empty folder")
        }
        #expect(contents(folder.url) == before)
    }

    @Test func aCertificateRequestNamesTheAgencyAndIsNeverOverwritten() throws {
        let folder = TemporaryFolder()
        let keys = try AgencyKeys.generate(in: folder.url, agency: agency)
        let out = folder.path("agency.csr")
        let request = try AgencyKeys.requestCertificate(for: agency, keyFile: folder.path("tls.key"), writingTo: out)
        let written = try CertificateSigningRequest(pem: String(contentsOf: out, encoding: .utf8))
        #expect(written.commonName == agency.rawValue && written.spkiSHA256 == request.spkiSHA256)
        #expect(written.spkiSHA256 == (try keys.certificateRequest(for: agency)).spkiSHA256)
        #expect { _ = try AgencyKeys.requestCertificate(for: agency, keyFile: folder.path("tls.key"), writingTo: out) } throws: { error in
            (error as? ProvisioningError)?.kind == .io
        }
        #expect { _ = try AgencyKeys.requestCertificate(for: agency, keyFile: folder.path("keys.json"), writingTo: folder.path("other.csr")) } throws: { error in
            (error as? ProvisioningError)?.kind == .invalidInput && "\(error)".contains("keys.json")
        }
    }
}
