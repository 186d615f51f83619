import Foundation
import Testing
import UraJSON
import UraTestTraits

@Suite(.offThePool) struct JSONValueDecoderTests {
    struct Inner: Codable, Equatable { var n: Int; var tags: [String] }
    struct Outer: Codable, Equatable {
        var name: String
        var flag: Bool
        var ratio: Double
        var inner: Inner
        var optional: String?
        var list: [Inner]
        var raw: JSONValue
    }

    @Test func decodesWhatFoundationDecodes() throws {
        let text = #"{"name":"x","flag":true,"ratio":0.5,"inner":{"n":3,"tags":["a"]},"optional":null,"list":[{"n":1,"tags":[]}],"raw":{"k":[1,2]}}"#
        let viaValue = try JSONValueDecoder().decode(Outer.self, from: JSONValue(parsing: text))
        let viaFoundation = try JSONDecoder().decode(Outer.self, from: Data(text.utf8))
        #expect(viaValue == viaFoundation)
        #expect(viaValue.raw == ["k": [1, 2]])
    }

    @Test func errorsCarryTheCodingPath() throws {
        let text = #"{"name":"x","flag":true,"ratio":0.5,"inner":{"n":3,"tags":["a", 7]},"list":[],"raw":null}"#
        #expect {
            try JSONValueDecoder().decode(Outer.self, from: JSONValue(parsing: text))
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["inner", "tags", "1"]
        }
        let missing = #"{"flag":true}"#
        #expect {
            try JSONValueDecoder().decode(Outer.self, from: JSONValue(parsing: missing))
        } throws: { error in
            if case DecodingError.keyNotFound(let key, _) = error { return key.stringValue == "name" }
            return false
        }
    }

    @Test func refusesFractionsForIntegers() throws {
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(Inner.self, from: JSONValue(parsing: #"{"n":1.5,"tags":[]}"#)) }
        #expect(try JSONValueDecoder().decode(Inner.self, from: JSONValue(parsing: #"{"n":2.0,"tags":[]}"#)).n == 2)
    }
}
