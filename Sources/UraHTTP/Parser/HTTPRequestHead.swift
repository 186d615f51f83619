/// The request line and header section of one request, checked; the body is read afterwards.
struct HTTPRequestHead: Sendable {
    var method: String
    var target: String
    var path: String
    var query: [(name: String, value: String)]
    var version: HTTPVersion
    var headers: HTTPHeaders
    /// Declared body length (0 when there is no `Content-Length`).
    var contentLength: Int
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    var expectsContinue: Bool
    /// The connection may carry another request after this one.
    var keepAlive: Bool
    /// Bytes of the head in the buffer, including blank lines before it and the final CRLF.
    var length: Int
}
