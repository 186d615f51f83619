/// How fast a message must move. `immediate` is the SOP's "menjëherë" (absconding, a victim found
/// abroad); delivery workers take higher priorities first.
public enum Priority: String, CaseIterable, Codable, Sendable, Comparable {
    case normal, urgent, immediate

    private var rank: Int {
        switch self {
        case .normal: 0
        case .urgent: 1
        case .immediate: 2
        }
    }

    public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
}
