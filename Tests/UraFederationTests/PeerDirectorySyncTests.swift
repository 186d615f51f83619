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
import UraTestTraits

/// A peer's signed directory fetched over real mutual TLS from a server on 127.0.0.1 that serves
/// whatever the test wants: good copies are taken and merged, tampered, unknown-key, replayed and
/// expired ones are refused, and the last good copy stays in use (and survives a restart).
@Suite(.offThePool) struct PeerDirectorySyncTests {
    final class Served: Sendable {
        let bytes = Mutex<[UInt8]>([])
        let status = Mutex<Int>(200)
    }

    let f: GatewayFixture
    let gateway: Gateway
    let peerKey = try! SigningKey.generate()
    let xkSocial = try! TestAgency("xk.social.prishtine", .social)
    let peer = try! AgencyID("xk.ura.gateway")
    let folder: URL

    init() throws {
        f = try GatewayFixture()
        gateway = f.monitoredGateway(transport: ScriptedTransport([]))
        folder = try f.peersFolder(trusting: peer)
    }

    /// Albania's directory with Kosovo's gateway as its peer at `port`.
    func peerAt(_ port: Int) throws {
        var directory = f.book.snapshot.directory
        directory.upsert(Agency(id: peer, kind: .gateway, name: "Ura Kosova",
                                keys: [DirectoryKey(kid: peerKey.keyID, use: .sig, jwk: peerKey.publicKey.jwk)],
                                delivery: .push(url: "https://127.0.0.1:\(port)")))
        try f.book.replace(DirectorySnapshot(directory))
    }

    func federation() -> Federation {
        Federation(links: PeerLinks(.init(certificate: URL(fileURLWithPath: TestPKI.shared.clientCertificate),
                                           privateKey: URL(fileURLWithPath: TestPKI.shared.clientKey), folder: folder)),
                   clock: f.clock, events: gateway.events)
    }

    /// Kosovo's directory, signed.
    func kosovo(version: Int, validFor: TimeInterval = 3600, key: SigningKey? = nil, extra: [Agency] = []) throws -> [UInt8] {
        let directory = try Directory(version: version, issued: f.clock.now.addingTimeInterval(-60), validUntil: f.clock.now.addingTimeInterval(validFor),
                                      gateway: .init(id: peer, name: "Ura Kosova", keys: [DirectoryKey(kid: peerKey.keyID, use: .sig, jwk: peerKey.publicKey.jwk)]),
                                      agencies: [xkSocial.agency] + extra)
        return try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json"], with: key ?? peerKey).serialized()
    }

    func foreign() -> [AgencyID] { gateway.directory.snapshot.directory.agencies.filter(\.isForeign).map(\.id).sorted { $0.rawValue < $1.rawValue } }

    @Test func goodCopiesAreTakenBadOnesRefusedAndTheLastGoodStays() async throws {
        let served = Served()
        try await withServer(handler: { request in
            guard request.path == "/v1/directory" else { return HTTPResponse(status: 404) }
            // Only a client with a certificate of the trusted CA is answered, as a gateway does.
            guard request.peer?.chainVerified == true else { return HTTPResponse(status: 403) }
            return HTTPResponse(status: served.status.withLock { $0 }, headers: ["Content-Type": "application/jose+json"], body: served.bytes.withLock { $0 })
        }) { _, port in
            try peerAt(port)
            let federation = federation()

            served.bytes.withLock { $0 = try! kosovo(version: 3) }
            #expect(await federation.syncAll(gateway) == [peer])
            #expect(foreign() == [xkSocial.id])
            let merged = try #require(gateway.directory.snapshot[xkSocial.id])
            #expect(merged.via == peer && merged.certificates.isEmpty)
            #expect(FileManager.default.fileExists(atPath: federation.keptFile(of: peer).path))
            #expect(federation.peerStates.first?.version == 3 && federation.peerStates.first?.reachable == true)

            // Tampered: the payload changed after signing.
            var tampered = try JSONValue(parsing: try kosovo(version: 9)).objectValue!
            tampered["payload"] = .string(Base64URL.encode(try JWS.parse(try kosovo(version: 10, extra: [try TestAgency("xk.police.x", .police).agency])).payload))
            served.bytes.withLock { $0 = JSONValue.object(tampered).serialized() }
            #expect(await federation.syncAll(gateway) == [])
            #expect(federation.peerStates.first?.lastError?.contains("does not verify") == true)
            // From a key not pinned for the peer.
            served.bytes.withLock { $0 = try! kosovo(version: 11, key: try! SigningKey.generate()) }
            #expect(await federation.syncAll(gateway) == [])
            #expect(federation.peerStates.first?.lastError?.contains("not a current key of peer gateway xk.ura.gateway") == true)
            // An older version replayed.
            served.bytes.withLock { $0 = try! kosovo(version: 2, extra: [try! TestAgency("xk.police.old", .police).agency]) }
            #expect(await federation.syncAll(gateway) == [])
            #expect(federation.peerStates.first?.lastError?.contains("older than version 3") == true)
            // Expired.
            served.bytes.withLock { $0 = try! kosovo(version: 4, validFor: -1) }
            #expect(await federation.syncAll(gateway) == [])
            #expect(federation.peerStates.first?.lastError?.contains("validity ended") == true)
            // Through all of it, the last good copy stayed.
            #expect(foreign() == [xkSocial.id])
            #expect(federation.peerStates.first?.version == 3)

            // A newer good copy brings its new agency.
            let police = try TestAgency("xk.police.prishtine", .police)
            served.bytes.withLock { $0 = try! kosovo(version: 5, extra: [police.agency]) }
            #expect(await federation.syncAll(gateway) == [peer])
            #expect(foreign() == [police.id, xkSocial.id])

            // A restart reads the kept copy: the agencies are there before the peer is asked.
            let restarted = self.federation()
            restarted.loadKept(for: gateway.directory.snapshot.directory.withoutForeignAgencies)
            #expect(restarted.merged(gateway.directory.snapshot.directory.withoutForeignAgencies).agencies.filter(\.isForeign).count == 2)

            // The peer answering with an error is reachable but refused; the copy stays.
            served.status.withLock { $0 = 503 }
            #expect(await federation.syncAll(gateway) == [])
            #expect(federation.peerStates.first?.lastError?.contains("answered HTTP 503") == true)
            #expect(foreign().count == 2)
        }
    }

    @Test func anUnreachablePeerIsReportedAndItsAgenciesStay() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let port = try await withServer(handler: { _ in HTTPResponse(status: 200) }) { _, port in port }
        try peerAt(port)
        let federation = federation()
        #expect(await federation.syncAll(gateway) == [])
        let state = try #require(federation.peerStates.first)
        #expect(state.reachable == false && state.lastError?.contains("cannot be reached") == true)
        #expect(state.json["peer"] == "xk.ura.gateway")
    }
}
