/// Every error the gateway reports, each with a stable RFC 9457 `type` URI
/// (`https://ura.example/problems/<slug>`), its HTTP status and title. Agencies may match on the
/// type; the `detail` sentence is for people. Documented in `Schemas/openapi.json` and
/// `docs/api.md`.
public enum ProblemType: String, Sendable, CaseIterable {
    // Who is calling
    case clientCertificateRequired = "client-certificate-required"
    case clientCertificateUntrusted = "client-certificate-untrusted"
    case clientCertificateUnknown = "client-certificate-unknown"
    case agencySuspended = "agency-suspended"
    case forbidden
    // The submitted bytes
    case payloadTooLarge = "payload-too-large"
    case unsupportedMediaType = "unsupported-media-type"
    case malformedJSON = "malformed-json"
    case malformedJWS = "malformed-jws"
    case unsupportedAlgorithm = "unsupported-algorithm"
    case unknownSigningKey = "unknown-signing-key"
    case invalidSignature = "invalid-signature"
    case invalidEnvelope = "invalid-envelope"
    // What the message says
    case senderMismatch = "sender-mismatch"
    case unknownRecipient = "unknown-recipient"
    case recipientInactive = "recipient-inactive"
    case unknownMessageType = "unknown-message-type"
    case routeNotAllowed = "route-not-allowed"
    case routingRuleViolated = "routing-rule-violated"
    case replyMismatch = "reply-mismatch"
    case declarationsMissing = "declarations-missing"
    case bodyNotEncryptedToRecipient = "body-not-encrypted-to-recipient"
    case createdOutOfWindow = "created-out-of-window"
    case messageExpired = "message-expired"
    case idConflict = "id-conflict"
    /// Federation: the type may not cross a border, or the recipients are not reachable through this hop.
    case crossBorderNotAllowed = "cross-border-not-allowed"
    /// Federation: a peer gateway relayed a message that is not from one of its own agencies.
    case relayNotAllowed = "relay-not-allowed"
    // Receipts and operations
    case invalidReceipt = "invalid-receipt"
    case notFound = "not-found"
    case invalidState = "invalid-state"
    case invalidRequest = "invalid-request"
    case methodNotAllowed = "method-not-allowed"
    case unavailable
    case internalError = "internal-error"
    // The HTTP request itself: the server answers these before the gateway sees the request
    // (UraHTTPServer's `HTTPProblem`, which uses the same slugs, statuses and titles).
    case badRequest = "bad-request"
    case lengthRequired = "length-required"
    case uriTooLong = "uri-too-long"
    case requestHeaderFieldsTooLarge = "request-header-fields-too-large"
    case requestTimeout = "request-timeout"
    case expectationFailed = "expectation-failed"
    case httpVersionNotSupported = "http-version-not-supported"
    case serverBusy = "server-busy"

    public static let base = "https://ura.example/problems/"

    public var uri: String { ProblemType.base + rawValue }

    public var status: Int {
        switch self {
        case .clientCertificateRequired: 401
        case .clientCertificateUntrusted, .clientCertificateUnknown, .agencySuspended, .forbidden, .senderMismatch, .relayNotAllowed: 403
        case .payloadTooLarge: 413
        case .unsupportedMediaType: 415
        case .malformedJSON, .malformedJWS, .unsupportedAlgorithm, .invalidRequest: 400
        case .unknownSigningKey, .invalidSignature, .invalidEnvelope, .unknownRecipient, .recipientInactive,
             .unknownMessageType, .routeNotAllowed, .routingRuleViolated, .replyMismatch, .declarationsMissing,
             .bodyNotEncryptedToRecipient, .createdOutOfWindow, .messageExpired, .invalidReceipt, .crossBorderNotAllowed: 422
        case .idConflict, .invalidState: 409
        case .notFound: 404
        case .methodNotAllowed: 405
        case .unavailable: 503
        case .internalError: 500
        case .badRequest: 400
        case .lengthRequired: 411
        case .uriTooLong: 414
        case .requestHeaderFieldsTooLarge: 431
        case .requestTimeout: 408
        case .expectationFailed: 417
        case .httpVersionNotSupported: 505
        case .serverBusy: 503
        }
    }

    public var title: String {
        switch self {
        case .clientCertificateRequired: "A client certificate is required"
        case .clientCertificateUntrusted: "The client certificate is not trusted"
        case .clientCertificateUnknown: "The client certificate belongs to no agency"
        case .agencySuspended: "The agency is suspended"
        case .forbidden: "Not allowed for this agency"
        case .payloadTooLarge: "The message is too large"
        case .unsupportedMediaType: "The request body is not of the media type the route takes"
        case .malformedJSON: "The request body is not valid JSON"
        case .malformedJWS: "The message is not a flattened JWS"
        case .unsupportedAlgorithm: "The signature algorithm is not supported"
        case .unknownSigningKey: "The signing key is not registered for the sender"
        case .invalidSignature: "The signature does not verify"
        case .invalidEnvelope: "The envelope does not match its schema"
        case .senderMismatch: "The sender is not the authenticated agency"
        case .unknownRecipient: "A recipient is not in the directory"
        case .recipientInactive: "A recipient is suspended"
        case .unknownMessageType: "The message type is not in the catalogue"
        case .routeNotAllowed: "The catalogue does not allow this route"
        case .routingRuleViolated: "A routing rule of the SOP is not met"
        case .replyMismatch: "in_reply_to does not point to the expected request"
        case .declarationsMissing: "Confidentiality declarations are missing"
        case .bodyNotEncryptedToRecipient: "The body is not encrypted to a current key of every recipient"
        case .createdOutOfWindow: "The creation time is outside the allowed clock skew"
        case .messageExpired: "The message has expired"
        case .idConflict: "The message id is already used by another message"
        case .crossBorderNotAllowed: "The message may not cross the border this way"
        case .relayNotAllowed: "The peer gateway may not relay this message"
        case .invalidReceipt: "The receipt is not valid"
        case .notFound: "Not found"
        case .invalidState: "Not possible in the current state"
        case .invalidRequest: "The request is not valid"
        case .methodNotAllowed: "Method not allowed"
        case .unavailable: "The gateway cannot take this now"
        case .internalError: "Internal error"
        case .badRequest: "Bad Request"
        case .lengthRequired: "Length Required"
        case .uriTooLong: "URI Too Long"
        case .requestHeaderFieldsTooLarge: "Request Header Fields Too Large"
        case .requestTimeout: "Request Timeout"
        case .expectationFailed: "Expectation Failed"
        case .httpVersionNotSupported: "HTTP Version Not Supported"
        case .serverBusy: "Service Unavailable"
        }
    }
}
