import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// A peer gateway's signed directory (federation): what is taken, what is refused, and how its
/// agencies are merged as foreign participants.
@Suite(.offThePool) struct PeerDirectoryTests {
    let peerKey = try! SigningKey.generate()
    let socialKey = try! SigningKey.generate()
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let xkGateway = try! AgencyID("xk.ura.gateway")
    let alGateway = try! AgencyID("al.ura.gateway")
    let xkSocial = try! AgencyID("xk.social.prishtine")

    /// Kosovo's gateway as Albania's directory lists it: its pinned signing key and its URL.
    func peerEntry(keys: [SigningKey]? = nil) -> Agency {
        Agency(id: xkGateway, kind: .gateway, name: "Ura Kosovo",
               keys: (keys ?? [peerKey]).map { DirectoryKey(kid: $0.keyID, use: .sig, jwk: $0.publicKey.jwk) },
               delivery: .push(url: "https://127.0.0.1:9443"))
    }

    /// Kosovo's own directory, as its gateway serves it.
    func kosovo(version: Int = 3, issued: Date? = nil, validFor: TimeInterval? = 3600, gateway: AgencyID? = nil,
                gatewayKeys: [SigningKey]? = nil, extra: [Agency] = []) throws -> Directory {
        let issued = issued ?? now.addingTimeInterval(-60)
        return try Directory(version: version, issued: issued, validUntil: validFor.map { now.addingTimeInterval($0) },
                             gateway: .init(id: gateway ?? xkGateway, name: "Ura Kosovo",
                                            keys: (gatewayKeys ?? [peerKey]).map { DirectoryKey(kid: $0.keyID, use: .sig, jwk: $0.publicKey.jwk) }),
                             agencies: [Agency(id: xkSocial, kind: .social, name: "Qendra për Punë Sociale Prishtinë",
                                               keys: [DirectoryKey(kid: socialKey.keyID, use: .sig, jwk: socialKey.publicKey.jwk)],
                                               certificates: [CertificatePin(sha256: String(repeating: "a", count: 64))])] + extra)
    }

    func sign(_ directory: Directory, with key: SigningKey? = nil) throws -> [UInt8] {
        try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json"], with: key ?? peerKey).serialized()
    }

    @Test func aDirectorySignedWithThePinnedKeyInItsWindowIsTaken() throws {
        let checked = try PeerDirectory.check(try sign(try kosovo()), from: peerEntry(), held: nil, now: now)
        #expect(checked.directory.version == 3)
        #expect(checked.kid == peerKey.keyID)
        #expect(checked.ownAgencies.map(\.id) == [xkSocial])
    }

