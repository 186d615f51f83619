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
        let directory = try loadDirectory(args.option("directory"), profile: profile)
        // A signed directory must be signed by a key the profile pins; without a profile, by one
        // of those the plain directory file lists (its reader vouches for that file). Receipts and
        // tree heads by a gateway key that directory lists.
        let pinned = profile?.gatewayKeyIDs ?? directory.gateway.keys.filter { $0.use == .sig }.map(\.kid)
        guard let json = try? JSONValue(parsing: bytes) else { throw ClientError("\(path) is not JSON", .dataError) }
        if json["tree_size"] != nil, json["entries"] != nil {
            let proof: InclusionProof
            do { proof = try InclusionProof(json: json) } catch { throw ClientError(error.description, .dataError) }
            let keys = directory.gateway.keys.compactMap { listed in try? directory.gatewaySigningKey(listed.kid).key }
            guard keys.contains(where: { proof.verify(gatewayKey: $0) }) else {
                throw ClientError("the inclusion proof does not check out against the gateway's signed tree head", .verificationFailed)
            }
            Terminal.out("valid: \(proof.entries.count) ledger entr\(proof.entries.count == 1 ? "y is" : "ies are") in the tree of \(proof.treeSize) the gateway signed")
            return
        }
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch { throw ClientError("\(path) is not a JWS: \(error)", .dataError) }
        switch jws.signature.type {
        case "ura-receipt+json":
            let receipt = try ReceiptCheck.verify(bytes, directory: directory, skew: profile?.clockSkew ?? SigningTime.skew)
            Terminal.out("valid: \(receipt.kind.rawValue) receipt for \(receipt.message), signed by \(receipt.by), digest \(receipt.digest)")
        case "ura-directory+json":
            let checked = try verifiedDirectory(bytes, pinned: pinned)
            Terminal.out("valid: directory version \(checked.version) of \(checked.gateway.id), \(checked.agencies.count) agencies")
        default:
            let (parsed, envelope) = try MessageCheck.verify(bytes, directory: directory, skew: profile?.clockSkew ?? SigningTime.skew)
            // The gateway reads envelopes with the strict parser: one it would refuse (a name twice) is not valid here either.
            let payload: JSONValue
            do { payload = try JSONValue(parsing: parsed.payload) } catch {
                throw ClientError("the envelope is not valid JSON: \(error)", .verificationFailed)
            }
            if let catalogue = try? context.catalogue() {
                let errors = catalogue.envelope.validate(payload)
                if !errors.isEmpty { throw ClientError("the envelope does not match its schema: \(errors.prefix(3))", .verificationFailed) }
            }
            Terminal.out("valid: message \(envelope.id) \(envelope.type) from \(envelope.from) to \(envelope.to.map(\.rawValue).joined(separator: ", ")), "
                         + "case \(envelope.caseReference), digest \(Base64URL.encode(SHA256.hash(parsed.signingInput())))")
        }
    }

    /// The directory to check against: a signed one (the profile's cache, or --directory) checked
    /// against the profile's pinned gateway keys, or a plain directory.json as given.
    static func loadDirectory(_ option: String?, profile: AgencyProfile?) throws(ClientError) -> Directory {
        let path: String
        if let option {
            path = option
        } else if let profile {
            path = profile.state.appendingPathComponent("cache/directory.jws").path
        } else {
            throw ClientError("give the directory with --directory FILE (or a profile whose cache holds one)", .usage)
        }
        let bytes = try readFile(path)
        if let jws = try? JWS.parse(bytes), jws.signature.type == "ura-directory+json" {
            guard let profile else {
                throw ClientError("\(path) is a signed directory, checked against the gateway key an agency's profile pins (gateway_key): "
                               + "give the profile with --profile FILE, or give the plain directory.json from the gateway host", .configuration)
            }
            return try verifiedDirectory(bytes, pinned: profile.gatewayKeyIDs)
        }
        do { return try JSONValueDecoder().decode(Directory.self, from: try JSONValue(parsing: bytes)) } catch {
            throw ClientError("\(path) is not a directory: \(ModelError.describe(error))", .dataError)
        }
    }

    /// A signed directory checked offline: one that does not check out is a failed verification
    /// (exit 2), not the gateway answering badly.
    static func verifiedDirectory(_ bytes: [UInt8], pinned: [String]) throws(ClientError) -> Directory {
        do { return try GatewayConnection.verifySignedDirectory(bytes, pinned: pinned) } catch {
            throw ClientError(error.message, .verificationFailed)
        }
    }
}
