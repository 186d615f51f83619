/// One complete HTTP request, parsed and checked by the server before a handler sees it.
public struct HTTPRequest: Sendable {
    /// The method token as sent, e.g. `GET`, `POST` (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The request target exactly as sent (origin-form `/v1/messages?x=1`, or `*` for OPTIONS).
    public var target: String
    /// The path of the target, still percent-encoded (so `%2F` stays distinct from `/`).
    public var path: String
    /// The query's `name=value` pairs, percent-decoded, in order; `+` is not treated as a space.
    public var query: [(name: String, value: String)]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client certificate of the TLS connection, or nil when none was presented (or plain HTTP).
    public var peer: PeerCertificate?
    /// `address:port` of the client, e.g. `127.0.0.1:51234` or `[::1]:51234`.
    public var remoteAddress: String
    /// Identifies the connection within this server (logs, tests of keep-alive reuse).
    public var connectionID: UInt64

    public init(method: String, target: String, path: String, query: [(name: String, value: String)] = [],
                version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                peer: PeerCertificate? = nil, remoteAddress: String = "", connectionID: UInt64 = 0) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.connectionID = connectionID
    }

    /// The first value of the query parameter `name`, or nil.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
}
