/// An identifier that is a string with a fixed syntax. Conformers say what they are called and
/// what is wrong with a candidate; construction, `Codable` and error messages come from here.
public protocol ValidatedString: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// How an error names the value: "agency id", "message id".
    static var noun: String { get }
    /// Why `text` is not valid, or `nil` when it is.
    static func problem(with text: String) -> String?
    var rawValue: String { get }
    init(unchecked rawValue: String)
}

extension ValidatedString {
    /// `field` names where the value came from in the error (an envelope's `to[2]`, say).
    public init(_ rawValue: String, field: String = "") throws(ModelError) {
        if let problem = Self.problem(with: rawValue) {
            throw ModelError(field: field, reason: "'\(rawValue)' is not a valid \(Self.noun): \(problem)")
        }
        self.init(unchecked: rawValue)
    }

    /// For values written in code; traps on an invalid literal.
    public init(validated rawValue: String) {
        precondition(Self.problem(with: rawValue) == nil, "invalid \(Self.noun) literal '\(rawValue)'")
        self.init(unchecked: rawValue)
    }

    public var description: String { rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try container.decodeValidated { text throws(ModelError) in try Self(text) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

enum ASCII {
    static func isLower(_ b: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) }
    static func isUpper(_ b: UInt8) -> Bool { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) }
    static func isDigit(_ b: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) }
    static func isLowerHex(_ b: UInt8) -> Bool { isDigit(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b) }
}
