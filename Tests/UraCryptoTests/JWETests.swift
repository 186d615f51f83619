import Foundation
import Testing
import UraJSON
@testable import UraCrypto
import UraTestTraits

@Suite(.offThePool) struct JWETests {
    let plaintext = Array(String(repeating: "referral ", count: 500).utf8)

    @Test(arguments: [KeyCurve.x25519, .p256, .p384, .p521])
    func everyRecipientCanDecrypt(_ curve: KeyCurve) throws {
        let keys = try (0..<3).map { _ in try AgreementPrivateKey.generate(curve) }
        let jwe = try JWE.encrypt(plaintext, to: keys.map(\.publicKey), protectedHeader: ["ura_msg": "id-1"], aad: [9, 9])
        let parsed = try JWE.parse(jwe.serialized())
        for key in keys {
            let (text, header) = try parsed.decrypt(with: key)
            #expect(text == plaintext && header["ura_msg"] == "id-1")
        }
        #expect(parsed.recipientKeyIDs == keys.map(\.keyID))
    }

    @Test(arguments: KeyManagementAlgorithm.allCases)
    func everyKeyManagementAlgorithmRoundTrips(_ algorithm: KeyManagementAlgorithm) throws {
        let key = try AgreementPrivateKey.generate(.p256)
        for enc in ContentEncryptionAlgorithm.allCases {
            let jwe = try JWE.encrypt(plaintext, to: [key.publicKey], algorithm: algorithm, encryption: enc)
            #expect(try JWE.parse(jwe.serialized()).decrypt(with: key).plaintext == plaintext)
        }
    }

    /// An encryption key's JWK names the one key management Ura's profile accepts, so that a JOSE
    /// library encrypting to it from the directory picks that one (and its thumbprint ignores it).
    @Test(arguments: [KeyCurve.x25519, .p256])
    func encryptionKeysNameTheProfilesAlgorithm(_ curve: KeyCurve) throws {
        let key = try AgreementPrivateKey.generate(curve)
        for jwk in [key.publicKey.jwk, try key.jwk(includingPrivate: true)] {
            #expect(jwk["alg"] == "ECDH-ES+A256KW" && jwk["use"] == "enc" && jwk["kid"]?.stringValue == key.keyID)
        }
        #expect(try AgreementPublicKey(jwk: key.publicKey.jwk).thumbprint == key.keyID)
    }

    @Test func directAgreementHasExactlyOneRecipient() throws {
        let keys = try (0..<2).map { _ in try AgreementPrivateKey.generate() }
        #expect(throws: CryptoError.self) { try JWE.encrypt(plaintext, to: keys.map(\.publicKey), algorithm: .ecdhES) }
    }

    func mutate(_ jwe: GeneralJWE, _ change: (inout JSONObject) -> Void) -> [UInt8] {
        var object = jwe.json.objectValue!
        change(&object)
        return JSONValue.object(object).serialized()
    }

    func flip(_ text: String) -> String {
        var bytes = try! Base64URL.decode(text)
        bytes[bytes.count / 2] ^= 0x80
        return Base64URL.encode(bytes)
    }

    @Test func anyTamperingIsTheSameSingleError() throws {
        let key = try AgreementPrivateKey.generate()
        let jwe = try JWE.encrypt(plaintext, to: [key.publicKey], protectedHeader: ["ura_msg": "a"])
        let otherHeader = Base64URL.encode(Array(#"{"enc":"A256GCM","ura_msg":"b"}"#.utf8))
        let variants: [[UInt8]] = [
            mutate(jwe) { $0["protected"] = .string(otherHeader) },
            mutate(jwe) { $0["ciphertext"] = .string(flip(jwe.ciphertext)) },
            mutate(jwe) { $0["tag"] = .string(flip(jwe.tag)) },
            mutate(jwe) { $0["iv"] = .string(flip(jwe.iv)) },
            mutate(jwe) { o in
                var r = jwe.recipients[0].header
                r["kid"] = "x"
                o["recipients"] = [["header": .object(r), "encrypted_key": .string(flip(jwe.recipients[0].encryptedKey))]]
            },
            mutate(jwe) { $0["aad"] = "AQ" },
        ]
        for bytes in variants {
            #expect(throws: DecryptionError()) { try JWE.parse(bytes).decrypt(with: key) }
        }
        #expect(throws: DecryptionError()) { try JWE.parse(jwe.serialized()).decrypt(with: try AgreementPrivateKey.generate()) }
    }

    @Test func pointsOffTheCurveAreRefused() throws {
        let key = try AgreementPrivateKey.generate(.p256)
        let jwk = key.publicKey.jwk.objectValue!
        var bad = jwk
        var y = try Base64URL.decode(jwk["y"]!.stringValue!)
        y[31] ^= 1
        bad["y"] = .string(Base64URL.encode(y))
        #expect { try AgreementPublicKey(jwk: .object(bad)) } throws: { "\($0)".contains("not on the curve") || "\($0)".contains("not a valid public key") }
        // An epk off the curve inside a JWE is a decryption failure like any other.
        let jwe = try JWE.encrypt(plaintext, to: [key.publicKey])
        var header = jwe.recipients[0].header
        var epk = header["epk"]!.objectValue!
        var ey = try Base64URL.decode(epk["y"]!.stringValue!)
        ey[31] ^= 1
        epk["y"] = .string(Base64URL.encode(ey))
        header["epk"] = .object(epk)
        let bytes = mutate(jwe) { $0["recipients"] = [["header": .object(header), "encrypted_key": .string(jwe.recipients[0].encryptedKey)]] }
        #expect(throws: DecryptionError()) { try JWE.parse(bytes).decrypt(with: key) }
    }

    @Test func lowOrderX25519PointsAreRefused() throws {
        let key = try AgreementPrivateKey.generate(.x25519)
        // The identity and a point of order 8 (RFC 7748 §6.1 lists the low-order points).
        for point in [[UInt8](repeating: 0, count: 32), [UInt8]([0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
                                                                0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00])] {
            let peer = try AgreementPublicKey(jwk: ["kty": "OKP", "crv": "X25519", "x": .string(Base64URL.encode(point))])
            #expect(throws: CryptoError.self) { try KeyAgreement.sharedSecret(key.key, peer.key) }
        }
    }

    @Test(arguments: ["", "{}", "x.y", #"{"iv":"AA","ciphertext":"AA","tag":"AA","recipients":[]}"#, "a.b.c.d.e", "null"])
    func malformedJWEsAreRejected(_ text: String) {
        #expect(throws: (any Error).self) { try JWE.parse(Array(text.utf8)).decrypt(with: try AgreementPrivateKey.generate()) }
    }
}
