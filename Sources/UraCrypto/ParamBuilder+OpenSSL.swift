import COpenSSL

/// An `OSSL_PARAM_BLD` that owns the bytes it references: OpenSSL keeps pointers to pushed strings
/// and octet strings until `OSSL_PARAM_BLD_to_param`, longer than Swift's temporary bridging
/// lasts, so each buffer is copied into memory freed only with the builder (zeroed first: some are
/// secrets).
final class ParamBuilder {
    private let builder: OpaquePointer
    private var buffers: [UnsafeMutableRawBufferPointer] = []
    private var numbers: [OpaquePointer] = []

    init() throws(CryptoError) {
        guard let builder = OSSL_PARAM_BLD_new() else { throw CryptoError.library("out of memory") }
        self.builder = builder
    }

    deinit {
        for buffer in buffers {
            if let base = buffer.baseAddress { OPENSSL_cleanse(base, buffer.count) }
            buffer.deallocate()
        }
        for number in numbers { BN_clear_free(number) }
        OSSL_PARAM_BLD_free(builder)
    }

    private func keep(_ bytes: [UInt8], terminated: Bool) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count + (terminated ? 1 : 0)), alignment: 1)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        buffers.append(buffer)
        return buffer
    }

    func string(_ key: String, _ value: String) throws(CryptoError) {
        let name = keep(Array(key.utf8), terminated: true)
        let text = keep(Array(value.utf8), terminated: true)
        try OpenSSL.check(OSSL_PARAM_BLD_push_utf8_string(builder, name.baseAddress!.assumingMemoryBound(to: CChar.self),
                                                          text.baseAddress!.assumingMemoryBound(to: CChar.self), 0), "param \(key)")
    }

    func octets(_ key: String, _ value: [UInt8]) throws(CryptoError) {
        let name = keep(Array(key.utf8), terminated: true)
        let data = keep(value, terminated: false)
        try OpenSSL.check(OSSL_PARAM_BLD_push_octet_string(builder, name.baseAddress!.assumingMemoryBound(to: CChar.self),
                                                           data.baseAddress, value.count), "param \(key)")
    }

    func number(_ key: String, bigEndian value: [UInt8]) throws(CryptoError) {
        let name = keep(Array(key.utf8), terminated: true)
        guard let bn = BN_bin2bn(value, Int32(value.count), nil) else { throw CryptoError.library("out of memory") }
        numbers.append(bn)
        try OpenSSL.check(OSSL_PARAM_BLD_push_BN(builder, name.baseAddress!.assumingMemoryBound(to: CChar.self), bn), "param \(key)")
    }

    /// The parameters; free them with `OSSL_PARAM_free`.
    func build() throws(CryptoError) -> UnsafeMutablePointer<OSSL_PARAM> {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw CryptoError.library("out of memory") }
        return params
    }
}
