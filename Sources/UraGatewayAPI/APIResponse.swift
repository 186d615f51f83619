import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraProtocol

/// Building HTTP responses: JSON, problem documents, and JWS bodies exactly as stored.
enum APIResponse {
    static func json(_ value: JSONValue, status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        json(value.serialized(), status: status, headers: headers)
    }

    /// JSON already serialized (a ledger receipt), byte for byte.
    static func json(_ bytes: [UInt8], status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        return HTTPResponse(status: status, headers: headers, body: bytes)
    }

    /// A JWS (flattened JSON) as stored, byte for byte.
    static func jose(_ bytes: [UInt8], status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/jose+json")
        headers.replaceOrAdd(name: "Cache-Control", value: "no-store")
        return HTTPResponse(status: status, headers: headers, body: bytes)
    }

    /// What a 503 answer's `Retry-After` asks for, in seconds.
    static let retryAfterSeconds = 5

    /// `closeConnection` asks the server to end the connection after this answer (`Connection: close`);
    /// `allow` lists the methods a 405's path takes (the `Allow` header).
    static func problem(_ problem: GatewayError, instance: String? = nil, closeConnection: Bool = false, allow: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/problem+json", "Cache-Control": "no-store"]
        if closeConnection { headers.replaceOrAdd(name: "Connection", value: "close") }
        if let allow { headers.replaceOrAdd(name: "Allow", value: allow) }
        // A 503 passes (a store failing over, a service restarting): say when to come back.
        if problem.status == 503 { headers.replaceOrAdd(name: "Retry-After", value: String(retryAfterSeconds)) }
        return HTTPResponse(status: problem.status, headers: headers, body: problem.json(instance: instance).serialized())
    }
}
