import COpenSSL

/// An X509 the Swift side owns one reference of.
final class OwnedX509 {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { X509_free(pointer) }
}
