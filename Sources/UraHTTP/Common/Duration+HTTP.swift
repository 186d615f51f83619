/// A duration in the forms the HTTP layer needs: nanoseconds for deadlines, words for messages.
extension Duration {
    /// Whole nanoseconds, clamped at zero (deadline arithmetic on the monotonic clock).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// A short human form for messages: "300 ms", "10 s".
    var spoken: String {
        let nanos = nanoseconds
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000) s" }
        return "\(nanos / 1_000_000) ms"
    }
}
