/// Minimum protocol version of a TLS endpoint.
public enum TLSVersion: Sendable, Hashable {
    case tls1_2
    case tls1_3
}
