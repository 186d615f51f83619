import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// The audit behind `ura audit`: checks that the gateway's ledger only grew since this profile last looked. The
/// first audit keeps the gateway's signed tree head (`ledger/head.json` in the state folder);
/// each later one fetches a consistency proof (RFC 9162) from that head to the current one and
/// keeps the new head only when the proof holds. A ledger that shrank, or whose first entries
/// changed, fails (`verificationFailed`) and the kept head stays as evidence: the gateway's operator
/// rewrote history, or shows this agency another ledger than before.
public enum LedgerAudit {
    /// What an audit found; `sentence` says it for a person, `fields` for a machine (`--json`).
    public struct Report: Sendable {
        public enum Outcome: String, Sendable { case empty, first, unchanged, grew, entries }
        public let outcome: Outcome
        public let fields: JSONObject
        public let sentence: String
    }

    /// The head kept by the last audit that passed.
    struct KeptHead {
        let size: Int
        let root: [UInt8]
        let signedHead: JSONValue
        let auditedAt: String

        var json: JSONValue {
            ["tree_size": .number(Double(size)), "root": .string(Base64URL.encode(root)), "signed_head": signedHead, "audited_at": .string(auditedAt)]
        }
    }

    /// Audits the ledger of the gateway `connection` reaches, as its profile's agency.
    public static func run(_ connection: GatewayConnection, now: Date = Date()) async throws(ClientError) -> Report {
        let profile = connection.profile
        let directory = try await connection.directory()
        // Tree heads carry no time: any gateway signing key the checked directory lists.
        let keys = directory.gateway.keys.filter { $0.use == .sig }.compactMap {
            try? directory.gatewaySigningKey($0.kid).key
        }
        let file = profile.state.appendingPathComponent("ledger/head.json")
        let kept = try load(file, keys: keys)

        let reply = try await connection.exchange("GET", "/v1/ledger/proof?from=\(kept?.size ?? 0)")
        if reply.status == 404, reply.problem == .notFound {
            guard let kept else {
                return Report(outcome: .empty, fields: ["result": "empty", "tree_size": 0], sentence: "the gateway's ledger is empty: nothing to audit yet")
            }
            throw rewritten(kept, file, "the gateway now says its ledger is empty")
        }
        if reply.status == 400, let kept {
            // `from` beyond the ledger's size, if its signed head says it holds fewer entries than it
            // did; any other refusal (a gateway too old for consistency proofs) is not evidence.
            let checkpoint = try await connection.exchange("GET", "/v1/ledger/checkpoint")
            if checkpoint.status == 200, let signed = checkpoint.json?["signed_head"],
               let head = SignedTreeHead(signed.serialized(), keys: keys), head.root != nil, head.size < kept.size {
                throw rewritten(kept, file, "its signed head now has \(head.size) entries")
            }
            throw reply.refusal
        }
        if reply.status >= 400 { throw reply.refusal }
        let proof: ConsistencyProof
        do { proof = try ConsistencyProof(json: reply.json ?? .null) } catch {
            throw ClientError("the gateway's answer is not a consistency proof: \(error.description)", .protocolError)
        }
        guard SignedTreeHead(proof.signedHead, keys: keys)?.says(size: proof.treeSize, root: proof.root) == true else {
            throw ClientError("the tree head the gateway sent (\(proof.treeSize) entries) is not signed by a gateway key the directory lists", .verificationFailed)
        }
        guard proof.from == (kept?.size ?? 0) else {
            throw ClientError("the gateway sent a proof from \(proof.from) entries, not from the \(kept?.size ?? 0) asked for", .protocolError)
        }
        if let kept, !proof.extends(earlierRoot: kept.root) {
            throw rewritten(kept, file, "its signed head of \(proof.treeSize) entries does not extend it (the consistency proof fails)")
        }

        let auditedAt = RFC3339.string(from: now)
        let head = KeptHead(size: proof.treeSize, root: proof.root, signedHead: (try? JSONValue(parsing: proof.signedHead)) ?? .null, auditedAt: auditedAt)
        _ = try profile.stateFolder("ledger")
        do { try DurableFile.write(Array(head.json.serialized(options: .sortedKeys)), to: file) } catch {
            throw ClientError("\(error.message); the audit passed, but its head could not be kept", .ioError)
        }
        let root = Base64URL.encode(proof.root)
        var fields: JSONObject = ["tree_size": .number(Double(proof.treeSize)), "root": .string(root), "kept": .string(file.path)]
        guard let kept else {
            fields["result"] = "first"
            return Report(outcome: .first, fields: fields, sentence: "first audit: the gateway's ledger has \(proof.treeSize) entries (root \(root)); its signed head is kept in "
                   + "\(file.path), and later audits check that the ledger only grows from it")
        }
        fields["previous_size"] = .number(Double(kept.size))
        fields["previous_audit"] = .string(kept.auditedAt)
        if proof.treeSize == kept.size {
            fields["result"] = "unchanged"
            return Report(outcome: .unchanged, fields: fields, sentence: "the ledger has the same \(proof.treeSize) entries as at the audit of \(kept.auditedAt)")
        } else {
            fields["result"] = "grew"
            return Report(outcome: .grew, fields: fields, sentence: "the ledger grew from \(kept.size) to \(proof.treeSize) entries and keeps unchanged the \(kept.size) "
                   + "it had at the audit of \(kept.auditedAt) (consistency proof checked against the gateway's signed head)")
        }
    }

