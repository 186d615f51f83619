import COpenSSL

/// Helpers shared by every module that calls OpenSSL (UraCrypto's `*+OpenSSL` files, the HTTP
/// server's TLS, the load generator): error text from OpenSSL's error queue and reading PEM from
/// memory. The owners that free C objects are `PKey` and `X509Owner`.
package enum OpenSSL {
    /// Every error queued on this thread as one line, oldest first (and empties the queue, so the
    /// next failure on this thread does not report stale errors).
    package static func drainErrors() -> String {
        var messages: [String] = []
        var code = ERR_get_error()
        while code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            code = ERR_get_error()
        }
        return messages.isEmpty ? "no detail from OpenSSL" : messages.joined(separator: "; ")
    }

    static func check(_ result: Int32, _ what: String) throws(CryptoError) {
        guard result == 1 else { throw CryptoError.library("\(what): \(drainErrors())") }
    }

    /// Empties this thread's error queue. A TLS connection calls it right before every SSL_read,
    /// SSL_write, SSL_do_handshake and SSL_shutdown: SSL_get_error consults the thread's whole
    /// queue, so an entry left by some other call would turn an ordinary WANT_READ into
    /// SSL_ERROR_SSL and end the connection.
    package static func clearErrors() { ERR_clear_error() }

    /// Runs `read` on a read-only memory BIO over `bytes`; nil when OpenSSL cannot make the BIO.
    static func reading<T>(_ bytes: [UInt8], _ read: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
    }
}

/// Owns an `EVP_PKEY` (freed in `deinit`). `EVP_PKEY` is reference-counted and safe to use for
/// signing, verifying and deriving from many threads at once, each with its own context. The
/// HTTP server hands its pointer to its SSL_CTX, which takes a reference of its own.
package final class PKey: @unchecked Sendable {
    package let pointer: OpaquePointer
    package init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }

    /// The private key in PEM `bytes` (PKCS#8 or a traditional format, unencrypted); a failure
    /// carries OpenSSL's reason (`.invalidKey`).
    package convenience init(privateKeyPEM bytes: [UInt8]) throws(CryptoError) {
        OpenSSL.clearErrors()
        guard let key = OpenSSL.reading(bytes, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            throw CryptoError.invalidKey(OpenSSL.drainErrors())
        }
        self.init(key)
    }
}

/// SHA-2 digests through OpenSSL.
public enum SHA256 {
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] { Digest.compute(data, Digest.sha256, 32) }
}

public enum SHA384 {
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] { Digest.compute(data, Digest.sha384, 48) }
}

public enum SHA512 {
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] { Digest.compute(data, Digest.sha512, 64) }
}

enum Digest {
    /// The digest implementations, fetched from the default provider once. `EVP_sha256()` and its
    /// kin make OpenSSL 3 look the implementation up again on every use (locks and hash-table
    /// searches), and the gateway hashes a few times per message (digest, ledger leaf, tree).
    /// A fetched `EVP_MD` is immutable and may be used from many threads at once.
    nonisolated(unsafe) static let sha256 = EVP_MD_fetch(nil, "SHA256", nil) ?? EVP_sha256()
    nonisolated(unsafe) static let sha384 = EVP_MD_fetch(nil, "SHA384", nil) ?? EVP_sha384()
    nonisolated(unsafe) static let sha512 = EVP_MD_fetch(nil, "SHA512", nil) ?? EVP_sha512()

    static func compute(_ data: some Collection<UInt8>, _ md: OpaquePointer?, _ size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let ok: Int32? = data.withContiguousStorageIfAvailable { buffer in
            EVP_Digest(buffer.baseAddress, buffer.count, &out, &length, md, nil)
        }
        if ok == nil {
            let copy = Array(data)
            _ = copy.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &out, &length, md, nil) }
        }
        return out
    }
}

/// Random bytes from OpenSSL's CSPRNG.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        // RAND_bytes fails only when the generator cannot be seeded; there is no safe fallback.
        precondition(RAND_bytes(&out, Int32(count)) == 1, "OpenSSL's random generator failed: \(OpenSSL.drainErrors())")
        return out
    }
}

/// Compares two byte strings in time that depends only on their length.
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return CRYPTO_memcmp(a, b, a.count) == 0
}
