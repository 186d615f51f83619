import Foundation
import UraHTTPCore

/// A parsed response from `RawClient`.
public struct RawResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// A response at the start of `bytes`, with the number of bytes it takes; nil if incomplete.
    static func parse(_ bytes: [UInt8]) -> (RawResponse, Int)? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == terminator }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = status == 100 ? 0 : Int(headers["Content-Length"] ?? "0") ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        return (RawResponse(status: status, headers: headers, body: Array(bytes[(end + 4)..<(end + 4 + length)])), end + 4 + length)
    }
}
