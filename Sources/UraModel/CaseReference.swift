/// The pseudonymous reference of a case, `CC-YYYY-NNNNNN` (country, year, number), for example
/// `AL-2026-000042`. It links the messages of one person's case without naming the person.
public struct CaseReference: ValidatedString {
    public static let noun = "case reference"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    public static func problem(with text: String) -> String? {
        let shape = "it has the form CC-YYYY-NNNNNN, like AL-2026-000042"
        guard text.utf8.count == 14 else { return shape }
        for (i, c) in text.utf8.enumerated() {
            let fits = switch i {
            case 0, 1: ASCII.isUpper(c)
            case 2, 7: c == UInt8(ascii: "-")
            default: ASCII.isDigit(c)
            }
            if !fits { return shape }
        }
        return nil
    }

    /// The two-letter country prefix (`AL`, `XK`).
    public var country: String { String(rawValue.prefix(2)) }
}
