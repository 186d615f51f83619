/// The type of a message, as named in `Schemas/catalogue.json`: dotted lowercase words such as
/// `identification.initial-interview.child` or `avr.assessment-request`. The catalogue, not this
/// type, says which types exist.
public struct MessageType: ValidatedString {
    public static let noun = "message type"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func problem(with text: String) -> String? {
        isWellFormed(text.utf8) ? nil : explain(text) ?? "it does not have the syntax of \(noun)s"
    }

    /// The syntax in one pass over the bytes (types are checked on every message).
    static func isWellFormed(_ utf8: String.UTF8View) -> Bool {
        guard utf8.count <= 96 else { return false }
        var atWordStart = true
        for b in utf8 {
            if atWordStart {
                guard ASCII.isLower(b) else { return false }
                atWordStart = false
            } else if b == UInt8(ascii: ".") {
                atWordStart = true
            } else {
                guard ASCII.isLower(b) || ASCII.isDigit(b) || b == UInt8(ascii: "-") else { return false }
            }
        }
        return !atWordStart
    }

    /// What is wrong with a type that is not well formed.
    static func explain(_ text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.utf8.count > 96 { return "it is longer than 96 characters" }
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard let first = part.utf8.first, ASCII.isLower(first) else {
                return "each dot-separated word starts with a lowercase letter"
            }
            for b in part.utf8 where !(ASCII.isLower(b) || ASCII.isDigit(b) || b == UInt8(ascii: "-")) {
                return "only a-z, 0-9, '-' and '.' are allowed"
            }
        }
        return nil
    }
}
