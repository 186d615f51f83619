/// Why a text is not acceptable JSON, with the byte offset where the parser stopped.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidNumber
        case invalidEscape
        case invalidUnicode
        case controlCharacterInString
        case duplicateKey(String)
        case tooDeep(Int)
        case tooLarge(Int)
        case trailingData
    }

    public let reason: Reason
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String = switch reason {
        case .unexpectedEnd: "the text ends before the JSON value is complete"
        case .unexpectedByte(let b):
            (0x20..<0x7f).contains(b) ? "unexpected character '\(Character(UnicodeScalar(b)))'"
                                      : "unexpected byte 0x\(String(b, radix: 16))"
        case .invalidNumber: "malformed number"
        case .invalidEscape: "invalid escape sequence in a string"
        case .invalidUnicode: "invalid UTF-8 or unpaired surrogate in a string"
        case .controlCharacterInString: "unescaped control character in a string"
        case .duplicateKey(let key): "the member name \"\(key)\" appears twice in one object"
        case .tooDeep(let limit): "nested deeper than \(limit) levels"
        case .tooLarge(let limit): "larger than \(limit) bytes"
        case .trailingData: "data after the end of the JSON value"
        }
        return "invalid JSON at byte \(offset): \(what)"
    }
}
