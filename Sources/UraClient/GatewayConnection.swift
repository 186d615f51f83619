import Foundation
import UraBasics
import UraCrypto
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol

/// `ura`'s HTTPS connection to the gateway, as one agency: its client certificate, the gateway's
/// certificate checked against the profile's CA. Problems the gateway answers become `ClientError`s
/// with the gateway's sentence; an unreachable gateway is `.unavailable`.
public struct GatewayConnection: Sendable {
    public let profile: AgencyProfile
    let client: HTTPClient
    let base: String

    public init(profile: AgencyProfile, gatewayURL: String? = nil, timeout: Duration = .seconds(120)) {
        self.profile = profile
        base = (gatewayURL ?? profile.gatewayURL).hasSuffix("/") ? String((gatewayURL ?? profile.gatewayURL).dropLast()) : (gatewayURL ?? profile.gatewayURL)
        client = HTTPClient(configuration: HTTPClientConfiguration(
            clientCertificate: .file(profile.certificate.path), clientKey: .file(profile.privateKey.path),
            trustedAuthorities: .file(profile.ca.path), connectTimeout: .seconds(15), timeout: timeout, userAgent: "ura/\(Ura.version)"))
    }

    public func close() { client.shutdown() }

    public struct Reply: Sendable {
        public let status: Int
        public let body: [UInt8]
        public var json: JSONValue? { try? JSONValue(parsing: body) }

        /// The gateway's problem type, when it answered a problem document of a type it defines.
        package var problem: ProblemType? {
            guard let uri = json?["type"]?.stringValue, uri.hasPrefix(ProblemType.base) else { return nil }
            return ProblemType(rawValue: String(uri.dropFirst(ProblemType.base.count)))
        }

        /// A refusal (status 400 and up) as an error: the gateway's title and detail, and the exit
        /// code for its status.
        package var refusal: ClientError {
            let document = json
            let title = document?["title"]?.stringValue ?? "HTTP \(status)"
            let detail = document?["detail"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
            let kind: ClientError.Kind = switch status {
            case 401, 403: .permission
            case 500...: .unavailable
            default: .rejected
            }
            return ClientError("\(title): \(detail)", kind)
        }
    }

    /// Sends a request; a problem document from the gateway throws with its detail.
    public func request(_ method: String, _ path: String, body: [UInt8] = [], contentType: String = "application/jose+json",
                        timeout: Duration? = nil) async throws(ClientError) -> Reply {
        let reply = try await exchange(method, path, body: body, contentType: contentType, timeout: timeout)
        if reply.status >= 400 { throw reply.refusal }
        return reply
    }

    /// Sends a request and returns what the gateway answered, refusals included; throws only when
    /// the gateway cannot be reached.
    package func exchange(_ method: String, _ path: String, body: [UInt8] = [], contentType: String = "application/jose+json",
                  timeout: Duration? = nil) async throws(ClientError) -> Reply {
        try profile.checkTLSFiles()
        let response: HTTPClientResponse
        do {
            response = try await client.send(HTTPClientRequest(method: method, url: base + path, headers: ["Content-Type": contentType],
                                                               body: body, timeout: timeout))
        } catch {
            switch error {
            case .clientCertificateUnusable(let reason):
                throw ClientError("the client certificate \(profile.certificate.path) or its key \(profile.privateKey.path) cannot be used: \(reason)", .configuration)
            case .serverCertificateNotTrusted(_, let reason) where reason.localizedCaseInsensitiveContains("CA") && reason.localizedCaseInsensitiveContains("file"):
                throw ClientError("the CA certificate \(profile.ca.path) cannot be used: \(reason)", .configuration)
            default:
                throw ClientError("the gateway at \(base) cannot be reached: \(error)", .unavailable)
            }
        }
        return Reply(status: response.status, body: response.body)
    }

    /// The directory, fetched signed, checked against the gateway key pinned in the profile, and
    /// cached in the state folder for offline use. One older than the cached copy is refused: an
    /// old signed directory replayed would bring back keys since retired or agencies suspended.
    public func directory() async throws(ClientError) -> Directory {
        let reply = try await request("GET", "/v1/directory")
        let directory = try Self.verifySignedDirectory(reply.body, pinned: profile.gatewayKeyIDs)
        let cache = profile.state.appendingPathComponent("cache/directory.jws")
        if let bytes = FileManager.default.contents(atPath: cache.path),
           let cached = try? Self.verifySignedDirectory(Array(bytes), pinned: profile.gatewayKeyIDs), cached.version > directory.version {
            throw ClientError("the gateway sent directory version \(directory.version), older than version \(cached.version) this computer had "
                           + "already seen (\(cache.path)); an old directory may list keys since retired, so it is not used. "
                           + "Tell the gateway's operator", .protocolError)
        }
        if let folder = try? profile.stateFolder("cache") {
            try? DurableFile.write(reply.body, to: folder.appendingPathComponent("directory.jws"))
        }
        return directory
    }

    /// The directory from the gateway, or — when the gateway cannot be reached — the copy cached
    /// at the last successful fetch (still checked against the pinned key). Missions abroad seal
    /// messages offline this way and keep them in the outbox.
    public func directoryOrCached() async throws(ClientError) -> (directory: Directory, cached: Bool) {
        do {
            return (try await directory(), false)
        } catch let error where error.kind == .unavailable {
            let file = profile.state.appendingPathComponent("cache/directory.jws")
            guard let bytes = FileManager.default.contents(atPath: file.path) else {
                throw ClientError("\(error.message); and there is no cached directory to seal the message with yet, so nothing was kept", .temporaryFailure)
            }
            return (try Self.verifySignedDirectory(Array(bytes), pinned: profile.gatewayKeyIDs), true)
        }
    }

    /// Checks a signed directory: signed by one of the `pinned` gateway keys.
    public static func verifySignedDirectory(_ bytes: [UInt8], pinned: [String]) throws(ClientError) -> Directory {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch {
            throw ClientError("the directory from the gateway does not check out: \(error)", .protocolError)
        }
        do {
            return try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Directory.self)) { kid, directory throws(SignedObjectCheck.Failure) in
                try directory.pinnedGatewayKey(kid, pinned: pinned)
            }.payload
        } catch {
            throw ClientError(signed: "the directory", error, .protocolError)
        }
    }
}
