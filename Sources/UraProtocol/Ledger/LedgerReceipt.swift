import Foundation
import UraCrypto
import UraJSON
import UraModel

/// An accepted receipt signed per commit batch (`typ: ura-ledger-receipt+json`), for agencies whose
/// directory entry says `"receipts": "per_batch"`: instead of one signature per message, the
/// gateway signs one tree head per commit batch, and the receipt is that signed head with the
/// message's `message.accepted` leaf and its audit path (RFC 9162) to the head's root. It makes the
/// same claims as a signed accepted receipt (`receipt`, `message`, `digest`, `at`, `by`) and is
/// also a proof that the message is in the ledger. Checking it costs one signature check per
/// head (the same for every receipt of the batch, so cacheable) and a few hashes.
public struct LedgerReceipt: Sendable, Equatable {
    public static let type = "ura-ledger-receipt+json"

    /// The claims, as a signed accepted receipt makes them.
    public let claims: Receipt
    /// The `message.accepted` entry's index, its leaf bytes and its audit path to the head.
    public let index: Int
    public let leaf: [UInt8]
    public let path: [[UInt8]]
    public let treeSize: Int
    /// The gateway's tree head (`ura-tree-head+json`) over `treeSize` entries, a flattened JWS.
    public let signedHead: [UInt8]

    public init(claims: Receipt, index: Int, leaf: [UInt8], path: [[UInt8]], treeSize: Int, signedHead: [UInt8]) {
        (self.claims, self.index, self.leaf, self.path, self.treeSize, self.signedHead) = (claims, index, leaf, path, treeSize, signedHead)
    }

    /// The receipt for the entry at `index` with `leaf` (a `message.accepted` leaf), under a head
    /// over `treeSize` entries: the claims are read from the leaf, so they cannot differ from it.
    public init?(index: Int, leaf: [UInt8], path: [[UInt8]], treeSize: Int, signedHead: [UInt8], by gateway: AgencyID) {
        guard let claims = Self.claims(ofLeaf: leaf, index: index, by: gateway) else { return nil }
        self.init(claims: claims, index: index, leaf: leaf, path: path, treeSize: treeSize, signedHead: signedHead)
    }

    public var json: JSONValue {
        guard case .object(var object) = claims.json else { preconditionFailure("a receipt is a JSON object") }
        object["typ"] = .string(Self.type)
        object["index"] = .number(Double(index))
        object["leaf"] = .string(Base64URL.encode(leaf))
        object["path"] = .array(path.map { .string(Base64URL.encode($0)) })
        object["tree_size"] = .number(Double(treeSize))
        object["signed_head"] = (try? JSONValue(parsing: signedHead)) ?? .null
        return .object(object)
    }

