/// A JSON object: members keep the order they were added in, lookups are by key, and two objects
/// are equal when they have the same members whatever their order.
///
/// Nearly every object Ura handles (JOSE headers, envelopes, receipts, ledger entries, schemas) has
/// a handful of members; for those a linear search over the members beats hashing every key, and
/// an object costs one allocation. Objects with more than `indexedCount` members also keep a hash
/// index, so a large map (a directory keyed by agency, a hostile request with 100,000 members)
/// stays linear to build and constant to look up.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    private var members: [(key: String, value: JSONValue)] = []
    /// Position of each key in `members`; only when there are more than `indexedCount` members.
    private var index: [String: Int]?

    static let indexedCount = 12

    public init() {}

    public init(_ members: [(String, JSONValue)]) {
        self.members.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    /// The order sorted serialization writes members in: by their names' UTF-8 bytes.
    static func nameOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Whether the members are already in `nameOrder`, so writing them sorted needs no sort.
    var isInNameOrder: Bool {
        guard members.count > 1 else { return true }
        for i in 1..<members.count where !Self.nameOrder(members[i - 1].key, members[i].key) {
            return false
        }
        return true
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        // Names of another length are passed over without a string comparison (which costs
        // tens of instructions even for two short names); a parsed object checks every new name
        // against the names before it.
        let length = key.utf8.count
        return members.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue {
                if let i = position(of: key) { members[i].value = newValue } else { append(key, newValue) }
            } else if let i = position(of: key) {
                members.remove(at: i)
                if index != nil { rebuildIndex() }
            }
        }
    }

    /// Adds a member that must not exist yet; the parser uses it to refuse duplicate names.
    @discardableResult
    mutating func insertNew(_ key: String, _ value: JSONValue) -> Bool {
        guard position(of: key) == nil else { return false }
        append(key, value)
        return true
    }

    private mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key, value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexedCount {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        guard members.count > Self.indexedCount else { index = nil; return }
        var positions = [String: Int](minimumCapacity: members.count)
        for (i, member) in members.enumerated() { positions[member.key] = i }
        index = positions
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members.reserveCapacity(elements.count)
        for (key, value) in elements { self[key] = value }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs.members where rhs[key] != value { return false }
        return true
    }

    /// Independent of the members' order, as `==` is.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var own = Hasher()
            own.combine(member.key)
            own.combine(member.value)
            combined ^= own.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}
