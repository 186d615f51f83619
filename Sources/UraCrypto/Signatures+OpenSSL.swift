import COpenSSL

/// EVP_DigestSign / EVP_DigestVerify, with the ECDSA signatures JOSE wants: R‖S, each half padded
/// to the curve's size, instead of OpenSSL's DER.
enum Signatures {
    static func digest(for algorithm: SignatureAlgorithm) -> OpaquePointer? {
        switch algorithm {
        case .eddsa: nil
        case .es256: Digest.sha256
        case .es384: Digest.sha384
        case .es512: Digest.sha512
        }
    }

    static func sign(_ data: some Collection<UInt8>, key: PKey, algorithm: SignatureAlgorithm) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw CryptoError.library("out of memory") }
        defer { EVP_MD_CTX_free(ctx) }
        try OpenSSL.check(EVP_DigestSignInit(ctx, nil, digest(for: algorithm), nil, key.pointer), "sign init")
        let message = Array(data)
        var length = 0
        try OpenSSL.check(EVP_DigestSign(ctx, nil, &length, message, message.count), "signature size")
        var signature = [UInt8](repeating: 0, count: length)
        try OpenSSL.check(EVP_DigestSign(ctx, &signature, &length, message, message.count), "sign")
        signature.removeLast(signature.count - length)
        return algorithm == .eddsa ? signature : try rawFromDER(signature, size: algorithm.curve.coordinateSize)
    }

    static func verify(_ signature: [UInt8], data: some Collection<UInt8>, key: PKey, algorithm: SignatureAlgorithm) -> Bool {
        let size = algorithm == .eddsa ? 32 : algorithm.curve.coordinateSize
        guard signature.count == 2 * size else { return false }
        let encoded: [UInt8]
        if algorithm == .eddsa {
            encoded = signature
        } else {
            guard let der = derFromRaw(signature, size: size) else { return false }
            encoded = der
        }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, digest(for: algorithm), nil, key.pointer) == 1 else {
            OpenSSL.clearErrors()
            return false
        }
        let ok: Int32? = data.withContiguousStorageIfAvailable { EVP_DigestVerify(ctx, encoded, encoded.count, $0.baseAddress, $0.count) }
        let result = ok ?? Array(data).withUnsafeBufferPointer { EVP_DigestVerify(ctx, encoded, encoded.count, $0.baseAddress, $0.count) }
        if result != 1 { OpenSSL.clearErrors() }
        return result == 1
    }

    private static func rawFromDER(_ der: [UInt8], size: Int) throws(CryptoError) -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &pointer, buffer.count)
        }
        guard let parsed else { throw CryptoError.library("OpenSSL produced an unreadable ECDSA signature") }
        defer { ECDSA_SIG_free(parsed) }
        var r: OpaquePointer?, s: OpaquePointer?
        ECDSA_SIG_get0(parsed, &r, &s)
        var out = [UInt8](repeating: 0, count: 2 * size)
        guard BN_bn2binpad(r, &out, Int32(size)) == Int32(size),
              out.withUnsafeMutableBufferPointer({ BN_bn2binpad(s, $0.baseAddress! + size, Int32(size)) }) == Int32(size)
        else { throw CryptoError.library("ECDSA signature component too large") }
        return out
    }

    private static func derFromRaw(_ raw: [UInt8], size: Int) -> [UInt8]? {
        guard let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = BN_bin2bn(raw, Int32(size), nil)
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + size, Int32(size), nil) }
        guard let r, let s, ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var out: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(signature, &out)
        guard length > 0, let out else { return nil }
        defer { ura_openssl_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
