import UraHTTPCore

/// The request line and header section of one request, checked; the body is read afterwards.
package struct HTTPRequestHead: Sendable {
    package var method: String
    package var target: String
    package var path: String
    package var query: [(name: String, value: String)]
    package var version: HTTPVersion
    package var headers: HTTPHeaders
    /// Declared body length (0 when there is no `Content-Length`).
    package var contentLength: Int
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    package var expectsContinue: Bool
    /// The connection may carry another request after this one.
    package var keepAlive: Bool
    /// Bytes of the head in the buffer, including blank lines before it and the final CRLF.
    package var length: Int
}
