import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// The gateway's own signing key and what it signs: accepted and failed receipts, notices, the
/// ledger's tree heads and the directory. Its public key is in the directory (`gateway.keys`).
public struct GatewaySigner: Sendable {
    public let id: AgencyID
    public let key: SigningKey

    public init(id: AgencyID, key: SigningKey) {
        self.id = id
        self.key = key
    }

    /// A receipt as a flattened JWS (`typ: ura-receipt+json`).
    public func sign(_ receipt: Receipt) throws(CryptoError) -> FlattenedJWS {
        try receipt.signed(with: key)
    }

    /// Signs a tree head `{tree_size, root, gateway}` (`typ: ura-tree-head+json`).
    public func signTreeHead(size: Int, root: [UInt8]) -> [UInt8] {
        let payload: JSONValue = ["tree_size": .number(Double(size)), "root": .string(Base64URL.encode(root)), "gateway": .string(id.rawValue)]
        // Signing with a valid in-memory key cannot fail short of an OpenSSL fault; the ledger
        // must then stop rather than write an unsigned head.
        guard let jws = try? JWS.sign(payload: payload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"], with: key) else {
            fatalError("the gateway's signing key could not sign a tree head")
        }
        return jws.serialized()
    }

    /// True when `signed` is this gateway's signature over exactly `size` and `root`, made with its
    /// current key or one of `earlierKeys` (a head or checkpoint signed before a key rotation).
    public func verifyTreeHead(_ signed: [UInt8], size: Int, root: [UInt8], earlierKeys: [VerificationKey] = []) -> Bool {
        guard let head = SignedTreeHead(signed, keys: [key.publicKey] + earlierKeys) else { return false }
        return head.says(size: size, root: root) && head.gateway == id.rawValue
    }
}
