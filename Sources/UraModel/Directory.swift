import Foundation

/// The participants of the mechanism, served signed by the gateway so clients can cache and
/// verify it. Lookups are by id; ids are unique.
public struct Directory: Codable, Sendable, Equatable {
    /// The gateway itself: its id and the public keys that sign accepted and failed receipts,
    /// notices and the directory.
    public struct Gateway: Codable, Sendable, Equatable {
        public var id: AgencyID
        public var name: String
        public var keys: [DirectoryKey]
        public init(id: AgencyID, name: String, keys: [DirectoryKey]) {
            self.id = id
            self.name = name
            self.keys = keys
        }
    }

    public var version: Int
    public var issued: Date
    /// The end of the validity window of a signed copy (`issued` … `valid_until`): set when the
    /// gateway signs the directory it serves, so a peer refuses a copy replayed after it expired.
    /// The file in the data directory has none.
    public var validUntil: Date?
    public var gateway: Gateway
    public private(set) var agencies: [Agency]
    private var index: [AgencyID: Int]

    public init(version: Int, issued: Date, validUntil: Date? = nil, gateway: Gateway, agencies: [Agency]) throws(ModelError) {
        self.version = version
        self.issued = issued
        self.validUntil = validUntil
        self.gateway = gateway
        self.agencies = agencies
        self.index = try Directory.buildIndex(agencies, gateway: gateway.id)
    }

    public subscript(id: AgencyID) -> Agency? { index[id].map { agencies[$0] } }

    /// The active agencies of one kind.
    public func agencies(ofKind kind: AgencyKind) -> [Agency] {
        agencies.filter { $0.kind == kind && $0.status == .active }
    }

    /// Adds an agency or replaces the one with the same id.
    public mutating func upsert(_ agency: Agency) {
        if let i = index[agency.id] {
            agencies[i] = agency
        } else {
            index[agency.id] = agencies.count
            agencies.append(agency)
        }
    }

    /// Removes the agency `id` (a foreign agency its peer no longer lists); true when it was there.
    @discardableResult
    public mutating func remove(_ id: AgencyID) -> Bool {
        guard index[id] != nil else { return false }
        agencies.removeAll { $0.id == id }
        index = Dictionary(uniqueKeysWithValues: agencies.enumerated().map { ($1.id, $0) })
        return true
    }

    /// The peer gateways (participants of kind gateway).
    public var peers: [Agency] { agencies.filter(\.isPeerGateway) }

    enum CodingKeys: String, CodingKey { case version, issued, validUntil = "valid_until", gateway, agencies }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        issued = try c.decodeTimestamp(forKey: .issued)
        validUntil = try c.decodeTimestampIfPresent(forKey: .validUntil)
        gateway = try c.decode(Gateway.self, forKey: .gateway)
        agencies = try c.decode([Agency].self, forKey: .agencies)
        do {
            index = try Directory.buildIndex(agencies, gateway: gateway.id)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .agencies, in: c, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encodeTimestamp(issued, forKey: .issued)
        try c.encodeTimestampIfPresent(validUntil, forKey: .validUntil)
        try c.encode(gateway, forKey: .gateway)
        try c.encode(agencies, forKey: .agencies)
    }

    private static func buildIndex(_ agencies: [Agency], gateway: AgencyID) throws(ModelError) -> [AgencyID: Int] {
        var index: [AgencyID: Int] = [:]
        for (i, agency) in agencies.enumerated() {
            if agency.id == gateway {
                throw ModelError(field: "agencies[\(i)].id", reason: "\(agency.id) is the gateway's own id")
            }
            if index.updateValue(i, forKey: agency.id) != nil {
                throw ModelError(field: "agencies[\(i)].id", reason: "\(agency.id) appears twice")
            }
        }
        for (i, agency) in agencies.enumerated() {
            guard let via = agency.via else { continue }
            guard let peer = index[via].map({ agencies[$0] }), peer.isPeerGateway else {
                throw ModelError(field: "agencies[\(i)].via", reason: "\(via) is not a peer gateway (kind gateway) of the directory")
            }
        }
        return index
    }

    public static func == (a: Directory, b: Directory) -> Bool {
        a.version == b.version && a.issued == b.issued && a.validUntil == b.validUntil && a.gateway == b.gateway && a.agencies == b.agencies
    }
}
