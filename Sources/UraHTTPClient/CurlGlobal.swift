import CCurl

/// `curl_global_init` must run once per process before any other curl call.
enum CurlGlobal {
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    static func initializeOnce() { _ = initialized }
}
