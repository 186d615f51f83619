import UraJSON

/// An error the gateway reports to an agency: RFC 9457 problem details. `detail` names what was
/// wrong and what to do; it never carries a body, a key or personal data. `extensions` adds
/// machine-readable members (for example the schema errors of an envelope).
public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    public var type: ProblemType
    public var detail: String
    public var extensions: JSONObject

    public init(_ type: ProblemType, _ detail: String, extensions: JSONObject = JSONObject()) {
        self.type = type
        self.detail = detail
        self.extensions = extensions
    }

    public var status: Int { type.status }
    public var description: String { "\(type.title): \(detail)" }

    /// The `application/problem+json` document.
    public func json(instance: String? = nil) -> JSONValue {
        var object: JSONObject = [
            "type": .string(type.uri), "title": .string(type.title), "status": .number(Double(type.status)), "detail": .string(detail),
        ]
        if let instance { object["instance"] = .string(instance) }
        for (key, value) in extensions where object[key] == nil { object[key] = value }
        return .object(object)
    }
}
