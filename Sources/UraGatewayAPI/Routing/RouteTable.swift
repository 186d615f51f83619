import UraHTTPCore

/// The one list of what a listener answers (method, path pattern, access, handler), so that routes
/// can be listed and a 405 with `Allow` falls out of it; the owner admits callers from `Access`
/// before a handler runs, and a fence covers requests under a prefix that no route answers.
struct RouteTable<Owner: Sendable, Access: Sendable, Caller: Sendable>: Sendable {
    typealias Handler = @Sendable (Owner, RouteRequest<Caller>) async throws -> HTTPResponse

    struct Route: Sendable, CustomStringConvertible {
        let method: String
        let pattern: PathPattern
        let access: Access
        let handler: Handler

        var description: String { "\(method) \(pattern)" }
    }

    /// The access asked of requests under `prefix` that no route answers (a 404 or a 405).
    struct Fence: Sendable {
        let prefix: PathPattern
        let access: Access
    }

    /// What answers a request, once its caller is admitted.
    enum Dispatch: Sendable {
        case route(Route, RouteRequest<Caller>)
        /// No route answers; the caller was admitted as the path's fence asks.
        case unrouted(UnroutedRequest, RouteRequest<Caller>)
    }

    /// How a method and path resolve, before anyone is admitted.
    enum Resolution: Sendable {
        case route(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private(set) var routes: [Route] = []
    private(set) var fences: [Fence]

    /// `unrouted`: the access asked of a request no route answers where no narrower fence applies.
    init(unrouted: Access) { fences = [Fence(prefix: "/", access: unrouted)] }

    mutating func get(_ pattern: PathPattern, _ access: Access, _ handler: @escaping Handler) { add("GET", pattern, access, handler) }
    mutating func post(_ pattern: PathPattern, _ access: Access, _ handler: @escaping Handler) { add("POST", pattern, access, handler) }

    mutating func add(_ method: String, _ pattern: PathPattern, _ access: Access, _ handler: @escaping Handler) {
        routes.append(Route(method: method, pattern: pattern, access: access, handler: handler))
    }

    mutating func fence(_ prefix: PathPattern, _ access: Access) { fences.append(Fence(prefix: prefix, access: access)) }

    /// The route for `method` at `path`: among the patterns that match, the most specific one's.
    func resolve(_ method: String, _ path: RequestPath) -> Resolution {
        let matching = routes.filter { $0.pattern.match(path) != nil }
        guard let first = matching.first else { return .notFound }
        let pattern = matching.dropFirst().reduce(first.pattern) { best, route in route.pattern.isMoreSpecific(than: best) ? route.pattern : best }
        let here = matching.filter { $0.pattern == pattern }
        guard let route = here.first(where: { $0.method == method }) else {
            var allowed: [String] = []
            for route in here where !allowed.contains(route.method) { allowed.append(route.method) }
            return .methodNotAllowed(allowed: allowed)
        }
        return .route(route, parameters: pattern.match(path) ?? [:])
    }

    /// The narrowest fence over `path`.
    func fence(for path: RequestPath) -> Fence {
        fences.filter { $0.prefix.isPrefix(of: path) }.max { $0.prefix.segments.count < $1.prefix.segments.count } ?? fences[0]
    }

    /// Resolves `request` and admits its caller with `admit`, which returns who calls or throws the
    /// refusal: as the route's access asks, or, when no route answers, as the path's fence asks.
    func dispatch(_ request: HTTPRequest, admit: (Access) async throws -> Caller) async throws -> Dispatch {
        let path = RequestPath(request.path)
        switch resolve(request.method, path) {
        case .route(let route, let parameters):
            return .route(route, RouteRequest(http: request, parameters: parameters, caller: try await admit(route.access)))
        case .methodNotAllowed(let allowed):
            let caller = try await admit(fence(for: path).access)
            return .unrouted(UnroutedRequest(method: request.method, path: path, allowed: allowed), RouteRequest(http: request, parameters: [:], caller: caller))
        case .notFound:
            let caller = try await admit(fence(for: path).access)
            return .unrouted(UnroutedRequest(method: request.method, path: path, allowed: []), RouteRequest(http: request, parameters: [:], caller: caller))
        }
    }

    /// Checks that no two routes answer the same requests (one method on patterns of the same
    /// shape) and that no pattern names a parameter twice.
    func validate() throws(RouteClash) {
        for (index, route) in routes.enumerated() {
            if Set(route.pattern.parameterNames).count != route.pattern.parameterNames.count {
                throw RouteClash(description: "\(route) names a parameter twice")
            }
            for other in routes[(index + 1)...] where other.method == route.method && other.pattern.hasSameShape(as: route.pattern) {
                throw RouteClash(description: "\(route) and \(other) answer the same requests")
            }
        }
    }
}
