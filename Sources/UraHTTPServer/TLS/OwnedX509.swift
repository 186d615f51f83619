import COpenSSL
import UraHTTPCore

/// An X509 the Swift side owns one reference of.
package final class OwnedX509 {
    package let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}
