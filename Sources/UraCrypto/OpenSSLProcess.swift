import COpenSSL

/// OpenSSL's life in a process that may exit while other threads still use it.
public enum OpenSSLProcess {
    /// Keeps OpenSSL's global state until the process ends. By default OpenSSL frees it from an
    /// `atexit` handler; a thread still closing a TLS connection or freeing a key at that moment
    /// then takes a freed lock and the process dies with SIGSEGV instead of its exit code. The
    /// kernel reclaims the memory anyway. Call it first thing in `main`, before anything else
    /// touches OpenSSL (only the first initialization decides).
    public static func keepStateUntilExit() {
        _ = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil)
    }
}