    /// `json` serialized, with the signed head's bytes spliced in as they are (the intake makes
    /// one of these per message: no parsing of the head or the leaf on that path).
    public func serialized() -> [UInt8] {
        var out = claims.json.serialized()
        out.removeLast()  // the claims' closing brace
        out.reserveCapacity(out.count + leaf.count * 4 / 3 + path.count * 46 + signedHead.count + 120)
        out.append(contentsOf: #","typ":"\#(Self.type)","index":\#(index),"leaf":""#.utf8)
        out.append(contentsOf: Base64URL.encode(leaf).utf8)
        out.append(contentsOf: #"","path":["#.utf8)
        for (i, hash) in path.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: Base64URL.encode(hash).utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #"],"tree_size":\#(treeSize),"signed_head":"#.utf8)
        out.append(contentsOf: signedHead)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// True when `bytes` claim to be a ledger receipt (a JSON object whose `typ` says so); a signed
    /// receipt is a JWS, whose `typ` is in its protected header.
    public static func isLedgerReceipt(_ bytes: [UInt8]) -> Bool {
        guard bytes.first == UInt8(ascii: "{"), let json = try? JSONValue(parsing: bytes) else { return false }
        return json["typ"]?.stringValue == type
    }

    /// Reads the receipt's members; checks nothing yet (`verify`).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw ModelError(field: "", reason: "not JSON: \(error)") }
        guard json["typ"]?.stringValue == Self.type else { throw ModelError(field: "typ", reason: "must be \(Self.type)") }
        guard let index = json["index"]?.intValue, index >= 0 else { throw ModelError(field: "index", reason: "must be a whole number from 0") }
        guard let size = json["tree_size"]?.intValue, size > index else {
            throw ModelError(field: "tree_size", reason: "must be a whole number greater than index")
        }
        guard let leaf = json["leaf"]?.stringValue.flatMap({ try? Base64URL.decode($0) }), !leaf.isEmpty else {
            throw ModelError(field: "leaf", reason: "must be the entry's leaf in base64url")
        }
        guard let items = json["path"]?.arrayValue, items.count <= 64 else { throw ModelError(field: "path", reason: "must be a list of at most 64 hashes") }
        var path: [[UInt8]] = []
        for item in items {
            guard let hash = item.stringValue.flatMap({ try? Base64URL.decode($0) }), hash.count == 32 else {
                throw ModelError(field: "path", reason: "each entry must be a SHA-256 hash in base64url")
            }
            path.append(hash)
        }
        guard case .object(let head)? = json["signed_head"] else {
            throw ModelError(field: "signed_head", reason: "must be the gateway's signed tree head (a flattened JWS)")
        }
        var members = json.objectValue ?? JSONObject()
        for ledgerMember in ["typ", "index", "leaf", "path", "tree_size", "signed_head"] { members[ledgerMember] = nil }
        let claims: Receipt
        do { claims = try JSONValueDecoder().decode(Receipt.self, from: .object(members)) } catch {
            throw ModelError(field: "", reason: ModelError.describe(error))
        }
        self.init(claims: claims, index: index, leaf: leaf, path: path, treeSize: size, signedHead: JSONValue.object(head).serialized())
    }

    /// Why a ledger receipt does not check out.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The head's signature: no key, an unknown key, a bad signature, a malformed head.
        case head(SignedObjectCheck.Failure)
        /// The head is over another size, or is not this gateway's.
        case headMismatch(String)
        /// The audit path does not lead from the leaf to the head's root.
        case notIncluded
        /// The leaf does not say what the receipt claims.
        case claims(String)

        public var description: String {
            switch self {
            case .head(let failure): "its tree head \(failure)"
            case .headMismatch(let why): why
            case .notIncluded: "the audit path does not lead from its leaf to the root of the signed tree head"
            case .claims(let why): why
            }
        }
    }

    /// Checks the receipt: the head is signed with `key(kid)` (a gateway key the caller trusts),
    /// over `tree_size` entries and by the gateway the receipt names; the leaf's audit path leads
    /// to that head's root; the leaf is the `message.accepted` entry of the claimed message, digest
    /// and time. `verifiedHeads` remembers heads already checked (one signature per batch).
    public func verify(key: (_ kid: String) throws(SignedObjectCheck.Failure) -> VerificationKey,
                       verifiedHeads: TreeHeadCache? = nil) throws(Failure) -> Receipt {
        let root: [UInt8]
        if let known = verifiedHeads?.head(signedHead) {
            // A head checked before says what it said then: its size and gateway still must match.
            guard known.size == treeSize else { throw .headMismatch("its tree head is over \(known.size) entries, but the receipt says tree_size \(treeSize)") }
            guard known.gateway == claims.by.rawValue else {
                throw .headMismatch("its tree head is signed by \(known.gateway), but the receipt says by \(claims.by)")
            }
            root = known.root
        } else {
            let jws: ParsedJWS
            do { jws = try JWS.parse(signedHead) } catch { throw .head(.payload("is not a flattened JWS: \(error)")) }
            guard jws.signature.protectedHeader["typ"]?.stringValue == "ura-tree-head+json" else {
                throw .head(.payload("is not a tree head (typ ura-tree-head+json)"))
            }
            let checked: SignedObjectCheck.Checked<[UInt8]>
            do { checked = try SignedObjectCheck.verify(jws, key: key) } catch { throw .head(error) }
            guard let payload = try? JSONValue(parsing: checked.payload), let size = payload["tree_size"]?.intValue,
                  let signedRoot = payload["root"]?.stringValue.flatMap({ try? Base64URL.decode($0) }) else {
                throw .head(.payload("does not say tree_size and root"))
            }
            guard size == treeSize else { throw .headMismatch("its tree head is over \(size) entries, but the receipt says tree_size \(treeSize)") }
            guard payload["gateway"]?.stringValue == claims.by.rawValue else {
                throw .headMismatch("its tree head is signed by \(payload["gateway"]?.stringValue ?? "no gateway"), but the receipt says by \(claims.by)")
            }
            root = signedRoot
            verifiedHeads?.remember(signedHead, as: (size, signedRoot, claims.by.rawValue))
        }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        guard tree.verifyInclusion(leafHash: tree.hash([0x00] + leaf), index: index, treeSize: treeSize, proof: path, root: root) else {
            throw .notIncluded
        }
        guard let fromLeaf = Self.claims(ofLeaf: leaf, index: index, by: claims.by) else {
            throw .claims("its leaf is not the message.accepted entry \(index) of a message")
        }
        guard fromLeaf == claims else {
            throw .claims("its leaf says message \(fromLeaf.message), digest \(fromLeaf.digest), at \(RFC3339.string(from: fromLeaf.at)); "
                          + "the receipt claims message \(claims.message), digest \(claims.digest), at \(RFC3339.string(from: claims.at))")
        }
        return claims
    }

    /// The accepted receipt a `message.accepted` leaf at `index` amounts to, or nil for any other leaf.
    static func claims(ofLeaf leaf: [UInt8], index: Int, by gateway: AgencyID) -> Receipt? {
        guard let json = try? JSONValue(parsing: leaf), json["kind"]?.stringValue == LedgerEvent.Kind.messageAccepted.rawValue,
              json["index"]?.intValue == index, let id = json["message"]?.stringValue.flatMap({ try? MessageID($0) }),
              let digest = json["data"]?["digest"]?.stringValue, let at = json["at"]?.stringValue.flatMap(RFC3339.date(from:)) else { return nil }
        return Receipt(kind: .accepted, message: id, digest: digest, at: at, by: gateway)
    }
}

/// Tree heads whose signature was checked, by their exact bytes, with what they sign (size, root,
/// gateway): a client checking many ledger receipts checks each batch's head once. Bounded;
/// thread-safe. Share one only among checks that trust the same gateway keys.
public final class TreeHeadCache: @unchecked Sendable {
    typealias Head = (size: Int, root: [UInt8], gateway: String)
    private let lock = NSLock()
    private var heads: [[UInt8]: Head] = [:]
    private var order: [[UInt8]] = []
    private let capacity: Int

    public init(capacity: Int = 64) { self.capacity = capacity }

    func head(_ signedHead: [UInt8]) -> Head? {
        lock.lock()
        defer { lock.unlock() }
        return heads[signedHead]
    }

    func remember(_ signedHead: [UInt8], as head: Head) {
        lock.lock()
        defer { lock.unlock() }
        guard heads[signedHead] == nil else { return }
        heads[signedHead] = head
        order.append(signedHead)
        if order.count > capacity { heads[order.removeFirst()] = nil }
    }
}
