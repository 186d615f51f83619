import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura keys generate --out DIR`: an agency's three keys — Ed25519 to sign, X25519 to receive
/// encrypted forms, P-256 for its TLS client certificate — as 0600 files in a 0700 folder, and
/// `keys.json` with the public halves for enrolment.
enum KeysCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["out", "agency"], flags: [])
        guard args.positionals.first == "generate" else { throw UsageError("usage: ura keys generate --out DIR [--agency ID]") }
        let out = URL(fileURLWithPath: try args.requiredOption("out"))
        if let agency = args.option("agency"), let problem = AgencyID.problem(with: agency) { throw UsageError("--agency: \(problem)") }
        do {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let signing = try SigningKey.generate(.eddsa)
            let encryption = try AgreementPrivateKey.generate(.x25519)
            let tls = try SigningKey.generate(.es256)
            try signing.writePrivateKey(to: out.appendingPathComponent("signing.key").path)
            try encryption.writePrivateKey(to: out.appendingPathComponent("encryption.key").path)
            try tls.writePrivateKey(to: out.appendingPathComponent("tls.key").path)
            var summary: JSONObject = ["signing": signing.publicKey.jwk, "encryption": encryption.publicKey.jwk]
            if let agency = args.option("agency") { summary["agency"] = .string(agency) }
            try Data((JSONValue.object(summary).serializedString(options: .prettyPrinted) + "\n").utf8)
                .write(to: out.appendingPathComponent("keys.json"), options: .withoutOverwriting)
            Terminal.out("""
            wrote \(out.path)/signing.key (Ed25519, kid \(signing.keyID)), encryption.key (X25519, kid \(encryption.keyID)) \
            and tls.key (P-256), each readable by you only; public keys in \(out.path)/keys.json
            next: ura cert request --agency ID --key \(out.path)/tls.key --out \(out.path)/agency.csr
            """)
        } catch let error as CryptoError {
            throw ClientError("\(error) (the keys were not all written; use an empty folder)", .ioError)
        } catch {
            throw ClientError("cannot write the keys in \(out.path): \(error.localizedDescription)", .ioError)
        }
    }
}

/// `ura cert request`: a certificate signing request for the agency's TLS key, naming the agency.
enum CertCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["agency", "key", "out"], flags: [])
        guard args.positionals.first == "request" else { throw UsageError("usage: ura cert request --agency ID --key tls.key --out FILE.csr") }
        let agency = try args.requiredOption("agency")
        if let problem = AgencyID.problem(with: agency) { throw UsageError("--agency: \(problem)") }
        let keyPath = try args.requiredOption("key")
        let out = try args.requiredOption("out")
        do {
            let key = try SigningKey(contentsOfFile: keyPath)
            let request = try CertificateSigningRequest.create(commonName: agency, key: key)
            try Data(request.pem.utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
            Terminal.out("wrote \(out) for \(agency); give it and keys.json to the operator (ura admin enrol)")
        } catch let error as CryptoError {
            throw ClientError("cannot make the request with \(keyPath): \(error)", .dataError)
        } catch {
            throw ClientError("cannot write \(out): \(error.localizedDescription)", .ioError)
        }
    }
}
