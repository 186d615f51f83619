// ura-bench: in-process benchmarks. Each suite lives in its own file as `enum <Name>Bench` with
// `static func run(_ arguments: [String]) throws`; figures go to stdout, one JSON object per line,
// so the scripts in Benchmarks/ can put them next to their references (openssl speed, ...).
import UraProvisioning
import UraClient
import UraDaemon
import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraProtocol
import UraStoreSQLite

let suites: [(name: String, summary: String, run: ([String]) throws -> Void)] = [
    ("json", "parse and serialize a 4 KiB envelope", JSONBench.run),
    ("schema", "validate one instance: schema [schema-file] [instance-file] [--sample]", SchemaBench.run),
    ("steps", "single-thread cost of each step of intake", StepsBench.run),
    ("store", "store commits/s of 6 KiB messages at 64 submitters", StoreBench.run),
    ("crypto", "JWS sign/verify, JWE encrypt 4 KiB to 3 recipients and decrypt (single thread)", CryptoBench.run),
    ("jose-interop", "(test helper) sign, verify, encrypt, decrypt for scripts/e2e/jose-interop.sh", JOSEInterop.run),
    ("intake", "accepted messages/s in process, 1/16/64 submitters, next to the crypto ceiling", IntakeBench.run),
    ("http", "HTTPS server under the TLS load generator (trivial handler)", HTTPBench.run),
    ("gateway", "urad in process over HTTPS: accepted msg/s, latency at a paced rate, accept-to-push latency", GatewayBench.run),
    ("federation", "two gateways in process: cross-border accept-to-delivered latency, next to one gateway's accept-to-push", FederationBench.run),
    ("ledger", "cost of inclusion and consistency proofs on a store of N entries, against rebuilding the tree: [--entries 10000,100000,1000000] [--repeat 200]", LedgerBench.run),
    ("postgres", "store commits/s and p99: SQLite, PostgreSQL 1 node, 2 nodes (or --nodes 1,2,3), and a libpq INSERT+COMMIT anchor: --url URL [--count 4000] [--concurrency 64] [--nodes 1,2] [--body repeated|random] (Benchmarks/postgres.sh)", PostgresBench.run),
    ("gateway-nodes", "urad over HTTPS on one PostgreSQL database: 1 node, 2 nodes, 1 node: --url URL [--messages 3000] [--connections 64] [--warm 2000] (Benchmarks/postgres.sh --nodes)", GatewayNodesBench.run),
    ("powerloss-load", "(test helper) acknowledged messages under load for scripts/powerloss/run.sh: --data-dir DIR --port N [--messages N] [--connections N] [--rate R]", PowerLossLoad.run),
    ("disk", "fdatasync latency of the disk alone and beside random writes (no Ura): [--seconds 60] [--background-mb 10]", DiskBench.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let suite = suites.first(where: { $0.name == name }) else {
    print("usage: ura-bench <suite> [options]\n\nsuites:")
    for suite in suites { print("  \(suite.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(suite.summary)") }
    exit(arguments.isEmpty ? 0 : 64)
}
do {
    try suite.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("ura-bench \(name): \(error)\n".utf8))
    exit(1)
}
