import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraClient
import UraCrypto
@testable import UraGatewayCore
import UraJSON
import UraModel
import UraProtocol
import UraStore
import UraStoreSQLite
import UraTestTraits

/// Accepted receipts signed per commit batch (issue 29): an agency whose directory entry says
/// `receipts: per_batch` gets the batch's signed tree head with its message's audit path.
@Suite(.offThePool) struct LedgerReceiptIntakeTests {
    /// The fixture with `agency` switched to receipts signed per batch.
    private func perBatch(_ f: GatewayFixture, _ agency: TestAgency) throws {
        let directory = f.book.snapshot.directory
        var agencies = directory.agencies
        let i = try #require(agencies.firstIndex { $0.id == agency.id })
        agencies[i].receipts = .perBatch
        f.book.replace(try DirectorySnapshot(try Directory(version: directory.version + 1, issued: f.clock.now, gateway: directory.gateway, agencies: agencies)))
    }

    @Test func aSenderWhoseProfileSaysPerBatchGetsALedgerReceiptThatChecksOut() async throws {
        let f = try GatewayFixture()
        try perBatch(f, f.police)
        // Something in the ledger before, so that the path has left siblings.
        _ = try await f.submit(try f.message(from: f.social, to: [f.secretariat]), as: f.social)
        let id = MessageID.random()
        let bytes = try f.message(from: f.police, to: [f.secretariat, f.shelter], id: id)
        let submission = try await f.submit(bytes, as: f.police)
        #expect(submission.isNew && submission.isLedgerReceipt)

        let receipt = try ReceiptCheck.accepted(submission.receipt, message: bytes, directory: f.book.snapshot.directory)
        #expect(receipt.kind == .accepted && receipt.message == id && receipt.by == f.signer.id && receipt.at == f.clock.now)
        let parsed = try LedgerReceipt(parsing: submission.receipt)
        // The batch's head is the store's signed head (nothing was committed since).
        #expect(parsed.signedHead == (try f.store.signedHead())?.signed)
        #expect(parsed.treeSize == (try f.store.ledgerSize()))
        // Nothing was signed for this message alone, and nothing is stored as its receipt.
        #expect((try f.store.message(id))?.acceptedReceipt == [])
        // The social service chose nothing: its receipt is still a JWS per message.
        let other = try await f.submit(try f.message(from: f.social, to: [f.secretariat]), as: f.social)
        #expect(!other.isLedgerReceipt)
        #expect(try JWS.parse(other.receipt).signature.type == "ura-receipt+json")
    }

    @Test func aRepeatGetsALedgerReceiptUnderTheCurrentHead() async throws {
        let f = try GatewayFixture()
        try perBatch(f, f.police)
        let bytes = try f.message(from: f.police, to: [f.secretariat])
        let first = try await f.submit(bytes, as: f.police)
        _ = try await f.submit(try f.message(from: f.social, to: [f.secretariat]), as: f.social)
        f.clock.advance(by: .seconds(60))
        let again = try await f.submit(bytes, as: f.police)
        #expect(!again.isNew && again.isLedgerReceipt && again.receipt != first.receipt)
        let (a, b) = (try LedgerReceipt(parsing: first.receipt), try LedgerReceipt(parsing: again.receipt))
        #expect(a.claims == b.claims && a.index == b.index && a.treeSize == 1 && b.treeSize == 2)
        _ = try ReceiptCheck.accepted(again.receipt, message: bytes, directory: f.book.snapshot.directory)
        #expect(try f.store.ledgerSize() == 2)
        // Also once the sender's profile went back to per message: nothing signed is stored to give.
        let directory = f.book.snapshot.directory
        var agencies = directory.agencies
        agencies[agencies.firstIndex { $0.id == f.police.id }!].receipts = .perMessage
        f.book.replace(try DirectorySnapshot(try Directory(version: directory.version + 1, issued: f.clock.now, gateway: directory.gateway, agencies: agencies)))
        #expect(try await f.submit(bytes, as: f.police).isLedgerReceipt)
    }

