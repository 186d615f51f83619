import UraBasics
import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura admin enrol`: the operator signs an agency's certificate request with the CA and enrols the
/// agency in the directory file — a new one with its kind, name, keys from keys.json, the new
/// certificate's pin and delivery mode; one already there is re-enrolled (`Enrolment`: its status
/// and kind stay, old keys are retired, old pins kept). `--reload` tells the running urad (SIGHUP).
package enum AdminCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        if raw.first == "init" {
            return try AdminInit.run(try CommandLineArguments(raw, options: ["data-dir", "gateway-id", "gateway-name", "host"], flags: []))
        }
        if raw.first == "renew-tls" {
            return try AdminInit.renewTLS(try CommandLineArguments(raw, options: ["data-dir", "host"], flags: ["reload"]))
        }
        let args = try CommandLineArguments(raw, options: ["data-dir", "csr", "kind", "name", "keys", "county", "parent", "push-url", "out"],
                                            flags: ["reload", "pull", "revoke-old-certificates"])
        if args.positionals.first == "login-link" { return try loginLink(args) }
        guard args.positionals.first == "enrol" else {
            throw UsageError("usage: ura admin enrol --data-dir DIR --csr FILE --kind KIND [--name NAME] --keys keys.json; ura admin init …; "
                             + "ura admin renew-tls --data-dir DIR --host NAME[,NAME] [--reload]; or ura admin login-link --data-dir DIR")
        }
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let request: CertificateSigningRequest
        do { request = try CertificateSigningRequest(pem: String(decoding: try readFile(try args.requiredOption("csr")), as: UTF8.self)) } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError("the certificate request does not check out: \(error)", .dataError)
        }
        guard let name = request.commonName, let id = try? AgencyID(name) else {
            throw ClientError("the request's common name '\(request.commonName ?? "")' is not an agency id", .dataError)
        }
        let kindText = try args.requiredOption("kind")
        guard let kind = AgencyKind(rawValue: kindText), kind != .gateway else { throw UsageError("--kind: '\(kindText)' is not an agency kind") }
        let keysPath = try args.requiredOption("keys")
        let keys: JSONValue
        do { keys = try JSONValue(parsing: try readFile(keysPath)) } catch let error as ClientError { throw error } catch {
            throw ClientError("\(keysPath) is not JSON (\(error)); give the keys.json that ura keys generate wrote", .dataError)
        }
        guard let signingJWK = keys["signing"], let encryptionJWK = keys["encryption"] else {
            throw ClientError("keys.json needs the signing and encryption public keys (ura keys generate writes it)", .dataError)
        }
        if let claimed = keys["agency"]?.stringValue, claimed != id.rawValue {
            throw ClientError("keys.json is for \(claimed) but the request is for \(id)", .dataError)
        }
        let signing: VerificationKey, encryption: AgreementPublicKey
        do {
            signing = try VerificationKey(jwk: signingJWK)
            encryption = try AgreementPublicKey(jwk: encryptionJWK)
        } catch { throw ClientError("keys.json: \(error)", .dataError) }
        var delivery: DeliveryMode?
        if let url = args.option("push-url") {
            guard url.hasPrefix("https://") else { throw UsageError("--push-url must be an https:// URL") }
            guard !args.flag("pull") else { throw UsageError("give --push-url URL or --pull, not both") }
            delivery = .push(url: url)
        } else if args.flag("pull") {
            delivery = .pull
        }
        let county = try args.option("county").map { text throws -> County in
            guard let c = County(rawValue: text) else { throw UsageError("--county: '\(text)' is not a county of Albania") }
            return c
        }
        let parent = try args.option("parent").map { text throws -> AgencyID in
            do { return try AgencyID(text) } catch { throw UsageError("--parent: \(error)") }
        }

        let ca = try certificateAuthority(in: data)
        let certificate: Certificate
        do { certificate = try ca.issue(request, usage: .client) } catch { throw ClientError("cannot issue the certificate: \(error)", .software) }
        let file = data.appendingPathComponent("directory.json")
        var directory: Directory
        do { directory = try DirectoryFile.read(file) } catch { throw ClientError("\(error)", .configuration) }
        let now = Date()
        let enrolment = Enrolment(kind: kind, name: args.option("name"), county: county, parent: parent, delivery: delivery,
                                  keys: [DirectoryKey(kid: signing.thumbprint, use: .sig, jwk: signing.jwk),
                                         DirectoryKey(kid: encryption.thumbprint, use: .enc, jwk: encryption.jwk)],
                                  pin: CertificatePin(sha256: certificate.sha256Fingerprint),
                                  revokeOldCertificates: args.flag("revoke-old-certificates"))
        let existing = directory[id]
        let (agency, changes) = try enrolment.apply(to: existing, id: id, at: now)
        directory.upsert(agency)
        directory.version += 1
        directory.issued = now
        do { _ = try DirectorySnapshot(directory) } catch { throw ClientError("the directory would not be valid: \(error)", .dataError) }
        // The certificate first, under a temporary name beside its place: a path that cannot be
        // written stops the enrolment before the directory changes, and an earlier certificate
        // at that path is replaced only once the directory pins the new one.
        let out = URL(fileURLWithPath: args.option("out") ?? data.appendingPathComponent("agencies/\(id).crt").path)
        let staged = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).\(UUID().uuidString)")
        do { try Data(certificate.pem.utf8).write(to: staged, options: .withoutOverwriting) } catch {
            throw ClientError("cannot write the certificate to \(out.deletingLastPathComponent().path) (\(error.localizedDescription)); nothing was enrolled", .ioError)
        }
        do { try DirectoryFile.write(directory, to: file) } catch {
            try? FileManager.default.removeItem(at: staged)
            throw ClientError("\(error); nothing was enrolled", .ioError)
        }
        guard rename(staged.path, out.path) == 0 else {
            throw ClientError("the directory now lists \(id), but the certificate could not be moved to \(out.path) (\(String(cString: strerror(errno)))); "
                           + "it is in \(staged.path)", .ioError)
        }
        Terminal.out("\(existing == nil ? "enrolled" : "re-enrolled") \(id) (\(kind.rawValue)) in directory version \(directory.version); certificate \(out.path) (SHA-256 \(certificate.sha256Fingerprint))")
        for change in changes { Terminal.out("  \(change)") }
        let gatewayKeys = directory.gateway.keys.filter { $0.use == .sig && $0.isValid(at: now) }.map(\.kid)
        if gatewayKeys.isEmpty {
            Terminal.error("the directory lists no current signing key for the gateway \(directory.gateway.id); the agency cannot check what the gateway signs")
        } else {
            let pin: JSONValue = gatewayKeys.count == 1 ? .string(gatewayKeys[0]) : .array(gatewayKeys.map { .string($0) })
            Terminal.out("the gateway signs with \(gatewayKeys.joined(separator: ", ")); in the agency's profile: \"gateway_key\": \(pin.serializedString())")
        }
        if args.flag("reload") {
            let pid = try signalRunningURAD(on: data, unlessNone: "the directory will apply when it starts")
            Terminal.out("urad (pid \(pid)) reloads the directory")
        }
    }

    /// Sends SIGHUP to the urad running on `data` (it reloads the directory and its TLS files) and
    /// returns its pid; when none runs, fails with "urad does not run …; `unlessNone`" (exit 69).
    static func signalRunningURAD(on data: URL, unlessNone: String) throws -> pid_t {
        // The pid in run/urad.json outlives a urad that was killed, and may by now be another
        // process's; the lock is held only while urad runs, and names its pid.
        let holder: pid_t?
        do { holder = try DataDirectoryLock.holder(of: data) } catch { throw ClientError("\(error)", .unavailable) }
        guard let pid = holder else {
            throw ClientError("urad does not run on \(data.path) (nobody holds run/urad.lock); \(unlessNone)", .unavailable)
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw ClientError("cannot signal urad (pid \(pid)): \(String(cString: strerror(errno))); send it SIGHUP as its user (systemctl reload ura)", .unavailable)
        }
        return pid
    }
}

extension AdminCommand {
    /// The gateway's certificate authority, `ca/ca.crt` and `ca/ca.key` in the data directory.
    static func certificateAuthority(in data: URL) throws -> CertificateAuthority {
        do {
            let certificate = try Certificate(pem: String(decoding: try readFile(data.appendingPathComponent("ca/ca.crt").path), as: UTF8.self))
            return CertificateAuthority(certificate: certificate, key: try SigningKey(contentsOfFile: data.appendingPathComponent("ca/ca.key").path))
        } catch let error as ClientError { throw error } catch {
            throw ClientError("cannot use the CA in \(data.path)/ca: \(error)", .configuration)
        }
    }

    /// `ura admin login-link --data-dir DIR`: the dashboard's one-time login link, read from the
    /// running urad's token file (readable by the ura user only) and its admin port.
    static func loginLink(_ args: CommandLineArguments) throws {
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let run = data.appendingPathComponent("run")
        // run/urad.json outlives a urad that was killed: only a running urad's link works.
        guard (try? DataDirectoryLock.holder(of: data)) != nil else {
            throw ClientError("urad does not run on \(data.path) (nobody holds run/urad.lock); start it, then ask for a link", .unavailable)
        }
        let token = String(decoding: try readFile(run.appendingPathComponent("admin-token").path), as: UTF8.self)
        guard let state = try? JSONValue(parsing: try readFile(run.appendingPathComponent("urad.json").path)),
              let port = state["admin_port"]?.intValue else {
            throw ClientError("urad's admin listener is not running (no admin_port in \(run.path)/urad.json); enable admin in the configuration", .unavailable)
        }
        let host = state["admin_host"]?.stringValue ?? "127.0.0.1"
        Terminal.out("http://\(host):\(port)/login?token=\(token)")
        Terminal.error("the link works once; from another machine, tunnel first: ssh -L \(port):\(host):\(port) GATEWAY-HOST")
    }
}
