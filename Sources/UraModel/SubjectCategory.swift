/// Who the message is about, as far as routing needs to know. A person whose age is uncertain is
/// treated as a child (SOP), so `unknown` routes like `child`.
public enum SubjectCategory: String, CaseIterable, Codable, Sendable {
    case child, adult, unknown

    /// True for `child` and `unknown`: the SOP's child-protection routing applies.
    public var treatedAsChild: Bool { self != .adult }
}
