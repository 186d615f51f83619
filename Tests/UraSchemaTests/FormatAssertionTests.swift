import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// `format` is asserted for Ura (date-time, date, email, uuid, and time, ipv4, ipv6), and stays an
/// annotation when `formatAssertion` is off, as the specification's default wants.
@Suite(.offThePool) struct FormatAssertionTests {
    func check(_ format: String, _ value: String) throws -> Bool {
        try validator(#"{"format": "\#(format)"}"#).isValid(.string(value))
    }

    @Test(arguments: [
        "2026-11-23T09:15:00Z", "2026-11-23T09:15:00.250Z", "2026-11-23t09:15:00z", "2026-11-23T10:15:00+01:00",
        "2024-02-29T00:00:00-12:00", "2016-12-31T23:59:60Z", "2017-01-01T00:59:60+01:00", "2026-11-23T09:15:00.123456789Z",
    ])
    func validDateTimes(value: String) throws {
        #expect(try check("date-time", value))
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z",   // month 13
        "2026-02-29T00:00:00Z",   // not a leap year
        "2026-11-23T24:00:00Z",   // hour 24
        "2026-11-23T09:15:00",    // no offset
        "2026-11-23 09:15:00Z",   // space instead of T
        "2016-12-31T22:59:60Z",   // leap second at the wrong hour
        "2016-12-31T23:59:61Z",   // second 61
        "2026-11-23T09:15:00.Z",  // empty fraction
        "2026-11-23T09:15:00+1:00", "2026-11-23T09:15:00+01:60", "2026-11-23T09:15:00Z ", "26-11-23T09:15:00Z",
        "2026-11-2\u{0663}T09:15:00Z", // Arabic-Indic digit
        "",
    ])
    func invalidDateTimes(value: String) throws {
        #expect(try !check("date-time", value))
    }

    @Test func dates() throws {
        for good in ["2026-11-23", "2024-02-29", "2000-02-29", "0001-01-01"] { #expect(try check("date", good), "\(good)") }
        for bad in ["2026-11-31", "2100-02-29", "2026-00-10", "2026-1-10", "20261110", "2026-11-23T00:00:00Z", "2026/11/23"] {
            #expect(try !check("date", bad), "\(bad)")
        }
    }

    @Test func times() throws {
        for good in ["09:15:00Z", "23:59:60Z", "09:15:00.5+02:00", "09:15:00z"] { #expect(try check("time", good), "\(good)") }
        for bad in ["9:15:00Z", "09:15:00", "24:00:00Z", "09:15:60Z", "09:15Z"] { #expect(try !check("time", bad), "\(bad)") }
    }

    @Test func emails() throws {
        for good in ["sekretariati@mpb.gov.al", "first.last+case@police.al", "\"Ana Hoxha\"@shelter.al", "x@[192.0.2.1]",
                     "x@[IPv6:2001:db8::1]", "o'brien@example.com", "a@localhost"] {
            #expect(try check("email", good), "\(good)")
        }
        for bad in ["sekretariati.mpb.gov.al", "@mpb.gov.al", "ana@", ".ana@mpb.al", "ana.@mpb.al", "an..a@mpb.al",
                    "ana hoxha@mpb.al", "ana@mpb..al", "ana@-mpb.al", "ana@mpb_al.al", "ana@[300.1.1.1]",
                    "Ana <ana@mpb.al>", "ana@mpb.al, ben@mpb.al", "ënë@mpb.al", "\"unclosed@mpb.al"] {
            #expect(try !check("email", bad), "\(bad)")
        }
    }

    @Test func uuids() throws {
        for good in ["0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "0193B3C4-7D2E-4F6A-9B1C-2D3E4F5A6B7C", "00000000-0000-0000-0000-000000000000"] {
            #expect(try check("uuid", good), "\(good)")
        }
        for bad in ["0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7", "0193b3c47d2e4f6a9b1c2d3e4f5a6b7c", "{0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c}",
                    "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6g7c", "urn:uuid:0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"] {
            #expect(try !check("uuid", bad), "\(bad)")
        }
    }

    @Test func ipAddresses() throws {
        #expect(try check("ipv4", "192.0.2.1"))
        #expect(try !check("ipv4", "192.0.2.01"))
        #expect(try !check("ipv4", "192.0.2"))
        #expect(try check("ipv6", "2001:db8::1"))
        #expect(try check("ipv6", "::ffff:192.0.2.1"))
        #expect(try !check("ipv6", "2001:db8::1::2"))
        #expect(try !check("ipv6", "2001:db8:1"))
    }

    @Test func formatsApplyToStringsOnly() throws {
        let v = try validator(#"{"format": "date"}"#)
        #expect(v.isValid(json("20261123")))
        #expect(v.isValid(json("null")))
    }

    @Test func assertionCanBeTurnedOffAndUnknownFormatsAreAnnotations() throws {
        let off = try validator(#"{"format": "date"}"#, options: ValidatorOptions(formatAssertion: false))
        #expect(off.isValid(json(#""not a date""#)))
        let unknown = try validator(#"{"format": "case-reference"}"#)
        #expect(unknown.isValid(json(#""anything""#)))
    }

    @Test func formatErrorSaysWhatAValidValueLooksLike() throws {
        let v = try validator(#"{"properties": {"created": {"format": "date-time"}}}"#)
        let error = try #require(v.validate(json(#"{"created": "23/11/2026"}"#)).only)
        #expect(error.instancePath == "/created")
        #expect(error.keyword == "format")
        #expect(error.message == "'23/11/2026' is not an RFC 3339 date-time such as 2026-11-23T09:15:00Z (format date-time)")
    }

    @Test func theFormatAssertionVocabularyAssertsEvenWithTheOptionOff() throws {
        var registry = SchemaRegistry()
        try registry.add(json("""
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.al/meta-assert",
         "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                         "https://json-schema.org/draft/2020-12/vocab/format-assertion": true}}
        """))
        try registry.add(json(#"{"$schema": "https://example.al/meta-assert", "$id": "https://example.al/s", "format": "uuid"}"#))
        let v = try registry.compile("https://example.al/s", options: ValidatorOptions(formatAssertion: false))
        #expect(!v.isValid(json(#""nope""#)))
    }
}
