import UraHTTPCore

extension TLSConfiguration {
    /// Loads the chain, the key and the client CAs as `HTTPServer.start()` does and checks that
    /// they fit together, without listening (for a daemon's configuration check).
    public func check() throws(TLSSetupError) {
        _ = try ServerTLSContext(self)
    }
}
