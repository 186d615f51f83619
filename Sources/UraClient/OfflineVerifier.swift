import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema

/// Checks offline, against a directory, what Ura signs: a message, a receipt, a signed directory
/// or a ledger inclusion proof (`ura verify`). A signed directory must be signed by a gateway key
/// `pinned` names; receipts and tree heads by a gateway key the directory lists.
public enum OfflineVerifier {
    /// What checked out.
    public enum Verified: Sendable {
        case inclusionProof(entries: Int, treeSize: Int)
        case receipt(Receipt)
        case directory(Directory)
        case message(Envelope, digest: String)
    }

    /// Checks `bytes` (named `path` in sentences); `catalogue`, when given, also checks a message's envelope.
    public static func verify(_ bytes: [UInt8], path: String, directory: Directory, pinned: [String], catalogue: MessageCatalogue?,
                              skew: TimeInterval = SigningTime.skew) throws(ClientError) -> Verified {
        guard let json = try? JSONValue(parsing: bytes) else { throw ClientError("\(path) is not JSON", .dataError) }
        if json["tree_size"] != nil, json["entries"] != nil {
            let proof: InclusionProof
            do { proof = try InclusionProof(json: json) } catch { throw ClientError(error.description, .dataError) }
            let keys = directory.gateway.keys.compactMap { listed in try? directory.gatewaySigningKey(listed.kid).key }
            guard keys.contains(where: { proof.verify(gatewayKey: $0) }) else {
                throw ClientError("the inclusion proof does not check out against the gateway's signed tree head", .verificationFailed)
            }
            return .inclusionProof(entries: proof.entries.count, treeSize: proof.treeSize)
        }
        if json["typ"]?.stringValue == LedgerReceipt.type {
            return .receipt(try ReceiptCheck.verify(bytes, directory: directory, skew: skew))
        }
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch { throw ClientError("\(path) is not a JWS: \(error)", .dataError) }
        switch jws.signature.type {
        case "ura-receipt+json":
            return .receipt(try ReceiptCheck.verify(bytes, directory: directory, skew: skew))
        case "ura-directory+json":
            return .directory(try verifiedDirectory(bytes, pinned: pinned))
        default:
            let (parsed, envelope) = try MessageCheck.verify(bytes, directory: directory, skew: skew)
            // The gateway reads envelopes with the strict parser: one it would refuse (a name twice) is not valid here either.
            let payload: JSONValue
            do { payload = try JSONValue(parsing: parsed.payload) } catch {
                throw ClientError("the envelope is not valid JSON: \(error)", .verificationFailed)
            }
            if let catalogue {
                let errors = catalogue.envelope.validate(payload)
                if !errors.isEmpty { throw ClientError("the envelope does not match its schema: \(errors.prefix(3))", .verificationFailed) }
            }
            return .message(envelope, digest: Base64URL.encode(SHA256.hash(parsed.signingInput())))
        }
    }

    /// The directory to check against: a signed one (the profile's cache, or --directory) checked
    /// against the profile's pinned gateway keys, or a plain directory.json as given.
    public static func loadDirectory(_ option: String?, profile: AgencyProfile?) throws(ClientError) -> Directory {
        let path: String
        if let option {
            path = option
        } else if let profile {
            path = profile.state.appendingPathComponent("cache/directory.jws").path
        } else {
            throw ClientError("give the directory with --directory FILE (or a profile whose cache holds one)", .usage)
        }
        let bytes = try LocalFile.read(path)
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
