import Foundation
import UraCrypto
import UraJSON
import UraModel

/// `keys.json`: an agency's public signing and encryption keys as JWKs, and the agency they are
/// for when given. `ura keys generate` writes it, `ura admin enrol` reads it (schema
/// `Schemas/files/keys.schema.json`). Public halves only: the private keys stay with the agency.
public struct KeysFile: Codable, Sendable {
    public var agency: AgencyID?
    public var signing: VerificationKey
    public var encryption: AgreementPublicKey

    public init(agency: AgencyID?, signing: VerificationKey, encryption: AgreementPublicKey) {
        self.agency = agency
        self.signing = signing
        self.encryption = encryption
    }

    enum CodingKeys: String, CodingKey { case signing, encryption, agency }

    static let hint = "; give the keys.json that `ura keys generate` wrote"

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do { signing = try VerificationKey(jwk: try c.decode(JSONValue.self, forKey: .signing)) } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(forKey: .signing, in: c, debugDescription: "\(error)")
        }
        do { encryption = try AgreementPublicKey(jwk: try c.decode(JSONValue.self, forKey: .encryption)) } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(forKey: .encryption, in: c, debugDescription: "\(error)")
        }
        agency = try c.decodeIfPresent(AgencyID.self, forKey: .agency)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(signing.jwk, forKey: .signing)
        try c.encode(encryption.jwk, forKey: .encryption)
        try c.encodeIfPresent(agency, forKey: .agency)
    }

    /// The two keys as the directory lists them, each under its RFC 7638 thumbprint.
    public var directoryKeys: [DirectoryKey] {
        [DirectoryKey(kid: signing.thumbprint, use: .sig, jwk: signing.jwk), DirectoryKey(kid: encryption.thumbprint, use: .enc, jwk: encryption.jwk)]
    }

    public static func read(_ url: URL) throws(FileError) -> KeysFile {
        try JSONFile.read(KeysFile.self, from: url, noun: "the keys file", hint: hint)
    }

    /// Writes the file at `url`, which must not exist yet (readable by all: public keys only).
    public func create(at url: URL) throws(FileError) {
        try JSONFile.write(self, to: url, mode: 0o644, replacing: false, noun: "the keys file")
    }
}
