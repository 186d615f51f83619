import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// docs/wire-format.md's worked example, recomputed from the page: the keys' ids, the message's
/// signature, the digest, the body decrypted, the delivered receipt. A change to the wire format
/// that the page does not follow fails here.
@Suite(.offThePool) struct WireFormatExampleTests {
    static let page: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/wire-format.md").standardized
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// The fenced block after `<!-- example: NAME -->`.
    func block(_ name: String) throws -> String {
        let marker = "<!-- example: \(name) -->\n"
        let start = try #require(Self.page.range(of: marker), "the page has no example \(name)").upperBound
        let fence = try #require(Self.page[start...].range(of: "\n")).upperBound
        let end = try #require(Self.page[fence...].range(of: "\n```"))
        return String(Self.page[fence..<end.lowerBound])
    }

    func json(_ name: String) throws -> JSONValue { try JSONValue(parsing: Array(try block(name).utf8)) }

    @Test func theKeysAreListedUnderTheirThumbprints() throws {
        for name in ["sender-signing-key", "recipient-signing-key"] {
            let jwk = try json(name)
            #expect(try SigningKey(jwk: jwk).keyID == jwk["kid"]?.stringValue, "\(name)")
        }
        let encryption = try json("recipient-encryption-key")
        #expect(try AgreementPrivateKey(jwk: encryption).publicKey.thumbprint == encryption["kid"]?.stringValue)
    }

    @Test func theMessageIsTheEnvelopeSignedByTheSendersKey() throws {
        let message = try json("message")
        let sender = try SigningKey(jwk: try json("sender-signing-key"))
        let jws = try JWS.parse(message.serialized())
        #expect(jws.signature.protectedHeader == ["alg": "EdDSA", "kid": .string(sender.keyID), "typ": "ura-message+json"])
        #expect(try JSONValue(parsing: jws.payload) == (try json("envelope")))
        // Ed25519 is deterministic: signing the same header and payload gives the page's signature.
        let resigned = try JWS.sign(payload: jws.payload, header: ["typ": "ura-message+json"], with: sender)
        #expect(resigned.json == message)
        #expect(try block("digest") == Base64URL.encode(SHA256.hash(jws.signingInput())))
    }

    @Test func theBodyOpensForTheRecipientAndIsBoundToTheMessage() throws {
        let envelope = try Envelope(json: try json("envelope"))
        let key = try AgreementPrivateKey(jwk: try json("recipient-encryption-key"))
        #expect(try JSONValue(parsing: try MessageSealing.open(envelope, with: key)) == (try json("form")))
        #expect(envelope.body["recipients"]?[0]?["header"]?["kid"]?.stringValue == key.publicKey.thumbprint)
        #expect(envelope.body["recipients"]?[0]?["header"]?["alg"] == "ECDH-ES+A256KW")
    }

    @Test func theDeliveredReceiptNamesTheDigestAndIsSignedByTheRecipient() throws {
        let signed = try json("delivered-receipt")
        let recipient = try SigningKey(jwk: try json("recipient-signing-key"))
        let jws = try JWS.parse(signed.serialized())
        #expect(jws.signature.protectedHeader == ["alg": "EdDSA", "kid": .string(recipient.keyID), "typ": "ura-receipt+json"])
        let receipt = try JSONValueDecoder().decode(Receipt.self, from: try JSONValue(parsing: jws.payload))
        #expect(try JSONValue(parsing: jws.payload) == (try json("delivered-receipt-payload")))
        let digest = try block("digest")
        #expect(receipt.kind == .delivered && receipt.digest == digest && receipt.by == receipt.recipient)
        #expect(try receipt.signed(with: recipient).json == signed)
    }
}
