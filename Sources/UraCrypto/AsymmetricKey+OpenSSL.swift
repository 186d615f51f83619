import COpenSSL
import UraJSON

/// Creating, importing and exporting OpenSSL keys for the curves of `KeyCurve`.
enum AsymmetricKey {
    static func generate(_ curve: KeyCurve) throws(CryptoError) -> PKey {
        let ctx = EVP_PKEY_CTX_new_from_name(nil, curve.isNIST ? "EC" : curve.openSSLName, nil)
        guard let ctx else { throw CryptoError.library("cannot create a key context: \(OpenSSL.drainErrors())") }
        defer { EVP_PKEY_CTX_free(ctx) }
        try OpenSSL.check(EVP_PKEY_keygen_init(ctx), "keygen init")
        if curve.isNIST { try OpenSSL.check(EVP_PKEY_CTX_set_group_name(ctx, curve.openSSLName), "set group") }
        var key: OpaquePointer?
        try OpenSSL.check(EVP_PKEY_generate(ctx, &key), "generate \(curve.rawValue) key")
        guard let key else { throw CryptoError.library("key generation returned nothing") }
        return PKey(key)
    }

    /// Imports a JWK; `requirePrivate` refuses a public-only key.
    static func importJWK(_ jwk: JSONValue, requirePrivate: Bool) throws(CryptoError) -> (key: PKey, curve: KeyCurve, isPrivate: Bool) {
        guard case .object(let members) = jwk else { throw CryptoError.invalidInput("a JWK is a JSON object") }
        guard let kty = members["kty"]?.stringValue else { throw CryptoError.invalidInput("the JWK has no kty") }
        guard let crvName = members["crv"]?.stringValue, let curve = KeyCurve(rawValue: crvName) else {
            throw CryptoError.unsupportedAlgorithm("curve \(members["crv"]?.stringValue ?? "(none)"); Ura uses Ed25519, X25519, P-256, P-384 and P-521")
        }
        guard kty == curve.keyType else { throw CryptoError.invalidInput("kty \(kty) does not go with crv \(crvName)") }
        func field(_ name: String, required: Bool) throws(CryptoError) -> [UInt8]? {
            guard let text = members[name]?.stringValue else {
                if required { throw CryptoError.invalidInput("the JWK has no \(name)") }
                return nil
            }
            let bytes = try Base64URL.decode(text)
            guard bytes.count == curve.coordinateSize else {
                throw CryptoError.invalidKey("\(name) has \(bytes.count) bytes; \(crvName) needs \(curve.coordinateSize)")
            }
            return bytes
        }
        let x = try field("x", required: true)!
        let d = try field("d", required: requirePrivate)
        if curve.isNIST {
            let y = try field("y", required: true)!
            return (try fromEC(curve: curve, point: [0x04] + x + y, scalar: d), curve, d != nil)
        }
        let type = curve == .ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_X25519
        let raw = d.map { EVP_PKEY_new_raw_private_key(type, nil, $0, $0.count) } ?? EVP_PKEY_new_raw_public_key(type, nil, x, x.count)
        guard let raw else { throw CryptoError.invalidKey("OpenSSL refused the \(crvName) key: \(OpenSSL.drainErrors())") }
        let key = PKey(raw)
        if d != nil, try rawPublic(key) != x { throw CryptoError.invalidKey("the JWK's d does not belong to its x") }
        return (key, curve, d != nil)
    }

