import UraBasics
import Foundation
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
        let args = try CommandLineArguments(raw, options: ["directory"], flags: [])
        let path = try args.positional(0, "the file to verify")
        let bytes = try readFile(path)
        let profile = try context.profileIfGiven()
        let directory = try OfflineVerifier.loadDirectory(args.option("directory"), profile: profile)
        // A signed directory must be signed by a key the profile pins; without a profile, by one
        // of those the plain directory file lists (its reader vouches for that file).
        let pinned = profile?.gatewayKeyIDs ?? directory.gateway.keys.filter { $0.use == .sig }.map(\.kid)
        switch try OfflineVerifier.verify(bytes, path: path, directory: directory, pinned: pinned, catalogue: try? context.catalogue(),
                                          skew: profile?.clockSkew ?? SigningTime.skew) {
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
