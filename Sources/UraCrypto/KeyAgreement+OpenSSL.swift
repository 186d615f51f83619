import COpenSSL

/// ECDH, the Concat KDF of RFC 7518 §4.6.2 (OpenSSL's single-step KDF "SSKDF" with SHA-256),
/// AES key wrap (RFC 3394) and AES-GCM, all through OpenSSL's EVP interfaces.
enum KeyAgreement {
    /// The shared secret Z between a private key and a peer's public key on the same curve. An
    /// all-zero X25519 result (a low-order peer point) is refused.
    static func sharedSecret(_ privateKey: PKey, _ peer: PKey) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new(privateKey.pointer, nil) else { throw CryptoError.library(OpenSSL.drainErrors()) }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_derive_init(ctx) == 1, EVP_PKEY_derive_set_peer(ctx, peer.pointer) == 1 else {
            OpenSSL.clearErrors()
            throw CryptoError.invalidKey("the peer key cannot be used for key agreement")
        }
        var length = 0
        guard EVP_PKEY_derive(ctx, nil, &length) == 1 else { throw CryptoError.library(OpenSSL.drainErrors()) }
        var secret = [UInt8](repeating: 0, count: length)
        guard EVP_PKEY_derive(ctx, &secret, &length) == 1 else {
            OpenSSL.clearErrors()
            throw CryptoError.invalidKey("key agreement failed (a low-order or invalid point)")
        }
        secret.removeLast(secret.count - length)
        guard secret.contains(where: { $0 != 0 }) else { throw CryptoError.invalidKey("key agreement gave an all-zero secret") }
        return secret
    }

    /// Concat KDF with SHA-256: `keyLength` bytes from Z and the JOSE OtherInfo.
    static func concatKDF(secret: [UInt8], algorithmID: String, apu: [UInt8], apv: [UInt8], keyLength: Int) throws(CryptoError) -> [UInt8] {
        func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
            let n = UInt32(bytes.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + bytes
        }
        let bits = UInt32(keyLength * 8)
        let otherInfo = lengthPrefixed(Array(algorithmID.utf8)) + lengthPrefixed(apu) + lengthPrefixed(apv)
            + [UInt8(bits >> 24), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
        guard let kdf = EVP_KDF_fetch(nil, "SSKDF", nil) else { throw CryptoError.library("SSKDF unavailable: \(OpenSSL.drainErrors())") }
        defer { EVP_KDF_free(kdf) }
        guard let ctx = EVP_KDF_CTX_new(kdf) else { throw CryptoError.library(OpenSSL.drainErrors()) }
        defer { EVP_KDF_CTX_free(ctx) }
        let builder = try ParamBuilder()
        try builder.string(OSSL_KDF_PARAM_DIGEST, "SHA256")
        try builder.octets(OSSL_KDF_PARAM_SECRET, secret)
        try builder.octets(OSSL_KDF_PARAM_INFO, otherInfo)
        let params = try builder.build()
        defer { OSSL_PARAM_free(params) }
        var out = [UInt8](repeating: 0, count: keyLength)
        try OpenSSL.check(EVP_KDF_derive(ctx, &out, keyLength, params), "Concat KDF")
        return out
    }

    private static func wrapCipher(_ kekLength: Int) throws(CryptoError) -> OpaquePointer {
        switch kekLength {
        case 16: return EVP_aes_128_wrap()
        case 24: return EVP_aes_192_wrap()
        case 32: return EVP_aes_256_wrap()
        default: throw CryptoError.invalidInput("a key-wrapping key has 16, 24 or 32 bytes")
        }
    }

    static func wrap(_ cek: [UInt8], kek: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError.library("out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        EVP_CIPHER_CTX_set_flags(ctx, Int32(EVP_CIPHER_CTX_FLAG_WRAP_ALLOW))
        try OpenSSL.check(EVP_EncryptInit_ex(ctx, try wrapCipher(kek.count), nil, kek, nil), "wrap init")
        var out = [UInt8](repeating: 0, count: cek.count + 16)
        var length: Int32 = 0
        try OpenSSL.check(EVP_EncryptUpdate(ctx, &out, &length, cek, Int32(cek.count)), "wrap")
        var final: Int32 = 0
        try OpenSSL.check(out.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + Int(length), &final) }, "wrap final")
        return Array(out.prefix(Int(length + final)))
    }

    /// Unwraps a CEK; nil when the wrapped key's integrity check fails.
    static func unwrap(_ wrapped: [UInt8], kek: [UInt8]) -> [UInt8]? {
        guard wrapped.count >= 24, wrapped.count % 8 == 0, let cipher = try? wrapCipher(kek.count),
              let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        EVP_CIPHER_CTX_set_flags(ctx, Int32(EVP_CIPHER_CTX_FLAG_WRAP_ALLOW))
        var out = [UInt8](repeating: 0, count: wrapped.count + 16)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, cipher, nil, kek, nil) == 1,
              EVP_DecryptUpdate(ctx, &out, &length, wrapped, Int32(wrapped.count)) == 1, length > 0 else {
            OpenSSL.clearErrors()
            return nil
        }
        return Array(out.prefix(Int(length)))
    }

    private static func gcmCipher(_ keyLength: Int) throws(CryptoError) -> OpaquePointer {
        switch keyLength {
        case 16: return EVP_aes_128_gcm()
        case 24: return EVP_aes_192_gcm()
        case 32: return EVP_aes_256_gcm()
        default: throw CryptoError.invalidInput("an AES-GCM key has 16, 24 or 32 bytes")
        }
    }

    static func sealGCM(_ plaintext: [UInt8], key: [UInt8], iv: [UInt8], aad: [UInt8]) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        guard let ctx = EVP_CIPHER_CTX_new() else { throw CryptoError.library("out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        try OpenSSL.check(EVP_EncryptInit_ex(ctx, try gcmCipher(key.count), nil, nil, nil), "gcm init")
        try OpenSSL.check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(iv.count), nil), "gcm iv length")
        try OpenSSL.check(EVP_EncryptInit_ex(ctx, nil, nil, key, iv), "gcm key")
        var length: Int32 = 0
        try OpenSSL.check(EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)), "gcm aad")
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        try OpenSSL.check(EVP_EncryptUpdate(ctx, &ciphertext, &length, plaintext, Int32(plaintext.count)), "gcm encrypt")
        var final: Int32 = 0
        try OpenSSL.check(ciphertext.withUnsafeMutableBufferPointer { EVP_EncryptFinal_ex(ctx, $0.baseAddress! + Int(length), &final) }, "gcm final")
        var tag = [UInt8](repeating: 0, count: 16)
        try OpenSSL.check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, &tag), "gcm tag")
        return (Array(ciphertext.prefix(Int(length + final))), tag)
    }

    /// Decrypts and authenticates; nil when anything does not check out.
    static func openGCM(_ ciphertext: [UInt8], key: [UInt8], iv: [UInt8], aad: [UInt8], tag: [UInt8]) -> [UInt8]? {
        guard tag.count == 16, !iv.isEmpty, let cipher = try? gcmCipher(key.count), let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var length: Int32 = 0
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var tagCopy = tag
        var final: Int32 = 0
        let ok = EVP_DecryptInit_ex(ctx, cipher, nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(iv.count), nil) == 1
            && EVP_DecryptInit_ex(ctx, nil, nil, key, iv) == 1
            && EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1
            && EVP_DecryptUpdate(ctx, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, &tagCopy) == 1
            && plaintext.withUnsafeMutableBufferPointer({ EVP_DecryptFinal_ex(ctx, $0.baseAddress! + Int(length), &final) }) == 1
        guard ok else {
            OpenSSL.clearErrors()
            return nil
        }
        return Array(plaintext.prefix(Int(length + final)))
    }
}
