import Foundation
import Testing
import UraJSON
@testable import UraCrypto
import UraTestTraits

/// The JOSE cookbook (RFC 7520) and the RFC 8037 examples, read from ../shared/vectors: every
/// example whose algorithms Ura supports must verify or decrypt; the others are listed as skipped.
@Suite(.offThePool, .serialized) struct JOSEConformanceTests {
    nonisolated(unsafe) static var checked: [String] = []

    static let skipped: [(file: String, reason: String)] = [
        ("jws/4_1.rsa_v15_signature.json", "RS256: Ura signs with EdDSA and ECDSA only"),
        ("jws/4_2.rsa-pss_signature.json", "PS384: RSA is not supported"),
        ("jws/4_4.hmac-sha2_integrity_protection.json", "HS256: symmetric MACs are not signatures between agencies"),
        ("jws/4_5.signature_with_detached_content.json", "HS256 with detached content"),
        ("jws/4_6.protecting_specific_header_fields.json", "HS256"),
        ("jws/4_7.protecting_content_only.json", "HS256 without a protected header (Ura requires alg to be protected)"),
        ("jwe/5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json", "RSA1_5 and A128CBC-HS256"),
        ("jwe/5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json", "RSA-OAEP"),
        ("jwe/5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json", "PBES2"),
        ("jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json", "enc A128CBC-HS256: Ura uses AES-GCM"),
        ("jwe/5_6.direct_encryption_using_aes-gcm.json", "dir: no shared symmetric keys between agencies"),
        ("jwe/5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2.json", "A256GCMKW"),
        ("jwe/5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json", "A128KW with a shared symmetric key"),
        ("jwe/5_9.compressed_content.json", "A128KW and zip DEF"),
        ("jwe/5_10.including_additional_authentication_data.json", "A128KW"),
        ("jwe/5_11.protecting_specific_header_fields.json", "A128KW"),
        ("jwe/5_12.protecting_content_only.json", "A128KW"),
        ("jwe/5_13.encrypting_to_multiple_recipients.json (RSA1_5, A256GCMKW recipients)", "RSA and AES-GCM key wrap"),
    ]

    func record(_ file: String) { JOSEConformanceTests.checked.append(file) }

