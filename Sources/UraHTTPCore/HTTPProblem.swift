/// An RFC 9457 problem the server answers by itself, before any handler runs (malformed request,
/// limits, timeouts, overload). Its `type` URI is stable so clients can branch on it.
public struct HTTPProblem: Sendable, Hashable, Error, CustomStringConvertible {
    public static let typeBase = "https://ura.example/problems/"

    public let status: Int
    /// The last path segment of `type`, e.g. `payload-too-large`; also the key of the server's
    /// rejection counters.
    public let slug: String
    public let title: String
    /// One sentence saying what was wrong and, where possible, what to do.
    public let detail: String

    public init(status: Int, slug: String, title: String, detail: String) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
    }

    public var type: String { Self.typeBase + slug }
    public var description: String { "\(status) \(title): \(detail)" }

    /// `application/problem+json` with `type`, `title`, `status` and `detail`.
    public var response: HTTPResponse {
        var json = "{\"type\":"
        Self.appendJSONString(type, to: &json)
        json += ",\"title\":"
        Self.appendJSONString(title, to: &json)
        json += ",\"status\":\(status),\"detail\":"
        Self.appendJSONString(detail, to: &json)
        json += "}"
        return HTTPResponse(status: status, headers: ["Content-Type": "application/problem+json"], body: Array(json.utf8))
    }

    package static func badRequest(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 400, slug: "bad-request", title: "Bad Request", detail: detail)
    }
    package static func lengthRequired(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 411, slug: "length-required", title: "Length Required", detail: detail)
    }
    package static func payloadTooLarge(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 413, slug: "payload-too-large", title: "Payload Too Large", detail: detail)
    }
    package static func uriTooLong(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 414, slug: "uri-too-long", title: "URI Too Long", detail: detail)
    }
    package static func headerFieldsTooLarge(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 431, slug: "request-header-fields-too-large", title: "Request Header Fields Too Large", detail: detail)
    }
    package static func requestTimeout(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 408, slug: "request-timeout", title: "Request Timeout", detail: detail)
    }
    package static func expectationFailed(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 417, slug: "expectation-failed", title: "Expectation Failed", detail: detail)
    }
    package static func versionNotSupported(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 505, slug: "http-version-not-supported", title: "HTTP Version Not Supported", detail: detail)
    }
    package static func serverBusy(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 503, slug: "server-busy", title: "Service Unavailable", detail: detail)
    }
    package static func internalError(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 500, slug: "internal-error", title: "Internal Server Error", detail: detail)
    }

    /// JSON string literal escaping (RFC 8259 §7); UraHTTP does not depend on UraJSON.
    package static func appendJSONString(_ string: String, to output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
