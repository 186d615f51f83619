import UraHTTPCore
import UraHTTPServer

/// The request bodies of a load run: request `i` carries `body(i)`, each index used once.
public struct LoadWorkload: Sendable {
    public let count: Int
    public let body: @Sendable (Int) -> [UInt8]

    public init(count: Int, body: @escaping @Sendable (Int) -> [UInt8]) {
        self.count = count
        self.body = body
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
