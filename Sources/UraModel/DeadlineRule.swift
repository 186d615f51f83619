/// How long the SOP gives for a follow-up, written in the catalogue as a short string:
/// `same-day` (end of the working day in Europe/Tirane), `24h`, `72h`, `2d`, `7d`, `15d`
/// (calendar days), `5wd`, `30wd` (working days, skipping weekends and public holidays), or
/// `monthly` (one report per calendar month).
public enum DeadlineRule: Hashable, Sendable, Codable, CustomStringConvertible {
    case sameDay
    case hours(Int)
    case days(Int)
    case workingDays(Int)
    case monthly

    public init(_ text: String) throws(ModelError) {
        func count(_ suffix: String) -> Int? {
            guard text.hasSuffix(suffix), let n = Int(text.dropLast(suffix.count)), n > 0, n <= 3660 else { return nil }
            return n
        }
        if text == "same-day" { self = .sameDay }
        else if text == "monthly" { self = .monthly }
        else if let n = count("wd") { self = .workingDays(n) }
        else if let n = count("h") { self = .hours(n) }
        else if let n = count("d") { self = .days(n) }
        else {
            throw ModelError(field: "", reason: "'\(text)' is not a deadline: use same-day, monthly, or a count with h, d or wd (24h, 15d, 5wd)")
        }
    }

    public var description: String {
        switch self {
        case .sameDay: "same-day"
        case .hours(let n): "\(n)h"
        case .days(let n): "\(n)d"
        case .workingDays(let n): "\(n)wd"
        case .monthly: "monthly"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try container.decodeValidated { text throws(ModelError) in try DeadlineRule(text) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
