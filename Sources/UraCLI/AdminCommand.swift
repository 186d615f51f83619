import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura admin enrol`: the operator signs an agency's certificate request with the CA and enrols the
/// agency in the directory file (`Enrolment.apply`: a new agency, or a re-enrolment that keeps its
/// status and kind, retires old keys and keeps old pins); this parses the arguments and reports.
/// `--reload` tells the running urad (SIGHUP).
package enum AdminCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        if raw.first == "init" {
            return try AdminInit.run(try CommandLineArguments(raw, options: ["data-dir", "gateway-id", "gateway-name", "host"], flags: ["json"]))
        }
        if raw.first == "peer" { return try PeerCommand.run(Array(raw.dropFirst())) }
        if let store = raw.first, ["backup", "restore", "migrate-store"].contains(store) {
            // The store's own work is ura-admin's, installed beside urad: ura links no store.
            throw UsageError("\(store) works on the gateway's store, which ura cannot open: run it on the gateway host as "
                             + "`ura-admin [--config FILE] [--data-dir DIR] \(store) \(store == "migrate-store" ? "postgres:URL" : "FILE")` (ura-admin --help)")
        }
        if raw.first == "renew-tls" {
            return try AdminInit.renewTLS(try CommandLineArguments(raw, options: ["data-dir", "host"], flags: ["reload", "json"]))
        }
        let args = try CommandLineArguments(raw, options: ["data-dir", "csr", "kind", "name", "keys", "county", "parent", "push-url", "receipts", "out"],
                                            flags: ["reload", "pull", "revoke-old-certificates", "json"])
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
        let kindText = try args.requiredOption("kind")
        guard let kind = AgencyKind(rawValue: kindText), kind != .gateway else { throw UsageError("--kind: '\(kindText)' is not an agency kind") }
        let keysFile = URL(fileURLWithPath: try args.requiredOption("keys"))
        let keys: KeysFile
        do { keys = try KeysFile.read(keysFile) } catch { throw error.inputError }
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
        let receipts = try args.option("receipts").map { text throws -> Agency.ReceiptSigning in
            guard let style = Agency.ReceiptSigning(rawValue: text) else {
                throw UsageError("--receipts: '\(text)' is neither per_message (a signature per message) nor per_batch (the batch's signed tree head and the message's audit path)")
            }
            return style
        }
        let enrolment = Enrolment(kind: kind, name: args.option("name"), county: county, parent: parent, delivery: delivery, receipts: receipts,
                                  revokeOldCertificates: args.flag("revoke-old-certificates"))
        let enrolled = try provisioning { () throws(ProvisioningError) in
            try enrolment.apply(request: request, keys: keys, in: data, certificateFile: args.option("out").map { URL(fileURLWithPath: $0) }, now: Date())
        }
        let id = enrolled.agency.id
        if args.flag("json") {
            let pid = args.flag("reload") ? try signalRunningURAD(on: data, unlessNone: "the directory will apply when it starts") : nil
            Terminal.out(JSONValue.object([
                "agency": .string(id.rawValue), "kind": .string(kind.rawValue), "re_enrolment": .bool(enrolled.isReEnrolment),
                "directory_version": .number(Double(enrolled.directoryVersion)), "certificate": enrolled.certificateFile.map { .string($0.path) } ?? .null,
                "certificate_sha256": .string(enrolled.certificate.sha256Fingerprint), "changes": .array(enrolled.changes.map { .string("\($0)") }),
                "gateway_key": .array(enrolled.gatewaySigningKeyIDs.map { .string($0) }), "reloaded_pid": pid.map { .number(Double($0)) } ?? .null,
            ]).serializedString())
            return
        }
        Terminal.out("\(enrolled.isReEnrolment ? "re-enrolled" : "enrolled") \(id) (\(kind.rawValue)) in directory version \(enrolled.directoryVersion); "
                     + "certificate \(enrolled.certificateFile?.path ?? "") (SHA-256 \(enrolled.certificate.sha256Fingerprint))")
        for change in enrolled.changes { Terminal.out("  \(change)") }
        let gatewayKeys = enrolled.gatewaySigningKeyIDs
        if gatewayKeys.isEmpty {
            Terminal.error("the directory lists no current signing key for the gateway \(enrolled.gatewayID); the agency cannot check what the gateway signs")
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
        if args.flag("json") {
            Terminal.out(JSONValue.object(["url": .string("http://\(host):\(port)/login?token=\(token)")]).serializedString())
            return
        }
        Terminal.out("http://\(host):\(port)/login?token=\(token)")
        Terminal.error("the link works once; from another machine, tunnel first: ssh -L \(port):\(host):\(port) GATEWAY-HOST")
    }
}
