import Foundation
import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// The built-in matcher must answer exactly as ICU (with the ECMA-262 rewrite) does, on every
/// pattern it accepts.
@Suite(.offThePool) struct PatternProgramTests {
    static let patterns = [
        #"^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$"#, #"^AL-[0-9]{4}-[0-9]{6}$"#, #"^[0-9]{4}-(0[1-9]|1[0-2])$"#, #"^\+355[0-9]{8,9}$"#,
        #"^[A-Za-z0-9_-]{43}$"#, "a+", "^a*$", "(ab|cd)+e?", #"^\d{2,}?x$"#, #"^\w+@\w+\.\w{2,3}$"#, #"\s"#, #"^\S+$"#,
        "^(a|ab)(c|bcd)(d*)$", "^(a+)+b$", "^(?:x|y){3}$", "^(?<year>[0-9]{4})$", "[^a-z]", "^.{3}$", "^[.]$", #"^\.$"#,
        "^[-a]$", "^[a-]$", #"^[\d\s]+$"#, #"^[^\W_]+$"#, #"^\u00e9$"#, #"^\u{1F4A9}+$"#, #"^\x41$"#, "é", "^💩$",
        "^(|a)$", "^a{0}$", "^a{2}$", "^a{2,4}$", "x*?y", "^$", "", "[]", "^[^]*$", #"^\/path$"#, #"\t"#, "^(a*)*$",
        // Whole-string character runs (`CharacterRun`):
        "^[A-Za-z0-9_-]*$", "^[a-z]+$", "^[0-9A-Za-z -]{3,10}$", "^[a-z]{2,3}$", "^[-.a]{2,}$", "^[a-a]{0}$", "^[ab]{1}$",
    ]

