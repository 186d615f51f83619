import Foundation
import Testing
import UraCrypto
import UraProtocol
import UraStore
import UraTestTraits

/// A batch's audit paths, computed from the frontier before it and its own leaves, are the paths
/// RFC 9162 gives over the whole tree, for every size before and after and every entry of the batch.
@Suite(.offThePool) struct LedgerBatchTests {
    let tree = MerkleTree(hash: { SHA256.hash($0) })

    func leaves(_ n: Int) -> [[UInt8]] { (0..<n).map { Array("leaf \($0)".utf8) } }

    @Test func auditPathsEqualTheWholeTreesForEveryBatchShape() {
        let all = leaves(70)
        let hashes = all.map { tree.hash([0x00] + $0) }
        for before in 0..<40 {
            for count in 1...30 where before + count <= all.count {
                var frontier = MerkleFrontier()
                for h in hashes[..<before] { frontier.append(h, tree: tree) }
                let batch = LedgerBatch(after: frontier)
                for i in before..<(before + count) { batch.append(leaf: all[i], hash: hashes[i], completed: frontier.append(hashes[i], tree: tree)) }
                let size = before + count
                let root = tree.root(hashes[..<size])
                batch.seal(treeSize: size, root: root, signedHead: [])
                let sealed = batch.sealed!
                for i in before..<size {
                    let path = sealed.auditPath(i, tree: tree)
                    #expect(path == tree.inclusionProof(index: i, hashes[..<size]), "entry \(i) of a batch \(before)..<\(size)")
                    #expect(tree.verifyInclusion(leafHash: hashes[i], index: i, treeSize: size, proof: path ?? [], root: root))
                    #expect(sealed.leaf(i) == all[i])
                }
                // Entries of earlier batches are not this batch's to prove.
                if before > 0 { #expect(sealed.auditPath(before - 1, tree: tree) == nil && sealed.leaf(before - 1) == nil) }
                #expect(sealed.auditPath(size, tree: tree) == nil)
            }
        }
    }

    @Test func aRolledBackJobsEntriesAreForgotten() {
        let all = leaves(12)
        let hashes = all.map { tree.hash([0x00] + $0) }
        var frontier = MerkleFrontier()
        for h in hashes[..<5] { frontier.append(h, tree: tree) }
        let batch = LedgerBatch(after: frontier)
        batch.append(leaf: all[5], hash: hashes[5], completed: frontier.append(hashes[5], tree: tree))
        // A job appended two entries, then its savepoint was rolled back: the writer's frontier
        // goes back to where it was (the head saved before the job).
        var undone = frontier
        for name in ["x", "y"] {
            let hash = tree.hash(Array(name.utf8))
            batch.append(leaf: Array("undone".utf8), hash: hash, completed: undone.append(hash, tree: tree))
        }
        batch.truncate(to: 6)
        #expect(batch.sealed == nil)
        for i in 6..<9 { batch.append(leaf: all[i], hash: hashes[i], completed: frontier.append(hashes[i], tree: tree)) }
        batch.seal(treeSize: 9, root: tree.root(hashes[..<9]), signedHead: [])
        for i in 5..<9 { #expect(batch.sealed?.auditPath(i, tree: tree) == tree.inclusionProof(index: i, hashes[..<9])) }
    }
}
