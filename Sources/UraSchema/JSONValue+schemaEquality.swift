import UraJSON

extension JSONValue {
    /// Equality as JSON Schema defines it for `const`, `enum` and `uniqueItems`: numbers by value
    /// (1 == 1.0), strings by code points (Swift's `==` would also equate canonically equivalent
    /// strings such as "é" and "e\u{301}"), objects regardless of member order.
    func isSchemaEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.isIdentical(to: b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isSchemaEqual(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for key in a.keys {
                guard let value = b[key], b.keys.contains(where: { $0.isIdentical(to: key) }),
                      a[key]!.isSchemaEqual(to: value) else { return false }
            }
            return true
        default:
            return false
        }
    }
}

extension String {
    /// Same code points (Swift's `==` also equates canonically equivalent strings).
    @inline(__always)
    func isIdentical(to other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let result = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in mine.elementsEqual(theirs) }
        }
        return (result ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
