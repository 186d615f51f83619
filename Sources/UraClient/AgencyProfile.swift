import Foundation
import UraBasics
import UraCrypto
import UraHTTPClient
import UraHTTPCore
import UraModel
import UraProtocol

/// What `ura` needs to act as one agency: its id, the gateway's URL, the CA that signed the
/// gateway's certificate, its client certificate and keys, the gateway's signing key ids (pinned),
/// and a state folder (outbox, receipts cursor, cached directory). Read from `profile.json`
/// (`ProfileFile`, the one definition of the format); relative paths are relative to the file.
public struct AgencyProfile: Sendable {
    public var agency: AgencyID
    public var gatewayURL: String
    public var ca: URL
    public var certificate: URL
    public var privateKey: URL
    public var signingKey: URL
    public var encryptionKey: URL
    /// The kids of the gateway's signing keys (`gateway_key`: one kid, or a list so that the next
    /// key can be pinned before the gateway rotates to it). The signed directory must be signed by
    /// one of them: without a pin, a directory would vouch for itself. The gateway's receipts and
    /// tree heads are then checked against the gateway keys that directory lists.
    public var gatewayKeyIDs: [String]
    public var state: URL
    /// How far ahead of this computer's clock a message or receipt may say it was made
    /// (`clock_skew_seconds`, 300 unless given): at least the gateway's `intake.clock_skew_seconds`,
    /// or a message the gateway accepted is not acknowledged here until this clock catches up.
    public var clockSkew: TimeInterval = SigningTime.skew

    /// The profile at `url` (`ProfileFile`), its paths made absolute; any problem is a
    /// configuration error whose sentence names the file and the field.
    public static func load(_ url: URL) throws(ClientError) -> AgencyProfile {
        let file: ProfileFile
        do { file = try ProfileFile.read(url) } catch { throw ClientError(error.description, .configuration) }
        return AgencyProfile(file, at: url)
    }

    /// `file` as read from `url`: relative paths are relative to the file's folder.
    public init(_ file: ProfileFile, at url: URL) {
        let base = url.deletingLastPathComponent()
        func path(_ value: String) -> URL { value.hasPrefix("/") ? URL(fileURLWithPath: value) : base.appendingPathComponent(value).standardized }
        agency = file.agency
        gatewayURL = file.gateway
        ca = path(file.ca)
        certificate = path(file.certificate)
        privateKey = path(file.privateKey)
        signingKey = path(file.signingKey)
        encryptionKey = path(file.encryptionKey)
        gatewayKeyIDs = file.gatewayKeys
        state = file.state.map(path) ?? base.appendingPathComponent("state")
        clockSkew = file.clockSkewSeconds.map(TimeInterval.init) ?? SigningTime.skew
    }

    public func loadSigningKey() throws(ClientError) -> SigningKey {
        do { return try SigningKey(contentsOfFile: signingKey.path) } catch {
            throw ClientError("cannot use the signing key \(signingKey.path): \(error)", .configuration)
        }
    }

    public func loadEncryptionKey() throws(ClientError) -> AgreementPrivateKey {
        do { return try AgreementPrivateKey(contentsOfFile: encryptionKey.path) } catch {
            throw ClientError("cannot use the encryption key \(encryptionKey.path): \(error)", .configuration)
        }
    }

    /// Checks that the CA, the client certificate and its key can be used for TLS — each read and
    /// parsed, the key matching the certificate — so that a file that cannot be used is a
    /// configuration error naming it (exit 78), not an unreachable gateway: a retry cannot fix it.
    public func checkTLSFiles() throws(ClientError) {
        func text(_ url: URL, _ what: String) throws(ClientError) -> String {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ClientError("cannot read the \(what) \(url.path) (the profile's TLS files); fix the file or the profile", .configuration)
            }
            return String(decoding: data, as: UTF8.self)
        }
        do { _ = try Certificate(pem: try text(ca, "CA certificate")) } catch let error as ClientError { throw error } catch {
            throw ClientError("the CA certificate \(ca.path) cannot be used: \(error)", .configuration)
        }
        let certificate: Certificate
        do { certificate = try Certificate(pem: try text(self.certificate, "client certificate")) } catch let error as ClientError { throw error } catch {
            throw ClientError("the client certificate \(self.certificate.path) cannot be used: \(error)", .configuration)
        }
        let matches: Bool
        do { matches = try certificate.isCertified(privateKeyPEM: try text(privateKey, "TLS key")) } catch let error as ClientError { throw error } catch {
            throw ClientError("the TLS key \(privateKey.path) cannot be used: \(error)", .configuration)
        }
        guard matches else {
            throw ClientError("the TLS key \(privateKey.path) does not belong to the client certificate \(self.certificate.path)", .configuration)
        }
    }

    /// A folder of the state directory, created 0700 if needed.
    package func stateFolder(_ name: String) throws(ClientError) -> URL {
        let url = state.appendingPathComponent(name)
        // Created durably: the outbox and the inbox keep messages a power loss must not take.
        do { try DurableFile.createFolder(url) } catch {
            throw ClientError("cannot create \(url.path): \(error.message)", .ioError)
        }
        return url
    }
}
