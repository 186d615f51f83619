import Foundation
import Testing
import UraCrypto
import UraGatewayCore
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// Federation's rules at intake: what may be sent to a foreign agency, and what a peer gateway may
/// relay in (docs/federation.md). The fixture is Albania's gateway with Kosovo's as its peer.
@Suite(.offThePool) struct FederationIntakeTests {
    let f: GatewayFixture
    let xkSocial: TestAgency
    let xkPolice: TestAgency
    let peer: AgencyID

    init() throws {
        f = try GatewayFixture()
        xkSocial = try TestAgency("xk.social.prishtine", .social)
        xkPolice = try TestAgency("xk.police.prishtine", .police)
        peer = try AgencyID("xk.ura.gateway")
        var directory = f.book.snapshot.directory
        directory.upsert(Agency(id: peer, kind: .gateway, name: "Ura Kosovo", delivery: .push(url: "https://127.0.0.1:1")))
        for agency in [xkSocial, xkPolice] {
            var foreign = agency.agency
            foreign.via = peer
            foreign.delivery = .push(url: "https://127.0.0.1:1")
            directory.upsert(foreign)
        }
        f.book.replace(try DirectorySnapshot(directory))
    }

    func id(_ bytes: [UInt8]) throws -> MessageID {
        let payload = try JSONValue(parsing: try JWS.parse(bytes).payload)
        return try MessageID(payload["id"]!.stringValue!)
    }

    @Test func aCrossBorderTypeToAForeignAgencyIsStoredOnceForPushToThePeer() async throws {
        let bytes = try f.message(from: f.police, to: [xkSocial])
        let submission = try await f.submit(bytes, as: f.police)
        #expect(submission.isNew)
        let deliveries = try f.store.deliveries(of: submission.messageID)
        #expect(deliveries.map(\.recipient) == [xkSocial.id])
        #expect(deliveries.first?.channel == .push)
    }

    @Test func aTypeNotAllowedAcrossTheBorderIsRefusedAndNothingStored() async throws {
        let bytes = try f.message(from: f.police, to: [xkSocial], type: "referral.shelter")
        let error = await f.rejection(bytes, as: f.police)
        #expect(error?.type == .crossBorderNotAllowed)
        #expect(error?.detail.contains("referral.shelter may not cross a border") == true)
        #expect(try f.store.message(try id(bytes)) == nil)
        // The same type stays allowed at home.
        #expect(await f.rejection(try f.message(from: f.police, to: [f.shelter], type: "referral.shelter"), as: f.police) == nil)
    }

    @Test func aPeerGatewayIsNotARecipient() async throws {
        let bytes = try f.message(from: f.police, to: [xkSocial]) { $0["to"] = ["xk.ura.gateway"] }
        #expect(await f.rejection(bytes, as: f.police)?.type == .unknownRecipient)
    }

    @Test func aRelayedMessageFromThePeersOwnAgencyIsAcceptedOnceForTheLocalRecipientsOnly() async throws {
        // Kosovo's social service writes to Albania's social service, copying Kosovo's police.
        let bytes = try f.message(from: xkSocial, to: [f.social, xkPolice])
        let first = try await f.intake.relay(bytes, from: peer)
        #expect(first.isNew)
        #expect(try f.store.deliveries(of: first.messageID).map(\.recipient) == [f.social.id])
        // Relayed again (the answer was lost): the same receipt, nothing new stored.
        let again = try await f.intake.relay(bytes, from: peer)
        #expect(!again.isNew)
        #expect(again.receipt == first.receipt)
        #expect(try f.store.deliveries(of: first.messageID).count == 1)
    }

    @Test func aRelayOfAMessageFromAnAgencyThatIsNotThePeersIsRefused() async throws {
        // Albania's police, signed by its real key, "relayed" by Kosovo's gateway.
        let bytes = try f.message(from: f.police, to: [f.social])
        do {
            _ = try await f.intake.relay(bytes, from: peer)
            Issue.record("a relay of an Albanian agency's message by the Kosovo gateway was accepted")
        } catch {
            #expect(error.type == .relayNotAllowed)
        }
        #expect(try f.store.message(try id(bytes)) == nil)
    }

    @Test func aRelayedMessageOfATypeThatMayNotCrossIsRefused() async throws {
        let bytes = try f.message(from: xkSocial, to: [f.shelter], type: "referral.shelter")
        await #expect(throws: GatewayError.self) { try await f.intake.relay(bytes, from: peer) }
        #expect(try f.store.message(try id(bytes)) == nil)
    }

