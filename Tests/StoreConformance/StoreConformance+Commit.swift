import Foundation
import Testing
import UraBasics
import UraCrypto
import UraJSON
import UraProtocol
import UraStore

extension StoreConformance {
    /// Intake: a commit stores the message, a delivery per recipient and a ledger entry, once.
    public static let commit: [StoreCheck] = [
        StoreCheck("commitStoresMessageDeliveriesAndLedgerEntry") { f in
            let message = f.accepted()
            let outcome = try await f.store.commit(message)
            #expect(outcome == .committed(ledgerIndex: 0))

            let stored = try #require(try f.store.message(message.metadata.id))
            #expect(stored.metadata == message.metadata)
            #expect(stored.signedBytes == message.signedBytes)
            #expect(stored.acceptedReceipt == message.acceptedReceipt)
            let deliveries = try f.store.deliveries(of: message.metadata.id)
            #expect(deliveries.map(\.recipient) == [StoreFixture.secretariat, StoreFixture.shelter])
            #expect(deliveries.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.deliverUntil == message.metadata.expires })
            #expect(try f.store.ledgerIndexes(forMessage: message.metadata.id) == [0])
        },

        StoreCheck("sameIDAndDigestReturnsTheOriginalReceipt") { f in
            let message = f.accepted()
            _ = try await f.store.commit(message)
            var again = message
            again.acceptedReceipt = Array("a different signature".utf8)
            #expect(try await f.store.commit(again) == .duplicate(acceptedReceipt: message.acceptedReceipt))
            #expect(try f.store.ledgerSize() == 1)
            #expect(try f.store.messageCount() == 1, "a duplicate is not a second message")
        },

        /// A sender whose receipts are signed per batch has nothing signed to store: the empty
        /// receipt is kept as empty (not NULL, not refused) and a repeat hears it back.
        StoreCheck("anEmptyAcceptedReceiptIsStoredAndGivenBackEmpty") { f in
            var message = f.accepted()
            message.acceptedReceipt = []
            guard case .committed = try await f.store.commit(message) else { Issue.record("not committed"); return }
            #expect(try f.store.message(message.metadata.id)?.acceptedReceipt == [])
            #expect(try await f.store.commit(message) == .duplicate(acceptedReceipt: []))
        },

        StoreCheck("sameIDWithAnotherDigestIsAConflict") { f in
            let message = f.accepted()
            _ = try await f.store.commit(message)
            let other = f.accepted(id: message.metadata.id, digest: String(repeating: "B", count: 43))
            #expect(try await f.store.commit(other) == .conflict(existingDigest: message.digest))
            #expect(try f.store.ledgerSize() == 1)
            #expect(try f.store.message(message.metadata.id)?.digest == message.digest)
        },

        /// Concurrent commits (which a backend may batch into one transaction) each get a ledger index
        /// of their own, and together they fill the ledger without a gap.
        StoreCheck("concurrentCommitsGetEveryLedgerIndexOnce") { f in
            let messages = (0..<50).map { _ in f.accepted() }
            let indexes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
                for message in messages { group.addTask { try await f.store.commit(message) } }
                var indexes: [Int] = []
                for try await outcome in group {
                    guard case .committed(let index, _) = outcome else { Issue.record("unexpected \(outcome)"); continue }
                    indexes.append(index)
                }
                return indexes
            }
            #expect(indexes.sorted() == Array(0..<50))
            #expect(try f.store.ledgerSize() == 50)
            for message in messages { #expect(try f.store.message(message.metadata.id) != nil) }
        },

        /// Each commit comes with its batch, sealed with the head signed over the batch's end,
        /// from which the entry's audit path is computed without reading the store (receipts
        /// signed per batch): the path leads from the stored leaf to the batch's root.
        StoreCheck("eachCommitCarriesItsBatchSealedWithItsSignedHead") { f in
            for _ in 0..<7 { _ = try await f.store.commit(f.accepted()) }
            let outcomes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
                for message in (0..<30).map({ _ in f.accepted() }) { group.addTask { try await f.store.commit(message) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let tree = MerkleTree(hash: { SHA256.hash($0) })
            var sizes = Set<Int>()
            for outcome in outcomes {
                guard case .committed(let index, let batch) = outcome, let sealed = batch?.sealed else {
                    Issue.record("a commit without a sealed batch: \(outcome)")
                    continue
                }
                let stored = try #require(try f.store.ledgerEntries(from: index, count: 1).first)
                #expect(sealed.leaf(index) == stored.leaf)
                let path = try #require(sealed.auditPath(index, tree: tree))
                #expect(tree.verifyInclusion(leafHash: stored.hash, index: index, treeSize: sealed.treeSize, proof: path, root: sealed.root))
                #expect(sealed.signedHead == StoreFixture.head(sealed.treeSize, sealed.root))
                sizes.insert(sealed.treeSize)
            }
            // The last batch's head is the store's.
            #expect(try f.store.signedHead()?.treeSize == sizes.max() && sizes.max() == 37)
        },

        StoreCheck("reopenedStoreKeepsEverythingAndContinuesTheChain") { f in
            let first = f.accepted()
            _ = try await f.store.commit(first)
            try f.reopen()
            #expect(try f.store.message(first.metadata.id) != nil)
            #expect(try await f.store.commit(f.accepted()) == .committed(ledgerIndex: 1))
            let entries = try f.store.ledgerEntries(from: 0, count: 10)
            let prev = try #require(try JSONValue(parsing: entries[1].leaf)["prev"]?.stringValue)
            #expect(prev == Hex.encode(entries[0].hash))
        },

        /// Closing ends the store: later writes fail as unavailable (and closing twice is harmless).
        StoreCheck("closedStoreRefusesWrites") { f in
            f.store.close()
            await #expect(throws: StoreError.unavailable("the store is shutting down")) { try await f.store.commit(f.accepted()) }
            try f.reopen()
        },
    ]
}
