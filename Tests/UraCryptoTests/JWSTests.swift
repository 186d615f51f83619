import Foundation
import Testing
import UraJSON
@testable import UraCrypto
import UraTestTraits

@Suite(.offThePool) struct JWSTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func signsAndVerifiesInEveryAlgorithm(_ algorithm: SignatureAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let jws = try JWS.sign(payload: Array("hello".utf8), header: ["typ": "ura-message+json"], with: key)
        let parsed = try JWS.parse(jws.serialized())
        try parsed.verify(using: key.publicKey)
        #expect(parsed.signature.keyID == key.keyID && parsed.signature.type == "ura-message+json")
        #expect(parsed.signingInput() == jws.signingInput)
        try JWS.parse(Array(jws.compact.utf8)).verify(using: key.publicKey)
    }

    @Test func flattenedSerializationIsExactlyThreeMembers() throws {
        let jws = try JWS.sign(payload: [1, 2, 3], with: try SigningKey.generate())
        let text = String(decoding: jws.serialized(), as: UTF8.self)
        #expect(text == #"{"protected":"\#(jws.protected)","payload":"AQID","signature":"\#(jws.signature)"}"#)
    }

    @Test func generalSerializationCarriesSeveralSignatures() throws {
        let a = try SigningKey.generate(.eddsa), b = try SigningKey.generate(.es256)
        let jws = try JWS.signGeneral(payload: [7], signers: [(a, [:]), (b, [:])])
        let parsed = try JWS.parse(jws.serialized())
        try parsed.verify(using: a.publicKey, signature: 0)
        try parsed.verify(using: b.publicKey, signature: 1)
        #expect(throws: CryptoError.self) { try parsed.verify(using: a.publicKey, signature: 1) }
    }

    func tampered(_ jws: FlattenedJWS, protected: String? = nil, payload: String? = nil, signature: String? = nil) -> [UInt8] {
        FlattenedJWS(protected: protected ?? jws.protected, payload: payload ?? jws.payload, signature: signature ?? jws.signature).serialized()
    }

    func flip(_ b64: String) -> String {
        var bytes = try! Base64URL.decode(b64)
        bytes[bytes.count / 2] ^= 0x01
        return Base64URL.encode(bytes)
    }

    @Test func tamperingAnyPartIsDetected() throws {
        let key = try SigningKey.generate()
        let jws = try JWS.sign(payload: Array(#"{"a":1}"#.utf8), with: key)
        for bytes in [tampered(jws, protected: flip(jws.protected)), tampered(jws, payload: flip(jws.payload)),
                      tampered(jws, signature: flip(jws.signature))] {
            #expect(throws: CryptoError.self) { try JWS.parse(bytes).verify(using: key.publicKey) }
        }
    }

    @Test func wrongKeyIsRefused() throws {
        let jws = try JWS.sign(payload: [1], with: try SigningKey.generate())
        #expect(throws: CryptoError.invalidSignature) { try JWS.parse(jws.serialized()).verify(using: try SigningKey.generate().publicKey) }
    }

    @Test func algNoneIsRefused() throws {
        let key = try SigningKey.generate()
        let protected = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8))
        let bytes = FlattenedJWS(protected: protected, payload: "AQ", signature: "").serialized()
        #expect { try JWS.parse(bytes).verify(using: key.publicKey) } throws: { "\($0)".contains("alg none is never accepted") }
    }

    @Test func anAlgThatDoesNotMatchTheKeyIsRefused() throws {
        let ed = try SigningKey.generate(.eddsa)
        let jws = try JWS.sign(payload: [1], with: ed)
        // Claim ES256 on an EdDSA signature, with an EdDSA key.
        let forged = Base64URL.encode(Array(#"{"alg":"ES256","kid":"\#(ed.keyID)"}"#.utf8))
        let bytes = FlattenedJWS(protected: forged, payload: jws.payload, signature: jws.signature).serialized()
        #expect { try JWS.parse(bytes).verify(using: ed.publicKey) } throws: { "\($0)".contains("the header says ES256 but the key is a Ed25519 key") }
    }

    @Test func unknownCriticalHeadersAreRefused() throws {
        let key = try SigningKey.generate()
        let jws = try JWS.sign(payload: [1], header: ["crit": ["exp"], "exp": 5], with: key)
        #expect { try JWS.parse(jws.serialized()).verify(using: key.publicKey) } throws: { "\($0)".contains("critical header parameter exp") }
        try JWS.parse(jws.serialized()).verify(using: key.publicKey, understood: ["exp"])
    }

    @Test(arguments: [
        "", "not json", "{", #"{"payload":"AQ"}"#, #"{"protected":"e30","payload":"AQ","signature":"AA"} trailing"#,
        #"{"protected":"e30","payload":"A=","signature":"AA"}"#, "a.b", "a.b.c.d", #"{"protected":7,"payload":"AQ","signature":"AA"}"#,
        #"{"protected":"e30","protected":"e30","payload":"AQ","signature":"AA"}"#,
    ])
    func malformedInputIsRejectedWithoutCrashing(_ text: String) {
        #expect(throws: CryptoError.self) { try JWS.parse(Array(text.utf8)) }
    }

    @Test func truncatedAndOversizedSignaturesAreRefused() throws {
        let key = try SigningKey.generate(.es256)
        let jws = try JWS.sign(payload: [1], with: key)
        let bytes = try Base64URL.decode(jws.signature)
        for wrong in [Array(bytes.dropLast()), bytes + [0], []] {
            #expect(throws: CryptoError.invalidSignature) {
                try JWS.parse(tampered(jws, signature: Base64URL.encode(wrong))).verify(using: key.publicKey)
            }
        }
    }

    @Test func headerNamesMustNotRepeatAcrossProtectedAndUnprotected() throws {
        let key = try SigningKey.generate()
        let jws = try JWS.sign(payload: [1], with: key)
        let text = #"{"protected":"\#(jws.protected)","header":{"kid":"x"},"payload":"\#(jws.payload)","signature":"\#(jws.signature)"}"#
        #expect { try JWS.parse(Array(text.utf8)) } throws: { "\($0)".contains("kid is both protected and unprotected") }
    }
}
