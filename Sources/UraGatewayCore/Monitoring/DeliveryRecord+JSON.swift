import UraJSON
import UraModel
import UraStore

extension DeliveryRecord {
    /// A delivery as the API and the monitor show it: state, attempts, next attempt, last error, receipt.
    public var json: JSONValue {
        let d = self
        var object: JSONObject = [
            "recipient": .string(d.recipient.rawValue), "channel": .string(d.channel.rawValue), "state": .string(d.state.rawValue),
            "attempts": .number(Double(d.attempts)),
        ]
        if d.state == .pending || d.state == .retryScheduled { object["next_attempt_at"] = .string(RFC3339.string(from: d.nextAttemptAt)) }
        if let error = d.lastError { object["last_error"] = .string(error) }
        if let at = d.settledAt { object["settled_at"] = .string(RFC3339.string(from: at)) }
        if let receipt = d.receipt, let json = try? JSONValue(parsing: receipt) { object["receipt"] = json }
        return .object(object)
    }
}
