import UraHTTPCore

/// Adapts a closure to `HTTPHandler` (small servers, tests, the benchmark).
public struct HTTPClosureHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) async -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) { self.body = body }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse { await body(request) }
}
