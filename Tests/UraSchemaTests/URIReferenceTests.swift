import Testing
@testable import UraSchema
import UraTestTraits

/// RFC 3986 §5.4 reference resolution, which `$id` and `$ref` rely on.
@Suite(.offThePool) struct URIReferenceTests {
    static let base = "http://a/b/c/d;p?q"

    // The examples of RFC 3986 §5.4.1 (normal) and §5.4.2 (abnormal).
    @Test(arguments: [
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
        ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."), ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"), ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"), ("http:g", "http:g"),
    ])
    func resolvesLikeTheRFC(reference: String, expected: String) {
        #expect(URIReference(reference).resolved(against: URIReference(Self.base)).text == expected)
    }

    @Test func fragmentsAndURNs() {
        #expect(URIReference.resolve("#/$defs/a", against: "urn:uuid:deadbeef-1234").resource == "urn:uuid:deadbeef-1234")
        #expect(URIReference.resolve("#/$defs/a", against: "urn:uuid:deadbeef-1234").fragment == "/$defs/a")
        #expect(URIReference.resolve("https://x.al/s.json#", against: "urn:a").fragment == nil)
        #expect(URIReference.resolve("common.json#agency", against: "file:///srv/ura/Schemas/messages/a.json") ==
                ("file:///srv/ura/Schemas/messages/common.json", "agency"))
    }
}
