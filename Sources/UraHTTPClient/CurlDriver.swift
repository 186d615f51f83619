import UraBasics
import Foundation
import Synchronization
import CCurl
import UraHTTPCore

/// Owns a libcurl multi handle and the one thread that drives it with `curl_multi_poll`.
/// Requests arrive from any thread through a locked queue and a `curl_multi_wakeup`; at most
/// `maxConcurrentTransfers` run at once, the rest wait in order. The multi handle keeps the
/// connection cache, so consecutive requests to a host reuse its connection.
final class CurlDriver: @unchecked Sendable {
    // @unchecked: `multi` is used by the driver thread, except curl_multi_wakeup (documented as
    // thread-safe); the other mutable state below "Driver thread" is confined to that thread.

    private struct Inbox {
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false
        /// Set, under the lock, before the multi handle is cleaned up: `curl_multi_wakeup` is
        /// called under the lock only while this is false, so never on a freed handle.
        var stopped = false
        var cleanedUp = false
    }

    private let configuration: HTTPClientConfiguration
    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    /// Signalled once the driver thread has cleaned up the multi handle (its connections closed).
    private let finished = DispatchSemaphore(value: 0)

    // Driver thread.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var queued: [CurlTransfer] = []

    init(configuration: HTTPClientConfiguration) {
        CurlGlobal.initializeOnce()
        self.configuration = configuration
        multi = curl_multi_init()
        _ = ura_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost)
        _ = ura_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(configuration.maxConcurrentTransfers, 4))
        Thread.startNamed("ura-http-client") { [self] in run() }
    }

    /// Queues a transfer; false once the driver is stopping.
    func submit(_ transfer: CurlTransfer) -> Bool {
        inbox.withLock { inbox -> Bool in
            guard !inbox.stopping else { return false }
            inbox.submitted.append(transfer)
            curl_multi_wakeup(multi)
            return true
        }
    }

    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelRequested.store(true, ordering: .sequentiallyConsistent)
        inbox.withLock { inbox in
            guard !inbox.stopped else { return }
            inbox.cancelled.append(transfer)
            curl_multi_wakeup(multi)
        }
    }

    /// Fails what is queued or running and returns once the driver thread has closed every
    /// connection: a process may exit right after, and OpenSSL must not be torn down under a
    /// connection still closing.
    func stop() {
        let running = inbox.withLock { inbox -> Bool in
            inbox.stopping = true
            if !inbox.stopped { curl_multi_wakeup(multi) }
            return !inbox.cleanedUp
        }
        guard running else { return }
        finished.wait()
        finished.signal()  // for any other caller waiting
    }

    // MARK: - Driver thread

    private func run() {
        while true {
            let (submitted, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.submitted = []
                    inbox.cancelled = []
                }
                return (inbox.submitted, inbox.cancelled, inbox.stopping)
            }
            if stopping {
                for transfer in submitted + queued + Array(running.values) { finish(transfer, .failure(.shutDown)) }
                break
            }
            queued += submitted
            for transfer in cancelled { finish(transfer, .failure(.cancelled(url: transfer.request.url))) }
            queued.removeAll { transfer in
                guard transfer.cancelRequested.load(ordering: .sequentiallyConsistent) else { return false }
                transfer.complete(.failure(.cancelled(url: transfer.request.url)))
                return true
            }
            while running.count < max(1, configuration.maxConcurrentTransfers), !queued.isEmpty {
                start(queued.removeFirst())
            }
            var stillRunning: Int32 = 0
            curl_multi_perform(multi, &stillRunning)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                      let transfer = running[easy] else { continue }
                finish(transfer, result(of: transfer, code: message.pointee.data.result))
            }
            if running.count < configuration.maxConcurrentTransfers && !queued.isEmpty { continue }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        inbox.withLock { inbox in
            inbox.stopped = true
            for transfer in inbox.submitted { transfer.complete(.failure(.shutDown)) }
            inbox.submitted = []
        }
        curl_multi_cleanup(multi)
        inbox.withLock { $0.cleanedUp = true }
        finished.signal()
    }

    /// Removes a transfer from curl (if it got that far) and resumes its caller.
    private func finish(_ transfer: CurlTransfer, _ result: Result<HTTPClientResponse, HTTPClientError>) {
        if let easy = transfer.easy, running.removeValue(forKey: easy) != nil {
            curl_multi_remove_handle(multi, easy)
        }
        queued.removeAll { $0 === transfer }
        transfer.complete(result)
    }

    private func start(_ transfer: CurlTransfer) {
        switch CurlRequestSetup.configure(transfer, with: configuration) {
        case .success(let easy):
            running[easy] = transfer
            curl_multi_add_handle(multi, easy)
        case .failure(let error):
            transfer.complete(.failure(error))
        }
    }

    private func result(of transfer: CurlTransfer, code: CURLcode) -> Result<HTTPClientResponse, HTTPClientError> {
        guard let easy = transfer.easy else { return .failure(.shutDown) }
        let url = transfer.request.url
        if code == CURLE_OK {
            var status = 0
            var connects = 0
            _ = ura_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            _ = ura_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
            return .success(HTTPClientResponse(status: status, headers: transfer.headers, body: transfer.body,
                                               reusedConnection: connects == 0))
        }
        let message = transfer.curlMessage
        switch code {
        case CURLE_WRITE_ERROR where transfer.bodyTooLarge:
            return .failure(.responseTooLarge(url: url, limit: transfer.maxBodyBytes))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(.timedOut(url: url, after: transfer.timeout))
        case CURLE_COULDNT_RESOLVE_HOST:
            return .failure(.cannotResolve(url: url))
        case CURLE_COULDNT_CONNECT:
            var osError = 0
            _ = ura_curl_getinfo_long(easy, CURLINFO_OS_ERRNO, &osError)
            let reason = osError != 0 ? SystemCall.errorText(Int32(osError)).lowercased() : message
            return .failure(.cannotConnect(url: url, reason: reason))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return .failure(.serverCertificateNotTrusted(url: url, reason: message))
        case CURLE_SSL_CERTPROBLEM:
            return .failure(.clientCertificateUnusable(reason: message))
        case CURLE_SSL_CONNECT_ERROR:
            return .failure(.tlsHandshakeFailed(url: url, reason: message))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(.invalidRequest("\(url): \(message)"))
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE:
            return .failure(.connectionLost(url: url, reason: message))
        default:
            return .failure(.transport(url: url, code: Int(code.rawValue), reason: message))
        }
    }
}
