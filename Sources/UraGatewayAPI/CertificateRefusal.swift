import UraGatewayCore

/// A client certificate that names no enrolled, active agency (or no certificate at all). Answered
/// like any problem, but with `Connection: close`: the connection is of no use without one.
struct CertificateRefusal: Error, Sendable {
    let problem: GatewayError
}