    /// An EC key from an uncompressed point and an optional private scalar; checks the point is
    /// on the curve (and that the scalar matches it).
    private static func fromEC(curve: KeyCurve, point: [UInt8], scalar: [UInt8]?) throws(CryptoError) -> PKey {
        let builder = try ParamBuilder()
        try builder.string(OSSL_PKEY_PARAM_GROUP_NAME, curve.openSSLName)
        try builder.octets(OSSL_PKEY_PARAM_PUB_KEY, point)
        if let scalar { try builder.number(OSSL_PKEY_PARAM_PRIV_KEY, bigEndian: scalar) }
        let params = try builder.build()
        defer { OSSL_PARAM_free(params) }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw CryptoError.library(OpenSSL.drainErrors()) }
        defer { EVP_PKEY_CTX_free(ctx) }
        try OpenSSL.check(EVP_PKEY_fromdata_init(ctx), "fromdata init")
        var key: OpaquePointer?
        let selection = scalar == nil ? ura_evp_pkey_public_key() : ura_evp_pkey_keypair()
        guard EVP_PKEY_fromdata(ctx, &key, selection, params) == 1, let key else {
            throw CryptoError.invalidKey("the \(curve.rawValue) point is not on the curve (\(OpenSSL.drainErrors()))")
        }
        let owned = PKey(key)
        try check(owned, curve: curve, full: scalar != nil)
        return owned
    }

    /// OpenSSL's own key checks: the point is on the curve and not the point at infinity; for a
    /// key pair, that the private scalar gives the public point.
    static func check(_ key: PKey, curve: KeyCurve, full: Bool) throws(CryptoError) {
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else { throw CryptoError.library(OpenSSL.drainErrors()) }
        defer { EVP_PKEY_CTX_free(ctx) }
        let ok = full ? EVP_PKEY_check(ctx) : EVP_PKEY_public_check(ctx)
        guard ok == 1 else {
            throw CryptoError.invalidKey(full ? "the \(curve.rawValue) private key does not match its public point"
                                              : "the \(curve.rawValue) point is not a valid public key")
        }
    }

    static func rawPublic(_ key: PKey) throws(CryptoError) -> [UInt8] {
        var length = 0
        try OpenSSL.check(EVP_PKEY_get_raw_public_key(key.pointer, nil, &length), "raw public length")
        var out = [UInt8](repeating: 0, count: length)
        try OpenSSL.check(EVP_PKEY_get_raw_public_key(key.pointer, &out, &length), "raw public key")
        return out
    }

    static func rawPrivate(_ key: PKey) throws(CryptoError) -> [UInt8] {
        var length = 0
        try OpenSSL.check(EVP_PKEY_get_raw_private_key(key.pointer, nil, &length), "raw private length")
        var out = [UInt8](repeating: 0, count: length)
        try OpenSSL.check(EVP_PKEY_get_raw_private_key(key.pointer, &out, &length), "raw private key")
        return out
    }

    /// The curve of an OpenSSL key, or an error for a key type Ura does not use.
    static func curve(of key: PKey) throws(CryptoError) -> KeyCurve {
        switch EVP_PKEY_get_base_id(key.pointer) {
        case EVP_PKEY_ED25519: return .ed25519
        case EVP_PKEY_X25519: return .x25519
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            try OpenSSL.check(EVP_PKEY_get_utf8_string_param(key.pointer, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length), "group name")
            let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let curve = KeyCurve.allCases.first(where: { $0.isNIST && ($0.openSSLName == group || $0.rawValue == group) }) else {
                throw CryptoError.unsupportedAlgorithm("EC group \(group)")
            }
            return curve
        default:
            throw CryptoError.unsupportedAlgorithm("key type \(EVP_PKEY_get_base_id(key.pointer)); Ura uses Ed25519, X25519 and NIST curves")
        }
    }

    /// The public members of the key's JWK, in RFC 7638 order, plus `d` when asked.
    static func jwk(_ key: PKey, curve: KeyCurve, includingPrivate: Bool) throws(CryptoError) -> JSONObject {
        var object: JSONObject = ["crv": .string(curve.rawValue), "kty": .string(curve.keyType)]
        if curve.isNIST {
            var point = [UInt8](repeating: 0, count: 1 + 2 * curve.coordinateSize)
            var length = 0
            try OpenSSL.check(EVP_PKEY_get_octet_string_param(key.pointer, OSSL_PKEY_PARAM_PUB_KEY, &point, point.count, &length), "public point")
            guard length == point.count, point[0] == 0x04 else { throw CryptoError.library("unexpected point encoding") }
            object["x"] = .string(Base64URL.encode(point[1...curve.coordinateSize]))
            object["y"] = .string(Base64URL.encode(point[(1 + curve.coordinateSize)...]))
            if includingPrivate {
                var number: OpaquePointer?
                try OpenSSL.check(EVP_PKEY_get_bn_param(key.pointer, OSSL_PKEY_PARAM_PRIV_KEY, &number), "private scalar")
                defer { BN_clear_free(number) }
                var scalar = [UInt8](repeating: 0, count: curve.coordinateSize)
                guard BN_bn2binpad(number, &scalar, Int32(scalar.count)) == Int32(scalar.count) else { throw CryptoError.library("scalar size") }
                object["d"] = .string(Base64URL.encode(scalar))
            }
        } else {
            object["x"] = .string(Base64URL.encode(try rawPublic(key)))
            if includingPrivate { object["d"] = .string(Base64URL.encode(try rawPrivate(key))) }
        }
        return object
    }

    /// The public half of a key, as its own `EVP_PKEY`.
    static func publicOnly(_ key: PKey, curve: KeyCurve) throws(CryptoError) -> PKey {
        try importJWK(.object(try jwk(key, curve: curve, includingPrivate: false)), requirePrivate: false).key
    }

    // MARK: PEM

    static func privatePEM(_ key: PKey) throws(CryptoError) -> String {
        try withMemoryBIO { (bio) throws(CryptoError) in
            try OpenSSL.check(PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil), "write PKCS#8")
        }
    }

    static func publicPEM(_ key: PKey) throws(CryptoError) -> String {
        try withMemoryBIO { (bio) throws(CryptoError) in try OpenSSL.check(PEM_write_bio_PUBKEY(bio, key.pointer), "write SubjectPublicKeyInfo") }
    }

    static func readPEM(_ text: String, privateKey: Bool) throws(CryptoError) -> PKey {
        let bytes = Array(text.utf8)
        if privateKey {
            guard let key = try? PKey(privateKeyPEM: bytes) else { throw CryptoError.invalidInput("not a PEM private key (PKCS#8)") }
            return key
        }
        guard let key = OpenSSL.reading(bytes, { PEM_read_bio_PUBKEY($0, nil, nil, nil) }) else {
            OpenSSL.clearErrors()
            throw CryptoError.invalidInput("not a PEM public key (SubjectPublicKeyInfo)")
        }
        return PKey(key)
    }

    static func withMemoryBIO(_ write: (OpaquePointer) throws(CryptoError) -> Void) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw CryptoError.library("out of memory") }
        defer { BIO_free(bio) }
        try write(bio)
        var pointer: UnsafeMutablePointer<CChar>?
        let length = ura_bio_get_mem_data(bio, &pointer)
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
