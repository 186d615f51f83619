import Foundation
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Pushes a message to an agency's HTTPS endpoint through libcurl: `POST` of the exact signed
/// bytes with the gateway's client certificate, the agency's server certificate verified against
/// the trusted CAs, timeouts, and connections kept alive between pushes. A 2xx answer carries the
/// agency's signed delivered receipt; anything else is a failure to retry.
public struct PushTransport: DeliveryTransport {
    let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    public func deliver(_ job: DeliveryJob, to agency: Agency) async throws(DeliveryFailure) -> [UInt8] {
        guard case .push(let url) = agency.delivery else {
            throw DeliveryFailure("\(agency.id) receives by pull; nothing to push")
        }
        let request = HTTPClientRequest(method: "POST", url: url, headers: [
            "Content-Type": "application/jose+json", "Accept": "application/jose+json",
            "Ura-Message-Id": job.message.rawValue, "Ura-Attempt": String(job.attempt),
        ], body: job.signedBytes)
        let response: HTTPClientResponse
        do { response = try await client.send(request) } catch {
            throw DeliveryFailure("\(url): \(error)")
        }
        guard (200..<300).contains(response.status) else {
            let detail = (try? JSONValue(parsing: response.body))?["detail"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
            throw DeliveryFailure("\(url) answered HTTP \(response.status)\(detail)")
        }
        guard !response.body.isEmpty else { throw DeliveryFailure("\(url) answered \(response.status) without a receipt") }
        return response.body
    }
}
