import COpenSSL

/// An EVP_PKEY the Swift side owns one reference of.
final class OwnedPrivateKey {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}
