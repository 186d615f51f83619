import UraBasics
import Foundation
import Testing
import UraJSON
import UraModel
import UraProtocol
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite

@Suite struct LedgerStoreTests {
    let tree = MerkleTree(hash: sha256)

    /// The leaf spliced from a prepared event is byte for byte the canonical JSON of the whole
    /// entry (sorted keys, no whitespace), whichever optional members the event has.
    @Test func aPreparedLeafIsTheCanonicalJSONOfTheEntry() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000.25)
        let events = [
            LedgerEvent(.messageAccepted, at: at, message: MessageID(validated: "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"),
                        agency: AgencyID(validated: "al.police.dvp-tirane"),
                        data: ["type": "referral.a2", "to": ["al.mpb.secretariat"], "note": "quote \" and ë and \u{1}"]),
            LedgerEvent(.bodyPurged, at: at, message: MessageID(validated: "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7d")),
            LedgerEvent(.declarationRecorded, at: at, agency: AgencyID(validated: "al.ashdmf.tirane"), data: ["case": "AL-2026-000042"]),
            LedgerEvent(.deadlineOverdue, at: at),
        ]
        for (n, event) in events.enumerated() {
            let index = [0, 7, 1_000_000, 9_007_199_254_740_991][n]
            let previous = (0..<32).map { UInt8(($0 * 37 + n) & 0xFF) }
            var whole = JSONObject()
            whole["index"] = .number(Double(index))
            whole["kind"] = .string(event.kind.rawValue)
            whole["at"] = .string(RFC3339.string(from: event.at))
            if let message = event.message { whole["message"] = .string(message.rawValue) }
            if let agency = event.agency { whole["agency"] = .string(agency.rawValue) }
            if !event.data.isEmpty { whole["data"] = .object(event.data) }
            whole["prev"] = .string(Hex.encode(previous))
            let canonical = JSONValue.object(whole).serialized(options: .sortedKeys)
            #expect(PreparedLedgerEvent(event).leaf(index: index, previous: previous) == canonical,
                    "\(String(decoding: canonical, as: UTF8.self))")
        }
    }

    @Test func entriesAreChainedAndHashedAsRFC9162Leaves() async throws {
        let f = try StoreFixture()
        for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
        _ = try await f.claim()
        let entries = try f.store.ledgerEntries(from: 0, count: 100)
        #expect(entries.map(\.index) == Array(0..<entries.count))
        var previous = LedgerChain.genesis
        for entry in entries {
            #expect(entry.hash == sha256([0x00] + entry.leaf))
            let leaf = try JSONValue(parsing: entry.leaf)
            #expect(leaf["prev"]?.stringValue == Hex.encode(previous))
            #expect(leaf["index"]?.intValue == entry.index)
            previous = entry.hash
        }
    }

    @Test func everyBatchSignsAHeadCoveringTheWholeLedger() async throws {
        let f = try StoreFixture()
        #expect(try f.store.signedHead() == nil)
        for _ in 0..<5 { _ = try await f.store.commit(f.accepted()) }
        let head = try #require(try f.store.signedHead())
        let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
        #expect(head.treeSize == hashes.count)
        #expect(head.root == tree.root(hashes[...]))
        #expect(String(decoding: head.signed, as: UTF8.self) == #"{"tree_size":5,"root":"\#(Hex.encode(head.root))"}"#)
    }

    @Test func checkpointsKeepTheHeadOfTheirTime() async throws {
        let f = try StoreFixture()
        _ = try await f.store.commit(f.accepted())
        let first = try #require(try await f.store.saveCheckpoint(now: f.start))
        _ = try await f.store.commit(f.accepted())
        _ = try await f.store.saveCheckpoint(now: f.start.addingTimeInterval(60))
        let all = try f.store.checkpoints()
        #expect(all.map(\.treeSize) == [1, 2])
        #expect(all[0].root == first.root && all[0].at == f.start)
    }

    @Test func frontierSurvivesRestart() async throws {
        let f = try StoreFixture()
        for _ in 0..<7 { _ = try await f.store.commit(f.accepted()) }
        try f.reopen()
        #expect(f.store.writeRefusal == nil)
        _ = try await f.store.commit(f.accepted())
        let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
        #expect(try f.store.signedHead()?.root == tree.root(hashes[...]))
    }

    /// Changed outside the store, the head no longer checks out: extending the ledger would sign
    /// the change, so every write is refused — reads (and so verification) still work.
    @Test func aHeadThatDoesNotCheckOutMakesTheStoreRefuseWrites() async throws {
        let edits: [(String, String)] = [
            ("DELETE FROM ledger_head", "no signed head"),
            ("DELETE FROM ledger WHERE idx = (SELECT max(idx) FROM ledger)", "covers 4 entries but 3 are stored"),
            ("UPDATE ledger_head SET signed = x'00'", "not signed by this gateway's key"),
            ("UPDATE ledger_head SET frontier = x'02\(String(repeating: "00", count: 32))'", "frontier does not lead to its signed root"),
        ]
        for (edit, problem) in edits {
            let f = try StoreFixture()
            let kept = f.accepted()
            _ = try await f.store.commit(kept)
            for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
            let before = try f.store.ledgerSize()
            f.store.close()
            try SQLiteConnection(path: f.path).execute(edit)
            try f.reopen()
            #expect(f.store.writeRefusal?.description.contains(problem) == true, "\(edit): \(String(describing: f.store.writeRefusal))")
            await #expect(throws: StoreError.self) { _ = try await f.store.commit(f.accepted()) }
            await #expect(throws: StoreError.self) { _ = try await f.claim() }
            #expect(try f.store.message(kept.metadata.id) != nil)
            #expect(try f.store.ledgerSize() <= before)
        }
    }

    @Test func anEmptyStoreOpensForWrites() async throws {
        let f = try StoreFixture()
        try f.reopen()
        #expect(f.store.writeRefusal == nil)
        _ = try await f.store.commit(f.accepted())
    }
}

