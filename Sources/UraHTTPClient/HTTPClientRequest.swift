import UraHTTPCore

/// One outbound request.
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Overrides the client's `timeout` for this request (a long poll waits longer than usual).
    public var timeout: Duration?

    public init(method: String = "GET", url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
