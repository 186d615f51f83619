import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

/// A reloaded directory (SIGHUP, enrolment) passes the checks urad makes at start, or is not taken.
@Suite(.offThePool) struct DirectoryReloadTests {
    func gateway(_ f: GatewayFixture) -> Gateway {
        Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer, transport: ScriptedTransport([f.shelter]),
                clock: f.clock, calendar: f.calendar, settings: Gateway.Settings(), events: GatewayEvents(metrics: f.metrics))
    }

    func directory(_ f: GatewayFixture, version: Int, gatewayID: String? = nil, gatewayKeys: [DirectoryKey]? = nil) throws -> Directory {
        let current = f.book.snapshot.directory
        return try Directory(version: version, issued: f.clock.now,
                             gateway: .init(id: try gatewayID.map { try AgencyID($0) } ?? current.gateway.id, name: current.gateway.name,
                                            keys: gatewayKeys ?? current.gateway.keys),
                             agencies: current.agencies)
    }

    @Test func aNewerDirectoryIsTakenAndOneThatFailsTheStartChecksIsNot() async throws {
        let f = try GatewayFixture()
        let g = gateway(f)
        let rotated = try SigningKey.generate()
        let refused: [(Directory, String)] = [
            (try directory(f, version: 2, gatewayID: "al.ura.other"), "is for gateway al.ura.other"),
            (try directory(f, version: 2, gatewayKeys: [DirectoryKey(kid: rotated.keyID, use: .sig, jwk: rotated.publicKey.jwk)]),
             "is not among the gateway keys"),
            (try directory(f, version: 0), "older than the one in use (1)"),
        ]
        for (candidate, reason) in refused {
            await #expect { try await g.reload(candidate) } throws: { "\($0)".contains(reason) }
            #expect(f.book.snapshot.directory.version == 1)
        }
        try await g.reload(try directory(f, version: 2))
        #expect(f.book.snapshot.directory.version == 2)
        try await g.reload(try directory(f, version: 2))  // the same again (a second SIGHUP) is fine
    }
}
