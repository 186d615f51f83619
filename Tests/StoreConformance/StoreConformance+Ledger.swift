import Foundation
import Testing
import UraBasics
import UraCrypto
import UraJSON
import UraProtocol
import UraStore

extension StoreConformance {
    /// The ledger: RFC 9162 leaves chained by hash, a signed head over the whole ledger after every
    /// batch, permanent checkpoints, and a head that survives a restart.
    public static let ledger: [StoreCheck] = [
        StoreCheck("entriesAreChainedAndHashedAsRFC9162Leaves") { f in
            for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
            _ = try await f.claim()
            let entries = try f.store.ledgerEntries(from: 0, count: 100)
            #expect(entries.map(\.index) == Array(0..<entries.count))
            var previous = LedgerChain.genesis
            for entry in entries {
                #expect(entry.hash == SHA256.hash([0x00] + entry.leaf))
                let leaf = try JSONValue(parsing: entry.leaf)
                #expect(leaf["prev"]?.stringValue == Hex.encode(previous))
                #expect(leaf["index"]?.intValue == entry.index)
                previous = entry.hash
            }
        },

        StoreCheck("everyBatchSignsAHeadCoveringTheWholeLedger") { f in
            #expect(try f.store.signedHead() == nil)
            for _ in 0..<5 { _ = try await f.store.commit(f.accepted()) }
            let head = try #require(try f.store.signedHead())
            let tree = MerkleTree(hash: StoreFixture.ledger.hash)
            let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
            #expect(head.treeSize == hashes.count)
            #expect(head.root == tree.root(hashes[...]))
            #expect(String(decoding: head.signed, as: UTF8.self) == #"{"tree_size":5,"root":"\#(Hex.encode(head.root))"}"#)
        },

        StoreCheck("checkpointsKeepTheHeadOfTheirTime") { f in
            _ = try await f.store.commit(f.accepted())
            let first = try #require(try await f.store.saveCheckpoint(now: f.start))
            _ = try await f.store.commit(f.accepted())
            _ = try await f.store.saveCheckpoint(now: f.start.addingTimeInterval(60))
            let all = try f.store.checkpoints()
            #expect(all.map(\.treeSize) == [1, 2])
            #expect(all[0].root == first.root && all[0].at == f.start)
        },

        StoreCheck("theHeadCoversTheWholeLedgerAfterARestart") { f in
            for _ in 0..<7 { _ = try await f.store.commit(f.accepted()) }
            try f.reopen()
            #expect(f.store.writeRefusal == nil)
            _ = try await f.store.commit(f.accepted())
            let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
            #expect(try f.store.signedHead()?.root == MerkleTree(hash: StoreFixture.ledger.hash).root(hashes[...]))
        },

        StoreCheck("ledgerNodesAreTheRootsOfPerfectSubtreesAndSurviveARestart") { f in
            // Enough entries for nodes of 64 and 128 (what SQLite keeps) and a ragged right edge.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<150 { group.addTask { _ = try await f.store.commit(f.accepted()) } }
                try await group.waitForAll()
            }
            let tree = MerkleTree(hash: StoreFixture.ledger.hash)
            func check() throws {
                let hashes = try f.store.ledgerEntries(from: 0, count: 1000).map(\.hash)
                for height in 0..<9 {
                    for start in stride(from: 0, through: hashes.count - (1 << height), by: 1 << height) {
                        #expect(try f.store.ledgerNode(start: start, height: height) == tree.root(hashes[start..<start + (1 << height)]),
                                "node of height \(height) from \(start)")
                    }
                }
                let size = hashes.count
                #expect(try tree.inclusionProof(index: 77, size: size, perfect: f.store.ledgerNode) == tree.inclusionProof(index: 77, hashes[...]))
                #expect(try tree.consistencyProof(first: 100, size: size, perfect: f.store.ledgerNode) == tree.consistencyProof(first: 100, hashes[...]))
                // A node that is not aligned, or not complete yet, is refused with a reason.
                #expect { try f.store.ledgerNode(start: 3, height: 2) } throws: { "\($0)".contains("multiple of 4") }
                #expect { try f.store.ledgerNode(start: 0, height: 12) } throws: { "\($0)".contains("no complete subtree") }
            }
            try check()
            try f.reopen()
            try check()
        },

        StoreCheck("anEmptyStoreOpensForWrites") { f in
            try f.reopen()
            #expect(f.store.writeRefusal == nil)
            _ = try await f.store.commit(f.accepted())
        },
    ]
}
