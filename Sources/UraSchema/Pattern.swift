import Foundation

/// A JSON Schema `pattern`: an ECMA-262 regular expression, compiled once, matched anywhere in a
/// string (unanchored, like `RegExp.prototype.test`).
///
/// Patterns within the subset `PatternProgram` handles (nearly all that schemas use) run on it;
/// the rest run on `NSRegularExpression` (ICU), measured faster than Swift `Regex` for Ura's
/// identifier patterns. ICU differs from ECMA-262, so for it the source is rewritten first:
/// `\d`, `\w` and `\s` mean the ECMA (ASCII, resp. ECMA white space) sets instead of Unicode ones;
/// `.` excludes exactly the ECMA line terminators; `$` matches only at the end (ICU also matches
/// before a final newline); `\u{…}` becomes `\x{…}`; `[` inside a class is a literal; `[]` matches
/// nothing and `[^]` anything.
struct Pattern: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after creation and documented as safe to
    // use from several threads at once.
    let source: String
    private let run: CharacterRun?
    private let program: PatternProgram?
    private let expression: NSRegularExpression?

    struct SyntaxError: Error {
        let reason: String
    }

    /// True when the pattern runs on ICU rather than `PatternProgram` (for tests).
    var usesICU: Bool { program == nil }

    init(_ source: String, forceICU: Bool = false) throws(SyntaxError) {
        self.source = source
        if !forceICU {
            if let program = PatternProgram(source) {
                self.program = program
                run = CharacterRun(source)
                expression = nil
                return
            }
            // Certain ECMA-262 (unicode mode) errors are errors even where ICU would accept them
            // (`^*`, `a{,2}`, a lone `]`): a schema must mean the same to every validator.
            if let reason = PatternProgram.syntaxError(in: source) { throw SyntaxError(reason: reason) }
        }
        program = nil
        run = nil
        let translated = Pattern.icuPattern(fromECMAScript: source)
        do {
            expression = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw SyntaxError(reason: PatternProgram.syntaxError(in: source) ?? "ICU rejects it (\(error.localizedDescription))")
        }
    }

    /// True when the expression matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        if let run { return run.matches(text) }
        if let program { return program.matches(text) }
        return expression!.rangeOfFirstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)).location != NSNotFound
    }

    private static let ecmaWhiteSpace = "\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

    /// Rewrites an ECMA-262 pattern into ICU syntax with the same meaning (see the type's comment).
    static func icuPattern(fromECMAScript source: String) -> String {
        let scalars = Array(source.unicodeScalars)
        var out = ""
        var i = 0
        var inClass = false
        func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < scalars.count ? scalars[i + offset] : nil }

        while i < scalars.count {
            let c = scalars[i]
            if c == "\\", let next = peek(1) {
                i += 2
                switch next {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += "[^0-9]"
                case "w": out += inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"
                case "W": out += "[^a-zA-Z0-9_]"
                case "s": out += inClass ? ecmaWhiteSpace : "[" + ecmaWhiteSpace + "]"
                case "S": out += "[^" + ecmaWhiteSpace + "]"
                case "b" where inClass: out += "\\x{08}"
                case "u" where peek(0) == "{":
                    out += "\\x"
                    while i < scalars.count {
                        out.unicodeScalars.append(scalars[i])
                        i += 1
                        if scalars[i - 1] == "}" { break }
                    }
                default:
                    out += "\\"
                    out.unicodeScalars.append(next)
                }
                continue
            }
            i += 1
            if inClass {
                switch c {
                case "]": inClass = false; out += "]"
                case "[": out += "\\["
                case "&": out += "\\&"
                case "-" where peek(0) == "-": out += "\\-"
                default: out.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "[":
                if peek(0) == "]" { out += "(?!)"; i += 1 }
                else if peek(0) == "^" && peek(1) == "]" { out += "[\\x{0}-\\x{10FFFF}]"; i += 2 }
                else {
                    inClass = true
                    out += "["
                    if peek(0) == "^" { out += "^"; i += 1 }
                }
            case ".": out += "[^\\n\\r\\x{2028}\\x{2029}]"
            case "$": out += "\\z"
            default: out.unicodeScalars.append(c)
            }
        }
        return out.isEmpty ? "(?:)" : out  // NSRegularExpression refuses an empty pattern
    }
}

/// A pattern that says "the whole string is n to m characters of one ASCII class": `^[…]*$`,
/// `^[…]+$`, `^[…]{n}$`, `^[…]{n,}$`, `^[…]{n,m}$`. Schemas use it for base64url and identifier
/// fields, and a body's ciphertext is kilobytes long, so it is checked byte by byte against a
/// 128-bit set. Only built for patterns `PatternProgram` also accepts (the tests hold the two, and
/// ICU, to the same answers).
struct CharacterRun: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0
    private let minimum: Int
    private let maximum: Int?

    init?(_ source: String) {
        let b = Array(source.utf8)
        guard b.count >= 5, b[0] == UInt8(ascii: "^"), b[1] == UInt8(ascii: "["), b[2] != UInt8(ascii: "^"),
              b[2] != UInt8(ascii: "]"), b.last == UInt8(ascii: "$") else { return nil }
        func isPlain(_ c: UInt8) -> Bool { c < 0x80 && c != UInt8(ascii: "\\") && c != UInt8(ascii: "[") && c != UInt8(ascii: "]") }
        var i = 2
        var low: UInt64 = 0, high: UInt64 = 0
        func add(_ c: UInt8) { if c < 64 { low |= 1 << UInt64(c) } else { high |= 1 << UInt64(c - 64) } }
        while i < b.count, b[i] != UInt8(ascii: "]") {
            let c = b[i]
            guard isPlain(c) else { return nil }
            if i + 2 < b.count, b[i + 1] == UInt8(ascii: "-"), b[i + 2] != UInt8(ascii: "]") {
                let last = b[i + 2]
                guard isPlain(last), last >= c else { return nil }
                for x in c...last { add(x) }
                i += 3
            } else {
                add(c)
                i += 1
            }
        }
        guard i < b.count else { return nil }
        i += 1  // ]
        let quantifier = b[i..<(b.count - 1)]
        switch Array(quantifier) {
        case [UInt8(ascii: "*")]: (minimum, maximum) = (0, nil)
        case [UInt8(ascii: "+")]: (minimum, maximum) = (1, nil)
        default:
            guard quantifier.first == UInt8(ascii: "{"), quantifier.last == UInt8(ascii: "}") else { return nil }
            let inside = String(decoding: quantifier.dropFirst().dropLast(), as: UTF8.self)
            let parts = inside.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
            guard let first = parts.first, !first.isEmpty, first.allSatisfy(\.isASCII), let n = Int(first) else { return nil }
            if parts.count == 1 {
                (minimum, maximum) = (n, n)
            } else if parts[1].isEmpty {
                (minimum, maximum) = (n, nil)
            } else {
                guard parts[1].allSatisfy(\.isASCII), let m = Int(parts[1]), m >= n else { return nil }
                (minimum, maximum) = (n, m)
            }
        }
        self.low = low
        self.high = high
    }

    func matches(_ text: String) -> Bool {
        var count = 0
        for c in text.utf8 {
            guard c < 0x80, (c < 64 ? low >> UInt64(c) : high >> UInt64(c - 64)) & 1 == 1 else { return false }
            count += 1
        }
        return count >= minimum && maximum.map { count <= $0 } ?? true
    }
}
