import UraJSON
import UraProtocol

/// Why the gateway refused or could not do what an agency asked. `type` is one of the protocol's
/// problem types (what agencies branch on); `detail` names what was wrong and what to do and never
/// carries a body, a key or personal data; `extensions` adds machine-readable members (for example
/// the schema errors of an envelope). Only the HTTP edge turns it into an RFC 9457 document.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
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
}
