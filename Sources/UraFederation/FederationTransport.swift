import Foundation
import UraCrypto
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The delivery transport with federation: a message for a foreign agency (`via` a peer gateway)
/// is relayed to that peer — `POST /v1/federation/messages`, the sender's JWS unchanged, the
/// recipient named in `Ura-Recipient` — and everything else goes to `local` (the push transport).
/// Retry, backoff, dead letters and redrive are the delivery scheduler's, as for any push agency.
///
/// The peer answers with a receipt about that recipient: its own delivered receipt (returned to
/// the scheduler, which checks it against the recipient's key), the peer's accepted receipt (not
/// yet delivered: a failure to retry, so the scheduler asks again with backoff) or the peer's
/// failed receipt (a final failure). A refusal of the message itself (403, 422) is final.
///
/// The peer's accepted receipt, checked against the peer's key from its signed directory, is
/// recorded once (`Store.recordRelayAccepted`): the sender's receipts feed then shows a second
/// accepted receipt, signed by the peer gateway, for that recipient.
public struct FederationTransport: DeliveryTransport {
    let local: any DeliveryTransport
    let links: PeerLinks
    let directory: DirectoryBook
    let clock: any WallClock
    let store: any Store

    public init(local: any DeliveryTransport, links: PeerLinks, directory: DirectoryBook, store: any Store, clock: any WallClock) {
        self.local = local
        self.store = store
        self.links = links
        self.directory = directory
        self.clock = clock
    }

    public func deliver(_ job: DeliveryJob, to agency: Agency) async throws(DeliveryFailure) -> [UInt8] {
        guard let peer = agency.via else { return try await local.deliver(job, to: agency) }
        guard case .push(let base) = agency.delivery else { throw DeliveryFailure("\(agency.id) is behind \(peer), whose URL is not known") }
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/v1/federation/messages"
        let response: HTTPClientResponse
        do {
            response = try await links.send(HTTPClientRequest(method: "POST", url: url, headers: [
                "Content-Type": "application/jose+json", "Accept": "application/jose+json",
                "Ura-Message-Id": job.message.rawValue, "Ura-Recipient": agency.id.rawValue, "Ura-Attempt": String(job.attempt),
                // After a redrive, past the message's expiry: the peer delivers until then.
                "Ura-Deliver-Until": RFC3339.string(from: job.deliverUntil),
            ], body: job.signedBytes), to: peer)
        } catch {
            throw DeliveryFailure(error.description)
        }
        guard (200..<300).contains(response.status) else {
            let problem = try? JSONValue(parsing: response.body)
            let detail = problem?["detail"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
            // The peer refused the message itself: sending it again cannot change that.
            let final = [403, 409, 413, 415, 422].contains(response.status)
                && problem?["type"]?.stringValue != ProblemType.clientCertificateUnknown.uri
            throw DeliveryFailure("\(peer) answered HTTP \(response.status)\(detail)", final: final)
        }
        let receipt = try peerReceipt(response.body, from: peer, for: job)
        switch receipt.kind {
        case .delivered:
            return response.body
        case .accepted:
            // Kept for the sender's feed once; a store that cannot take it now gets it with the next answer.
            _ = try? await store.recordRelayAccepted(response.body, by: peer, at: receipt.at, for: job.message, recipient: agency.id)
            throw DeliveryFailure("accepted by \(peer) at \(RFC3339.string(from: receipt.at)); waiting for \(agency.id)'s delivered receipt")
        case .failed:
            throw DeliveryFailure("\(peer) gave up delivering to \(agency.id): \(receipt.reason ?? "no reason given")", final: true)
        }
    }

    /// The receipt in the peer's answer: the recipient's delivered receipt is checked by the
    /// scheduler; the peer's own (accepted, failed) is checked here against the peer's key.
    private func peerReceipt(_ bytes: [UInt8], from peer: AgencyID, for job: DeliveryJob) throws(DeliveryFailure) -> Receipt {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes, limits: .init(maxDepth: 16, maxBytes: 64 << 10)) } catch {
            throw DeliveryFailure("\(peer) answered without a receipt: \(error)")
        }
        guard let receipt = try? SignedObjectCheck.json(Receipt.self)(jws.payload) else {
            throw DeliveryFailure("\(peer) answered with something that is not a receipt")
        }
        if receipt.kind == .delivered { return receipt }
        let snapshot = directory.snapshot
        do {
            _ = try SignedObjectCheck.verify(jws) { kid throws(SignedObjectCheck.Failure) in try snapshot.directory.signingKey(kid, of: peer).key }
        } catch {
            throw DeliveryFailure("\(peer)'s \(receipt.kind.rawValue) receipt does not check out: \(error)")
        }
        guard receipt.by == peer else { throw DeliveryFailure("the \(receipt.kind.rawValue) receipt from \(peer) names \(receipt.by) as its signer") }
        guard receipt.message == job.message, receipt.digest == job.digest else {
            throw DeliveryFailure("\(peer)'s \(receipt.kind.rawValue) receipt is not for this message (id \(receipt.message), digest \(receipt.digest))")
        }
        return receipt
    }
}
