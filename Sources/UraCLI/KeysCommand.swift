import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProvisioning

/// `ura keys generate --out DIR`: an agency's keys and `keys.json` (`AgencyKeys.generate`).
enum KeysCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["out", "agency", "signing"], flags: ["json"])
        guard args.positionals.first == "generate" else { throw UsageError("usage: ura keys generate --out DIR [--agency ID] [--signing EdDSA|ES256]") }
        let out = URL(fileURLWithPath: try args.requiredOption("out"))
        let agency = try args.option("agency").map(agencyID)
        let signing = try args.option("signing").map { text throws -> SignatureAlgorithm in
            guard let algorithm = SignatureAlgorithm(rawValue: text) else {
                throw UsageError("--signing: '\(text)' is not a signature algorithm Ura accepts; give EdDSA (Ed25519, the default) or ES256 (P-256)")
            }
            return algorithm
        } ?? .eddsa
        let keys = try provisioning { () throws(ProvisioningError) in try AgencyKeys.generate(in: out, agency: agency, signing: signing) }
        if args.flag("json") {
            Terminal.out(JSONValue.object(["folder": .string(out.path), "signing_kid": .string(keys.signing.keyID), "encryption_kid": .string(keys.encryption.keyID),
                                           "keys_json": .string(out.appendingPathComponent("keys.json").path)]).serializedString())
            return
        }
        Terminal.out("""
        wrote \(out.path)/signing.key (\(signing == .es256 ? "P-256, ES256" : "Ed25519"), kid \(keys.signing.keyID)), encryption.key (X25519, kid \(keys.encryption.keyID)) \
        and tls.key (P-256), each readable by you only; public keys in \(out.path)/keys.json
        next: ura cert request --agency ID --key \(out.path)/tls.key --out \(out.path)/agency.csr
        """)
    }
}

/// `ura cert request`: a certificate signing request for the agency's TLS key, naming the agency
/// (`AgencyKeys.requestCertificate`).
enum CertCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["agency", "key", "out"], flags: ["json"])
        guard args.positionals.first == "request" else { throw UsageError("usage: ura cert request --agency ID --key tls.key --out FILE.csr") }
        let agency = try agencyID(try args.requiredOption("agency"))
        let keyPath = try args.requiredOption("key")
        let out = try args.requiredOption("out")
        _ = try provisioning { () throws(ProvisioningError) in
            try AgencyKeys.requestCertificate(for: agency, keyFile: URL(fileURLWithPath: keyPath), writingTo: URL(fileURLWithPath: out))
        }
        if args.flag("json") { Terminal.out(JSONValue.object(["csr": .string(out), "agency": .string(agency.rawValue)]).serializedString()); return }
        Terminal.out("wrote \(out) for \(agency); give it and keys.json to the operator (ura admin enrol)")
    }
}

/// `--agency ID`, checked.
private func agencyID(_ text: String) throws(UsageError) -> AgencyID {
    if let problem = AgencyID.problem(with: text) { throw UsageError("--agency: \(problem)") }
    return AgencyID(unchecked: text)
}
