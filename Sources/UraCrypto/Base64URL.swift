/// base64url without padding (RFC 4648 §5, RFC 7515 §2), strict on decoding: no padding, no
/// whitespace, no characters outside the alphabet, no non-zero trailing bits.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    public static func encodeBytes(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)]); out.append(alphabet[Int(n & 63)])
            i += 3
        }
        switch input.count - i {
        case 1:
            let n = UInt32(input[i]) << 16
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)])
        case 2:
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out.append(alphabet[Int(n >> 18 & 63)]); out.append(alphabet[Int(n >> 12 & 63)]); out.append(alphabet[Int(n >> 6 & 63)])
        default: break
        }
        return out
    }

    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(CryptoError) -> [UInt8] in try decode(buffer: buffer) } }.get()
    }

    public static func decode(bytes input: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let chars = Array(input)
        return try chars.withUnsafeBufferPointer { buffer in Result { () throws(CryptoError) -> [UInt8] in try decode(buffer: buffer) } }.get()
    }

    /// Four characters at a time into three bytes; any character outside the alphabet maps to 0xFF,
    /// whose top bits make the whole group fail one test.
    static func decode(buffer: UnsafeBufferPointer<UInt8>) throws(CryptoError) -> [UInt8] {
        let n = buffer.count
        guard n % 4 != 1 else { throw CryptoError.invalidInput("base64url text has an impossible length \(n)") }
        let result: Result<[UInt8], CryptoError> = values.withUnsafeBufferPointer { table in
            var failure: CryptoError?
            let bytes = [UInt8](unsafeUninitializedCapacity: n * 3 / 4) { out, initialized in
                var i = 0, o = 0
                while i + 4 <= n {
                    let a = UInt32(table[Int(buffer[i])]), b = UInt32(table[Int(buffer[i + 1])])
                    let c = UInt32(table[Int(buffer[i + 2])]), d = UInt32(table[Int(buffer[i + 3])])
                    guard (a | b | c | d) & 0xC0 == 0 else {
                        failure = invalidCharacter(buffer[i..<i + 4])
                        initialized = 0
                        return
                    }
                    let v = a << 18 | b << 12 | c << 6 | d
                    out[o] = UInt8(truncatingIfNeeded: v >> 16)
                    out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[o + 2] = UInt8(truncatingIfNeeded: v)
                    i += 4
                    o += 3
                }
                let rest = n - i
                if rest > 0 {
                    let a = UInt32(table[Int(buffer[i])]), b = UInt32(table[Int(buffer[i + 1])])
                    let c = rest == 3 ? UInt32(table[Int(buffer[i + 2])]) : 0
                    guard (a | b | c) & 0xC0 == 0 else {
                        failure = invalidCharacter(buffer[i..<n])
                        initialized = 0
                        return
                    }
                    let v = a << 18 | b << 12 | c << 6
                    let unused: UInt32 = rest == 2 ? v & 0xFFFF : v & 0xFF
                    guard unused == 0 else {
                        failure = CryptoError.invalidInput("base64url text has non-zero trailing bits")
                        initialized = 0
                        return
                    }
                    out[o] = UInt8(truncatingIfNeeded: v >> 16)
                    o += 1
                    if rest == 3 {
                        out[o] = UInt8(truncatingIfNeeded: v >> 8)
                        o += 1
                    }
                }
                initialized = o
            }
            if let failure { return .failure(failure) }
            return .success(bytes)
        }
        return try result.get()
    }

    private static func invalidCharacter(_ group: UnsafeBufferPointer<UInt8>.SubSequence) -> CryptoError {
        group.contains(UInt8(ascii: "=")) ? CryptoError.invalidInput("base64url text must not be padded")
                                          : CryptoError.invalidInput("base64url text has a character outside its alphabet")
    }
}
