import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// Across a border the peer gateway signs its own accepted receipt for a foreign recipient: the
/// client takes it from the feed only when the directory lists that peer as the recipient's `via`.
@Suite(.offThePool) struct PeerReceiptCheckTests {
    let demo: OfflineDemo
    let peerKey = try! SigningKey.generate()
    let peer = try! AgencyID("xk.ura.gateway")
    let foreign = try! AgencyID("xk.social.prishtine")
    let directory: Directory

    init() throws {
        demo = try OfflineDemo()
        var directory = try demo.directory()
        directory.upsert(Agency(id: peer, kind: .gateway, name: "Ura Kosova",
                                keys: [DirectoryKey(kid: peerKey.keyID, use: .sig, jwk: peerKey.publicKey.jwk)], delivery: .push(url: "https://127.0.0.1:1")))
        let social = try SigningKey.generate()
        directory.upsert(Agency(id: foreign, kind: .social, name: "Shërbimi social Prishtinë",
                                keys: [DirectoryKey(kid: social.keyID, use: .sig, jwk: social.publicKey.jwk)], delivery: .push(url: "https://127.0.0.1:1"), via: peer))
        self.directory = directory
    }

    func accepted(by signer: AgencyID, key: SigningKey) throws -> [UInt8] {
        try Receipt(kind: .accepted, message: .random(), digest: String(repeating: "A", count: 43), at: Date(timeIntervalSince1970: 1_795_425_300),
                    by: signer).signed(with: key).serialized()
    }

    @Test func thePeersAcceptedReceiptForARecipientBehindItChecksOut() throws {
        let receipt = try ReceiptCheck.verify(try accepted(by: peer, key: peerKey), directory: directory, recipient: foreign)
        #expect(receipt.kind == .accepted && receipt.by == peer)
        // This gateway's own accepted receipt still checks out as before, whatever the recipient.
        let own = try ReceiptCheck.verify(try accepted(by: directory.gateway.id, key: try demo.gatewayKey()), directory: directory, recipient: foreign)
        #expect(own.by == directory.gateway.id)
    }

    @Test func thePeersReceiptIsRefusedForALocalRecipientOrNoneOrWithAnotherKey() throws {
        let signed = try accepted(by: peer, key: peerKey)
        let local = try AgencyID("al.mpb.secretariat")
        for recipient in [local, nil] {
            #expect {
                _ = try ReceiptCheck.verify(signed, directory: directory, recipient: recipient)
            } throws: { error in
                (error as? ClientError)?.message.contains("must be signed by \(directory.gateway.id)") == true
            }
        }
        // Naming the peer as its signer is not enough: the peer's key must have signed it.
        #expect(throws: ClientError.self) {
            _ = try ReceiptCheck.verify(try accepted(by: peer, key: try SigningKey.generate()), directory: directory, recipient: foreign)
        }
        // A foreign agency (not a gateway) cannot stand in for its peer.
        #expect(throws: ClientError.self) {
            _ = try ReceiptCheck.verify(try accepted(by: foreign, key: peerKey), directory: directory, recipient: foreign)
        }
    }
}
