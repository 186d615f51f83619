import Foundation

/// The message catalogue (`Schemas/catalogue.json`): every message type of the SOP, who may send it
/// to whom, the schema of its body, the follow-ups it expects and by when, and its rules. The SOP
/// is data: a new form is a new entry and a new schema file. UraSchema loads and validates it.
public struct Catalogue: Codable, Sendable {
    public var version: String
    public var entries: [CatalogueEntry]
    private var index: [MessageType: Int]

    public init(version: String, entries: [CatalogueEntry]) throws(ModelError) {
        self.version = version
        self.entries = entries
        self.index = try Catalogue.buildIndex(entries)
    }

    public subscript(type: MessageType) -> CatalogueEntry? { index[type].map { entries[$0] } }

    /// The entry for a SOP form code (`"A3"`).
    public func entry(forForm form: String) -> CatalogueEntry? { entries.first { $0.form == form } }

    enum CodingKeys: String, CodingKey { case version, entries = "types" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        entries = try c.decode([CatalogueEntry].self, forKey: .entries)
        do {
            index = try Catalogue.buildIndex(entries)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .entries, in: c, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(entries, forKey: .entries)
    }

    private static func buildIndex(_ entries: [CatalogueEntry]) throws(ModelError) -> [MessageType: Int] {
        var index: [MessageType: Int] = [:]
        for (i, entry) in entries.enumerated() where index.updateValue(i, forKey: entry.type) != nil {
            throw ModelError(field: "types[\(i)].type", reason: "\(entry.type) appears twice")
        }
        for (i, entry) in entries.enumerated() {
            let referenced = entry.expects.flatMap(\.types) + (entry.inReplyTo?.types ?? []) + entry.closes
            for type in referenced where index[type] == nil {
                throw ModelError(field: "types[\(i)]", reason: "\(entry.type) refers to \(type), which the catalogue does not define")
            }
        }
        return index
    }
}

/// One message type of the catalogue.
public struct CatalogueEntry: Codable, Sendable, Equatable {
    /// How fast the SOP wants the message to move.
    public enum Urgency: String, Codable, Sendable { case immediate, sameDay = "same-day", routine }

    /// A rule the gateway enforces at intake beyond routing.
    public enum Rule: String, Codable, Sendable {
        /// Form A1: every participant role listed in the envelope must have a confidentiality
        /// declaration on file for the case from the sending agency.
        case declarationsRequired = "declarations-required"
    }

    /// Recipients a message must include: the secretariat for whatever goes through the Responsible
    /// Authority; child protection when the subject is or may be a child; social services for an adult.
    public struct Routing: Codable, Sendable, Equatable {
        public var mustInclude: [AgencyKind]
        public var childMustInclude: [AgencyKind]
        public var adultMustInclude: [AgencyKind]
        public init(mustInclude: [AgencyKind] = [], childMustInclude: [AgencyKind] = [], adultMustInclude: [AgencyKind] = []) {
            self.mustInclude = mustInclude
            self.childMustInclude = childMustInclude
            self.adultMustInclude = adultMustInclude
        }
        enum CodingKeys: String, CodingKey {
            case mustInclude = "must_include", childMustInclude = "child_must_include", adultMustInclude = "adult_must_include"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            mustInclude = try c.decodeIfPresent([AgencyKind].self, forKey: .mustInclude) ?? []
            childMustInclude = try c.decodeIfPresent([AgencyKind].self, forKey: .childMustInclude) ?? []
            adultMustInclude = try c.decodeIfPresent([AgencyKind].self, forKey: .adultMustInclude) ?? []
        }

        /// The kinds a message about `subject` must reach.
        public func required(for subject: SubjectCategory) -> [AgencyKind] {
            mustInclude + (subject.treatedAsChild ? childMustInclude : adultMustInclude)
        }
    }

    /// Which request a message answers: `in_reply_to` must name a message of one of these types in
    /// the same case (and must be present when `required`).
    public struct ReplyRule: Codable, Sendable, Equatable {
        public var types: [MessageType]
        public var required: Bool
        public init(types: [MessageType], required: Bool) {
            self.types = types
            self.required = required
        }
    }

    public var type: MessageType
    /// The SOP annex's form code (A1…E5, D1, D2), when the message is one of its forms.
    public var form: String?
    public var title: String
    public var titleSq: String
    /// The `$id` of the body's JSON Schema.
    public var schema: String
    public var from: [AgencyKind]
    public var to: [AgencyKind]
    public var urgency: Urgency
    public var routing: Routing
    public var inReplyTo: ReplyRule?
    public var expects: [Expectation]
    /// Types whose deadlines in the case this message ends: the series is no longer expected
    /// (a proposal that the person is sustainably reintegrated ends the monthly D2 reports).
    public var closes: [MessageType]
    public var rules: [Rule]
    /// Whether the type may cross a border: be sent to an agency of another country through a peer
    /// gateway, or relayed in from one (federation). The E forms, the return forms and notices.
    public var crossBorder: Bool
    /// The SOP's wording of the rule this entry encodes (English), for people and docs.
    public var sop: String?

