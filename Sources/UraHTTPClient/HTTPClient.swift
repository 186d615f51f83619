/// Outbound HTTP(S) on libcurl's multi interface: one driver thread, requests from any task,
/// keep-alive connection reuse, mutual TLS, per-request timeouts, a bound on concurrent
/// transfers. Used for push delivery to agencies and by the `ura` CLI to reach the gateway.
///
/// ```swift
/// let client = HTTPClient(configuration: .init(clientCertificate: .file(cert), clientKey: .file(key),
///                                              trustedAuthorities: .file(ca)))
/// let response = try await client.send(HTTPClientRequest(method: "POST", url: url, body: bytes))
/// ```
public final class HTTPClient: Sendable {
    public let configuration: HTTPClientConfiguration
    private let driver: CurlDriver

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.configuration = configuration
        driver = CurlDriver(configuration: configuration)
    }

    deinit { driver.stop() }

    /// Sends the request and returns the final response (any status), or why there is none.
    /// Cancelling the calling task abandons the transfer.
    public func send(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let box = TransferBox()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) in
                let transfer = CurlTransfer(request: request, timeout: request.timeout ?? configuration.timeout,
                                            maxBodyBytes: configuration.maxResponseBodyBytes, continuation: continuation)
                if box.set(transfer) { transfer.complete(.failure(.cancelled(url: request.url))) }
                else if !driver.submit(transfer) { transfer.complete(.failure(.shutDown)) }
            }
        } onCancel: {
            if let transfer = box.cancel() { driver.cancel(transfer) }
        }
        return try result.get()
    }

    /// Stops the driver thread; requests still queued or running fail with `.shutDown`.
    public func shutdown() { driver.stop() }
}
