/// The role of a person who signs a confidentiality declaration (form A1) before an interview.
public enum DeclarantRole: String, CaseIterable, Codable, Sendable, Comparable {
    case interviewer
    case interpreter
    case psychologist
    /// A parent or legal guardian of the child.
    case guardian
    /// A municipal child-protection worker (PMF/NJMF).
    case childProtectionWorker = "child-protection-worker"
    /// Any other third person present.
    case other

    public static func < (a: DeclarantRole, b: DeclarantRole) -> Bool { a.rawValue < b.rawValue }
}
