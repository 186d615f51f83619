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

/// The receiving side of a relay: the delivered receipt of a message a peer relayed here, queued by
/// the store as it is recorded, is posted back to that peer (real mutual TLS) until it takes it; the test clock
/// moves between attempts.
@Suite(.offThePool) struct ReceiptForwarderTests {
    final class Origin: Sendable {
        let status = Mutex(503)
        let received = Mutex<[[UInt8]]>([])
    }

    let f: GatewayFixture
    let xkSocial = try! TestAgency("xk.social.prishtine", .social)
    let peerID = try! AgencyID("xk.ura.gateway")
    let folder: URL

    init() throws {
        f = try GatewayFixture()
        folder = try f.peersFolder(trusting: peerID)
    }

    /// This gateway with the peer (the message's origin) at `port` and its social service behind it.
    func gateway(peerPort port: Int) throws -> (Gateway, ReceiptForwarder) {
        var directory = f.book.snapshot.directory
        let url = "https://127.0.0.1:\(port)"
        directory.upsert(Agency(id: peerID, kind: .gateway, name: "Ura Kosova", delivery: .push(url: url)))
        var foreign = xkSocial.agency
        foreign.via = peerID
        foreign.delivery = .push(url: url)
        directory.upsert(foreign)
        f.book.replace(try DirectorySnapshot(directory))
        var settings = Gateway.Settings()
        settings.delivery = DeliverySettings(concurrency: 4, perRecipient: 2, retry: RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60)))
        let links = PeerLinks(.init(certificate: URL(fileURLWithPath: TestPKI.shared.clientCertificate),
                                    privateKey: URL(fileURLWithPath: TestPKI.shared.clientKey), folder: folder))
        let gateway = Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer, transport: ScriptedTransport([]),
                              clock: f.clock, calendar: f.calendar, settings: settings, events: GatewayEvents(metrics: f.metrics), random: SplitMix64(seed: 1))
        return (gateway, ReceiptForwarder(links: links, gateway: gateway))
    }

    func handler(_ origin: Origin) -> @Sendable (HTTPRequest) async -> HTTPResponse {
        { request in
            guard request.path == "/v1/federation/receipts", request.method == "POST", request.peer?.chainVerified == true else { return HTTPResponse(status: 404) }
            let status = origin.status.withLock { $0 }
            guard status == 200 else {
                return HTTPResponse(status: status, contentType: "application/problem+json", body: #"{"detail":"not now"}"#)
            }
            origin.received.withLock { $0.append(request.body) }
            return HTTPResponse(status: 200, contentType: "application/json", body: #"{"state":"delivered"}"#)
        }
    }

    /// A message from the peer's social service to this gateway's, relayed in, and its recipient's
    /// delivered receipt, recorded (the store queues it for the peer).
    func relayed(_ gateway: Gateway) async throws -> (MessageID, [UInt8]) {
        let bytes = try f.message(from: xkSocial, to: [f.social])
        let id = try await gateway.intake.relay(bytes, from: peerID).messageID
        let digest = Base64URL.encode(SHA256.hash(try JWS.parse(bytes).signingInput()))
        let receipt = try Receipt(kind: .delivered, message: id, digest: digest, recipient: f.social.id, at: f.clock.now, by: f.social.id)
            .signed(with: f.social.signing).serialized()
        #expect(try await f.store.record(.delivered(receipt: receipt, at: f.clock.now), for: id, recipient: f.social.id))
        return (id, receipt)
    }

    @Test func aReceiptTheOriginCannotTakeIsRetriedWithBackoffUntilItDoes() async throws {
        let origin = Origin()
        try await withServer(handler: handler(origin)) { _, port in
            let (gateway, forwarder) = try gateway(peerPort: port)
            let (_, receipt) = try await relayed(gateway)

            // The origin is not taking anything: the forward stays queued, due again within the backoff.
            #expect(await forwarder.runOnce() == 0)
            let next = try #require(try f.store.nextForwardTime())
            #expect(next > f.clock.now && next <= f.clock.now.addingTimeInterval(2))
            #expect(try f.store.dueForwards(now: f.clock.now, limit: 10).isEmpty)
            let queued = try #require(try f.store.dueForwards(now: next, limit: 10).first)
            #expect(queued.attempts == 1 && queued.peer == peerID && queued.lastError?.contains("answered HTTP 503: not now") == true)
            f.clock.advance(by: .seconds(2))
            #expect(await forwarder.runOnce() == 0)
            #expect(try f.store.dueForwards(now: f.clock.now.addingTimeInterval(4), limit: 10).first?.attempts == 2)

            // Back: the next pass posts it, and it is done.
            origin.status.withLock { $0 = 200 }
            f.clock.advance(by: .seconds(4))
            #expect(await forwarder.runOnce() == 1)
            #expect(origin.received.withLock { $0 } == [receipt])
            #expect(try f.store.nextForwardTime() == nil)
            f.clock.advance(by: .seconds(3600))
            #expect(await forwarder.runOnce() == 0)
            #expect(origin.received.withLock { $0.count } == 1)
        }
    }

    @Test func aReceiptTheOriginRefusesForGoodIsNotSentAgainAndALocalMessagesIsOwedToNoOne() async throws {
        let origin = Origin()
        origin.status.withLock { $0 = 403 }
        try await withServer(handler: handler(origin)) { _, port in
            let (gateway, forwarder) = try gateway(peerPort: port)
            _ = try await relayed(gateway)
            #expect(try f.store.nextForwardTime() != nil)
            #expect(await forwarder.runOnce() == 0)
            #expect(try f.store.nextForwardTime() == nil)
            #expect(origin.received.withLock { $0 }.isEmpty)

            // A message of this gateway's own agency came from no peer: its receipt is owed to no one.
            let local = try await f.submit(try f.message(from: f.police, to: [f.social]), as: f.police).messageID
            #expect(try await f.store.record(.delivered(receipt: [1], at: f.clock.now), for: local, recipient: f.social.id))
            #expect(try f.store.nextForwardTime() == nil)
        }
    }
}