    /// The audit behind `ura audit --entries`: fetches the ledger entries from `from` (at most
    /// `count`; an agency gets those about its own messages, the secretariat all), and recomputes
    /// each leaf's hash and its audit path up to the head the gateway signed — so an entry whose text
    /// was changed, even with its stored hash recomputed, fails here and not only in urad's own check.
    public static func entries(_ connection: GatewayConnection, from: Int, count: Int) async throws(ClientError) -> Report {
        guard from >= 0, count > 0 else { throw ClientError("--from must be 0 or more and --count 1 or more", .usage) }
        let directory = try await connection.directory()
        let keys = directory.gateway.keys.filter { $0.use == .sig }.compactMap { try? directory.gatewaySigningKey($0.kid).key }
        let reply = try await connection.exchange("GET", "/v1/ledger/entries?from=\(from)&count=\(count)")
        if reply.status >= 400 { throw reply.refusal }
        let proof: InclusionProof
        do { proof = try InclusionProof(json: reply.json ?? .null) } catch {
            throw ClientError("the gateway's answer is not a list of ledger entries with their audit paths: \(error.description)", .protocolError)
        }
        guard SignedTreeHead(proof.signedHead, keys: keys)?.says(size: proof.treeSize, root: proof.root) == true else {
            throw ClientError("the tree head the gateway sent (\(proof.treeSize) entries) is not signed by a gateway key the directory lists", .verificationFailed)
        }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        for entry in proof.entries {
            guard entry.index >= from, entry.index < from + count else {
                throw ClientError("the gateway sent entry \(entry.index), outside the range \(from)..<\(from + count) asked for", .protocolError)
            }
            guard (try? JSONValue(parsing: entry.leaf))?["index"]?.intValue == entry.index else {
                throw ClientError("LEDGER ENTRY \(entry.index) IS NOT WHAT IT CLAIMS: its text names another index or is not JSON", .verificationFailed)
            }
            guard tree.verifyInclusion(leafHash: tree.hash([0x00] + entry.leaf), index: entry.index, treeSize: proof.treeSize,
                                       proof: entry.path, root: proof.root) else {
                throw ClientError("LEDGER ENTRY \(entry.index) WAS CHANGED: its text does not hash into the tree head the gateway signed "
                                  + "(\(proof.treeSize) entries, root \(Base64URL.encode(proof.root))). Report it to the national coordinator", .verificationFailed)
            }
        }
        let root = Base64URL.encode(proof.root)
        let fields: JSONObject = ["result": "entries", "from": .number(Double(from)), "count": .number(Double(count)),
                                  "checked": .number(Double(proof.entries.count)), "tree_size": .number(Double(proof.treeSize)), "root": .string(root),
                                  "indexes": .array(proof.entries.map { .number(Double($0.index)) })]
        return Report(outcome: .entries, fields: fields,
                      sentence: "\(proof.entries.count) ledger entries from \(from) (of \(count) looked at) recomputed: each leaf hashes into the tree "
                        + "head the gateway signed (\(proof.treeSize) entries, root \(root))")
    }

    /// The head kept by the last audit, checked again: a file this command did not write whole
    /// (or that someone edited) is an error, not a fresh start.
    static func load(_ file: URL, keys: [VerificationKey]) throws(ClientError) -> KeptHead? {
        guard let bytes = FileManager.default.contents(atPath: file.path) else { return nil }
        guard let json = try? JSONValue(parsing: Array(bytes)), let signed = json["signed_head"], let auditedAt = json["audited_at"]?.stringValue,
              let head = SignedTreeHead(signed.serialized(), keys: keys), let root = head.root,
              json["tree_size"]?.intValue == head.size, json["root"]?.stringValue == Base64URL.encode(root)
        else {
            throw ClientError("\(file.path), the tree head kept by the last audit, is not a head the gateway signed; "
                           + "keep it for whoever investigates, and move it away to start auditing afresh", .verificationFailed)
        }
        return KeptHead(size: head.size, root: root, signedHead: signed, auditedAt: auditedAt)
    }

    static func rewritten(_ kept: KeptHead, _ file: URL, _ what: String) -> ClientError {
        ClientError("THE LEDGER WAS REWRITTEN: at the audit of \(kept.auditedAt) the gateway signed a ledger of \(kept.size) entries "
                 + "(root \(Base64URL.encode(kept.root))), and \(what). Its history changed, or it shows this agency another ledger. "
                 + "Report it to the national coordinator with \(file.path), which is kept unchanged", .verificationFailed)
    }
}
