/// Where one recipient's copy of a message stands.
///
/// ```
/// pending ──claim──▶ inFlight ──recipient's receipt──▶ delivered
///    ▲                  │
///    │                  └─failure──▶ retryScheduled ──due──▶ inFlight …
///    │                  └─expired or attempts exhausted──▶ deadLetter (failed receipt)
///    └──────────── operator redrive ◀───────────────────────────┘
/// ```
public enum DeliveryState: String, Codable, Sendable, CaseIterable {
    /// Accepted, waiting for its first attempt (push) or for the recipient to pull it.
    case pending
    /// Handed to a delivery worker or to the recipient's inbox under a lease.
    case inFlight = "in_flight"
    /// The last attempt failed; the next one is scheduled.
    case retryScheduled = "retry_scheduled"
    /// The recipient returned a valid signed receipt. Final.
    case delivered
    /// The gateway gave up (expired or attempts exhausted) and sent a failed receipt; an operator
    /// can redrive it.
    case deadLetter = "dead_letter"

    /// True when the delivery has a receipt (delivered, or failed into the dead-letter queue).
    public var isSettled: Bool { self == .delivered || self == .deadLetter }
}
