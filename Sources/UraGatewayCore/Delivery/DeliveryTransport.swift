import UraModel
import UraProtocol
import UraStore

/// How the gateway hands a message to an agency that receives by push: over HTTPS to the agency's
/// endpoint (`PushTransport`). Pull-mode agencies are served by their inbox instead.
public protocol DeliveryTransport: Sendable {
    /// Delivers `job` to `agency`; returns the agency's signed delivered receipt (a JWS), which the
    /// scheduler verifies. Throws `DeliveryFailure` with a sentence for the dead-letter queue.
    func deliver(_ job: DeliveryJob, to agency: Agency) async throws(DeliveryFailure) -> [UInt8]
}

/// Why one delivery attempt failed: a sentence safe to log and show the secretariat (never a body).
public struct DeliveryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    /// True when trying again cannot help (a peer gateway refused the message for good, or gave it
    /// up itself): the delivery becomes a dead letter now, with this reason in its failed receipt.
    public let isFinal: Bool
    public init(_ reason: String, final: Bool = false) {
        self.reason = reason
        self.isFinal = final
    }
    public var description: String { reason }
}
