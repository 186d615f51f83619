/// A TLS context could not be built (certificate, key or CA unreadable or inconsistent).
public struct TLSSetupError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    package init(_ description: String) { self.description = description }
}
