import Foundation
import Testing
import UraJSON
@testable import UraCrypto
import UraTestTraits

@Suite(.offThePool) struct KeyTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func signingKeysRoundTripThroughJWKAndPEM(_ algorithm: SignatureAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let fromJWK = try SigningKey(jwk: try key.jwk(includingPrivate: true))
        let fromPEM = try SigningKey(pem: try key.pkcs8PEM())
        #expect(fromJWK.keyID == key.keyID && fromPEM.keyID == key.keyID)
        let signature = try fromPEM.signature(for: [1, 2])
        #expect(try VerificationKey(pem: try key.publicKey.spkiPEM()).isValidSignature(signature, for: [1, 2]))
        #expect(try VerificationKey(jwk: key.publicKey.jwk).isValidSignature(signature, for: [1, 2]))
        #expect(key.publicKey.jwk["d"] == nil)
    }

    @Test func thumbprintMatchesRFC7638Example() throws {
        // RFC 8037 appendix A.3: the thumbprint of the Ed25519 public key of A.2.
        let jwk: JSONValue = ["kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"]
        #expect(JWK.thumbprint(of: jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
    }

    @Test func privateKeyFilesAre0600AndNeverOverwritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("signing.pem").path
        let key = try SigningKey.generate()
        try key.writePrivateKey(to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try SigningKey(contentsOfFile: path).keyID == key.keyID)
        #expect { try SigningKey.generate().writePrivateKey(to: path) } throws: { "\($0)".contains("already exists") }
    }

    @Test func mismatchedOrMalformedJWKsAreRefused() throws {
        let key = try SigningKey.generate()
        var jwk = try key.jwk(includingPrivate: true).objectValue!
        jwk["d"] = .string(Base64URL.encode(SecureRandom.bytes(32)))
        #expect(throws: CryptoError.self) { try SigningKey(jwk: .object(jwk)) }
        #expect(throws: CryptoError.self) { try SigningKey(jwk: key.publicKey.jwk) }  // no d
        #expect(throws: CryptoError.self) { try VerificationKey(jwk: ["kty": "RSA", "n": "AQ", "e": "AQAB"]) }
        #expect(throws: CryptoError.self) { try VerificationKey(jwk: ["kty": "OKP", "crv": "X25519", "x": .string(Base64URL.encode(SecureRandom.bytes(32)))]) }
        #expect(throws: CryptoError.self) { try VerificationKey(jwk: ["kty": "OKP", "crv": "Ed25519", "x": "AAAA"]) }
        #expect(throws: CryptoError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n") }
    }

    @Test func base64URLIsStrict() throws {
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        #expect(try Base64URL.decode("-_8") == [0xfb, 0xff])
        for bad in ["-_8=", "a", "ab+/", "a b", "-_9"] {
            #expect(throws: CryptoError.self) { try Base64URL.decode(bad) }
        }
        for n in 0..<40 {
            let bytes = SecureRandom.bytes(n)
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }

    @Test func digestsAndComparison() {
        #expect(Base64URL.encode(SHA256.hash(Array("abc".utf8))) == "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0")
        #expect(SHA384.hash([]).count == 48 && SHA512.hash([]).count == 64)
        #expect(constantTimeEqual([1, 2], [1, 2]) && !constantTimeEqual([1, 2], [1, 3]) && !constantTimeEqual([1], [1, 2]))
    }
}
