/// What a handler answers. The server adds `Content-Length`, `Date` and, when it closes the
/// connection, `Connection: close`; a handler's own values of those fields are replaced.
/// A handler may set `Connection: close` to end the connection after this response.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a UTF-8 text body and its `Content-Type`.
    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }
}
