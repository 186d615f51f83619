/// HTTP header fields in the order they were received or added; names compare case-insensitively
/// (RFC 9110 §5.1) and keep their original spelling.
public struct HTTPHeaders: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (name: String, value: String)

    private var names: [String] = []
    private var values: [String] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        names.reserveCapacity(fields.count)
        values.reserveCapacity(fields.count)
        for (name, value) in fields { add(name: name, value: value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The first value of the field `name`, or nil.
    public subscript(name: String) -> String? {
        guard let index = firstIndex(of: name) else { return nil }
        return values[index]
    }

    /// Every value of the field `name`, in order.
    public func values(for name: String) -> [String] {
        var result: [String] = []
        for index in names.indices where Self.equalIgnoringCase(names[index], name) { result.append(values[index]) }
        return result
    }

    public func contains(_ name: String) -> Bool { firstIndex(of: name) != nil }

    /// Appends a field, keeping any existing ones with the same name.
    public mutating func add(name: String, value: String) {
        names.append(name)
        values.append(value)
    }

    /// Replaces every field `name` with one field holding `value`.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name)
        add(name: name, value: value)
    }

    /// Removes every field `name`.
    public mutating func remove(_ name: String) {
        var index = names.count - 1
        while index >= 0 {
            if Self.equalIgnoringCase(names[index], name) {
                names.remove(at: index)
                values.remove(at: index)
            }
            index -= 1
        }
    }

    public func makeIterator() -> AnyIterator<Element> {
        var index = 0
        return AnyIterator {
            guard index < names.count else { return nil }
            defer { index += 1 }
            return (names[index], values[index])
        }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.names == rhs.names && lhs.values == rhs.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(names)
        hasher.combine(values)
    }

    private func firstIndex(of name: String) -> Int? {
        names.indices.first { Self.equalIgnoringCase(names[$0], name) }
    }

    /// ASCII case-insensitive comparison; header names are tokens, so ASCII is all there is.
    package static func equalIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count where x[i] != y[i] {
                    guard Self.isLetter(x[i]), x[i] | 0x20 == y[i] | 0x20 else { return false }
                }
                return true
            }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}
