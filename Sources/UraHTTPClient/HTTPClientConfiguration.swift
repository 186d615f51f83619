import UraHTTPCore

/// Settings shared by every request of an `HTTPClient`: mutual TLS, trust, time limits and bounds.
public struct HTTPClientConfiguration: Sendable, Hashable {
    /// Our certificate (then intermediates) for mutual TLS; nil: no client certificate.
    public var clientCertificate: PEMSource?
    /// The private key of `clientCertificate` (PEM, unencrypted).
    public var clientKey: PEMSource?
    /// CAs the server certificate must chain to; nil: the system's CA store. The host name is
    /// always checked against the certificate.
    public var trustedAuthorities: PEMSource?
    public var connectTimeout: Duration
    /// Whole-request limit when the request sets none (a long poll sets a longer one).
    public var timeout: Duration
    /// Transfers running at once; further requests queue in order.
    public var maxConcurrentTransfers: Int
    /// Connections open to one host at once (0: no limit beyond `maxConcurrentTransfers`).
    public var maxConnectionsPerHost: Int
    /// A response body beyond this many bytes aborts the request with `.responseTooLarge`.
    public var maxResponseBodyBytes: Int
    public var userAgent: String

    public init(clientCertificate: PEMSource? = nil, clientKey: PEMSource? = nil, trustedAuthorities: PEMSource? = nil,
                connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30), maxConcurrentTransfers: Int = 16,
                maxConnectionsPerHost: Int = 8, maxResponseBodyBytes: Int = 10 * 1024 * 1024, userAgent: String = "ura-http/1") {
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.trustedAuthorities = trustedAuthorities
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxConcurrentTransfers = maxConcurrentTransfers
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxResponseBodyBytes = maxResponseBodyBytes
        self.userAgent = userAgent
    }
}
