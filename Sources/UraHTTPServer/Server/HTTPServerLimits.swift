/// Size caps the parser enforces; a request over a cap is answered by the server itself
/// (414, 431 or 413) before any handler runs.
public struct HTTPServerLimits: Sendable, Hashable {
    /// Longest request line (`METHOD SP target SP HTTP/1.1`) without its CRLF → 414 beyond.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Total bytes of the header section (every field line with its CRLF, and the final CRLF) → 431 beyond.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Number of header fields → 431 beyond.
    public var maxHeaderCount: Int = 100
    /// Largest `Content-Length` accepted → 413 beyond, answered before the body is read.
    public var maxBodyBytes: Int = 10 * 1024 * 1024

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
                maxHeaderCount: Int = 100, maxBodyBytes: Int = 10 * 1024 * 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
