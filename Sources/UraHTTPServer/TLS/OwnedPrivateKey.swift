import COpenSSL
import UraHTTPCore

/// An EVP_PKEY the Swift side owns one reference of.
package final class OwnedPrivateKey {
    package let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}
