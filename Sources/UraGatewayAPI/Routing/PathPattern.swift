/// A route's path: literal segments and `{name}` segments that each capture one segment of the
/// request's path, as `Schemas/openapi.json` writes them (`/v1/inbox/{id}/ack`).
struct PathPattern: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]

    init(_ text: String) {
        segments = text.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
    }

    init(stringLiteral text: String) { self.init(text) }

    var description: String {
        "/" + segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .parameter(let name): "{\(name)}"
            }
        }.joined(separator: "/")
    }

    /// The parameters' names, in order.
    var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The values the parameters capture when `path` has this pattern's shape; nil when it does not.
    func match(_ path: RequestPath) -> [String: String]? {
        guard path.segments.count == segments.count else { return nil }
        var captured: [String: String] = [:]
        for (segment, have) in zip(segments, path.segments) {
            switch segment {
            case .literal(let want): guard want == have else { return nil }
            case .parameter(let name): captured[name] = have
            }
        }
        return captured
    }

    /// Whether `path` lies under this pattern (a fence's prefix): its first segments match.
    func isPrefix(of path: RequestPath) -> Bool {
        path.segments.count >= segments.count && match(RequestPath(segments: Array(path.segments.prefix(segments.count)))) != nil
    }

    /// Where two patterns match the same path, the one with a literal at the first segment where
    /// they differ wins (`/x/latest` before `/x/{id}`), as in a trie.
    func isMoreSpecific(than other: PathPattern) -> Bool {
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }

    /// Whether both patterns match exactly the same paths (`/a/{x}` and `/a/{y}`).
    func hasSameShape(as other: PathPattern) -> Bool {
        guard segments.count == other.segments.count else { return false }
        return zip(segments, other.segments).allSatisfy { pair in
            switch pair {
            case (.literal(let a), .literal(let b)): a == b
            case (.parameter, .parameter): true
            default: false
            }
        }
    }
}
