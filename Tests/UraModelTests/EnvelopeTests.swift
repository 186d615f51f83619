import Foundation
import Testing
import UraJSON
import UraModel
import UraTestTraits

@Suite(.offThePool) struct EnvelopeTests {
    static let valid = """
    {"id":"0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c","type":"avr.assessment-request","from":"al.shelter.qkpvt",
     "to":["al.mpb.secretariat","al.mepj"],"case":"AL-2026-000042","subject":"child","priority":"normal",
     "created":"2026-11-23T09:15:00Z","expires":"2026-12-23T09:15:00Z","in_reply_to":null,
     "body":{"protected":"e30","recipients":[],"iv":"","ciphertext":"","tag":""}}
    """

    func decode(_ text: String) throws -> Envelope { try JSONDecoder().decode(Envelope.self, from: Data(text.utf8)) }

    /// The intake's reader, `Envelope(json:)`, which must agree with the `Decodable` one.
    func read(_ text: String) throws -> Envelope { try Envelope(json: try JSONValue(parsing: text)) }

    func mutate(_ change: (inout JSONObject) -> Void) throws -> String {
        var object = try #require(try JSONValue(parsing: Self.valid).objectValue)
        change(&object)
        return JSONValue.object(object).serializedString()
    }

    @Test func decodesAndRoundTrips() throws {
        let envelope = try decode(Self.valid)
        #expect(envelope.to.map(\.rawValue) == ["al.mpb.secretariat", "al.mepj"])
        #expect(envelope.caseReference.rawValue == "AL-2026-000042")
        let again = try JSONDecoder().decode(Envelope.self, from: JSONEncoder().encode(envelope))
        #expect(again == envelope)
    }

    @Test(arguments: [
        ("to", JSONValue.array(["al.mpb.secretariat", "Al.Mepj"]), "to[1]: 'Al.Mepj' is not a valid agency id: it must be lowercase"),
        ("to", JSONValue.array([]), "to: a message needs at least one recipient"),
        ("to", JSONValue.array(["al.mepj", "al.mepj"]), "to: a recipient is listed twice"),
        ("to", JSONValue.array(["al.shelter.qkpvt"]), "cannot be its own recipient"),
        ("case", JSONValue.string("Arta Hoxha"), "case: 'Arta Hoxha' is not a valid case reference"),
        ("subject", JSONValue.string("teen"), "subject"),
        ("created", JSONValue.string("yesterday"), "created: 'yesterday' is not an RFC 3339 date-time"),
        ("expires", JSONValue.string("2026-11-22T09:15:00Z"), "expires: must be later than created"),
        ("id", JSONValue.number(7), "id: expected a string"),
    ])
    func invalidFieldsAreNamed(field: String, value: JSONValue, expected: String) throws {
        let text = try mutate { $0[field] = value }
        #expect { try decode(text) } throws: { ModelError.describe($0).contains(expected) }
        #expect { try read(text) } throws: { ModelError.describe($0).contains(expected) }
    }

    @Test func bothReadersAgreeOnOptionalFields() throws {
        let cases = [
            Self.valid,
            try mutate { $0["priority"] = nil },
            try mutate { $0["priority"] = .null; $0["county"] = .null; $0["participants"] = .null },
            try mutate {
                $0["priority"] = "urgent"; $0["county"] = "vlore"; $0["in_reply_to"] = "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7d"
                $0["participants"] = ["interviewer", "interpreter"]
            },
        ]
        for text in cases {
            let envelope = try read(text)
            #expect(envelope == (try decode(text)))
        }
        #expect(try read(cases[1]).priority == .normal)
        #expect(try read(cases[3]).participants == [.interviewer, .interpreter])
    }

    @Test(arguments: [
        ("priority", JSONValue.string("soon"), "priority"),
        ("county", JSONValue.string("atlantis"), "county"),
        ("participants", JSONValue.array(["spy"]), "participants[0]"),
        ("participants", JSONValue.string("interviewer"), "participants"),
        ("in_reply_to", JSONValue.string("nope"), "in_reply_to"),
        ("to", JSONValue.string("al.mepj"), "to"),
        ("from", JSONValue.null, "from"),
    ])
    func bothReadersRefuseTheSameValues(field: String, value: JSONValue, path: String) throws {
        let text = try mutate { $0[field] = value }
        #expect { try decode(text) } throws: { ModelError.describe($0).hasPrefix(path + ":") }
        #expect { try read(text) } throws: { ModelError.describe($0).hasPrefix(path + ":") }
    }

    @Test func theReaderRefusesANonObject() {
        #expect { try Envelope(json: .array([])) } throws: { ModelError.describe($0).contains("must be a JSON object") }
    }

    @Test func missingFieldIsNamed() throws {
        let text = try mutate { $0["from"] = nil }
        #expect { try decode(text) } throws: { ModelError.describe($0) == "from: is required but missing" }
        #expect { try read(text) } throws: { ModelError.describe($0) == "from: is required but missing" }
    }
}
