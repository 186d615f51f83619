import UraJSON

/// JSON Web Signature (RFC 7515) in the compact, flattened and general JSON serializations.
///
/// Signing puts `alg` and `kid` in the protected header with the caller's members (`typ`, …).
/// Parsing keeps the base64url strings exactly as received, so the signing input — and so a
/// message's digest — never depends on how the JSON around them was formatted.
public enum JWS {
    /// Signs `payload` as a flattened JWS.
    public static func sign(payload: [UInt8], header extra: JSONObject = [:], with key: SigningKey) throws(CryptoError) -> FlattenedJWS {
        let signature = try makeSignature(payloadB64: Base64URL.encode(payload), header: extra, key: key)
        return FlattenedJWS(protected: signature.protected, payload: Base64URL.encode(payload), signature: signature.signature)
    }

    /// Signs `payload` once per key, as a general JWS.
    public static func signGeneral(payload: [UInt8], signers: [(key: SigningKey, header: JSONObject)]) throws(CryptoError) -> GeneralJWS {
        let payloadB64 = Base64URL.encode(payload)
        var signatures: [(protected: String, signature: String)] = []
        for signer in signers { signatures.append(try makeSignature(payloadB64: payloadB64, header: signer.header, key: signer.key)) }
        return GeneralJWS(payload: payloadB64, signatures: signatures)
    }

    private static func makeSignature(payloadB64: String, header extra: JSONObject, key: SigningKey) throws(CryptoError) -> (protected: String, signature: String) {
        var header: JSONObject = ["alg": .string(key.algorithm.rawValue), "kid": .string(key.keyID)]
        for (name, value) in extra where name != "alg" { header[name] = value }
        let protected = Base64URL.encode(JSONValue.object(header).serialized())
        let signature = try key.signature(for: Array("\(protected).\(payloadB64)".utf8))
        return (protected, Base64URL.encode(signature))
    }

    /// Parses any of the three serializations. The JSON forms are parsed strictly (duplicate
    /// member names and trailing data are errors); a compact JWS has exactly three parts.
    public static func parse(_ bytes: [UInt8], limits: JSONParser.Limits = .default) throws(CryptoError) -> ParsedJWS {
        let trimmed = bytes.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = trimmed.first else { throw CryptoError.invalidInput("the JWS is empty") }
        if first != UInt8(ascii: "{") { return try parseCompact(bytes) }
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes, limits: limits) } catch {
            throw CryptoError.invalidInput("the JWS is not valid JSON: \(error)")
        }
        return try parse(json: json)
    }

    /// Parses the flattened or general JSON serialization from already parsed JSON.
    public static func parse(json: JSONValue) throws(CryptoError) -> ParsedJWS {
        guard let payload = json["payload"]?.stringValue else { throw CryptoError.invalidInput("the JWS has no payload string") }
        if let list = json["signatures"]?.arrayValue {
            guard json["signature"] == nil, json["protected"] == nil else {
                throw CryptoError.invalidInput("a JWS is either general (signatures) or flattened (signature), not both")
            }
            guard !list.isEmpty else { throw CryptoError.invalidInput("the JWS has an empty signatures array") }
            var signatures: [ParsedJWS.Signature] = []
            for entry in list { signatures.append(try signature(entry)) }
            return try ParsedJWS(payloadB64: payload, signatures: signatures, serialization: .general)
        }
        return try ParsedJWS(payloadB64: payload, signatures: [try signature(json)], serialization: .flattened)
    }

    private static func signature(_ json: JSONValue) throws(CryptoError) -> ParsedJWS.Signature {
        guard let signature = json["signature"]?.stringValue else { throw CryptoError.invalidInput("the JWS has no signature string") }
        let protected: String
        switch json["protected"] {
        case nil: protected = ""
        case .string(let text)?: protected = text
        default: throw CryptoError.invalidInput("the JWS protected member is not a string")
        }
        var unprotected = JSONObject()
        if let header = json["header"] {
            guard case .object(let object) = header else { throw CryptoError.invalidInput("the JWS header member is not an object") }
            unprotected = object
        }
        return try ParsedJWS.Signature(protectedB64: protected, signatureB64: signature, unprotected: unprotected)
    }

    private static func parseCompact(_ bytes: [UInt8]) throws(CryptoError) -> ParsedJWS {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw CryptoError.invalidInput("a compact JWS has three dot-separated parts, this has \(parts.count)") }
        func text(_ part: ArraySlice<UInt8>) throws(CryptoError) -> String {
            guard part.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw CryptoError.invalidInput("a compact JWS has only base64url characters") }
            return String(decoding: part, as: UTF8.self)
        }
        let signature = try ParsedJWS.Signature(protectedB64: try text(parts[0]), signatureB64: try text(parts[2]), unprotected: JSONObject())
        return try ParsedJWS(payloadB64: try text(parts[1]), signatures: [signature], serialization: .compact)
    }
}

/// A flattened JWS, as signed by `JWS.sign`. `serialized()` is exactly
/// `{"protected":"…","payload":"…","signature":"…"}`.
public struct FlattenedJWS: Sendable, Equatable {
    public let protected: String
    public let payload: String
    public let signature: String

    public init(protected: String, payload: String, signature: String) {
        self.protected = protected
        self.payload = payload
        self.signature = signature
    }

    public var json: JSONValue {
        .object(["protected": .string(protected), "payload": .string(payload), "signature": .string(signature)])
    }

    public func serialized() -> [UInt8] { json.serialized() }
    public var compact: String { "\(protected).\(payload).\(signature)" }
    /// `protected || "." || payload`, the bytes the signature covers.
    public var signingInput: [UInt8] { Array("\(protected).\(payload)".utf8) }
}

/// A general JWS with one or more signatures.
public struct GeneralJWS: Sendable, Equatable {
    public let payload: String
    public let signatures: [(protected: String, signature: String)]

    public static func == (a: GeneralJWS, b: GeneralJWS) -> Bool {
        a.payload == b.payload && a.signatures.map(\.protected) == b.signatures.map(\.protected)
            && a.signatures.map(\.signature) == b.signatures.map(\.signature)
    }

    public var json: JSONValue {
        .object(["payload": .string(payload), "signatures": .array(signatures.map {
            .object(["protected": .string($0.protected), "signature": .string($0.signature)])
        })])
    }

    public func serialized() -> [UInt8] { json.serialized() }
}
