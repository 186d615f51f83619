import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura audit`: checks that the gateway's ledger only grew since this profile last looked. The
/// first audit keeps the gateway's signed tree head (`ledger/head.json` in the state folder);
/// each later one fetches a consistency proof (RFC 9162) from that head to the current one and
/// keeps the new head only when the proof holds. A ledger that shrank, or whose first entries
/// changed, fails with exit 2 and the kept head stays as evidence: the gateway's operator
/// rewrote history, or shows this agency another ledger than before.
enum AuditCommand {
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

    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["json"])
        let connection = try context.connection()
        defer { connection.close() }
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
                report(args, ["result": "empty", "tree_size": 0], "the gateway's ledger is empty: nothing to audit yet")
                return
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

        let now = RFC3339.string(from: Date())
        let head = KeptHead(size: proof.treeSize, root: proof.root, signedHead: (try? JSONValue(parsing: proof.signedHead)) ?? .null, auditedAt: now)
        _ = try profile.stateFolder("ledger")
        try DurableFile.write(Array(head.json.serialized(options: .sortedKeys)), to: file)
        let root = Base64URL.encode(proof.root)
        var fields: JSONObject = ["tree_size": .number(Double(proof.treeSize)), "root": .string(root), "kept": .string(file.path)]
        guard let kept else {
            fields["result"] = "first"
            report(args, fields, "first audit: the gateway's ledger has \(proof.treeSize) entries (root \(root)); its signed head is kept in "
                   + "\(file.path), and later audits check that the ledger only grows from it")
            return
        }
        fields["previous_size"] = .number(Double(kept.size))
        fields["previous_audit"] = .string(kept.auditedAt)
        if proof.treeSize == kept.size {
            fields["result"] = "unchanged"
            report(args, fields, "the ledger has the same \(proof.treeSize) entries as at the audit of \(kept.auditedAt)")
        } else {
            fields["result"] = "grew"
            report(args, fields, "the ledger grew from \(kept.size) to \(proof.treeSize) entries and keeps unchanged the \(kept.size) "
                   + "it had at the audit of \(kept.auditedAt) (consistency proof checked against the gateway's signed head)")
        }
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

    static func report(_ args: CommandLineArguments, _ fields: JSONObject, _ sentence: String) {
        if args.flag("json") { Terminal.out(JSONValue.object(fields).serializedString()) } else { Terminal.out(sentence) }
    }
}
