import Foundation
import UraJSON

/// What the gateway sees of a message: who, to whom, what type, which pseudonymous case, when.
/// It is the payload of the sender's JWS; `body` is the form itself, a JWE the gateway cannot open.
public struct Envelope: Codable, Sendable, Equatable {
    public var id: MessageID
    public var type: MessageType
    public var from: AgencyID
    public var to: [AgencyID]
    public var caseReference: CaseReference
    public var subject: SubjectCategory
    public var priority: Priority
    public var created: Date
    public var expires: Date
    /// The request this message answers (an assessment report answers an assessment request).
    public var inReplyTo: MessageID?
    /// For an interview record (A3, A4, B1, B2): the roles of everyone present, each of whom must
    /// have a confidentiality declaration (A1) on file for the case.
    public var participants: [DeclarantRole]?
    /// The county the case is handled in, for the regional committees' statistics.
    public var county: County?
    /// The encrypted form: a JWE in general JSON serialization.
    public var body: JSONValue

    public init(id: MessageID, type: MessageType, from: AgencyID, to: [AgencyID], caseReference: CaseReference,
                subject: SubjectCategory, priority: Priority = .normal, created: Date, expires: Date,
                inReplyTo: MessageID? = nil, participants: [DeclarantRole]? = nil, county: County? = nil,
                body: JSONValue) throws(ModelError) {
        self.id = id
        self.type = type
        self.from = from
        self.to = to
        self.caseReference = caseReference
        self.subject = subject
        self.priority = priority
        self.created = created
        self.expires = expires
        self.inReplyTo = inReplyTo
        self.participants = participants
        self.county = county
        self.body = body
        if let problem = consistencyProblem() { throw problem }
    }

    enum CodingKeys: String, CodingKey {
        case id, type, from, to, caseReference = "case", subject, priority, created, expires
        case inReplyTo = "in_reply_to", participants, county, body
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        type = try c.decode(MessageType.self, forKey: .type)
        from = try c.decode(AgencyID.self, forKey: .from)
        to = try c.decode([AgencyID].self, forKey: .to)
        caseReference = try c.decode(CaseReference.self, forKey: .caseReference)
        subject = try c.decode(SubjectCategory.self, forKey: .subject)
        priority = try c.decodeIfPresent(Priority.self, forKey: .priority) ?? .normal
        created = try c.decodeTimestamp(forKey: .created)
        expires = try c.decodeTimestamp(forKey: .expires)
        inReplyTo = try c.decodeIfPresent(MessageID.self, forKey: .inReplyTo)
        participants = try c.decodeIfPresent([DeclarantRole].self, forKey: .participants)
        county = try c.decodeIfPresent(County.self, forKey: .county)
        body = try c.decode(JSONValue.self, forKey: .body)
        if let problem = consistencyProblem() {
            let key = CodingKeys(stringValue: problem.field) ?? .id
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: problem.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(caseReference, forKey: .caseReference)
        try c.encode(subject, forKey: .subject)
        try c.encode(priority, forKey: .priority)
        try c.encodeTimestamp(created, forKey: .created)
        try c.encodeTimestamp(expires, forKey: .expires)
        try c.encodeIfPresent(inReplyTo, forKey: .inReplyTo)
        try c.encodeIfPresent(participants, forKey: .participants)
        try c.encodeIfPresent(county, forKey: .county)
        try c.encode(body, forKey: .body)
    }

    /// The rules that tie fields together (each field's own syntax is checked by its type).
    func consistencyProblem() -> ModelError? {
        if to.isEmpty { return ModelError(field: "to", reason: "a message needs at least one recipient") }
        if Set(to).count != to.count { return ModelError(field: "to", reason: "a recipient is listed twice") }
        if to.contains(from) { return ModelError(field: "to", reason: "the sender \(from) cannot be its own recipient") }
        if expires <= created { return ModelError(field: "expires", reason: "must be later than created") }
        if inReplyTo == id { return ModelError(field: "in_reply_to", reason: "a message cannot answer itself") }
        return nil
    }
}
