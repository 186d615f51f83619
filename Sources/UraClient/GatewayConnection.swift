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
        let response: HTTPClientResponse
        do {
            response = try await client.send(HTTPClientRequest(method: method, url: base + path, headers: ["Content-Type": contentType],
                                                               body: body, timeout: timeout))
        } catch {
            throw ClientError("the gateway at \(base) cannot be reached: \(error)", .unavailable)
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
        do {
            let jws = try JWS.parse(bytes)
            let directory = try JSONValueDecoder().decode(Directory.self, from: try JSONValue(parsing: jws.payload))
            let (key, _) = try pinnedGatewayKey(jws.signature.keyID, of: directory, pinned: pinned, signing: "the directory")
            try jws.verify(using: key)
            return directory
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError("the directory from the gateway does not check out: \(ModelError.describe(error))", .protocolError)
        }
    }

    /// The gateway's signing key `kid`, as `directory` lists it, when the profile pins it: what a
    /// signed directory is checked against. The key listed must be the one the kid names (its
    /// RFC 7638 thumbprint): a directory signed by someone else could otherwise list their key
    /// under a pinned kid.
    static func pinnedGatewayKey(_ kid: String?, of directory: Directory, pinned: [String],
                                 signing what: String) throws(ClientError) -> (VerificationKey, DirectoryKey) {
        guard let kid else { throw ClientError("\(what) names no signing key; only the gateway's pinned key may sign it", .protocolError) }
        guard pinned.contains(kid) else {
            throw ClientError("\(what) is signed with gateway key \(kid), which the profile does not pin (gateway_key: \(pinned.joined(separator: ", "))); "
                           + "do not trust it — if the gateway's operator has announced a new key, add its id to gateway_key", .protocolError)
        }
        return try listedGatewayKey(kid, of: directory, signing: what)
    }

    /// A gateway signing key `kid` as the checked `directory` lists it (its RFC 7638 thumbprint).
    /// What the gateway signs besides the directory — receipts, tree heads, notices — is checked
    /// against these: the pins decide which directory to trust, the directory which gateway keys
    /// and until when (`not_after`, checked against the time the signed thing says it was made).
    /// So a retired key need not stay pinned, where it could still sign a directory, for its old
    /// receipts to check.
    package static func listedGatewayKey(_ kid: String?, of directory: Directory, signing what: String) throws(ClientError) -> (VerificationKey, DirectoryKey) {
        guard let kid else { throw ClientError("\(what) names no signing key; only the gateway's keys may sign it", .protocolError) }
        guard let entry = directory.gateway.keys.first(where: { $0.kid == kid && $0.use == .sig }),
              let key = try? VerificationKey(jwk: entry.jwk), key.thumbprint == kid else {
            throw ClientError("\(what) is signed with gateway key \(kid), but the directory does not list that key for \(directory.gateway.id)", .protocolError)
        }
        return (key, entry)
    }

    /// The signing key `kid` the checked `directory` lists for `signer`: one of the gateway's
    /// (`listedGatewayKey`) or one of an agency's. What does not check out is a failed verification.
    package static func listedSigningKey(_ kid: String?, of signer: AgencyID, in directory: Directory,
                                 signing what: String) throws(ClientError) -> (VerificationKey, DirectoryKey) {
        if signer == directory.gateway.id {
            do { return try listedGatewayKey(kid, of: directory, signing: what) } catch { throw ClientError(error.message, .verificationFailed) }
        }
        guard let kid, let entry = directory[signer]?.keys.first(where: { $0.kid == kid && $0.use == .sig }) else {
            throw ClientError("\(what) is signed with key \(kid ?? "(none)"), which the directory does not list for \(signer)", .verificationFailed)
        }
        do { return (try VerificationKey(jwk: entry.jwk), entry) } catch {
            throw ClientError("the key \(kid) the directory lists for \(signer) is not usable: \(error)", .verificationFailed)
        }
    }
}
