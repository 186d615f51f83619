import Foundation
import UraJSON

/// The evidence of one hop, signed (JWS) by whoever vouches for it: the gateway for `accepted`
/// and `failed`, the recipient for `delivered`.
public struct Receipt: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The gateway has durably committed the message.
        case accepted
        /// The recipient has the message and vouches for its digest.
        case delivered
        /// The gateway gave up delivering to one recipient (expired, or attempts exhausted).
        case failed
    }

    public var kind: Kind
    public var message: MessageID
    /// base64url SHA-256 of the message's JWS signing input (`protected || "." || payload`).
    public var digest: String
    /// The recipient this receipt is about; absent on `accepted`, which covers all of them.
    public var recipient: AgencyID?
    public var at: Date
    /// The signer: the gateway's id or the recipient's.
    public var by: AgencyID
    public var reason: String?

    public init(kind: Kind, message: MessageID, digest: String, recipient: AgencyID? = nil, at: Date, by: AgencyID,
                reason: String? = nil) {
        self.kind = kind
        self.message = message
        self.digest = digest
        self.recipient = recipient
        self.at = at
        self.by = by
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case kind = "receipt", message, digest, recipient, at, by, reason }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        message = try c.decode(MessageID.self, forKey: .message)
        digest = try c.decode(String.self, forKey: .digest)
        recipient = try c.decodeIfPresent(AgencyID.self, forKey: .recipient)
        at = try c.decodeTimestamp(forKey: .at)
        by = try c.decode(AgencyID.self, forKey: .by)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        if digest.utf8.count != 43 || !digest.utf8.allSatisfy(Base64URLAlphabet.contains) {
            throw DecodingError.dataCorruptedError(
                forKey: .digest, in: c, debugDescription: "must be the 43-character base64url SHA-256 of the message's signing input")
        }
        if kind != .accepted && recipient == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .recipient, in: c, debugDescription: "a \(kind.rawValue) receipt names its recipient")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(message, forKey: .message)
        try c.encode(digest, forKey: .digest)
        try c.encodeIfPresent(recipient, forKey: .recipient)
        try c.encodeTimestamp(at, forKey: .at)
        try c.encode(by, forKey: .by)
        try c.encodeIfPresent(reason, forKey: .reason)
    }
}

extension Receipt {
    /// The receipt as JSON, members in the order of the wire format.
    public var json: JSONValue {
        var object: JSONObject = ["receipt": .string(kind.rawValue), "message": .string(message.rawValue), "digest": .string(digest)]
        if let recipient { object["recipient"] = .string(recipient.rawValue) }
        object["at"] = .string(RFC3339.string(from: at))
        object["by"] = .string(by.rawValue)
        if let reason { object["reason"] = .string(reason) }
        return .object(object)
    }
}

enum Base64URLAlphabet {
    static func contains(_ b: UInt8) -> Bool {
        ASCII.isLower(b) || ASCII.isUpper(b) || ASCII.isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }
}
