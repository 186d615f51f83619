import Foundation
import UraJSON

/// One participant of the directory: an agency's mailbox, its keys, its certificates and how it
/// receives messages.
public struct Agency: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case active, suspended }

    public var id: AgencyID
    public var kind: AgencyKind
    public var name: String
    public var county: County?
    /// The institution this mailbox reports through (a mission's parent is MEPJ).
    public var parent: AgencyID?
    public var status: Status
    public var keys: [DirectoryKey]
    public var certificates: [CertificatePin]
    public var delivery: DeliveryMode
    /// The peer gateway this agency is reached through (federation): set on the agencies merged from
    /// a peer's signed directory, never on this gateway's own agencies.
    public var via: AgencyID?
    /// How the gateway signs this agency's accepted receipts: one signature per message (the
    /// default), or one tree head per commit batch with the message's inclusion proof
    /// (`LedgerReceipt`), which the agency chooses in its profile.
    public var receipts: ReceiptSigning

    /// How accepted receipts are signed (docs/wire-format.md, "Receipts signed per batch").
    public enum ReceiptSigning: String, Codable, Sendable, CaseIterable {
        /// A JWS per message (`ura-receipt+json`).
        case perMessage = "per_message"
        /// The batch's signed tree head with the message's audit path (`ura-ledger-receipt+json`).
        case perBatch = "per_batch"
    }

    public init(id: AgencyID, kind: AgencyKind, name: String, county: County? = nil, parent: AgencyID? = nil,
                status: Status = .active, keys: [DirectoryKey] = [], certificates: [CertificatePin] = [],
                delivery: DeliveryMode = .pull, via: AgencyID? = nil, receipts: ReceiptSigning = .perMessage) {
        self.id = id
        self.kind = kind
        self.name = name
        self.county = county
        self.parent = parent
        self.status = status
        self.keys = keys
        self.certificates = certificates
        self.delivery = delivery
        self.via = via
        self.receipts = receipts
    }

    enum CodingKeys: String, CodingKey { case id, kind, name, county, parent, status, keys, certificates, delivery, via, receipts }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(AgencyID.self, forKey: .id)
        kind = try c.decode(AgencyKind.self, forKey: .kind)
        name = try c.decode(String.self, forKey: .name)
        county = try c.decodeIfPresent(County.self, forKey: .county)
        parent = try c.decodeIfPresent(AgencyID.self, forKey: .parent)
        status = try c.decodeIfPresent(Status.self, forKey: .status) ?? .active
        keys = try c.decodeIfPresent([DirectoryKey].self, forKey: .keys) ?? []
        certificates = try c.decodeIfPresent([CertificatePin].self, forKey: .certificates) ?? []
        delivery = try c.decodeIfPresent(DeliveryMode.self, forKey: .delivery) ?? .pull
        via = try c.decodeIfPresent(AgencyID.self, forKey: .via)
        receipts = try c.decodeIfPresent(ReceiptSigning.self, forKey: .receipts) ?? .perMessage
        // A participant of kind gateway is a peer gateway (federation): reached at its URL, never
        // itself behind another gateway.
        if kind == .gateway {
            guard case .push = delivery else {
                throw DecodingError.dataCorruptedError(forKey: .delivery, in: c, debugDescription: "a peer gateway needs its URL: delivery {mode: push, url: https://…}")
            }
            if via != nil {
                throw DecodingError.dataCorruptedError(forKey: .via, in: c, debugDescription: "a peer gateway is reached directly, not via another gateway")
            }
        }
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "must not be empty")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(name, forKey: .name)
        try c.encodeIfPresent(county, forKey: .county)
        try c.encodeIfPresent(parent, forKey: .parent)
        try c.encode(status, forKey: .status)
        try c.encode(keys, forKey: .keys)
        try c.encode(certificates, forKey: .certificates)
        try c.encode(delivery, forKey: .delivery)
        try c.encodeIfPresent(via, forKey: .via)
        // The default is left out: a directory of agencies that chose nothing reads as before.
        if receipts != .perMessage { try c.encode(receipts, forKey: .receipts) }
    }

    /// True for an agency of another country, reached through a peer gateway.
    public var isForeign: Bool { via != nil }

    /// True for a peer gateway (federation).
    public var isPeerGateway: Bool { kind == .gateway }

    /// The keys for `use` that are valid at `date`.
    public func keys(for use: DirectoryKey.Use, validAt date: Date) -> [DirectoryKey] {
        keys.filter { $0.use == use && $0.isValid(at: date) }
    }
}

