import Testing
import UraCrypto
import UraProtocol
import UraTestTraits

/// RFC 9162 hashing, audit paths and consistency proofs, and the frontier the store keeps beside
/// its signed head.
@Suite(.offThePool) struct MerkleTreeTests {
    let tree = MerkleTree(hash: { SHA256.hash($0) })
    func sha256(_ bytes: [UInt8]) -> [UInt8] { SHA256.hash(bytes) }

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

    /// The proofs built from perfect subtrees (what the store keeps) are RFC 9162's, for every size,
    /// index and earlier size up to 70, and read only O(log n) distinct subtrees.
    @Test func proofsFromPerfectSubtreesEqualTheRecursiveOnes() {
        let all = leaves(70)
        var asked = Set<[Int]>()
        let perfect: MerkleTree.PerfectRoot<Never> = { start, height in
            asked.insert([start, height])
            return tree.root(all[start..<start + (1 << height)])
        }
        for n in 1...all.count {
            #expect(tree.root(count: n, perfect: perfect) == tree.root(all[..<n]))
            for i in 0..<n {
                asked = []
                #expect(tree.inclusionProof(index: i, size: n, perfect: perfect) == tree.inclusionProof(index: i, all[..<n]), "\(i) of \(n)")
                #expect(asked.count <= 2 * (Int.bitWidth - n.leadingZeroBitCount), "\(asked.count) subtrees for \(i) of \(n)")
            }
            for m in 0...n {
                asked = []
                #expect(tree.consistencyProof(first: m, size: n, perfect: perfect) == tree.consistencyProof(first: m, all[..<n]), "\(m) to \(n)")
                #expect(asked.count <= 2 * (Int.bitWidth - n.leadingZeroBitCount), "\(asked.count) subtrees for \(m) to \(n)")
            }
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
