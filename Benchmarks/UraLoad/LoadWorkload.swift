import UraHTTPCore
import UraHTTPServer

/// The request bodies of a load run: request `i` carries `body(i)`, each index used once.
public struct LoadWorkload: Sendable {
    public let count: Int
    public let body: @Sendable (Int) -> [UInt8]
    /// Called on a generator thread with a request's index and status as each answer arrives (nil:
    /// not asked). The power-loss test records which messages were acknowledged with it.
    public var onAnswer: (@Sendable (_ index: Int, _ status: Int) -> Void)?

    public init(count: Int, body: @escaping @Sendable (Int) -> [UInt8], onAnswer: (@Sendable (_ index: Int, _ status: Int) -> Void)? = nil) {
        self.count = count
        self.body = body
        self.onAnswer = onAnswer
    }

    /// Each body sent once, in order (e.g. distinct pre-signed messages).
    public static func distinct(_ bodies: [[UInt8]]) -> LoadWorkload {
        LoadWorkload(count: bodies.count) { bodies[$0] }
    }

    /// The same body `count` times.
    public static func repeated(_ body: [UInt8], count: Int) -> LoadWorkload {
        LoadWorkload(count: count) { _ in body }
    }
}
