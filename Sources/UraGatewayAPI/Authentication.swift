import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol

/// Who is calling: the client certificate of the TLS connection, verified against the gateway's
/// CA by UraHTTP, mapped to one agency of the directory by its SHA-256 fingerprint or SPKI pin.
/// Its validity dates are checked again on every request, against the gateway's clock: the
/// handshake's verdict is as old as the keep-alive connection.
struct Authentication {
    let directory: DirectoryBook
    let clock: any WallClock

    func agency(for request: HTTPRequest) throws(GatewayError) -> Agency {
        guard let peer = request.peer else {
            throw GatewayError(.clientCertificateRequired, "connect with your agency's client certificate (curl --cert … --key …); /v1 is only for enrolled agencies")
        }
        let failure: PeerCertificate.VerificationFailure?
        let now = clock.now
        if !peer.chainVerified {
            failure = peer.verificationFailure ?? .other(code: 0)
        } else if !peer.isValid(at: now) {
            failure = peer.notAfter.map { now >= $0 } == true ? .expired : .notYetValid
        } else {
            failure = nil
        }
        if let failure {
            let why: String = switch failure {
            case .expired: "it has expired; ask the operator for a new one (ura cert request, ura admin enrol)"
            case .notYetValid: "it is not valid yet; check the computer's clock"
            case .invalidPurpose: "it is not a TLS client certificate"
            default: "it was not issued by the gateway's certificate authority (\(peer.verificationError ?? "unknown error"))"
            }
            throw GatewayError(.clientCertificateUntrusted, "the client certificate \(peer.subjectCommonName.map { "for \($0) " } ?? "")is not accepted: \(why)")
        }
        let snapshot = directory.snapshot
        guard let id = snapshot.agency(certificateSHA256: peer.sha256Fingerprint, spkiSHA256: peer.spkiSHA256), let agency = snapshot[id] else {
            throw GatewayError(.clientCertificateUnknown, "the client certificate (SHA-256 \(peer.sha256Fingerprint)) is not registered to any agency; enrol it with `ura admin enrol`")
        }
        guard agency.status == .active else { throw GatewayError(.agencySuspended, "\(agency.id) is suspended in the directory") }
        return agency
    }
}
