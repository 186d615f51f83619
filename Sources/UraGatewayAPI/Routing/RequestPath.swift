import Foundation
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraProtocol

/// A request path split into segments, matched against literal patterns where `*` captures one
/// segment: `route.capture("inbox", "*", "ack")` gives `[id]` for `/inbox/<id>/ack`.
struct Route: Sendable {
    let segments: [String]

    init(_ path: String) {
        segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            // Decoding goes through Foundation's CFString: only for a segment that needs it.
            segment.utf8.contains(UInt8(ascii: "%")) ? String(segment).removingPercentEncoding ?? String(segment) : String(segment)
        }
    }

    init(_ segments: [String]) { self.segments = segments }

    func matches(_ pattern: String...) -> Bool { capture(pattern) != nil && !pattern.contains("*") }

    func capture(_ pattern: String...) -> [String]? { capture(pattern) }

    private func capture(_ pattern: [String]) -> [String]? {
        guard pattern.count == segments.count else { return nil }
        var captured: [String] = []
        for (want, have) in zip(pattern, segments) {
            if want == "*" { captured.append(have) } else if want != have { return nil }
        }
        return captured
    }

    func notAllowed(_ method: String, allowed: String) -> GatewayError {
        GatewayError(.methodNotAllowed, "\(method) is not allowed on /\(segments.joined(separator: "/")); use \(allowed)")
    }
}
