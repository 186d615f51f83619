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
