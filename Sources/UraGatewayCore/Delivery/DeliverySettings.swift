/// How the gateway pushes messages.
public struct DeliverySettings: Sendable, Equatable {
    /// Deliveries in flight at once across all agencies.
    public var concurrency: Int
    /// Deliveries in flight at once to one agency.
    public var perRecipient: Int
    /// How long a claimed delivery belongs to a worker before it returns to the queue.
    public var lease: Duration
    /// When to retry and when to give up.
    public var retry: RetryPolicy
    /// How long a redriven dead letter may be tried again.
    public var redriveWindow: Duration
    /// The longest the scheduler sleeps when nothing is due (it is also woken by new messages).
    public var idlePoll: Duration
    /// How long a pass waits for its slowest attempt before the next pass claims (the attempt
    /// goes on, holding its slot).
    public var passWait: Duration

    public init(concurrency: Int = 32, perRecipient: Int = 4, lease: Duration = .seconds(120), retry: RetryPolicy = RetryPolicy(),
                redriveWindow: Duration = .seconds(72 * 3600), idlePoll: Duration = .seconds(5),
                passWait: Duration = .seconds(1)) {
        self.concurrency = concurrency
        self.perRecipient = perRecipient
        self.lease = lease
        self.retry = retry
        self.redriveWindow = redriveWindow
        self.idlePoll = idlePoll
        self.passWait = passWait
    }
}
