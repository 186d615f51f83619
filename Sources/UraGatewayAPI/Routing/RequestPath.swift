import Foundation

/// A request's path as the route table matches it: split into segments (empty ones dropped), each
/// percent-decoded, so `/v1/agencies/al%2Epolice.x/keys` reaches `/v1/agencies/{agency}/keys`.
struct RequestPath: Sendable, Equatable, CustomStringConvertible {
    let segments: [String]

    init(_ path: String) {
        segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            // Decoding goes through Foundation's CFString: only for a segment that needs it.
            segment.utf8.contains(UInt8(ascii: "%")) ? String(segment).removingPercentEncoding ?? String(segment) : String(segment)
        }
    }

    init(segments: [String]) { self.segments = segments }

    var description: String { "/" + segments.joined(separator: "/") }
}
