import Foundation
import UraJSON
import UraModel

/// `profile.json`: what `ura` needs to act as one agency, as written (schema
/// `Schemas/files/profile.schema.json`; fields in docs/cli.md). Paths are kept as written:
/// relative ones are relative to the file. Demo mode writes one per demo agency.
public struct ProfileFile: Codable, Sendable, Equatable {
    public var agency: AgencyID
    /// The gateway's URL (`https://…`).
    public var gateway: String
    public var ca: String
    public var certificate: String
    public var privateKey: String
    public var signingKey: String
    public var encryptionKey: String
    /// `gateway_key`: the kids of the gateway's signing keys (written as one string when one).
    public var gatewayKeys: [String]
    /// The state folder; nil: `state` beside the profile.
    public var state: String?
    /// How far ahead of this computer's clock a signed time may be, 1–86400; nil: 300.
    public var clockSkewSeconds: Int?

    public init(agency: AgencyID, gateway: String, ca: String, certificate: String, privateKey: String, signingKey: String,
                encryptionKey: String, gatewayKeys: [String], state: String? = nil, clockSkewSeconds: Int? = nil) {
        self.agency = agency
        self.gateway = gateway
        self.ca = ca
        self.certificate = certificate
        self.privateKey = privateKey
        self.signingKey = signingKey
        self.encryptionKey = encryptionKey
        self.gatewayKeys = gatewayKeys
        self.state = state
        self.clockSkewSeconds = clockSkewSeconds
    }

    enum CodingKeys: String, CodingKey {
        case agency, gateway, ca, certificate, privateKey = "private_key", signingKey = "signing_key", encryptionKey = "encryption_key"
        case gatewayKey = "gateway_key", state, clockSkewSeconds = "clock_skew_seconds"
    }

    /// What is wrong with a field, said with the profile's path once it is known.
    enum Problem: Error {
        case missing(CodingKeys)
        case invalidAgency(String)
        case invalidClockSkew
        case invalidGatewayKey(missing: Bool)

        func sentence(_ path: String) -> String {
            switch self {
            case .missing(let key): "the profile \(path) has no \(key.stringValue)"
            case .invalidAgency(let id): "the profile's agency '\(id)' is not a valid agency id"
            case .invalidClockSkew:
                "the profile \(path) has an invalid clock_skew_seconds: give a whole number of seconds from 1 to 86400 "
                    + "(the gateway's intake.clock_skew_seconds; 300 by default)"
            case .invalidGatewayKey(let missing):
                "the profile \(path) \(missing ? "has no" : "has an invalid") gateway_key: it must name the gateway's signing key id "
                    + "(or a list of them), which the signed directory is checked against; `ura admin enrol` prints it "
                    + "on the gateway host — ask the gateway's operator"
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func text(_ key: CodingKeys) throws -> String {
            guard let value = try c.decodeIfPresent(JSONValue.self, forKey: key)?.stringValue, !value.isEmpty else { throw Problem.missing(key) }
            return value
        }
        let id = try text(.agency)
        guard let agency = try? AgencyID(id) else { throw Problem.invalidAgency(id) }
        self.agency = agency
        if let value = try c.decodeIfPresent(JSONValue.self, forKey: .clockSkewSeconds) {
            guard let seconds = value.numberValue, seconds.rounded() == seconds, (1...86_400).contains(seconds) else { throw Problem.invalidClockSkew }
            clockSkewSeconds = Int(seconds)
        }
        gateway = try text(.gateway)
        ca = try text(.ca)
        certificate = try text(.certificate)
        privateKey = try text(.privateKey)
        signingKey = try text(.signingKey)
        encryptionKey = try text(.encryptionKey)
        let pin = try c.decodeIfPresent(JSONValue.self, forKey: .gatewayKey)
        let kids: [String]? = switch pin {
        case .string(let kid): [kid]
        case .array(let items): items.allSatisfy { $0.stringValue != nil } ? items.compactMap(\.stringValue) : nil
        default: nil
        }
        guard let kids, !kids.isEmpty, kids.allSatisfy({ !$0.isEmpty }) else { throw Problem.invalidGatewayKey(missing: pin == nil) }
        gatewayKeys = kids
        // An unusable state folder means the default one, as it always has.
        state = (try? text(.state))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agency, forKey: .agency)
        try c.encode(gateway, forKey: .gateway)
        try c.encode(ca, forKey: .ca)
        try c.encode(certificate, forKey: .certificate)
        try c.encode(privateKey, forKey: .privateKey)
        try c.encode(signingKey, forKey: .signingKey)
        try c.encode(encryptionKey, forKey: .encryptionKey)
        if gatewayKeys.count == 1 { try c.encode(gatewayKeys[0], forKey: .gatewayKey) } else { try c.encode(gatewayKeys, forKey: .gatewayKey) }
        try c.encodeIfPresent(state, forKey: .state)
        try c.encodeIfPresent(clockSkewSeconds, forKey: .clockSkewSeconds)
    }

    public static func read(_ url: URL) throws(FileError) -> ProfileFile {
        let json = try JSONFile.parse(url, noun: "the profile")
        do { return try JSONValueDecoder().decode(ProfileFile.self, from: json) } catch let problem as Problem {
            throw FileError(.invalid, problem.sentence(url.path))
        } catch {
            throw FileError(.invalid, "the profile \(url.path) is not valid: \(ModelError.describe(error))")
        }
    }

    /// Writes the profile to `url` whole and synced (readable by all: paths and key ids, no secret).
    public func write(to url: URL) throws(FileError) {
        try JSONFile.write(self, to: url, mode: 0o644, replacing: true, noun: "the profile")
    }
}