    @Test func messagesCommittedInOneBatchShareOneSignedHeadAndEachIsProven() async throws {
        let f = try GatewayFixture()
        try perBatch(f, f.police)
        for _ in 0..<5 { _ = try await f.submit(try f.message(from: f.social, to: [f.secretariat]), as: f.social) }
        let messages = try (0..<9).map { _ in try f.message(from: f.police, to: [f.secretariat]) }
        // The writer holds while all nine queue, so they form one batch.
        f.store.writer.pause()
        let submitted = try await withThrowingTaskGroup(of: ([UInt8], Intake.Submission).self) { group in
            for bytes in messages { group.addTask { (bytes, try await f.submit(bytes, as: f.police)) } }
            while f.store.writer.queuedCount < messages.count { await Task.yield() }
            f.store.writer.resume()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let heads = TreeHeadCache()
        var signedHeads = Set<[UInt8]>()
        for (bytes, submission) in submitted {
            _ = try ReceiptCheck.accepted(submission.receipt, message: bytes, directory: f.book.snapshot.directory, heads: heads)
            signedHeads.insert(try LedgerReceipt(parsing: submission.receipt).signedHead)
        }
        #expect(signedHeads.count == 1)
        #expect(Set(try submitted.map { try LedgerReceipt(parsing: $0.1.receipt).index }) == Set(5..<14))
    }

    @Test func aRelayedMessageGetsASignedReceiptWhateverTheSendersProfile() async throws {
        // The receipt of a relay goes to the peer gateway, whose receipts are not an agency's choice.
        let f = try GatewayFixture()
        let peer = try AgencyID("xk.ura.gateway")
        let xkSocial = try TestAgency("xk.social.prishtine", .social)
        var directory = f.book.snapshot.directory
        directory.upsert(Agency(id: peer, kind: .gateway, name: "Ura Kosovo", delivery: .push(url: "https://127.0.0.1:1"), receipts: .perBatch))
        var foreign = xkSocial.agency
        foreign.via = peer
        foreign.receipts = .perBatch
        directory.upsert(foreign)
        f.book.replace(try DirectorySnapshot(directory))
        let relayed = try await f.intake.relay(try f.message(from: xkSocial, to: [f.secretariat]), from: peer)
        #expect(relayed.isNew && !relayed.isLedgerReceipt)
        #expect(try JWS.parse(relayed.receipt).signature.type == "ura-receipt+json")
        // A ledger receipt said to be by a gateway other than the directory's is refused.
        try perBatch(f, f.police)
        let bytes = try f.message(from: f.police, to: [f.secretariat])
        let submission = try await f.submit(bytes, as: f.police)
        var other = f.book.snapshot.directory
        other.gateway.id = peer
        let error = try #require(throws: ClientError.self) { try ReceiptCheck.accepted(submission.receipt, message: bytes, directory: other) }
        #expect(error.message.contains("must be an accepted receipt by the gateway xk.ura.gateway"))
    }

    @Test func aLedgerReceiptForAnotherMessageOrWithAChangedPathIsRefused() async throws {
        let f = try GatewayFixture()
        try perBatch(f, f.police)
        _ = try await f.submit(try f.message(from: f.social, to: [f.secretariat]), as: f.social)
        let bytes = try f.message(from: f.police, to: [f.secretariat])
        let submission = try await f.submit(bytes, as: f.police)
        let directory = f.book.snapshot.directory
        // Another message's digest.
        let other = try f.message(from: f.police, to: [f.secretariat])
        #expect(throws: ClientError.self) { try ReceiptCheck.accepted(submission.receipt, message: other, directory: directory) }
        // A path entry changed.
        var json = try JSONValue(parsing: submission.receipt)
        guard case .object(var object) = json, case .array(var path)? = object["path"], !path.isEmpty else {
            Issue.record("the receipt has no path: \(String(decoding: submission.receipt, as: UTF8.self))")
            return
        }
        path[0] = .string(Base64URL.encode([UInt8](repeating: 7, count: 32)))
        object["path"] = .array(path)
        json = .object(object)
        let error = try #require(throws: ClientError.self) { try ReceiptCheck.accepted(json.serialized(), message: bytes, directory: directory) }
        #expect(error.message.contains("audit path"))
        // A gateway key the directory does not list.
        var unlisted = directory
        unlisted.gateway.keys = [DirectoryKey(kid: try SigningKey.generate().keyID, use: .sig, jwk: try SigningKey.generate().publicKey.jwk)]
        #expect(throws: ClientError.self) { try ReceiptCheck.accepted(submission.receipt, message: bytes, directory: unlisted) }
    }
}