    @Test func ed25519SignatureIsReproducedAndVerifies() throws {
        let file = "curve25519/jws.json"
        let v = try Vectors.cookbook(file)
        let key = try SigningKey(jwk: try #require(v["input"]?["key"]))
        let payload = Array(try #require(v["input"]?["payload"]?.stringValue).utf8)
        let protected = try #require(v["signing"]?["protected_b64u"]?.stringValue)
        let signature = try key.signature(for: Array("\(protected).\(Base64URL.encode(payload))".utf8))
        #expect(Base64URL.encode(signature) == v["signing"]?["sig"]?.stringValue)
        for form in ["compact", "json", "json_flat"] {
            let output = try #require(v["output"]?[form])
            let bytes = output.stringValue.map { Array($0.utf8) } ?? output.serialized()
            try JWS.parse(bytes).verify(using: key.publicKey)
        }
        record(file)
    }

    @Test func es512ExampleVerifiesInEverySerialization() throws {
        let file = "jws/4_3.ecdsa_signature.json"
        let v = try Vectors.cookbook(file)
        let key = try VerificationKey(jwk: try #require(v["input"]?["key"]))
        #expect(key.algorithm == .es512)
        for form in ["compact", "json", "json_flat"] {
            let output = try #require(v["output"]?[form])
            let parsed = try JWS.parse(output.stringValue.map { Array($0.utf8) } ?? output.serialized())
            try parsed.verify(using: key)
            #expect(String(decoding: parsed.payload, as: UTF8.self) == v["input"]?["payload"]?.stringValue)
        }
        record(file)
    }

    @Test func multipleSignaturesExampleVerifiesItsECDSASignature() throws {
        let file = "jws/4_8.multiple_signatures.json"
        let v = try Vectors.cookbook(file)
        let keys = try #require(v["input"]?["key"]?.arrayValue)
        let ecKey = try VerificationKey(jwk: try #require(keys.first { $0["kty"] == "EC" }))
        let parsed = try JWS.parse(try #require(v["output"]?["json"]).serialized())
        let index = try #require(parsed.signatures.firstIndex { $0.algorithm == "ES512" })
        try parsed.verify(using: ecKey, signature: index)
        // The RS256 signature is refused, not ignored.
        let rsa = try #require(parsed.signatures.firstIndex { $0.algorithm == "RS256" })
        #expect(throws: CryptoError.self) { try parsed.verify(using: ecKey, signature: rsa) }
        record(file + " (ES512 signature; RS256 and HS256 refused)")
    }

    @Test func x25519ECDHESExampleDecrypts() throws {
        let file = "curve25519/ecdh-es.json"
        let v = try Vectors.cookbook(file)
        let key = try AgreementPrivateKey(jwk: try #require(v["input"]?["key"]))
        for form in ["compact", "json", "json_flat"] {
            let output = try #require(v["output"]?[form])
            let jwe = try JWE.parse(output.stringValue.map { Array($0.utf8) } ?? output.serialized())
            let plaintext = try jwe.decrypt(with: key).plaintext
            #expect(String(decoding: plaintext, as: UTF8.self) == v["input"]?["plaintext"]?.stringValue)
        }
        record(file)
    }

    @Test func p384ECDHESKeyWrapExampleDecrypts() throws {
        let file = "jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json"
        let v = try Vectors.cookbook(file)
        let key = try AgreementPrivateKey(jwk: try #require(v["input"]?["key"]))
        for form in ["compact", "json", "json_flat"] {
            let output = try #require(v["output"]?[form])
            let jwe = try JWE.parse(output.stringValue.map { Array($0.utf8) } ?? output.serialized())
            #expect(String(decoding: try jwe.decrypt(with: key).plaintext, as: UTF8.self) == v["input"]?["plaintext"]?.stringValue)
        }
        record(file)
    }

    /// 5.13's content is A128CBC-HS256, which Ura does not use; its ECDH-ES+A256KW (P-384)
    /// recipient is still checked by unwrapping the content key and comparing it with the cookbook's.
    @Test func multiRecipientExampleUnwrapsTheECDHRecipientsKey() throws {
        let file = "jwe/5_13.encrypting_to_multiple_recipients.json"
        let v = try Vectors.cookbook(file)
        let keys = try #require(v["input"]?["key"]?.arrayValue)
        let key = try AgreementPrivateKey(jwk: try #require(keys.first { $0["kty"] == "EC" }))
        let jwe = try JWE.parse(try #require(v["output"]?["json"]).serialized())
        let recipient = try #require(jwe.recipients.first { $0.header["alg"] == "ECDH-ES+A256KW" })
        let cek = try jwe.contentKey(recipient, with: key)
        #expect(Base64URL.encode(cek) == v["generated"]?["cek"]?.stringValue)
        #expect(throws: DecryptionError.self) { try jwe.decrypt(with: key) }
        record(file + " (ECDH-ES+A256KW recipient: content key unwrapped and compared)")
    }

    @Test func cookbookPublicAndPrivateECKeysImport() throws {
        let file = "jwk/3_2.ec_private_key.json"
        let v = try Vectors.cookbook(file)
        let key = try SigningKey(jwk: v["output"] ?? v["input"] ?? v)
        #expect(key.algorithm == .es512)
        let publicFile = try Vectors.cookbook("jwk/3_1.ec_public_key.json")
        let publicKey = try VerificationKey(jwk: publicFile["output"] ?? publicFile["input"] ?? publicFile)
        #expect(publicKey.thumbprint == key.publicKey.thumbprint)
        record(file)
        record("jwk/3_1.ec_public_key.json")
    }

    @Test func summary() {
        // Runs last in this serialized suite.
        print("CONFORMANCE jose-cookbook: \(JOSEConformanceTests.checked.count) files checked: \(JOSEConformanceTests.checked.joined(separator: "; "))")
        print("CONFORMANCE jose-cookbook: \(JOSEConformanceTests.skipped.count) skipped: "
              + JOSEConformanceTests.skipped.map { "\($0.file) — \($0.reason)" }.joined(separator: "; "))
    }
}
