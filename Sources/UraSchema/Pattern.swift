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
                expression = nil
                return
            }
            // Certain ECMA-262 (unicode mode) errors are errors even where ICU would accept them
            // (`^*`, `a{,2}`, a lone `]`): a schema must mean the same to every validator.
            if let reason = PatternProgram.syntaxError(in: source) { throw SyntaxError(reason: reason) }
        }
        program = nil
        let translated = Pattern.icuPattern(fromECMAScript: source)
        do {
            expression = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw SyntaxError(reason: PatternProgram.syntaxError(in: source) ?? "ICU rejects it (\(error.localizedDescription))")
        }
    }

    /// True when the expression matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
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
