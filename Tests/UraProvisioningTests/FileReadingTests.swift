import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// A keys file or profile that cannot be used is refused in one sentence that names the file and
/// the field, and the schema refuses it too: reader and schema say the same thing.
@Suite(.offThePool) struct FileReadingTests {
    static let signing = try! SigningKey.generate(.eddsa), encryption = try! AgreementPrivateKey.generate(.x25519)

    static let profile: JSONObject = [
        "agency": "al.mpb.secretariat", "gateway": "https://127.0.0.1:8443", "ca": "../../ca/ca.crt", "certificate": "tls.crt",
        "private_key": "tls.key", "signing_key": "signing.key", "encryption_key": "encryption.key", "gateway_key": "kid", "state": "state",
    ]
    static let keys: JSONObject = ["signing": signing.publicKey.jwk, "encryption": encryption.publicKey.jwk, "agency": "al.police.new"]

    /// Reads `text` written as `name` with `read`; the error it refused the file with and the
    /// file's path. The schema must refuse it too when it is JSON.
    func refusal(of text: String, as name: String, schema: String, _ read: (URL) throws -> Void) throws -> (error: FileError?, path: String) {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        let file = folder.path(name)
        try Data(text.utf8).write(to: file)
        if let json = try? JSONValue(parsing: text) {
            #expect(!(try FileSchemas.validator(schema).isValid(json)), "the schema accepts \(text)")
        }
        do { try read(file) } catch { return (error as? FileError, file.path) }
        return (nil, file.path)
    }

    static func changed(_ object: JSONObject, _ key: String, _ value: JSONValue?) -> String {
        var object = object
        object[key] = value
        return JSONValue.object(object).serializedString()
    }

    @Test(arguments: [
        (changed(profile, "gateway_key", nil), "has no gateway_key"),
        (changed(profile, "gateway_key", .number(5)), "has an invalid gateway_key"),
        (changed(profile, "gateway_key", []), "has an invalid gateway_key"),
        (changed(profile, "clock_skew_seconds", .number(1.5)), "has an invalid clock_skew_seconds"),
        (changed(profile, "clock_skew_seconds", .number(100_000)), "has an invalid clock_skew_seconds"),
        (changed(profile, "signing_key", nil), "has no signing_key"),
        (changed(profile, "gateway", ""), "has no gateway"),
        (changed(profile, "agency", "Police"), "the profile's agency 'Police' is not a valid agency id"),
        ("{\"agency\": ", "is not JSON"),
    ])
    func aBadProfileIsOneSentenceNamingTheField(_ text: String, _ expected: String) throws {
        let (error, path) = try refusal(of: text, as: "profile.json", schema: "profile") { _ = try ProfileFile.read($0) }
        let sentence = try #require(error, "accepted: \(text)").description
        #expect(error?.kind == .invalid && sentence.contains(expected) && !sentence.contains("\n"), "\(sentence)")
        #expect(expected.hasPrefix("the profile's") || sentence.contains(path), "\(sentence)")
    }

    @Test(arguments: [
        (changed(keys, "signing", nil), "signing: is required but missing"),
        (changed(keys, "encryption", signing.publicKey.jwk), "encryption:"),
        (changed(keys, "signing", ["kty": "OKP", "crv": "Ed25519", "x": "!!"]), "signing:"),
        (changed(keys, "agency", "Police"), "agency:"),
        ("not json", "is not JSON"),
    ])
    func aBadKeysFileIsOneSentenceNamingTheField(_ text: String, _ expected: String) throws {
        let (error, path) = try refusal(of: text, as: "keys.json", schema: "keys") { _ = try KeysFile.read($0) }
        let sentence = try #require(error, "accepted: \(text)").description
        #expect(error?.kind == .invalid && sentence.contains(expected) && sentence.contains(path) && !sentence.contains("\n"), "\(sentence)")
        #expect(sentence.contains("ura keys generate"), "\(sentence)")
    }

    @Test func aFileThatIsNotThereIsMissingNotInvalid() throws {
        let folder = TemporaryFolder()
        for read in [{ _ = try KeysFile.read($0) }, { _ = try ProfileFile.read($0) }, { _ = try DirectoryFile.read($0) }] as [(URL) throws -> Void] {
            #expect { try read(folder.path("nowhere.json")) } throws: { error in
                (error as? FileError)?.kind == .missing && "\(error)".contains("\(folder.path("nowhere.json").path) does not exist")
            }
        }
    }

    @Test func theKeysFileReadsBackWhatItWrote() throws {
        let folder = TemporaryFolder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        let written = KeysFile(agency: AgencyID(validated: "al.police.new"), signing: Self.signing.publicKey, encryption: Self.encryption.publicKey)
        try written.create(at: folder.path("keys.json"))
        let read = try KeysFile.read(folder.path("keys.json"))
        #expect(read.agency == written.agency && read.signing.thumbprint == Self.signing.keyID && read.encryption.thumbprint == Self.encryption.keyID)
        #expect(read.directoryKeys.map(\.kid) == [Self.signing.keyID, Self.encryption.keyID])
        #expect(throws: FileError.self) { try written.create(at: folder.path("keys.json")) }
    }
}
