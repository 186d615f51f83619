import UraHTTPCore

/// The final response to an outbound request (interim 1xx responses are not reported).
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// True when the request went over a connection kept from an earlier request.
    public var reusedConnection: Bool

    public init(status: Int, headers: HTTPHeaders, body: [UInt8], reusedConnection: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.reusedConnection = reusedConnection
    }
}
