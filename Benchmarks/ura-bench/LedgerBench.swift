import UraProvisioning
import UraClient
import UraDaemon
import UraBasics
import Foundation
import UraCrypto
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraProtocol
import UraStore
import UraStoreSQLite

/// What a ledger proof costs the gateway: it rebuilds the tree from every leaf hash (no interior
/// node is stored), so a consistency proof (`ura audit`) or an inclusion proof is linear in the
/// ledger's size. Measures the hashing part for `--entries` leaves (the store read comes on top).
///
///   ura-bench ledger [--entries 100000]
enum LedgerBench {
    static func run(_ arguments: [String]) throws {
        var entries = 100_000
        if arguments.count == 2, arguments[0] == "--entries", let n = Int(arguments[1]), n > 1 { entries = n }
        else if !arguments.isEmpty { throw BenchError("usage: ura-bench ledger [--entries N] (N > 1)") }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let leaves = (0..<entries).map { i in SHA256.hash([0x00] + withUnsafeBytes(of: UInt64(i).littleEndian, Array.init)) }
        let clock = ContinuousClock()
        var proofLength = 0
        let consistency = clock.measure { proofLength = tree.consistencyProof(first: entries * 3 / 5, leaves[...]).count }
        let inclusion = clock.measure { proofLength += tree.inclusionProof(index: entries / 3, leaves[...]).count }
        report(suite: "ledger", case: "consistency-proof", rate: 1 / consistency.secondsDouble, unit: "proofs/s",
               extra: ["entries": "\(entries)", "ms": String(format: "%.1f", consistency.secondsDouble * 1000)])
        report(suite: "ledger", case: "inclusion-proof", rate: 1 / inclusion.secondsDouble, unit: "proofs/s",
               extra: ["entries": "\(entries)", "ms": String(format: "%.1f", inclusion.secondsDouble * 1000), "hashes": "\(proofLength)"])
    }
}
