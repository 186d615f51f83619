import Glibc
import Synchronization
import CCurl
import UraHTTPCore

/// One request in flight through libcurl: its easy handle, the buffers curl's callbacks fill,
/// and the continuation waiting for the outcome. Everything but `cancelRequested` and the
/// continuation hand-off is touched only on the driver thread.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPClientRequest
    let timeout: Duration
    let maxBodyBytes: Int
    let cancelRequested = Atomic<Bool>(false)
    private let continuation: Mutex<CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>?>

    // Driver thread only.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    var bodyTooLarge = false

    init(request: HTTPClientRequest, timeout: Duration, maxBodyBytes: Int,
         continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>) {
        self.request = request
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.continuation = Mutex(continuation)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        if let easy { curl_easy_cleanup(easy) }
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Resumes the waiting caller once; later calls are ignored.
    func complete(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        continuation.withLock { $0.take() }?.resume(returning: result)
    }

    var curlMessage: String {
        let text = String(cString: errorBuffer)
        return text.isEmpty ? "no detail from curl" : text
    }

    /// curl's CURLOPT_WRITEFUNCTION: appends body bytes, aborting past the size limit.
    static let receiveBody: ura_curl_data_callback = { data, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard transfer.body.count + length <= transfer.maxBodyBytes else {
            transfer.bodyTooLarge = true
            return 0  // makes curl stop with CURLE_WRITE_ERROR
        }
        if let data, length > 0 { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
        return length
    }

    /// curl's CURLOPT_HEADERFUNCTION: one header line per call; a status line starts a new
    /// response (after a 100 Continue), so the fields collected so far are dropped.
    static let receiveHeader: ura_curl_data_callback = { data, size, count, context in
        guard let context, let data else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            transfer.headers = HTTPHeaders()
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            transfer.headers.add(name: name, value: value)
        }
        return length
    }
}
