import Foundation
import UraCrypto
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol

/// What `ura` needs to act as one agency: its id, the gateway's URL, the CA that signed the
/// gateway's certificate, its client certificate and keys, the gateway's signing key ids (pinned),
/// and a state folder (outbox, receipts cursor, cached directory). A JSON file; relative paths are
/// relative to the file. Demo mode writes one per demo agency.
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

    public static func load(_ url: URL) throws(ClientError) -> AgencyProfile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ClientError(FileManager.default.fileExists(atPath: url.path) ? "cannot read the profile \(url.path)" : "the profile \(url.path) does not exist",
                           .configuration)
        }
        let json: JSONValue
        do { json = try JSONValue(parsing: Array(data)) } catch {
            throw ClientError("the profile \(url.path) is not JSON: \(error)", .configuration)
        }
        let base = url.deletingLastPathComponent()
        func text(_ key: String) throws(ClientError) -> String {
            guard let value = json[key]?.stringValue, !value.isEmpty else {
                throw ClientError("the profile \(url.path) has no \(key)", .configuration)
            }
            return value
        }
        func file(_ key: String) throws(ClientError) -> URL {
            let value = try text(key)
            return value.hasPrefix("/") ? URL(fileURLWithPath: value) : base.appendingPathComponent(value).standardized
        }
        let id = try text("agency")
        guard let agency = try? AgencyID(id) else { throw ClientError("the profile's agency '\(id)' is not a valid agency id", .configuration) }
        var skew = SigningTime.skew
        if let value = json["clock_skew_seconds"] {
            guard let seconds = value.numberValue, seconds.rounded() == seconds, (1...86_400).contains(seconds) else {
                throw ClientError("the profile \(url.path) has an invalid clock_skew_seconds: give a whole number of seconds from 1 to 86400 "
                               + "(the gateway's intake.clock_skew_seconds; 300 by default)", .configuration)
            }
            skew = seconds
        }
        return AgencyProfile(agency: agency, gatewayURL: try text("gateway"), ca: try file("ca"), certificate: try file("certificate"),
                             privateKey: try file("private_key"), signingKey: try file("signing_key"),
                             encryptionKey: try file("encryption_key"), gatewayKeyIDs: try gatewayKeys(json["gateway_key"], in: url),
                             state: (try? file("state")) ?? base.appendingPathComponent("state"), clockSkew: skew)
    }

    /// `gateway_key`: a kid or a non-empty list of kids.
    private static func gatewayKeys(_ value: JSONValue?, in url: URL) throws(ClientError) -> [String] {
        let kids: [String]? = switch value {
        case .string(let kid): [kid]
        case .array(let items): items.allSatisfy { $0.stringValue != nil } ? items.compactMap(\.stringValue) : nil
        default: nil
        }
        guard let kids, !kids.isEmpty, kids.allSatisfy({ !$0.isEmpty }) else {
            throw ClientError("the profile \(url.path) \(value == nil ? "has no" : "has an invalid") gateway_key: it must name the gateway's signing key id "
                           + "(or a list of them), which the signed directory is checked against; `ura admin enrol` prints it "
                           + "on the gateway host — ask the gateway's operator", .configuration)
        }
        return kids
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

    /// A folder of the state directory, created 0700 if needed.
    package func stateFolder(_ name: String) throws(ClientError) -> URL {
        let url = state.appendingPathComponent(name)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw ClientError("cannot create \(url.path): \(error.localizedDescription)", .ioError)
        }
        return url
    }
}
