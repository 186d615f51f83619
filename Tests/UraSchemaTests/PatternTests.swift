import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// `pattern` follows ECMA-262 where ICU, which runs it, differs.
@Suite(.offThePool) struct PatternTests {
    func matches(_ pattern: String, _ text: String) throws -> Bool {
        try Pattern(pattern).matches(text)
    }

    @Test func searchIsUnanchored() throws {
        #expect(try matches("a+", "xxaxx"))
        #expect(try !matches("^a+$", "xxaxx"))
    }

    @Test func digitAndWordClassesAreASCII() throws {
        #expect(try matches(#"^\d+$"#, "2026"))
        #expect(try !matches(#"^\d+$"#, "٢٠٢٦"))       // Arabic-Indic digits are \d in ICU, not in ECMA-262
        #expect(try !matches(#"^\w+$"#, "çështje"))
        #expect(try matches(#"^\W$"#, "ç"))
        #expect(try matches(#"^[\d-]+$"#, "2026-11"))
        #expect(try !matches(#"^[\w]+$"#, "ë"))
    }

    @Test func whiteSpaceIsTheECMASet() throws {
        #expect(try matches(#"^\s$"#, "\u{FEFF}"))      // BOM is white space in ECMA-262, not in ICU
        #expect(try matches(#"^\s$"#, "\u{000B}"))
        #expect(try !matches(#"^\S$"#, "\u{00A0}"))
    }

    @Test func dollarMatchesOnlyAtTheEnd() throws {
        #expect(try !matches("^abc$", "abc\n"))         // ICU's $ also matches before a final newline
        #expect(try matches("^abc$", "abc"))
    }

    @Test func dotExcludesOnlyLineTerminators() throws {
        #expect(try !matches("^.$", "\n"))
        #expect(try !matches("^.$", "\u{2028}"))
        #expect(try matches("^.$", "\u{0085}"))         // NEL is a line terminator for ICU, not for ECMA-262
        #expect(try matches("^.$", "💩"))
    }

    @Test func ecmaSyntaxICUwouldRejectOrReadDifferently() throws {
        #expect(try matches(#"^\u{1F4A9}$"#, "💩"))
        #expect(try !matches("[]", "a"))
        #expect(try matches("^[^]$", "\n"))
        #expect(try matches("^[[]+$", "[["))
        #expect(try matches(#"^\p{L}+$"#, "Çështje"))
    }

    @Test func invalidPatternsAreRejectedWithTheReason() throws {
        let cases = [
            ("^(abc", "missing ')' for the group opened at character 2"),
            ("a{2,1}", "malformed quantifier at character 2"),
            ("abc)", "unmatched ')' at character 4"),
            ("[a-", "missing ']' for the class opened at character 1"),
            ("[z-a]", "range out of order in the class opened at character 1"),
            ("*a", "nothing to repeat before '*' at character 1"),
            ("^*", "^ and $ cannot be repeated (character 2)"),
        ]
        for (source, reason) in cases {
            let error = try #require(throws: Pattern.SyntaxError.self) { try Pattern(source) }
            #expect(error.reason == reason, "\(source)")
        }
        let schemaError = try #require(throws: SchemaError.self) { try validator(#"{"pattern": "^(abc"}"#) }
        #expect(schemaError.message == "'^(abc' is not a valid ECMA-262 regular expression: missing ')' for the group opened at character 2")
    }

    @Test func patternPropertiesUseTheSameRules() throws {
        let v = try validator(#"{"patternProperties": {"^x-\\d+$": {"type": "string"}}, "additionalProperties": false}"#)
        #expect(v.isValid(json(#"{"x-1": "a"}"#)))
        #expect(!v.isValid(json(#"{"x-١": "a"}"#)))
        #expect(v.validate(json(#"{"x-1": 2}"#)).only?.instancePath == "/x-1")
    }
}
