import UraGatewayCore
import UraJSON
import UraProtocol

extension GatewayError {
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
