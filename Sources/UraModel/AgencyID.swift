/// The identifier of a participant: dotted, lowercase, at least two labels, for example
/// `al.police.dvp-tirane` or `al.mepj.mission.gr-athens`.
///
/// Each label starts with a letter or digit, may contain hyphens inside, and is at most 63
/// characters; the whole id is at most 128 characters. Ids never carry personal data.
public struct AgencyID: ValidatedString {
    public static let noun = "agency id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The labels of the id (`["al", "police", "dvp-tirane"]`).
    public var labels: [Substring] { rawValue.split(separator: ".") }

    public static func problem(with text: String) -> String? {
        isWellFormed(text.utf8) ? nil : explain(text) ?? "it does not have the syntax of \(noun)s"
    }

    /// The syntax in one pass over the bytes (ids are checked on every message).
    static func isWellFormed(_ utf8: String.UTF8View) -> Bool {
        guard utf8.count <= 128 else { return false }
        var labels = 1, length = 0, previous = UInt8(ascii: ".")
        for b in utf8 {
            if b == UInt8(ascii: ".") {
                guard length > 0, previous != UInt8(ascii: "-") else { return false }
                labels += 1
                length = 0
            } else {
                guard ASCII.isLower(b) || ASCII.isDigit(b) || (b == UInt8(ascii: "-") && length > 0) else { return false }
                length += 1
                guard length <= 63 else { return false }
            }
            previous = b
        }
        return labels >= 2 && length > 0 && previous != UInt8(ascii: "-")
    }

    /// What is wrong with an id that is not well formed.
    static func explain(_ text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.utf8.count > 128 { return "it is longer than 128 characters" }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count < 2 { return "it needs at least two dot-separated labels, like 'al.police'" }
        for label in labels {
            if label.isEmpty { return "it has an empty label (two dots in a row, or a dot at an end)" }
            if label.utf8.count > 63 { return "the label '\(label)' is longer than 63 characters" }
            for byte in label.utf8 where !(ASCII.isLower(byte) || ASCII.isDigit(byte) || byte == UInt8(ascii: "-")) {
                return ASCII.isUpper(byte) ? "it must be lowercase" : "only a-z, 0-9, '-' and '.' are allowed"
            }
            if label.hasPrefix("-") || label.hasSuffix("-") { return "the label '\(label)' starts or ends with '-'" }
        }
        return nil
    }
}
