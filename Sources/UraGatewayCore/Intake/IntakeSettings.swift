/// Limits the intake applies before it commits a message.
public struct IntakeSettings: Sendable, Equatable {
    /// The largest signed message accepted, in bytes.
    public var maxMessageBytes: Int
    /// How far `created` may be ahead of the gateway's clock (the sender's clock runs fast).
    public var clockSkew: Duration
    /// How far `created` may be behind it: a message sealed offline by a mission with a poor link
    /// waits in its outbox and arrives late, and must still be accepted. Replays are harmless (the
    /// id makes them duplicates); this only bounds how old a first submission may be.
    public var maxAge: Duration
    /// The longest a message may live (`expires − created`).
    public var maxLifetime: Duration

    public init(maxMessageBytes: Int = 10 << 20, clockSkew: Duration = .seconds(300), maxAge: Duration = .seconds(14 * 86_400),
                maxLifetime: Duration = .seconds(400 * 86_400)) {
        self.maxMessageBytes = maxMessageBytes
        self.clockSkew = clockSkew
        self.maxAge = maxAge
        self.maxLifetime = maxLifetime
    }
}
