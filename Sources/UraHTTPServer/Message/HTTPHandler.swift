import UraHTTPCore

/// What the gateway plugs into the server. `handle` runs off the event loops, so it may take as
/// long as it needs (verify signatures, wait for a group commit, long-poll); it is cancelled only
/// when the server's shutdown grace period ends or the client resets the connection.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) async -> HTTPResponse
}
