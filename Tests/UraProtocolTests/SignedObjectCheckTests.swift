import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// The one check behind messages, receipts, declarations, directories and tree heads, and the
/// key sources an agency checks them with.
@Suite(.offThePool) struct SignedObjectCheckTests {
    let gatewayKey = try! SigningKey.generate()
    let agencyKey = try! SigningKey.generate()
    let police = try! AgencyID("al.police.dvp-tirane")

    func directory(gatewayKeys: [DirectoryKey]? = nil) throws -> Directory {
        try Directory(version: 1, issued: Date(timeIntervalSince1970: 1_800_000_000),
                      gateway: .init(id: try AgencyID("al.ura.gateway"), name: "Ura",
                                     keys: gatewayKeys ?? [DirectoryKey(kid: gatewayKey.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)]),
                      agencies: [Agency(id: police, kind: .police, name: "Policia",
                                        keys: [DirectoryKey(kid: agencyKey.keyID, use: .sig, jwk: agencyKey.publicKey.jwk)])])
    }

    func signed(_ payload: JSONValue, by key: SigningKey, header: JSONObject = [:]) throws -> ParsedJWS {
        try JWS.parse(JWS.sign(payload: payload.serialized(), header: header, with: key).serialized())
    }

    @Test func aSignatureByTheListedKeyChecksOutWithItsPayloadKeyAndDigest() throws {
        let directory = try directory()
        let jws = try signed(["by": "al.police.dvp-tirane"], by: agencyKey)
        let checked = try SignedObjectCheck.verify(jws, payload: { try JSONValue(parsing: $0) }) { kid, payload throws(SignedObjectCheck.Failure) in
            try directory.signingKey(kid, of: try! AgencyID(payload["by"]!.stringValue!)).key
        }
        #expect(checked.kid == agencyKey.keyID)
        #expect(checked.payload["by"] == "al.police.dvp-tirane")
        #expect(checked.digest == Base64URL.encode(SHA256.hash(jws.signingInput())))
    }

    @Test func aKeyTheDirectoryListsForAnotherSignerIsRefused() throws {
        let directory = try directory()
        // Signed with the police key, but the payload says the gateway signed it.
        let jws = try signed(["by": "al.ura.gateway"], by: agencyKey)
        #expect(throws: SignedObjectCheck.Failure.unknownKey(
            kid: agencyKey.keyID, reason: "is signed with gateway key \(agencyKey.keyID), but the directory does not list that key for al.ura.gateway")) {
            try SignedObjectCheck.verify(jws, payload: { try JSONValue(parsing: $0) }) { kid, payload throws(SignedObjectCheck.Failure) in
                try directory.signingKey(kid, of: try! AgencyID(payload["by"]!.stringValue!)).key
            }
        }
    }

    @Test func aSignatureByAnotherKeyUnderAListedKidDoesNotVerify() throws {
        let directory = try directory()
        let intruder = try SigningKey.generate()
        let jws = try signed(["x": 1], by: intruder, header: ["kid": .string(agencyKey.keyID)])
        #expect(throws: SignedObjectCheck.Failure.invalidSignature(kid: agencyKey.keyID)) {
            try SignedObjectCheck.verify(jws) { kid throws(SignedObjectCheck.Failure) in try directory.signingKey(kid, of: police).key }
        }
    }

    @Test func aJWSWithoutKidAndAPayloadThatIsNotTheModelAreRefusedBeforeAnyKeyIsLookedUp() throws {
        let noKid = try JWS.parse(Array(#"{"protected":"eyJhbGciOiJFZERTQSJ9","payload":"e30","signature":"AAAA"}"#.utf8))
        var looked = false
        #expect(throws: SignedObjectCheck.Failure.noKeyID) {
            try SignedObjectCheck.verify(noKid) { _ throws(SignedObjectCheck.Failure) in looked = true; return agencyKey.publicKey }
        }
        let notAReceipt = try signed(["receipt": "delivered"], by: agencyKey)
        do {
            _ = try SignedObjectCheck.verify(notAReceipt, payload: SignedObjectCheck.json(Receipt.self)) { _, _ throws(SignedObjectCheck.Failure) in
                looked = true
                return agencyKey.publicKey
            }
            Issue.record("a payload that is not a receipt checked out")
        } catch {
            guard case .payload = error else { Issue.record("expected a payload failure, got \(error)"); return }
        }
        #expect(!looked)
    }

    @Test func aGatewayKeyMustBeListedUnderItsThumbprintAndPinnedToSignADirectory() throws {
        // A directory listing the gateway's public key under another key's kid.
        let other = try SigningKey.generate()
        let forged = try directory(gatewayKeys: [DirectoryKey(kid: other.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)])
        #expect(throws: SignedObjectCheck.Failure.self) { try forged.gatewaySigningKey(other.keyID) }
        let directory = try directory()
        #expect(try directory.pinnedGatewayKey(gatewayKey.keyID, pinned: [gatewayKey.keyID]).thumbprint == gatewayKey.keyID)
        do {
            _ = try directory.pinnedGatewayKey(gatewayKey.keyID, pinned: [other.keyID])
            Issue.record("an unpinned gateway key was accepted")
        } catch {
            #expect(error.description.contains("which the profile does not pin"))
        }
    }
}
