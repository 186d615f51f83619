import COpenSSL

/// Reads OpenSSL's thread-local error queue into one line (and empties it, so the next failure
/// on this thread does not report stale errors).
enum OpenSSLError {
    static func drain() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(SystemCall.string(fromCString: buffer))
        }
        return messages.isEmpty ? "no detail from OpenSSL" : messages.joined(separator: "; ")
    }

    static func clear() { ERR_clear_error() }
}
