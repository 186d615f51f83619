import Foundation

/// A message's identifier: a UUID in canonical lowercase form, chosen by the sender. It makes a
/// resubmission safe: the same id with the same digest is the same message.
public struct MessageID: ValidatedString {
    public static let noun = "message id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// A fresh id: a version 7 UUID (RFC 9562), the Unix time in milliseconds followed by 74 random
    /// bits. Ids made later sort later, so a store's index of ids grows at its end instead of
    /// touching a random page for every message; the random bits keep them unguessable.
    public static func random(at time: Date = Date()) -> MessageID {
        MessageID(unchecked: UUIDText.version7(milliseconds: UInt64(max(0, time.timeIntervalSince1970 * 1000))))
    }

    public static func problem(with text: String) -> String? {
        guard text.utf8.count == 36 else { return "a UUID has 36 characters, like 0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c" }
        for (i, c) in text.utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return "a UUID has hyphens at positions 9, 14, 19 and 24" }
            } else if !ASCII.isLowerHex(c) {
                return ASCII.isUpper(c) ? "write the UUID in lowercase" : "a UUID has only hexadecimal digits"
            }
        }
        return nil
    }
}

enum UUIDText {
    static func version7(milliseconds: UInt64) -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
