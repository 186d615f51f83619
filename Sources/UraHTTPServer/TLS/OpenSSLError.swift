import COpenSSL
import UraHTTPCore

/// Reads OpenSSL's thread-local error queue into one line (and empties it, so the next failure
/// on this thread does not report stale errors).
package enum OpenSSLError {
    package static func drain() -> String {
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

    /// Empties the queue. Called right before every SSL_read, SSL_write, SSL_do_handshake and
    /// SSL_shutdown: SSL_get_error consults the thread's whole queue, so an entry left by some
    /// other call would turn an ordinary WANT_READ into SSL_ERROR_SSL and end the connection.
    package static func clear() { ERR_clear_error() }
}
