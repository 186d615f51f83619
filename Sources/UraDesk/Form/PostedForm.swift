import Foundation

/// The fields of an `application/x-www-form-urlencoded` body, in order, a name possibly repeated
/// (ticked boxes). Values are percent-decoded, `+` is a space; a pair that does not decode is dropped.
public struct PostedForm: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) { self.pairs = pairs }

    public init(body: [UInt8]) {
        pairs = []
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding, !name.isEmpty else { continue }
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            pairs.append((name, value))
        }
    }

    /// Files of a `multipart/form-data` post by field name: the file's name and its bytes.
    public private(set) var files: [String: (filename: String, bytes: [UInt8])] = [:]

    /// The fields and files of a `multipart/form-data` body (RFC 7578) with `boundary`; a part
    /// that is not well formed ends the reading (what came before it is kept).
    public init(multipart body: [UInt8], boundary: String) {
        pairs = []
        let data = Data(body), delimiter = Data("--\(boundary)".utf8), crlf = Data("\r\n".utf8), blank = Data("\r\n\r\n".utf8)
        guard var start = data.range(of: delimiter)?.upperBound else { return }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            guard data[start...].starts(with: crlf) else { return }
            let headersStart = start + 2
            guard let headersEnd = data.range(of: blank, in: headersStart..<data.endIndex),
                  let next = data.range(of: crlf + delimiter, in: headersEnd.upperBound..<data.endIndex) else { return }
            let headers = String(decoding: data[headersStart..<headersEnd.lowerBound], as: UTF8.self)
            let content = Array(data[headersEnd.upperBound..<next.lowerBound])
            if let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
               let name = Self.parameter("name", in: String(disposition)) {
                if let filename = Self.parameter("filename", in: String(disposition)) {
                    if !filename.isEmpty || !content.isEmpty { files[name] = (filename, content) }
                } else {
                    pairs.append((name, String(decoding: content, as: UTF8.self)))
                }
            }
            start = next.upperBound
        }
    }

    /// A quoted parameter of a Content-Disposition header (`name="scan"`).
    static func parameter(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "; \(key)=\"") ?? header.range(of: ";\(key)=\"") else { return nil }
        let rest = header[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// The boundary of a `multipart/form-data` Content-Type, nil for any other type.
    public static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// Every value of `name`, in order.
    public func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    public mutating func append(_ name: String, _ value: String) { pairs.append((name, value)) }

    /// The body a browser would post for these fields.
    public var encoded: [UInt8] {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return Array(pairs.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&").utf8)
    }
}
