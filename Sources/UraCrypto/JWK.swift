import UraJSON

/// JSON Web Key helpers (RFC 7517, RFC 7638).
public enum JWK {
    /// The RFC 7638 thumbprint of a public JWK: base64url SHA-256 of its required members
    /// (`crv`, `kty`, `x` and, for EC, `y`) in lexicographic order without whitespace.
    public static func thumbprint(of jwk: JSONValue) -> String {
        var required = JSONObject()
        for member in ["crv", "kty", "x", "y"] {
            if let value = jwk[member] { required[member] = value }
        }
        return Base64URL.encode(SHA256.hash(JSONValue.object(required).serialized(options: .sortedKeys)))
    }
}

/// A JWK Set (`{"keys": [...]}`), looked up by `kid`.
public struct JWKSet: Sendable, Equatable {
    public var keys: [JSONValue]

    public init(keys: [JSONValue]) { self.keys = keys }

    public init(parsing json: JSONValue) throws(CryptoError) {
        guard let keys = json["keys"]?.arrayValue else { throw CryptoError.invalidInput("a JWK set is an object with a keys array") }
        self.keys = keys
    }

    public subscript(kid: String) -> JSONValue? { keys.first { $0["kid"]?.stringValue == kid } }

    public var json: JSONValue { ["keys": .array(keys)] }
}
