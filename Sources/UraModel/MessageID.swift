/// A message's identifier: a UUID in canonical lowercase form, chosen by the sender. It makes a
/// resubmission safe: the same id with the same digest is the same message.
public struct MessageID: ValidatedString {
    public static let noun = "message id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// A fresh random (version 4) id.
    public static func random() -> MessageID {
        MessageID(unchecked: UUIDText.random())
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
    static func random() -> String {
        var g = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &g) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}