/// A public key of an agency, as a JWK, with the period in which it may be used.
public struct DirectoryKey: Codable, Sendable, Equatable {
    public enum Use: String, Codable, Sendable { case sig, enc }

    /// The RFC 7638 thumbprint of the key, also its JWK `kid`.
    public var kid: String
    public var use: Use
    /// The public JWK (no private members).
    public var jwk: JSONValue
    public var notBefore: Date?
    public var notAfter: Date?

    public init(kid: String, use: Use, jwk: JSONValue, notBefore: Date? = nil, notAfter: Date? = nil) {
        self.kid = kid
        self.use = use
        self.jwk = jwk
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    enum CodingKeys: String, CodingKey { case kid, use, jwk, notBefore = "not_before", notAfter = "not_after" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kid = try c.decode(String.self, forKey: .kid)
        use = try c.decode(Use.self, forKey: .use)
        jwk = try c.decode(JSONValue.self, forKey: .jwk)
        notBefore = try c.decodeTimestampIfPresent(forKey: .notBefore)
        notAfter = try c.decodeTimestampIfPresent(forKey: .notAfter)
        guard jwk.objectValue != nil else {
            throw DecodingError.dataCorruptedError(forKey: .jwk, in: c, debugDescription: "must be a JWK object")
        }
        if jwk["d"] != nil {
            throw DecodingError.dataCorruptedError(
                forKey: .jwk, in: c, debugDescription: "is a private key; the directory holds public keys only")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kid, forKey: .kid)
        try c.encode(use, forKey: .use)
        try c.encode(jwk, forKey: .jwk)
        try c.encodeTimestampIfPresent(notBefore, forKey: .notBefore)
        try c.encodeTimestampIfPresent(notAfter, forKey: .notAfter)
    }

    public func isValid(at date: Date) -> Bool {
        (notBefore.map { $0 <= date } ?? true) && (notAfter.map { date < $0 } ?? true)
    }
}

/// How an agency's TLS client certificate is recognised: the SHA-256 of the certificate (DER),
/// or of its SubjectPublicKeyInfo (survives renewal with the same key). Lowercase hex.
public struct CertificatePin: Codable, Sendable, Hashable {
    public var sha256: String?
    public var spkiSHA256: String?

    public init(sha256: String? = nil, spkiSHA256: String? = nil) {
        self.sha256 = sha256
        self.spkiSHA256 = spkiSHA256
    }

    enum CodingKeys: String, CodingKey { case sha256, spkiSHA256 = "spki_sha256" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sha256 = try c.decodeIfPresent(String.self, forKey: .sha256)
        spkiSHA256 = try c.decodeIfPresent(String.self, forKey: .spkiSHA256)
        for (key, value) in [(CodingKeys.sha256, sha256), (.spkiSHA256, spkiSHA256)] {
            if let value, value.utf8.count != 64 || !value.utf8.allSatisfy(ASCII.isLowerHex) {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "must be 64 lowercase hexadecimal digits")
            }
        }
        if sha256 == nil && spkiSHA256 == nil {
            throw DecodingError.dataCorruptedError(
                forKey: .sha256, in: c, debugDescription: "a certificate pin needs sha256 or spki_sha256")
        }
    }
}

/// How the gateway hands messages to an agency: it pushes them to the agency's HTTPS endpoint, or
/// holds them in the inbox until the agency pulls.
public enum DeliveryMode: Codable, Sendable, Equatable {
    case push(url: String)
    case pull

    enum CodingKeys: String, CodingKey { case mode, url }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .mode) {
        case "pull": self = .pull
        case "push":
            let url = try c.decode(String.self, forKey: .url)
            guard url.hasPrefix("https://") else {
                throw DecodingError.dataCorruptedError(forKey: .url, in: c, debugDescription: "a push endpoint must be an https:// URL")
            }
            self = .push(url: url)
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .mode, in: c, debugDescription: "'\(other)' is not push or pull")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .pull: try c.encode("pull", forKey: .mode)
        case .push(let url):
            try c.encode("push", forKey: .mode)
            try c.encode(url, forKey: .url)
        }
    }
}