    @Test func aTamperedSignatureIsRefused() throws {
        var bytes = try sign(try kosovo())
        // Change the payload after signing: re-sign nothing, swap the version in the JSON.
        let jws = try JSONValue(parsing: bytes)
        var object = jws.objectValue!
        var directory = try kosovo()
        directory.version = 99
        object["payload"] = .string(Base64URL.encode(try JSONValueDecoder.reencode(directory)))
        bytes = Array(JSONValue.object(object).serialized())
        #expect(throws: PeerDirectory.Refusal.signature(.invalidSignature(kid: peerKey.keyID))) {
            try PeerDirectory.check(bytes, from: peerEntry(), held: nil, now: now)
        }
    }

    @Test func aDirectoryFromAnUnknownKeyIsRefused() throws {
        let stranger = try SigningKey.generate()
        // It even lists the stranger's key as the gateway's: a directory does not vouch for itself.
        let bytes = try sign(try kosovo(gatewayKeys: [stranger]), with: stranger)
        do {
            _ = try PeerDirectory.check(bytes, from: peerEntry(), held: nil, now: now)
            Issue.record("a directory signed by an unpinned key was taken")
        } catch {
            guard case .signature(.unknownKey(let kid, _)) = error else { Issue.record("expected unknown key, got \(error)"); return }
            #expect(kid == stranger.keyID)
            #expect(error.kind == "unknown_key")
        }
    }

    @Test func anOlderVersionThanTheOneHeldIsRefusedAndTheSameVersionIsTaken() throws {
        let held = try kosovo(version: 5)
        #expect(throws: PeerDirectory.Refusal.olderVersion(found: 4, held: 5)) {
            try PeerDirectory.check(try sign(try kosovo(version: 4)), from: peerEntry(), held: held, now: now)
        }
        #expect(try PeerDirectory.check(try sign(try kosovo(version: 5)), from: peerEntry(), held: held, now: now).directory.version == 5)
    }

    @Test func anExpiredCopyOrOneWithoutValidityOrFromTheFutureIsRefused() throws {
        #expect(throws: PeerDirectory.Refusal.expired(validUntil: now.addingTimeInterval(-1), now: now)) {
            try PeerDirectory.check(try sign(try kosovo(validFor: -1)), from: peerEntry(), held: nil, now: now)
        }
        #expect(throws: PeerDirectory.Refusal.noValidity) {
            try PeerDirectory.check(try sign(try kosovo(validFor: nil)), from: peerEntry(), held: nil, now: now)
        }
        let future = now.addingTimeInterval(3600)
        #expect(throws: PeerDirectory.Refusal.notYetValid(issued: future, now: now)) {
            try PeerDirectory.check(try sign(try kosovo(issued: future, validFor: 7200)), from: peerEntry(), held: nil, now: now)
        }
    }

    @Test func anotherGatewaysDirectorySignedWithThePeersKeyIsRefused() throws {
        let bytes = try sign(try kosovo(gateway: try AgencyID("mk.ura.gateway")))
        #expect(throws: PeerDirectory.Refusal.otherGateway(expected: xkGateway, found: try AgencyID("mk.ura.gateway"))) {
            try PeerDirectory.check(bytes, from: peerEntry(), held: nil, now: now)
        }
    }

    @Test func aKeyTheLastGoodCopyAnnouncedSignsTheNext() throws {
        let next = try SigningKey.generate()
        let held = try kosovo(version: 3, gatewayKeys: [peerKey, next])
        let bytes = try sign(try kosovo(version: 4, gatewayKeys: [next]), with: next)
        #expect(try PeerDirectory.check(bytes, from: peerEntry(), held: held, now: now).kid == next.keyID)
        // Without that copy the new key is unknown.
        #expect(throws: PeerDirectory.Refusal.self) { try PeerDirectory.check(bytes, from: self.peerEntry(), held: nil, now: self.now) }
    }

    @Test func mergedAgenciesAreForeignWithTheirKeysNoPinsAndThePeersURL() throws {
        let police = try AgencyID("al.police.dvp-tirane")
        let local = try Directory(version: 7, issued: now, gateway: .init(id: alGateway, name: "Ura", keys: []),
                                  agencies: [Agency(id: police, kind: .police, name: "Policia"), peerEntry()])
        // Kosovo's directory also lists an agency with Albania's police id and one behind a third gateway.
        let thirdPeer = Agency(id: try AgencyID("mk.ura.gateway"), kind: .gateway, name: "Ura MK", delivery: .push(url: "https://mk.example"))
        let shadow = Agency(id: police, kind: .police, name: "Shadow")
        let relayed = Agency(id: try AgencyID("mk.social.skopje"), kind: .social, name: "Skopje", via: thirdPeer.id)
        let foreign = try PeerDirectory.check(try sign(try kosovo(extra: [shadow, thirdPeer, relayed])), from: peerEntry(), held: nil, now: now)
        let (merged, skipped) = try local.merging(foreign, via: xkGateway)
        #expect(skipped == [police])
        #expect(merged[police]?.name == "Policia")
        let social = try #require(merged[xkSocial])
        #expect(social.via == xkGateway)
        #expect(social.certificates.isEmpty)
        #expect(social.keys.map(\.kid) == [socialKey.keyID])
        #expect(social.delivery == .push(url: "https://127.0.0.1:9443"))
        #expect(merged[try AgencyID("mk.social.skopje")] == nil)
        #expect(merged[try AgencyID("mk.ura.gateway")] == nil)
        // A new copy replaces what the old one brought; the file's view has none of it.
        let again = try merged.merging(PeerDirectory.check(try sign(try kosovo(version: 4)), from: peerEntry(), held: nil, now: now), via: xkGateway)
        #expect(again.directory.agencies.filter(\.isForeign).count == 1)
        #expect(again.directory.withoutForeignAgencies == local)
        // The merged directory survives its own JSON (a client reads it signed).
        let decoded = try JSONValueDecoder().decode(Directory.self, from: try JSONValue(parsing: try JSONValueDecoder.reencode(merged)))
        #expect(decoded == merged)
    }

    @Test func anAgencyViaSomethingThatIsNotAPeerGatewayIsRefused() throws {
        #expect(throws: ModelError.self) {
            try Directory(version: 1, issued: now, gateway: .init(id: alGateway, name: "Ura", keys: []),
                          agencies: [Agency(id: xkSocial, kind: .social, name: "x", via: xkGateway)])
        }
    }
}
