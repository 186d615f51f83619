import Foundation
import Synchronization
import Testing
import UraCrypto
import UraFederation
import UraGatewayCore
import UraGatewayTestSupport
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraJSON
import UraModel
import UraProtocol
import UraStore
import UraTestSupport
import UraTestTraits

/// A message for a foreign agency goes through the delivery scheduler like a push, over real mutual
/// TLS to a peer that answers as the test says; the test clock moves between attempts.
@Suite(.offThePool) struct FederationTransportTests {
    enum Answer: Sendable { case unavailable, accepted, acceptedByStranger, delivered, failed, refused }

    final class Peer: Sendable {
        let answer = Mutex<Answer>(.unavailable)
        let relayed = Mutex<[HTTPRequest]>([])
        let lastAnswer = Mutex<[UInt8]>([])
    }

    let f: GatewayFixture
    let peerKey = try! SigningKey.generate()
    let xkSocial = try! TestAgency("xk.social.prishtine", .social)
    let peerID = try! AgencyID("xk.ura.gateway")
    let folder: URL

    init() throws {
        f = try GatewayFixture()
        folder = try f.peersFolder(trusting: peerID)
    }

    /// Albania's gateway with Kosovo's at `port` as its peer and Kosovo's social service behind it.
    func gateway(peerPort port: Int) throws -> Gateway {
        var directory = f.book.snapshot.directory
        let url = "https://127.0.0.1:\(port)"
        directory.upsert(Agency(id: peerID, kind: .gateway, name: "Ura Kosova",
                                keys: [DirectoryKey(kid: peerKey.keyID, use: .sig, jwk: peerKey.publicKey.jwk)], delivery: .push(url: url)))
        var foreign = xkSocial.agency
        foreign.via = peerID
        foreign.delivery = .push(url: url)
        directory.upsert(foreign)
        f.book.replace(try DirectorySnapshot(directory))
        var settings = Gateway.Settings()
        settings.delivery = DeliverySettings(concurrency: 4, perRecipient: 2, retry: RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60)))
        let links = PeerLinks(.init(certificate: URL(fileURLWithPath: TestPKI.shared.clientCertificate),
                                    privateKey: URL(fileURLWithPath: TestPKI.shared.clientKey), folder: folder))
        return Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer,
                       transport: FederationTransport(local: ScriptedTransport([]), links: links, directory: f.book,
                                                         store: f.store, clock: f.clock),
                       clock: f.clock, calendar: f.calendar, settings: settings, events: GatewayEvents(metrics: f.metrics), random: SplitMix64(seed: 1))
    }

    /// The peer's answer to a relay, as a gateway gives it.
    func handler(_ peer: Peer) -> @Sendable (HTTPRequest) async -> HTTPResponse {
        let peerKey = peerKey, social = xkSocial, peerID = peerID
        return { request in
            guard request.path == "/v1/federation/messages", request.peer?.chainVerified == true else { return HTTPResponse(status: 404) }
            peer.relayed.withLock { $0.append(request) }
            guard let jws = try? JWS.parse(request.body), let envelope = try? JSONValue(parsing: jws.payload),
                  let id = try? MessageID(envelope["id"]?.stringValue ?? "") else { return HTTPResponse(status: 400) }
            let digest = Base64URL.encode(SHA256.hash(jws.signingInput()))
            func receipt(_ kind: Receipt.Kind, by: AgencyID, key: SigningKey, reason: String? = nil) -> HTTPResponse {
                let signed = try! Receipt(kind: kind, message: id, digest: digest, recipient: kind == .accepted ? nil : social.id, at: Date(timeIntervalSince1970: 1_700_000_000),
                                          by: by, reason: reason).signed(with: key).serialized()
                peer.lastAnswer.withLock { $0 = signed }
                return HTTPResponse(status: kind == .accepted ? 202 : 200, headers: ["Content-Type": "application/jose+json"], body: signed)
            }
            switch peer.answer.withLock({ $0 }) {
            case .unavailable: return HTTPResponse(status: 503, contentType: "application/problem+json", body: #"{"detail":"down for maintenance"}"#)
            case .accepted: return receipt(.accepted, by: peerID, key: peerKey)
            case .acceptedByStranger: return receipt(.accepted, by: peerID, key: try! SigningKey.generate())
            case .delivered: return receipt(.delivered, by: social.id, key: social.signing)
            case .failed: return receipt(.failed, by: peerID, key: peerKey, reason: "the message expired before xk.social.prishtine fetched it")
            case .refused:
                return HTTPResponse(status: 422, contentType: "application/problem+json",
                                    body: #"{"type":"https://ura.example/problems/cross-border-not-allowed","detail":"referral.shelter may not cross a border"}"#)
            }
        }
    }

    func delivery(_ id: MessageID) throws -> DeliveryRecord { try #require(try f.store.deliveries(of: id).first) }

    @Test func aPeerThatIsDownIsRetriedAndTheDeliveredReceiptComesBackOnceTheRecipientHasIt() async throws {
        let peer = Peer()
        try await withServer(handler: handler(peer)) { _, port in
            let gateway = try gateway(peerPort: port)
            let id = try await f.submit(try f.message(from: f.police, to: [xkSocial]), as: f.police).messageID

            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(id).state == .retryScheduled)
            #expect(try delivery(id).lastError?.contains("answered HTTP 503: down for maintenance") == true)

            peer.answer.withLock { $0 = .accepted }
            f.clock.advance(by: .seconds(61))
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(id).state == .retryScheduled)
            #expect(try delivery(id).lastError?.contains("accepted by xk.ura.gateway") == true)
            // The peer's accepted receipt is in the sender's feed, as it signed it, for that recipient.
            let accepted = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10)
            #expect(accepted.map(\.kind) == [.accepted] && accepted.first?.recipient == xkSocial.id)
            #expect(accepted.first?.signed == peer.lastAnswer.withLock { $0 })
            // Answered accepted again: still one accepted receipt.
            f.clock.advance(by: .seconds(61))
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).count == 1)
            // The sender's JWS travelled unchanged, with the recipient named.
            let relayed = try #require(peer.relayed.withLock { $0.last })
            #expect(relayed.body == (try f.store.message(id))?.signedBytes)
            #expect(relayed.headers["Ura-Recipient"] == xkSocial.id.rawValue)

            peer.answer.withLock { $0 = .delivered }
            f.clock.advance(by: .seconds(61))
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(id).state == .delivered)
            let feed = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10)
            #expect(feed.map(\.kind) == [.accepted, .delivered] && feed.last?.recipient == xkSocial.id)
        }
    }

    @Test func aRefusalOrTheFailedReceiptOfThePeerEndsTheDeliveryAtOnceAndARedriveDeliversIt() async throws {
        let peer = Peer()
        try await withServer(handler: handler(peer)) { _, port in
            let gateway = try gateway(peerPort: port)
            peer.answer.withLock { $0 = .refused }
            let refused = try await f.submit(try f.message(from: f.police, to: [xkSocial]), as: f.police).messageID
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(refused).state == .deadLetter)
            #expect(try delivery(refused).lastError?.contains("answered HTTP 422: referral.shelter may not cross a border") == true)

            peer.answer.withLock { $0 = .failed }
            let failed = try await f.submit(try f.message(from: f.police, to: [xkSocial]), as: f.police).messageID
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(failed).state == .deadLetter)
            #expect(try delivery(failed).lastError?.contains("xk.ura.gateway gave up delivering to xk.social.prishtine") == true)
            let kinds = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).map(\.kind)
            #expect(kinds == [.failed, .failed])

            // The secretariat redrives it once the peer has it.
            peer.answer.withLock { $0 = .delivered }
            try await gateway.deliveries.redrive(message: failed, recipient: xkSocial.id, by: "test")
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(failed).state == .delivered)
        }
    }

    @Test func anAcceptedReceiptNotSignedByThePeerIsNotTakenForIt() async throws {
        let peer = Peer()
        peer.answer.withLock { $0 = .acceptedByStranger }
        try await withServer(handler: handler(peer)) { _, port in
            let gateway = try gateway(peerPort: port)
            let id = try await f.submit(try f.message(from: f.police, to: [xkSocial]), as: f.police).messageID
            #expect(await gateway.deliveries.runOnce() == 1)
            #expect(try delivery(id).state == .retryScheduled)
            #expect(try delivery(id).lastError?.contains("accepted receipt does not check out") == true)
            #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).isEmpty)
        }
    }
}
