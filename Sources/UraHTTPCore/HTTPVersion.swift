/// The HTTP versions the server speaks. HTTP/1.0 is served without keep-alive; anything else is 505.
public enum HTTPVersion: String, Sendable, Hashable {
    case http1_0 = "HTTP/1.0"
    case http1_1 = "HTTP/1.1"
}
