import Foundation

/// A follow-up the SOP expects, armed when a message that expects it is accepted. The follow-up
/// (a message of one of the `expected` types in the same case, or one that answers the trigger)
/// meets it; past `due` it is overdue and the gateway tells the secretariat once.
public struct Deadline: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Waiting for the follow-up, not yet due.
        case open
        /// The follow-up came (`metAt` after `due` means it came late).
        case met
        /// Past due without the follow-up; the secretariat has been told.
        case overdue
        /// No longer expected (the case moved on).
        case cancelled
    }

    /// True when it was met after it was due.
    public var metLate: Bool { state == .met && (metAt.map { $0 > due } ?? false) }

    /// `<trigger message id>/<expectation index>[/<occurrence>]`: stable, so arming is idempotent.
    public var id: String
    public var caseReference: CaseReference
    public var trigger: MessageID
    public var triggerType: MessageType
    public var expected: [MessageType]
    /// The agencies expected to act (for the notice); empty when the catalogue names only kinds.
    public var responsible: [AgencyID]
    /// The kinds whose messages fulfil it (empty: any sender).
    public var responsibleKinds: [AgencyKind]
    /// A window rather than an obligation (an appeal period): never reported overdue.
    public var optional: Bool
    public var rule: DeadlineRule
    public var armedAt: Date
    public var due: Date
    public var state: State
    public var metBy: MessageID?
    public var metAt: Date?
    /// For monthly reports, which month of the series this is (1-based).
    public var occurrence: Int?
    /// The obligation this deadline stands for, `<trigger type>#<expectation index> <responsible party>`:
    /// a case has at most one pending (open or overdue) deadline per obligation, so a repeat of the
    /// trigger is linked to it instead of arming another. `nil` for a rule the catalogue keeps per message.
    public var obligation: String?
    /// Later messages that triggered the same obligation while this deadline was pending, oldest first.
    public var repeatedBy: [MessageID]

    public init(id: String, caseReference: CaseReference, trigger: MessageID, triggerType: MessageType,
                expected: [MessageType], responsible: [AgencyID], responsibleKinds: [AgencyKind] = [], optional: Bool = false,
                rule: DeadlineRule, armedAt: Date, due: Date,
                state: State = .open, metBy: MessageID? = nil, metAt: Date? = nil, occurrence: Int? = nil,
                obligation: String? = nil, repeatedBy: [MessageID] = []) {
        self.id = id
        self.caseReference = caseReference
        self.trigger = trigger
        self.triggerType = triggerType
        self.expected = expected
        self.responsible = responsible
        self.responsibleKinds = responsibleKinds
        self.optional = optional
        self.rule = rule
        self.armedAt = armedAt
        self.due = due
        self.state = state
        self.metBy = metBy
        self.metAt = metAt
        self.occurrence = occurrence
        self.obligation = obligation
        self.repeatedBy = repeatedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, caseReference = "case", trigger, triggerType = "trigger_type", expected, responsible
        case responsibleKinds = "responsible_kinds", optional, rule
        case armedAt = "armed_at", due, state, metBy = "met_by", metAt = "met_at", occurrence
        case obligation, repeatedBy = "repeated_by"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        caseReference = try c.decode(CaseReference.self, forKey: .caseReference)
        trigger = try c.decode(MessageID.self, forKey: .trigger)
        triggerType = try c.decode(MessageType.self, forKey: .triggerType)
        expected = try c.decode([MessageType].self, forKey: .expected)
        responsible = try c.decodeIfPresent([AgencyID].self, forKey: .responsible) ?? []
        responsibleKinds = try c.decodeIfPresent([AgencyKind].self, forKey: .responsibleKinds) ?? []
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        rule = try c.decode(DeadlineRule.self, forKey: .rule)
        armedAt = try c.decodeTimestamp(forKey: .armedAt)
        due = try c.decodeTimestamp(forKey: .due)
        state = try c.decode(State.self, forKey: .state)
        metBy = try c.decodeIfPresent(MessageID.self, forKey: .metBy)
        metAt = try c.decodeTimestampIfPresent(forKey: .metAt)
        occurrence = try c.decodeIfPresent(Int.self, forKey: .occurrence)
        obligation = try c.decodeIfPresent(String.self, forKey: .obligation)
        repeatedBy = try c.decodeIfPresent([MessageID].self, forKey: .repeatedBy) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(caseReference, forKey: .caseReference)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(triggerType, forKey: .triggerType)
        try c.encode(expected, forKey: .expected)
        try c.encode(responsible, forKey: .responsible)
        try c.encode(responsibleKinds, forKey: .responsibleKinds)
        try c.encode(optional, forKey: .optional)
        try c.encode(rule, forKey: .rule)
        try c.encodeTimestamp(armedAt, forKey: .armedAt)
        try c.encodeTimestamp(due, forKey: .due)
        try c.encode(state, forKey: .state)
        try c.encodeIfPresent(metBy, forKey: .metBy)
        try c.encodeTimestampIfPresent(metAt, forKey: .metAt)
        try c.encodeIfPresent(occurrence, forKey: .occurrence)
        try c.encodeIfPresent(obligation, forKey: .obligation)
        if !repeatedBy.isEmpty { try c.encode(repeatedBy, forKey: .repeatedBy) }
    }
}
