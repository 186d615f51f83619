import Foundation

/// Everything the gateway knows about a message except its encrypted body: the envelope's routing
/// fields. This is what the store indexes, the ledger records and the secretariat sees.
public struct MessageMetadata: Codable, Sendable, Equatable {
    public var id: MessageID
    public var type: MessageType
    public var from: AgencyID
    public var to: [AgencyID]
    public var caseReference: CaseReference
    public var subject: SubjectCategory
    public var priority: Priority
    public var created: Date
    public var expires: Date
    public var inReplyTo: MessageID?
    public var participants: [DeclarantRole]?
    public var county: County?

    public init(_ envelope: Envelope) {
        id = envelope.id
        type = envelope.type
        from = envelope.from
        to = envelope.to
        caseReference = envelope.caseReference
        subject = envelope.subject
        priority = envelope.priority
        created = envelope.created
        expires = envelope.expires
        inReplyTo = envelope.inReplyTo
        participants = envelope.participants
        county = envelope.county
    }

    enum CodingKeys: String, CodingKey {
        case id, type, from, to, caseReference = "case", subject, priority, created, expires
        case inReplyTo = "in_reply_to", participants, county
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        type = try c.decode(MessageType.self, forKey: .type)
        from = try c.decode(AgencyID.self, forKey: .from)
        to = try c.decode([AgencyID].self, forKey: .to)
        caseReference = try c.decode(CaseReference.self, forKey: .caseReference)
        subject = try c.decode(SubjectCategory.self, forKey: .subject)
        priority = try c.decode(Priority.self, forKey: .priority)
        created = try c.decodeTimestamp(forKey: .created)
        expires = try c.decodeTimestamp(forKey: .expires)
        inReplyTo = try c.decodeIfPresent(MessageID.self, forKey: .inReplyTo)
        participants = try c.decodeIfPresent([DeclarantRole].self, forKey: .participants)
        county = try c.decodeIfPresent(County.self, forKey: .county)
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
    }
}

extension MessageMetadata {
    /// Builds metadata directly (the store reading a row back).
    public init(id: MessageID, type: MessageType, from: AgencyID, to: [AgencyID], caseReference: CaseReference,
                subject: SubjectCategory, priority: Priority, created: Date, expires: Date, inReplyTo: MessageID?,
                participants: [DeclarantRole]?, county: County?) {
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
    }
}