    enum CodingKeys: String, CodingKey {
        case type, form, title, titleSq = "title_sq", schema, from, to, urgency, routing
        case inReplyTo = "in_reply_to", expects, closes, rules, sop, crossBorder = "cross_border"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(MessageType.self, forKey: .type)
        form = try c.decodeIfPresent(String.self, forKey: .form)
        title = try c.decode(String.self, forKey: .title)
        titleSq = try c.decode(String.self, forKey: .titleSq)
        schema = try c.decode(String.self, forKey: .schema)
        from = try c.decode([AgencyKind].self, forKey: .from)
        to = try c.decode([AgencyKind].self, forKey: .to)
        urgency = try c.decode(Urgency.self, forKey: .urgency)
        routing = try c.decodeIfPresent(Routing.self, forKey: .routing) ?? Routing()
        inReplyTo = try c.decodeIfPresent(ReplyRule.self, forKey: .inReplyTo)
        expects = try c.decodeIfPresent([Expectation].self, forKey: .expects) ?? []
        closes = try c.decodeIfPresent([MessageType].self, forKey: .closes) ?? []
        rules = try c.decodeIfPresent([Rule].self, forKey: .rules) ?? []
        sop = try c.decodeIfPresent(String.self, forKey: .sop)
        crossBorder = try c.decodeIfPresent(Bool.self, forKey: .crossBorder) ?? false
        if from.isEmpty { throw DecodingError.dataCorruptedError(forKey: .from, in: c, debugDescription: "must name at least one kind") }
        if to.isEmpty { throw DecodingError.dataCorruptedError(forKey: .to, in: c, debugDescription: "must name at least one kind") }
    }

    /// The expectations that apply to a message about `subject`.
    public func expectations(for subject: SubjectCategory) -> [Expectation] {
        expects.filter { $0.applies(to: subject) }
    }
}

/// A follow-up an entry expects: one of `types`, within `within`, from agencies of kinds `by`.
public struct Expectation: Codable, Sendable, Equatable {
    public var types: [MessageType]
    public var within: DeadlineRule
    /// Only for this subject (`child` covers `unknown` too); `nil` for every subject.
    public var whenSubject: SubjectCategory?
    /// The kinds expected to send the follow-up.
    public var by: [AgencyKind]
    /// For `monthly`: how many months the series runs.
    public var forMonths: Int?
    /// A window rather than an obligation (an appeal may be filed within 30 working days):
    /// shown on the case timeline, never reported overdue.
    public var optional: Bool
    /// Whether a repeat of the trigger owes the follow-up again (`message`) or is the same duty
    /// (`obligation`, the default: one pending deadline per case, rule and responsible party).
    public var per: ArmingScope
    public var note: String

    /// What one deadline of an expectation stands for.
    public enum ArmingScope: String, Codable, Sendable {
        /// One per (case, rule, party): a repeat of the trigger while it is pending is linked to it.
        case obligation
        /// One per triggering message (each appeal filed gets its own hearing deadline).
        case message
    }

    enum CodingKeys: String, CodingKey {
        case types, within, whenSubject = "when_subject", by, forMonths = "for_months", optional, per, note
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        types = try c.decode([MessageType].self, forKey: .types)
        within = try c.decode(DeadlineRule.self, forKey: .within)
        whenSubject = try c.decodeIfPresent(SubjectCategory.self, forKey: .whenSubject)
        by = try c.decodeIfPresent([AgencyKind].self, forKey: .by) ?? []
        forMonths = try c.decodeIfPresent(Int.self, forKey: .forMonths)
        optional = try c.decodeIfPresent(Bool.self, forKey: .optional) ?? false
        per = try c.decodeIfPresent(ArmingScope.self, forKey: .per) ?? .obligation
        note = try c.decode(String.self, forKey: .note)
        if types.isEmpty { throw DecodingError.dataCorruptedError(forKey: .types, in: c, debugDescription: "must name at least one type") }
        if within == .monthly && forMonths == nil {
            throw DecodingError.dataCorruptedError(forKey: .forMonths, in: c, debugDescription: "a monthly expectation says for how many months")
        }
    }

    public func applies(to subject: SubjectCategory) -> Bool {
        switch whenSubject {
        case nil: true
        case .adult?: subject == .adult
        case .child?, .unknown?: subject.treatedAsChild
        }
    }
}
