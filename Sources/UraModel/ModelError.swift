/// A value that does not fit the domain, named by the field it came from.
///
/// `ModelError.describe(_:)` turns any decoding error into one sentence that says which field
/// (as a path like `to[1]`) and why, so that the CLI and the API can show it as is.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }

    /// One sentence for a `DecodingError` (or any other error) raised while decoding a model.
    public static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else {
            return (error as? ModelError)?.description ?? "\(error)"
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            let path = fieldPath(context.codingPath + [key])
            return "\(path): is required but missing"
        case .valueNotFound(_, let context):
            return "\(fieldPath(context.codingPath)): must not be null"
        case .typeMismatch(let type, let context):
            return "\(fieldPath(context.codingPath)): expected \(typeWord(type))"
        case .dataCorrupted(let context):
            let path = fieldPath(context.codingPath)
            if let underlying = context.underlyingError, !(underlying is DecodingError) {
                return path.isEmpty ? "not valid JSON: \(underlying)" : "\(path): \(underlying)"
            }
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(decoding)"
        }
    }

    /// `[to, 1, kid]` → `to[1].kid`.
    public static func fieldPath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    private static func typeWord(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "a value of type \(type)"
        }
    }
}

extension SingleValueDecodingContainer {
    /// Decodes a string and builds a value from it, turning a `ModelError` into a decoding error
    /// that carries this field's path.
    func decodeValidated<T>(_ make: (String) throws -> T) throws -> T {
        let raw = try decode(String.self)
        do {
            return try make(raw)
        } catch let error as ModelError {
            throw DecodingError.dataCorruptedError(in: self, debugDescription: error.reason)
        }
    }
}
