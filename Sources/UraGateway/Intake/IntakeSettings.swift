/// Limits the intake applies before it commits a message.
public struct IntakeSettings: Sendable, Equatable {
    /// The largest signed message accepted, in bytes.
    public var maxMessageBytes: Int
    /// How far `created` may be from the gateway's clock, either way.
    public var clockSkew: Duration
    /// The longest a message may live (`expires − created`).
    public var maxLifetime: Duration

    public init(maxMessageBytes: Int = 10 << 20, clockSkew: Duration = .seconds(300), maxLifetime: Duration = .seconds(400 * 86_400)) {
        self.maxMessageBytes = maxMessageBytes
        self.clockSkew = clockSkew
        self.maxLifetime = maxLifetime
    }
}
