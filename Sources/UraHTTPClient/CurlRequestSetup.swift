import CCurl
import UraBasics
import UraHTTPCore

/// Turns an `HTTPClientRequest` into a configured curl easy handle.
enum CurlRequestSetup {
    static func configure(_ transfer: CurlTransfer, with configuration: HTTPClientConfiguration)
        -> Result<UnsafeMutableRawPointer, HTTPClientError> {
        let request = transfer.request
        let lower = request.url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return .failure(.invalidRequest("\"\(request.url)\" is not an http:// or https:// URL"))
        }
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(\.isTokenCharacter) else {
            return .failure(.invalidRequest("\"\(request.method)\" is not an HTTP method"))
        }
        guard let easy = curl_easy_init() else { return .failure(.transport(url: request.url, code: -1, reason: "curl_easy_init failed")) }
        transfer.easy = easy
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var failure: String?
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK && failure == nil { failure = "\(what): \(String(cString: curl_easy_strerror(code)))" }
        }
        func set(_ option: CURLoption, _ value: Int, _ what: String) { check(ura_curl_setopt_long(easy, option, value), what) }
        func set(_ option: CURLoption, _ value: String?, _ what: String) {
            // curl copies string options, so a temporary C string is enough.
            if let value { check(value.withCString { ura_curl_setopt_ptr(easy, option, $0) }, what) }
            else { check(ura_curl_setopt_ptr(easy, option, nil), what) }
        }
        func setBlob(_ option: CURLoption, _ bytes: [UInt8], _ what: String) {
            check(bytes.withUnsafeBytes { ura_curl_setopt_blob_copy(easy, option, $0.baseAddress, $0.count) }, what)
        }

        set(CURLOPT_URL, request.url, "URL")
        set(CURLOPT_PROTOCOLS_STR, "http,https", "protocols")
        set(CURLOPT_NOSIGNAL, 1, "no signals")
        set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1, "HTTP version")
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.nanoseconds / 1_000_000), "connect timeout")
        set(CURLOPT_TIMEOUT_MS, max(1, Int(transfer.timeout.nanoseconds / 1_000_000)), "timeout")
        set(CURLOPT_USERAGENT, configuration.userAgent, "user agent")
        set(CURLOPT_SSL_VERIFYPEER, 1, "peer verification")
        set(CURLOPT_SSL_VERIFYHOST, 2, "host verification")
        check(ura_curl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer), "error buffer")
        check(ura_curl_setopt_write_function(easy, CurlTransfer.receiveBody), "body callback")
        check(ura_curl_setopt_cloexec_sockets(easy), "close-on-exec sockets")
        check(ura_curl_setopt_ptr(easy, CURLOPT_WRITEDATA, context), "body context")
        check(ura_curl_setopt_header_function(easy, CurlTransfer.receiveHeader), "header callback")
        check(ura_curl_setopt_ptr(easy, CURLOPT_HEADERDATA, context), "header context")

        switch configuration.trustedAuthorities {
        case .file(let path)?:
            set(CURLOPT_CAINFO, path, "CA file")
            set(CURLOPT_CAPATH, nil, "CA path")  // only the given CAs, not the system directory too
        case .bytes(let pem)?:
            set(CURLOPT_CAINFO, nil, "CA file")
            set(CURLOPT_CAPATH, nil, "CA path")
            setBlob(CURLOPT_CAINFO_BLOB, pem, "CA bundle")
        case nil:
            break
        }
        switch configuration.clientCertificate {
        case .file(let path)?:
            set(CURLOPT_SSLCERT, path, "client certificate")
            set(CURLOPT_SSLCERTTYPE, "PEM", "client certificate type")
        case .bytes(let pem)?:
            setBlob(CURLOPT_SSLCERT_BLOB, pem, "client certificate")
            set(CURLOPT_SSLCERTTYPE, "PEM", "client certificate type")
        case nil:
            break
        }
        switch configuration.clientKey {
        case .file(let path)?:
            set(CURLOPT_SSLKEY, path, "client key")
            set(CURLOPT_SSLKEYTYPE, "PEM", "client key type")
        case .bytes(let pem)?:
            setBlob(CURLOPT_SSLKEY_BLOB, pem, "client key")
            set(CURLOPT_SSLKEYTYPE, "PEM", "client key type")
        case nil:
            break
        }

        switch request.method {
        case "GET" where request.body.isEmpty:
            set(CURLOPT_HTTPGET, 1, "GET")
        case "HEAD":
            set(CURLOPT_NOBODY, 1, "HEAD")
        default:
            if request.method != "POST" { set(CURLOPT_CUSTOMREQUEST, request.method, "method") }
            set(CURLOPT_POST, 1, "POST")
            check(ura_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "body size")
            check(request.body.withUnsafeBytes { ura_curl_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)) }, "body")
        }

        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers {
            guard name.utf8.allSatisfy(\.isTokenCharacter), !value.utf8.contains(where: { $0 == .cr || $0 == .lf }) else {
                return .failure(.invalidRequest("the header \"\(name)\" has a name or value that cannot be sent"))
            }
            list = curl_slist_append(list, "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip, and no form Content-Type curl would invent.
        if !request.headers.contains("Expect") { list = curl_slist_append(list, "Expect:") }
        if !request.headers.contains("Content-Type") { list = curl_slist_append(list, "Content-Type:") }
        transfer.headerList = list
        check(ura_curl_setopt_ptr(easy, CURLOPT_HTTPHEADER, list), "headers")

        if let failure { return .failure(.invalidRequest(failure)) }
        return .success(easy)
    }
}