    @Test func aRelayedMessageGoesOnOnlyToThisGatewaysOwnAgencies() async throws {
        // A third country's agency, behind its own gateway.
        let mkPeer = try AgencyID("mk.ura.gateway")
        let mkSocial = try TestAgency("mk.social.skopje", .social)
        var directory = f.book.snapshot.directory
        directory.upsert(Agency(id: mkPeer, kind: .gateway, name: "Ura MK", delivery: .push(url: "https://127.0.0.1:2")))
        var behind = mkSocial.agency
        behind.via = mkPeer
        behind.delivery = .push(url: "https://127.0.0.1:2")
        directory.upsert(behind)
        f.book.replace(try DirectorySnapshot(directory))

        let onward = try f.message(from: xkSocial, to: [f.social, mkSocial])
        do {
            _ = try await f.intake.relay(onward, from: peer)
            Issue.record("a relay on to a third gateway's agency was accepted")
        } catch {
            #expect(error.type == .crossBorderNotAllowed && error.detail.contains("mk.social.skopje is reached through mk.ura.gateway"))
        }
        let homeward = try f.message(from: xkSocial, to: [xkPolice])
        do {
            _ = try await f.intake.relay(homeward, from: peer)
            Issue.record("a relay with no recipient of this gateway was accepted")
        } catch {
            #expect(error.type == .crossBorderNotAllowed && error.detail.contains("none of the recipients is an agency of this gateway"))
        }
        #expect(try f.store.message(try id(onward)) == nil && f.store.message(try id(homeward)) == nil)
    }

    @Test func aRelayWithABrokenSignatureIsRefused() async throws {
        let intruder = try SigningKey.generate(.eddsa)
        let bytes = try f.message(from: xkSocial, to: [f.social], signWith: intruder)
        do {
            _ = try await f.intake.relay(bytes, from: peer)
            Issue.record("a relayed message signed with an unknown key was accepted")
        } catch {
            #expect(error.type == .unknownSigningKey)
        }
    }

    @Test func onlyAPeerRelaysAndAPeerSubmitsNothingOfItsOwn() async throws {
        let bytes = try f.message(from: xkSocial, to: [f.social])
        await #expect(throws: GatewayError.self) { try await f.intake.relay(bytes, from: f.police.id) }
        #expect(await f.rejection(bytes, as: try TestAgency("xk.ura.gateway", .police))?.type == .forbidden)
    }

    @Test func anExpiredMessageRelayedAfterThePeersRedriveIsTakenWithinItsNewWindowOnly() async throws {
        // Kosovo's gateway could not reach this one before the message expired; its secretariat redrove it.
        let bytes = try f.message(from: xkSocial, to: [f.social], lifetime: 60)
        f.clock.advance(by: .seconds(120))
        // Without a window, or with one that is closed or longer than a message may live: expired.
        for window in [nil, f.clock.now, f.clock.now.addingTimeInterval(401 * 86_400)] as [Date?] {
            do {
                _ = try await f.intake.relay(bytes, from: peer, deliverUntil: window)
                Issue.record("an expired message was taken with the window \(String(describing: window))")
            } catch {
                #expect(error.type == .messageExpired)
            }
        }
        #expect(try f.store.message(try id(bytes)) == nil)
        // A window still open: taken, and delivered here until the window closes.
        let until = f.clock.now.addingTimeInterval(72 * 3600)
        let relayed = try await f.intake.relay(bytes, from: peer, deliverUntil: until)
        #expect(relayed.isNew)
        #expect(try f.store.deliveries(of: relayed.messageID).map(\.deliverUntil) == [until])
        // The same message submitted by an agency here (no peer, no window) stays expired.
        #expect(await f.rejection(try f.message(from: f.police, to: [f.social], created: f.clock.now.addingTimeInterval(-120), lifetime: 60),
                                 as: f.police)?.type == .messageExpired)
    }

    /// The peer gives up on a delivery as soon as its next attempt would come after the expiry, so
    /// its secretariat may redrive a message that has not quite expired yet: that one gets the
    /// window too. A window no later than the message's own expiry (every first relay) changes nothing.
    @Test func aRedriveBeforeTheExpiryGetsItsWindowAndAPlainRelayKeepsTheExpiry() async throws {
        let plain = try f.message(from: xkSocial, to: [f.social], lifetime: 3600)
        let kept = try await f.intake.relay(plain, from: peer, deliverUntil: f.clock.now.addingTimeInterval(1800))
        #expect(try f.store.deliveries(of: kept.messageID).map(\.deliverUntil) == [f.clock.now.addingTimeInterval(3600)])
        let redriven = try f.message(from: xkSocial, to: [f.social], lifetime: 3600)
        let until = f.clock.now.addingTimeInterval(86_400)
        let extended = try await f.intake.relay(redriven, from: peer, deliverUntil: until)
        #expect(try f.store.deliveries(of: extended.messageID).map(\.deliverUntil) == [until])
    }
}
