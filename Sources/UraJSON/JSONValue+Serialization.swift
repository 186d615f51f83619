/// Writing JSON: compact by default, optionally with sorted member names (a canonical form for
/// hashing, e.g. RFC 7638 thumbprints) or indented for people.
extension JSONValue {
    public struct WritingOptions: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Members in the byte order of their UTF-8 names (the same as RFC 7638's order for the
        /// ASCII member names of JWKs).
        public static let sortedKeys = WritingOptions(rawValue: 1)
        /// Two-space indentation and a space after each colon.
        public static let prettyPrinted = WritingOptions(rawValue: 2)
    }

    /// The JSON text of this value as UTF-8 bytes.
    public func serialized(options: WritingOptions = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, options: options, indent: 0)
        return out
    }

    /// The JSON text of this value.
    public func serializedString(options: WritingOptions = []) -> String {
        String(decoding: serialized(options: options), as: UTF8.self)
    }

    private func write(into out: inout [UInt8], options: WritingOptions, indent: Int) {
        let pretty = options.contains(.prettyPrinted)
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): JSONValue.writeNumber(n, into: &out)
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(&out, indent + 1) }
                element.write(into: &out, options: options, indent: indent + 1)
            }
            if pretty && !elements.isEmpty { JSONValue.newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            var first = true
            func member(_ key: String, _ value: JSONValue) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if pretty { JSONValue.newline(&out, indent + 1) }
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                value.write(into: &out, options: options, indent: indent + 1)
            }
            if options.contains(.sortedKeys) && !object.isInNameOrder {
                for (key, value) in object.sorted(by: { JSONObject.nameOrder($0.key, $1.key) }) { member(key, value) }
            } else {
                for (key, value) in object { member(key, value) }
            }
            if pretty && !object.isEmpty { JSONValue.newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    static func writeNumber(_ n: Double, into out: inout [UInt8]) {
        guard n.isFinite else { out.append(contentsOf: "null".utf8); return }
        if n.rounded() == n && abs(n) < 1e15 {
            out.append(contentsOf: String(Int64(n)).utf8)
        } else {
            out.append(contentsOf: n.description.utf8)
        }
    }

    /// Writes a JSON string literal, escaping only what RFC 8259 requires.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Nearly every string (base64url, ids, times) needs no escape: one scan, one copy.
        let copied = s.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
