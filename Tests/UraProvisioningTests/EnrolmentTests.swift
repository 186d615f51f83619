import Foundation
import Testing
import UraCrypto
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// `Enrolment`: the certificate issued by the gateway's CA and the agency's entry in the directory,
/// written certificate first and directory second; what cannot be enrolled changes nothing.
@Suite(.offThePool) struct EnrolmentTests {
    let shelter = AgencyID(validated: "al.shelter.new-home")

    /// A gateway from `initialise`, and an agency's keys and certificate request.
    func gatewayAndAgency(_ folder: TemporaryFolder, agency: AgencyID? = nil) throws -> (data: URL, keys: AgencyKeys, request: CertificateSigningRequest) {
        let data = folder.path("data")
        _ = try GatewayProvisioning.initialise(in: data, gatewayID: AgencyID(validated: "al.test.gateway"), name: "Porta", hosts: [try HostName("localhost")],
                                               now: provisioningTime)
        let keys = try AgencyKeys.generate(in: folder.path("agency-\(UUID().uuidString)"), agency: agency ?? shelter)
        return (data, keys, try keys.certificateRequest(for: agency ?? shelter))
    }

    @Test func aNewAgencyIsListedWithItsKeysAndCertificate() throws {
        let folder = TemporaryFolder()
        let (data, keys, request) = try gatewayAndAgency(folder)
        let later = provisioningTime.addingTimeInterval(3_600)
        let out = folder.path("shelter.crt")
        let enrolled = try Enrolment(kind: .shelter, name: "Shtëpia e Re").apply(request: request, keys: keys.publicKeys, in: data, certificateFile: out,
                                                                                 now: later)
        #expect(!enrolled.isReEnrolment && enrolled.directoryVersion == 2 && enrolled.certificateFile == out)

        let directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        #expect(directory.version == 2 && directory.issued == later && enrolled.gatewaySigningKeyIDs == directory.gateway.keys.map(\.kid))
        let agency = try #require(directory[shelter])
        #expect(agency == enrolled.agency && agency.kind == .shelter && agency.status == .active && agency.delivery == .pull)
        #expect(agency.keys.map(\.kid) == [keys.signing.keyID, keys.encryption.keyID])
        let certificate = try Certificate(pem: String(contentsOf: try #require(enrolled.certificateFile), encoding: .utf8))
        #expect(agency.certificates == [CertificatePin(sha256: certificate.sha256Fingerprint)])
        #expect(certificate.subjectCommonName == shelter.rawValue && certificate.notBefore == later.addingTimeInterval(-300))
        #expect(certificate.isIssued(by: try GatewayProvisioning.certificateAuthority(in: data).certificate))
    }

    /// What `ura admin init` prints next — `ura admin enrol` without `--out` — works on a gateway
    /// it just made, which has no agencies/ folder yet.
    @Test func theFirstEnrolmentAfterInitWritesTheCertificateUnderAgencies() throws {
        let folder = TemporaryFolder()
        let (data, keys, request) = try gatewayAndAgency(folder)
        let enrolled = try Enrolment(kind: .shelter, name: "Shtëpia e Re").apply(request: request, keys: keys.publicKeys, in: data, now: provisioningTime)
        let file = data.appendingPathComponent("agencies/\(shelter).crt")
        #expect(enrolled.certificateFile?.path == file.path && FileManager.default.fileExists(atPath: file.path))
        #expect(try mode(data.appendingPathComponent("agencies")) == 0o700)
    }

    @Test func aReEnrolmentRetiresTheOldKeysAndKeepsTheOldPin() throws {
        let folder = TemporaryFolder()
        let (data, first, request) = try gatewayAndAgency(folder)
        let old = try Enrolment(kind: .shelter, name: "Shtëpia e Re").apply(request: request, keys: first.publicKeys, in: data,
                                                                            certificateFile: folder.path("old.crt"), now: provisioningTime)
        let second = try AgencyKeys.generate(in: folder.path("again"), agency: shelter)
        let later = provisioningTime.addingTimeInterval(86_400)
        let again = try Enrolment(kind: .shelter).apply(request: try second.certificateRequest(for: shelter), keys: second.publicKeys, in: data,
                                                        certificateFile: folder.path("new.crt"), now: later)
        #expect(again.isReEnrolment && again.directoryVersion == 3 && again.agency.name == "Shtëpia e Re")
        #expect(again.agency.keys.filter { $0.notAfter == later }.map(\.kid) == [first.signing.keyID, first.encryption.keyID])
        #expect(again.agency.keys.filter { $0.notAfter == nil }.map(\.kid) == [second.signing.keyID, second.encryption.keyID])
        #expect(again.agency.certificates == old.agency.certificates + [CertificatePin(sha256: again.certificate.sha256Fingerprint)])
        #expect(again.changes.contains { $0.hasPrefix("keys retired") } && again.changes.contains { $0.hasPrefix("older certificates still accepted: 1") })
    }

    /// Refusals are decided before anything is written: the directory and the agencies folder stay as they were.
    @Test func whatCannotBeEnrolledChangesNothing() throws {
        let folder = TemporaryFolder()
        let (data, keys, request) = try gatewayAndAgency(folder)
        _ = try Enrolment(kind: .shelter, name: "Shtëpia e Re").apply(request: request, keys: keys.publicKeys, in: data,
                                                                      certificateFile: folder.path("shelter.crt"), now: provisioningTime)
        let before = contents(data)
        let other = try AgencyKeys.generate(in: folder.path("other"), agency: AgencyID(validated: "al.police.other"))
        let newcomer = AgencyID(validated: "al.police.newcomer")
        let cases: [(Enrolment, CertificateSigningRequest, KeysFile, URL?, ProvisioningError.Kind, String)] = [
            (Enrolment(kind: .police), request, keys.publicKeys, nil, .invalidArgument, "kind: \(shelter) is enrolled as shelter, not police"),
            (Enrolment(kind: .shelter, name: " "), request, keys.publicKeys, nil, .invalidArgument, "name must not be empty"),
            (Enrolment(kind: .police), try other.certificateRequest(for: newcomer), KeysFile(agency: nil, signing: other.signing.publicKey,
             encryption: other.encryption.publicKey), nil, .invalidArgument, "name is required to enrol \(newcomer)"),
            (Enrolment(kind: .shelter), request, other.publicKeys, nil, .invalidInput, "keys.json is for al.police.other but the request is for \(shelter)"),
            (Enrolment(kind: .shelter), request, keys.publicKeys, folder.path("missing/folder/new.crt"), .io, "nothing was enrolled"),
        ]
        for (enrolment, request, keys, out, kind, sentence) in cases {
            #expect {
                _ = try enrolment.apply(request: request, keys: keys, in: data, certificateFile: out, now: provisioningTime.addingTimeInterval(60))
            } throws: { error in
                (error as? ProvisioningError)?.kind == kind && "\(error)".contains(sentence)
            }
            #expect(contents(data) == before, "\(sentence)")
        }
    }

    /// A key the directory retired is not taken back by a re-enrolment with the same keys.json.
    @Test func aRetiredKeyIsNotTakenBack() throws {
        let folder = TemporaryFolder()
        let (data, first, request) = try gatewayAndAgency(folder)
        var directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        let ca = try GatewayProvisioning.certificateAuthority(in: data)
        _ = try Enrolment(kind: .shelter, name: "Shtëpia").enrol(request, keys: first.publicKeys, into: &directory, authority: ca, now: provisioningTime)
        let second = try AgencyKeys.generate(in: folder.path("second"), agency: shelter)
        _ = try Enrolment(kind: .shelter).enrol(try second.certificateRequest(for: shelter), keys: second.publicKeys, into: &directory, authority: ca,
                                                now: provisioningTime.addingTimeInterval(60))
        let before = directory
        #expect {
            _ = try Enrolment(kind: .shelter).enrol(request, keys: first.publicKeys, into: &directory, authority: ca, now: provisioningTime.addingTimeInterval(120))
        } throws: { error in
            (error as? ProvisioningError)?.kind == .invalidInput && "\(error)".contains("a retired key is not taken back")
        }
        #expect(directory == before)
    }
}