    static func corpus() -> [String] {
        var strings = ["", "a", "ab", "abc", "aaab", "abcd", "al.mepj", "Al.Mepj", "al.police.dvp-tirane", "AL-2026-000042",
                       "AL-26-42", "2026-11", "2026-13", "+355691234567", "x@y.al", "é", "e\u{301}", "💩", "💩💩", "\n", "a\n",
                       "\u{2028}", "\u{85}", "\u{FEFF}", " ", "\t", "٣", "/path", "A", "12x", "123x", "xxy", "abcde", "cde",
                       "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg", "-", "a-", ".", "xyz", "xxx", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac"]
        // Deterministic pseudo-random strings over a small alphabet that the patterns care about.
        let alphabet = Array("ab.-_0129AL+@ \nxyzé💩".unicodeScalars)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<400 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 60)
            var text = String.UnicodeScalarView()
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            strings.append(String(text))
        }
        return strings
    }

    @Test func agreesWithICUonEveryPatternItAccepts() throws {
        let strings = Self.corpus()
        var compared = 0
        for source in Self.patterns {
            let fast = try Pattern(source)
            #expect(!fast.usesICU, "expected \(source) to run on the built-in matcher")
            let icu = try Pattern(source, forceICU: true)
            let program = try #require(PatternProgram(source))
            for text in strings {
                let expected = icu.matches(text)
                if fast.matches(text) != expected || program.matchesBySimulation(text) != expected {
                    Issue.record("pattern \(source) on \(text.debugDescription): backtracking \(fast.matches(text)), simulation \(program.matchesBySimulation(text)), ICU \(expected)")
                }
            }
            compared += strings.count
        }
        #expect(compared > 10_000)
    }

    @Test func agreesWithICUonTheTestSuitePatterns() throws {
        let tests = ConformanceSuite.vectorsDirectory.appendingPathComponent("json-schema-test-suite/tests/draft2020-12")
        guard FileManager.default.fileExists(atPath: tests.path) else { return }  // the conformance suite reports that
        var patterns: Set<String> = []
        var strings = Self.corpus()
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                for key in object.keys {
                    if key == "pattern", case .string(let p) = object[key]! { patterns.insert(p) }
                    if key == "patternProperties", case .object(let map) = object[key]! { patterns.formUnion(map.keys) }
                    collect(object[key]!)
                }
            case .array(let array): array.forEach(collect)
            case .string(let s): strings.append(s)
            default: break
            }
        }
        for url in try ConformanceSuite.jsonFiles(under: tests) { collect(try JSONValue(parsing: try Data(contentsOf: url))) }
        var builtIn = 0
        for source in patterns {
            guard let fast = try? Pattern(source), !fast.usesICU, let icu = try? Pattern(source, forceICU: true) else { continue }
            builtIn += 1
            let program = try #require(PatternProgram(source))
            for text in strings {
                let expected = icu.matches(text)
                if fast.matches(text) != expected || program.matchesBySimulation(text) != expected {
                    Issue.record("pattern \(source) on \(text.debugDescription): backtracking \(fast.matches(text)), simulation \(program.matchesBySimulation(text)), ICU \(expected)")
                }
            }
        }
        #expect(builtIn > 10)
    }

    @Test func characterRunsAreRecognisedOnlyWhereTheyApply() {
        for source in ["^[A-Za-z0-9_-]*$", "^[a-z]+$", "^[0-9A-Za-z -]{3,10}$", "^[a-z]{2,}$", "^[-a]{2}$"] {
            #expect(CharacterRun(source) != nil, "\(source)")
        }
        for source in ["[a-z]*", "^[a-z]*", "^[^a-z]*$", #"^[\d]*$"#, "^[a-z]*?$", "^[a-z]{3,2}$", "^[z-a]*$", "^[é]*$",
                       "^[]*$", "^[a-z]{,3}$", "^[a-z]*x$", "^[a-z][0-9]$"] {
            #expect(CharacterRun(source) == nil, "\(source)")
        }
        let base64url = CharacterRun("^[A-Za-z0-9_-]*$")!
        #expect(base64url.matches(String(repeating: "Ab9_-", count: 1_000)))
        #expect(!base64url.matches(String(repeating: "Ab9_-", count: 1_000) + "="))
        #expect(!base64url.matches("é"))
    }

    @Test func constructsOutsideTheSubsetGoToICU() throws {
        for source in [#"^\p{L}+$"#, "(?=a)a", #"(a)\1"#, #"\bword\b"#, "(?<=a)b", "[[]", #"\cA"#] {
            let pattern = try Pattern(source)
            #expect(pattern.usesICU, "\(source) should be left to ICU")
        }
    }

    @Test func catastrophicPatternsStayLinear() throws {
        let pattern = try Pattern("^(a+)+b$")
        #expect(!pattern.usesICU)
        let text = String(repeating: "a", count: 5_000) + "c"
        #expect(!pattern.matches(text))  // exponential for a naive backtracker
        let huge = String(repeating: "a", count: 5_000)
        #expect(!pattern.matches(huge))
        #expect(try Pattern("(a|aa)*c").matches(huge + "c"))
        #expect(try !Pattern("(a|aa)*c").matches(huge))
        let nested = try Pattern("^(a*)*(b*)*$")
        #expect(!nested.matches(String(repeating: "ab", count: 2_000) + "c"))
        #expect(nested.matches(String(repeating: "a", count: 2_000) + String(repeating: "b", count: 2_000)))
    }

    @Test func oversizedProgramsGoToICU() throws {
        let pattern = try Pattern("^(abcdef){1,2000}$")
        #expect(pattern.usesICU)
        #expect(pattern.matches("abcdefabcdef"))
        let long = try Pattern("^a{100000}$")
        #expect(long.usesICU)
        #expect(long.matches(String(repeating: "a", count: 100_000)))
        #expect(!long.matches(String(repeating: "a", count: 99_999)))
    }

    @Test func malformedPatternsAreStillRejected() {
        for source in ["(", "a)", "[a", "a**", "a{3,2}", "+a", #"\"#, "(?<1a>x)", "a{,2}", "a]", "^*", "x{"] {
            #expect(throws: Pattern.SyntaxError.self, "\(source)") { try Pattern(source) }
        }
    }
}
