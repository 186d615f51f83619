import UraBasics
import UraHTTPCore

/// Why an outbound request got no response, each with a sentence a person can act on.
public enum HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL or method cannot be sent (not http/https, malformed).
    case invalidRequest(String)
    case cannotResolve(url: String)
    /// TCP connect failed; `reason` is the system's, e.g. "connection refused".
    case cannotConnect(url: String, reason: String)
    /// The server's certificate does not chain to a trusted CA or does not match the host name.
    case serverCertificateNotTrusted(url: String, reason: String)
    /// The TLS handshake failed otherwise (e.g. the server refused our client certificate).
    case tlsHandshakeFailed(url: String, reason: String)
    /// Our client certificate or key could not be loaded.
    case clientCertificateUnusable(reason: String)
    case timedOut(url: String, after: Duration)
    case responseTooLarge(url: String, limit: Int)
    /// The connection broke or closed before a full response.
    case connectionLost(url: String, reason: String)
    case cancelled(url: String)
    /// `shutdown()` was called before the request finished.
    case shutDown
    /// Any other libcurl failure, with its code and message.
    case transport(url: String, code: Int, reason: String)

    public var description: String {
        switch self {
        case .invalidRequest(let detail): "invalid request: \(detail)"
        case .cannotResolve(let url): "could not resolve the host of \(url); check the name and DNS"
        case .cannotConnect(let url, let reason): "could not connect to \(url): \(reason)"
        case .serverCertificateNotTrusted(let url, let reason):
            "TLS: server certificate not trusted for \(url) (\(reason)); check the CA bundle and the host name"
        case .tlsHandshakeFailed(let url, let reason): "TLS handshake with \(url) failed: \(reason)"
        case .clientCertificateUnusable(let reason): "the client certificate or key cannot be used: \(reason)"
        case .timedOut(let url, let after): "request to \(url) timed out after \(after.spoken)"
        case .responseTooLarge(let url, let limit): "the response from \(url) is larger than \(limit) bytes; it was abandoned"
        case .connectionLost(let url, let reason): "the connection to \(url) broke before a full response: \(reason)"
        case .cancelled(let url): "the request to \(url) was cancelled"
        case .shutDown: "the HTTP client was shut down before the request finished"
        case .transport(let url, let code, let reason): "request to \(url) failed (curl error \(code)): \(reason)"
        }
    }
}
