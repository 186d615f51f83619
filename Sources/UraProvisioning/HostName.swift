import Foundation

/// A name agencies connect to the gateway by — a DNS name or an IP address — checked once, as it
/// goes into the gateway's TLS certificate (`DNS:…` or `IP:…` subject alternative name).
public struct HostName: Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public let isIPAddress: Bool

    public init(_ text: String) throws(ProvisioningError) {
        var v4 = in_addr(), v6 = in6_addr()
        isIPAddress = inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
        guard isIPAddress || (!text.isEmpty && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })) else {
            throw ProvisioningError(.invalidArgument, "host: '\(text)' is neither an IP address nor a DNS name")
        }
        description = text
    }

    /// How the certificate names it.
    var subjectAlternativeName: String { (isIPAddress ? "IP:" : "DNS:") + description }
}
