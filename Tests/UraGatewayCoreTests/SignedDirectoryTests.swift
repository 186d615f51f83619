import Foundation
import Testing
import UraCrypto
import UraGatewayCore
import UraGatewayTestSupport
import UraModel
import UraProtocol
import UraTestTraits

/// The directory a gateway publishes for its peers (federation): signed, with a validity window
/// that a peer checks with `PeerDirectory.check`.
@Suite(.offThePool) struct SignedDirectoryTests {
    @Test func theServedDirectoryChecksOutForAPeerUntilItsValidityEnds() throws {
        let f = try GatewayFixture()
        var settings = Gateway.Settings()
        settings.directoryValidity = .seconds(3600)
        let gateway = Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer, transport: ScriptedTransport([]),
                              clock: f.clock, calendar: f.calendar, settings: settings)
        // The gateway as a peer's directory pins it.
        let asPeer = Agency(id: f.signer.id, kind: .gateway, name: "Ura AL",
                            keys: [DirectoryKey(kid: f.signer.key.keyID, use: .sig, jwk: f.signer.key.publicKey.jwk)],
                            delivery: .push(url: "https://127.0.0.1:1"))
        let signed = try gateway.signedDirectory()
        let checked = try PeerDirectory.check(signed, from: asPeer, held: nil, now: f.clock.now)
        #expect(checked.directory.validUntil == f.clock.now.addingTimeInterval(3600))
        #expect(checked.directory.withoutForeignAgencies.agencies.count == f.book.snapshot.directory.agencies.count)
        // The same bytes replayed after the window are refused; a fresh copy is taken.
        f.clock.advance(by: .seconds(3601))
        #expect(throws: PeerDirectory.Refusal.self) { try PeerDirectory.check(signed, from: asPeer, held: nil, now: f.clock.now) }
        #expect(try PeerDirectory.check(try gateway.signedDirectory(), from: asPeer, held: checked.directory, now: f.clock.now).directory.version == 1)
    }
}
