import UraHTTPCore

/// A request as a route's handler sees it: the HTTP request, what the route's `{name}` segments
/// captured, and the caller its access admitted.
struct RouteRequest<Caller: Sendable>: Sendable {
    let http: HTTPRequest
    let parameters: [String: String]
    let caller: Caller

    /// The segment `{name}` captured (percent-decoded); "" for a name the route's pattern lacks.
    subscript(_ name: String) -> String { parameters[name] ?? "" }
}
