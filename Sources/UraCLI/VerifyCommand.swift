import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// `ura verify FILE`: checks offline, against a directory, a signed message, a receipt, a signed
/// directory or a ledger inclusion proof. The directory comes from --directory (a plain or signed
/// directory file) or from the profile's cache; a signed one must be signed by a gateway key the
/// profile pins. Exit 0 when it checks out, 2 when it does not.
enum VerifyCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["directory"], flags: ["json"])
        let path = try args.positional(0, "the file to verify")
        let bytes = try readFile(path)
        let profile = try context.profileIfGiven()
        let directory = try OfflineVerifier.loadDirectory(args.option("directory"), profile: profile)
        // A signed directory must be signed by a key the profile pins; without a profile, by one
        // of those the plain directory file lists (its reader vouches for that file).
        let pinned = profile?.gatewayKeyIDs ?? directory.gateway.keys.filter { $0.use == .sig }.map(\.kid)
        let verified = try OfflineVerifier.verify(bytes, path: path, directory: directory, pinned: pinned, catalogue: try? context.catalogue(),
                                          skew: profile?.clockSkew ?? SigningTime.skew)
        if args.flag("json") {
            let json: JSONValue = switch verified {
            case .inclusionProof(let entries, let treeSize): ["valid": true, "kind": "inclusion-proof", "entries": .number(Double(entries)), "tree_size": .number(Double(treeSize))]
            case .receipt(let r): ["valid": true, "kind": "receipt", "receipt": .string(r.kind.rawValue), "message": .string(r.message.rawValue), "by": .string(r.by.rawValue), "digest": .string(r.digest)]
            case .directory(let d): ["valid": true, "kind": "directory", "version": .number(Double(d.version)), "gateway": .string(d.gateway.id.rawValue), "agencies": .number(Double(d.agencies.count))]
            case .message(let e, let digest): ["valid": true, "kind": "message", "id": .string(e.id.rawValue), "type": .string(e.type.rawValue), "from": .string(e.from.rawValue),
                                               "to": .array(e.to.map { .string($0.rawValue) }), "case": .string(e.caseReference.rawValue), "digest": .string(digest)]
            }
            Terminal.out(json.serializedString())
            return
        }
        switch verified {
        case .inclusionProof(let entries, let treeSize):
            Terminal.out("valid: \(entries) ledger entr\(entries == 1 ? "y is" : "ies are") in the tree of \(treeSize) the gateway signed")
        case .receipt(let receipt):
            Terminal.out("valid: \(receipt.kind.rawValue) receipt for \(receipt.message), signed by \(receipt.by), digest \(receipt.digest)")
        case .directory(let checked):
            Terminal.out("valid: directory version \(checked.version) of \(checked.gateway.id), \(checked.agencies.count) agencies")
        case .message(let envelope, let digest):
            Terminal.out("valid: message \(envelope.id) \(envelope.type) from \(envelope.from) to \(envelope.to.map(\.rawValue).joined(separator: ", ")), "
                         + "case \(envelope.caseReference), digest \(digest)")
        }
    }
}
