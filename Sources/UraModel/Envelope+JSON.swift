import Foundation
import UraJSON

extension Envelope {
    /// Reads an envelope from an already parsed JSON value: the gateway's intake path, where the
    /// generic `Decodable` machinery costs more than the rest of the envelope's checks together.
    /// Accepts and refuses exactly what `init(from: Decoder)` does, with the same field paths in
    /// its errors (`EnvelopeTests` holds the two to each other).
    public init(json: JSONValue) throws(ModelError) {
        guard case .object(let object) = json else {
            throw ModelError(field: "", reason: "the envelope must be a JSON object, not \(json.typeName)")
        }
        id = try Self.validated(object, "id")
        type = try Self.validated(object, "type")
        from = try Self.validated(object, "from")
        guard case .array(let list) = try Self.required(object, "to") else { throw ModelError(field: "to", reason: "expected an array") }
        var recipients: [AgencyID] = []
        recipients.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            recipients.append(try Self.validated(element, field: "to[\(index)]"))
        }
        to = recipients
        caseReference = try Self.validated(object, "case")
        subject = try Self.enumeration(object, "subject")
        priority = try Self.optional(object, "priority") { value throws(ModelError) in try Self.enumeration(value, field: "priority") } ?? .normal
        created = try Self.timestamp(object, "created")
        expires = try Self.timestamp(object, "expires")
        inReplyTo = try Self.optional(object, "in_reply_to") { value throws(ModelError) in try Self.validated(value, field: "in_reply_to") }
        participants = try Self.optional(object, "participants") { value throws(ModelError) in
            guard case .array(let roles) = value else { throw ModelError(field: "participants", reason: "expected an array") }
            var out: [DeclarantRole] = []
            for (index, role) in roles.enumerated() { out.append(try Self.enumeration(role, field: "participants[\(index)]")) }
            return out
        }
        county = try Self.optional(object, "county") { value throws(ModelError) in try Self.enumeration(value, field: "county") }
        body = try Self.required(object, "body")
        if let problem = consistencyProblem() { throw problem }
    }

    private static func required(_ object: JSONObject, _ key: String) throws(ModelError) -> JSONValue {
        guard let value = object[key] else { throw ModelError(field: key, reason: "is required but missing") }
        return value
    }

    private static func string(_ value: JSONValue, field: String) throws(ModelError) -> String {
        switch value {
        case .string(let text): return text
        case .null: throw ModelError(field: field, reason: "must not be null")
        default: throw ModelError(field: field, reason: "expected a string")
        }
    }

    private static func validated<T: ValidatedString>(_ object: JSONObject, _ key: String) throws(ModelError) -> T {
        try validated(try required(object, key), field: key)
    }

    private static func validated<T: ValidatedString>(_ value: JSONValue, field: String) throws(ModelError) -> T {
        try T(try string(value, field: field), field: field)
    }

    private static func enumeration<T: RawRepresentable & CaseIterable>(_ object: JSONObject, _ key: String) throws(ModelError) -> T where T.RawValue == String {
        try enumeration(try required(object, key), field: key)
    }

    private static func enumeration<T: RawRepresentable & CaseIterable>(_ value: JSONValue, field: String) throws(ModelError) -> T where T.RawValue == String {
        let text = try string(value, field: field)
        guard let result = T(rawValue: text) else {
            throw ModelError(field: field, reason: "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return result
    }

    private static func timestamp(_ object: JSONObject, _ key: String) throws(ModelError) -> Date {
        let text = try string(try required(object, key), field: key)
        guard let date = RFC3339.date(from: text) else {
            throw ModelError(field: key, reason: "'\(text)' is not an RFC 3339 date-time such as 2026-11-23T09:15:00Z")
        }
        return date
    }

    /// Absent and null both mean "not given", as `decodeIfPresent` reads them.
    private static func optional<T>(_ object: JSONObject, _ key: String, _ make: (JSONValue) throws(ModelError) -> T) throws(ModelError) -> T? {
        guard let value = object[key], !value.isNull else { return nil }
        return try make(value)
    }
}
