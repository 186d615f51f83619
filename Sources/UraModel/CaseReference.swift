/// The pseudonymous reference of a case, `CC-YYYY-NNNNNN` (country, year, number), for example
/// `AL-2026-000042`. It links the messages of one person's case without naming the person.
public struct CaseReference: ValidatedString {
    public static let noun = "case reference"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func problem(with text: String) -> String? {
        let b = Array(text.utf8)
        let shape = "it has the form CC-YYYY-NNNNNN, like AL-2026-000042"
        guard b.count == 14, b[2] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return shape }
        guard ASCII.isUpper(b[0]), ASCII.isUpper(b[1]) else { return shape }
        for i in Array(3..<7) + Array(8..<14) where !ASCII.isDigit(b[i]) { return shape }
        return nil
    }

    /// The two-letter country prefix (`AL`, `XK`).
    public var country: String { String(rawValue.prefix(2)) }
}