@Suite struct MerkleTreeTests {
    let tree = MerkleTree(hash: sha256)

    func leaves(_ n: Int) -> [[UInt8]] { (0..<n).map { sha256([0x00, UInt8($0 & 0xFF), UInt8($0 >> 8)]) } }

    @Test func frontierRootEqualsRecursiveRoot() {
        var frontier = MerkleFrontier()
        let all = leaves(70)
        #expect(frontier.root(tree: tree) == sha256([]))
        for (i, leaf) in all.enumerated() {
            frontier.append(leaf, tree: tree)
            #expect(frontier.root(tree: tree) == tree.root(all[0...i]))
            #expect(MerkleFrontier(size: i + 1, serialized: frontier.serialized) == frontier)
        }
    }

    @Test func rootFollowsRFC9162Split() {
        let d = leaves(3)
        // MTH(D[3]) = H(0x01 || H(0x01 || d0 || d1) || d2): split at the largest power of two below 3.
        #expect(tree.root(d[...]) == sha256([0x01] + sha256([0x01] + d[0] + d[1]) + d[2]))
    }

    @Test func everyInclusionProofVerifiesAndWrongOnesDoNot() {
        for n in 1...33 {
            let all = leaves(n)
            let root = tree.root(all[...])
            for m in 0..<n {
                let proof = tree.inclusionProof(index: m, all[...])
                #expect(tree.verifyInclusion(leafHash: all[m], index: m, treeSize: n, proof: proof, root: root))
                #expect(!tree.verifyInclusion(leafHash: sha256([9]), index: m, treeSize: n, proof: proof, root: root))
                if n > 1 {
                    #expect(!tree.verifyInclusion(leafHash: all[m], index: (m + 1) % n, treeSize: n, proof: proof, root: root))
                    var bent = proof
                    bent[0][0] ^= 1
                    #expect(!tree.verifyInclusion(leafHash: all[m], index: m, treeSize: n, proof: bent, root: root))
                }
            }
        }
    }

    /// RFC 9162 §2.1.4: the proof the gateway makes (§2.1.4.1) checks out with the verifier of
    /// §2.1.4.2 for every pair of sizes, and a rewritten first tree, another second root, a bent
    /// proof, a missing proof or a shrinking tree do not. (The second size is not always bound by
    /// the proof alone — 3 and 4 leaves can share a path — it is by the head the gateway signs.)
    @Test func everyConsistencyProofVerifiesAndWrongOnesDoNot() {
        for n in 1...33 {
            let all = leaves(n)
            let root = tree.root(all[...])
            for m in 0...n {
                let firstRoot = tree.root(all[0..<m])
                let proof = tree.consistencyProof(first: m, all[...])
                #expect(tree.verifyConsistency(firstSize: m, firstRoot: firstRoot, secondSize: n, secondRoot: root, proof: proof), "\(m) of \(n)")
                guard m > 0 else { continue }
                // The first m leaves with one of them changed: the history this proof must reject.
                var rewritten = Array(all[0..<m])
                rewritten[m / 2] = sha256([7, UInt8(m)])
                #expect(!tree.verifyConsistency(firstSize: m, firstRoot: tree.root(rewritten[...]), secondSize: n, secondRoot: root, proof: proof))
                #expect(!tree.verifyConsistency(firstSize: m, firstRoot: firstRoot, secondSize: n, secondRoot: sha256([8]), proof: proof))
                guard m < n else { continue }
                #expect(!proof.isEmpty)
                for i in proof.indices {
                    var bent = proof
                    bent[i][0] ^= 1
                    #expect(!tree.verifyConsistency(firstSize: m, firstRoot: firstRoot, secondSize: n, secondRoot: root, proof: bent))
                }
                #expect(!tree.verifyConsistency(firstSize: n, firstRoot: root, secondSize: m, secondRoot: firstRoot, proof: proof))
                #expect(!tree.verifyConsistency(firstSize: m, firstRoot: firstRoot, secondSize: n, secondRoot: root, proof: []))
            }
        }
    }

    @Test func frontierRefusesInconsistentSerialization() {
        var frontier = MerkleFrontier()
        for leaf in leaves(5) { frontier.append(leaf, tree: tree) }
        #expect(MerkleFrontier(size: 6, serialized: frontier.serialized) == nil)
        #expect(MerkleFrontier(size: 5, serialized: Array(frontier.serialized.dropLast())) == nil)
    }
}
