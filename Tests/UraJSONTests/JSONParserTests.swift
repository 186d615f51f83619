import Testing
import UraJSON
import UraTestTraits

@Suite(.offThePool) struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue(parsing: #"{"a":[1,-2.5,1e3,true,false,null],"b":"x\u00e9\n\ud83d\ude00"}"#)
        #expect(value["a"] == [1, -2.5, 1000, true, false, nil])
        #expect(value["b"] == "xé\n😀")
    }

    @Test func keepsMemberOrderButComparesAsMap() throws {
        let a = try JSONValue(parsing: #"{"z":1,"a":2}"#)
        let b = try JSONValue(parsing: #"{"a":2,"z":1}"#)
        #expect(a == b)
        #expect(a.serializedString() == #"{"z":1,"a":2}"#)
        #expect(a.serializedString(options: .sortedKeys) == #"{"a":2,"z":1}"#)
    }

    /// Sorted writing skips the sort when the members are already in order; both ways must give
    /// UTF-8 byte order, where a prefix comes first and "Z" (0x5A) precedes "a" and "é" follows "z".
    @Test(arguments: [
        (#"{"Z":1,"a":2,"ab":3,"b":{"y":1,"x":2},"é":4}"#, #"{"Z":1,"a":2,"ab":3,"b":{"x":2,"y":1},"é":4}"#),
        (#"{"é":4,"ab":3,"a":2,"b":[{"d":1,"c":2}],"Z":1}"#, #"{"Z":1,"a":2,"ab":3,"b":[{"c":2,"d":1}],"é":4}"#),
        (#"{"a":1,"a\u0000":2}"#, #"{"a":1,"a\u0000":2}"#),
        (#"{"a\u0000":2,"a":1}"#, #"{"a":1,"a\u0000":2}"#),
    ])
    func sortedWritingOrdersByBytes(_ input: String, _ expected: String) throws {
        #expect(try JSONValue(parsing: input).serializedString(options: .sortedKeys) == expected)
    }

    @Test func integralNumbersCompareWithDecimals() throws {
        #expect(try JSONValue(parsing: "1.0") == JSONValue(parsing: "1"))
        #expect(try JSONValue(parsing: "1.0").typeName == "integer")
        #expect(try JSONValue(parsing: "1.5").typeName == "number")
    }

    @Test(arguments: [
        ("", "ends before"),
        ("{", "ends before"),
        (#"{"a":1,}"#, "unexpected character '}'"),
        ("[1,]", "unexpected character ']'"),
        ("01", "malformed number"),
        ("-", "malformed number"),
        ("1.", "malformed number"),
        ("1e", "malformed number"),
        (#"{"a":1,"a":2}"#, #"the member name "a" appears twice"#),
        (#""\ud800""#, "unpaired surrogate"),
        (#""\udc00x""#, "unpaired surrogate"),
        (#""\x""#, "invalid escape"),
        ("\"a\tb\"", "control character"),
        ("[1] x", "data after"),
        ("tru", "ends before"),
        ("nul1", "unexpected character '1'"),
        ("1e400", "malformed number"),
    ])
    func rejectsMalformedText(text: String, expected: String) {
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func capsNestingDepth() {
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect { try JSONValue(parsing: deep) } throws: { "\($0)".contains("nested deeper than 128") }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
    }

    @Test func capsSize() {
        #expect { try JSONValue(parsing: "[1,2,3]", limits: .init(maxBytes: 4)) } throws: { "\($0)".contains("larger than 4 bytes") }
    }

    @Test func roundTripsEscapes() throws {
        let original: JSONValue = ["s": .string("quote\" backslash\\ nl\n ctl\u{01} é")]
        let text = original.serialized()
        #expect(String(decoding: text, as: UTF8.self) == #"{"s":"quote\" backslash\\ nl\n ctl\u0001 é"}"#)
        #expect(try JSONValue(parsing: text) == original)
    }

    @Test func prettyPrints() {
        let value: JSONValue = ["a": [1, 2], "b": [:]]
        #expect(value.serializedString(options: .prettyPrinted) == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
    }

    @Test func codableBridgeRoundTrips() throws {
        struct Holder: Codable, Equatable { var body: JSONValue }
        let holder = Holder(body: ["k": [1, "two", nil, true]])
        let data = try JSONEncoderBridge.encode(holder)
        #expect(try JSONDecoderBridge.decode(Holder.self, from: data) == holder)
    }

    /// The string scanner reads eight bytes at a time: a byte that needs a look (quote, backslash,
    /// control character, non-ASCII) must be found at every offset within and across a word.
    @Test func findsEveryByteThatNeedsALookAtEveryOffset() throws {
        for prefix in 0..<20 {
            let pad = String(repeating: "a", count: prefix)
            #expect(try JSONValue(parsing: "\"\(pad)\"") == .string(pad))
            #expect(try JSONValue(parsing: "\"\(pad)\\n\(pad)\"") == .string(pad + "\n" + pad))
            #expect(try JSONValue(parsing: "\"\(pad)é\(pad)\"") == .string(pad + "é" + pad))
            #expect(try JSONValue(parsing: "[\"\(pad)\",\"\(pad)\"]") == [.string(pad), .string(pad)])
            #expect { try JSONValue(parsing: "\"\(pad)\u{01}\(pad)\"") } throws: { "\($0)".contains("control character") }
            #expect { try JSONValue(parsing: "\"\(pad)\u{7f}\(pad)") } throws: { "\($0)".contains("ends before") }
            #expect(throws: JSONError.self) { try JSONValue(parsing: Array("\"\(pad)".utf8) + [0xC3, 0x28] + Array("\(pad)\"".utf8)) }
            #expect(try JSONValue(parsing: "\"\(pad)\u{7f}~ \(pad)\"") == .string(pad + "\u{7f}~ " + pad))
        }
    }

    /// Small objects are searched linearly and large ones through an index; both must find every
    /// member, refuse duplicates, and compare and hash as unordered maps.
    @Test func objectsOfEverySize() throws {
        for count in [0, 1, 12, 13, 100] {
            let members = (0..<count).map { "\"k\($0)\":\($0)" }
            let object = try #require(try JSONValue(parsing: "{" + members.joined(separator: ",") + "}").objectValue)
            #expect(object.count == count)
            for i in 0..<count { #expect(object["k\(i)"] == .number(Double(i))) }
            #expect(object["k\(count)"] == nil)
            let reversed = try #require(try JSONValue(parsing: "{" + members.reversed().joined(separator: ",") + "}").objectValue)
            #expect(object == reversed && object.hashValue == reversed.hashValue)
            #expect(object.keys == (0..<count).map { "k\($0)" })
            if count > 0 {
                #expect { try JSONValue(parsing: "{" + (members + ["\"k0\":1"]).joined(separator: ",") + "}") } throws: {
                    "\($0)".contains("appears twice")
                }
                var edited = object
                edited["k0"] = nil
                edited["new"] = true
                #expect(edited.count == count && edited["k0"] == nil && edited["new"] == true && edited.keys.last == "new")
                if count > 1 { #expect(edited["k\(count - 1)"] == .number(Double(count - 1))) }
                #expect(edited != object)
            }
        }
    }
}
