import Foundation
import UraBasics
import UraClient
import UraJSON
import UraModel
import UraProvisioning

/// `ura admin init` and `ura admin renew-tls`: the arguments and the report of
/// `GatewayProvisioning.initialise` and `.renewTLS`, which make a production gateway's first files
/// and renew its TLS certificate (see there for what is written, and how nothing is replaced).
enum AdminInit {
    static func run(_ args: CommandLineArguments) throws {
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let idText = try args.requiredOption("gateway-id")
        let gatewayID: AgencyID
        do { gatewayID = try AgencyID(idText) } catch { throw UsageError("--gateway-id: \(error)") }
        let name = try args.requiredOption("gateway-name")
        let hosts = try hostNames(try args.requiredOption("host"))
        let made = try provisioning { () throws(ProvisioningError) in
            try GatewayProvisioning.initialise(in: data, gatewayID: gatewayID, name: name, hosts: hosts, now: Date())
        }
        if args.flag("json") {
            Terminal.out(JSONValue.object(["gateway": .string(gatewayID.rawValue), "data_dir": .string(data.path), "gateway_key": .string(made.signingKeyID),
                                           "ca_sha256": .string(made.authority.sha256Fingerprint),
                                           "tls_not_after": .string(RFC3339.string(from: made.tlsCertificate.notAfter))]).serializedString())
            return
        }
        Terminal.out("""
            gateway \(gatewayID) set up in \(data.path):
              ca/ca.crt, ca/ca.key      the certificate authority for agencies' client certificates (SHA-256 \(made.authority.sha256Fingerprint))
              gateway/tls.crt, tls.key  the gateway's TLS certificate for \(hosts.map(\.description).joined(separator: ", ")), valid until \(RFC3339.string(from: made.tlsCertificate.notAfter))
              gateway/signing.key       the gateway's signing key; agencies pin its id in their profiles: gateway_key \(made.signingKeyID)
              directory.json            version 1, the gateway alone
            Keep a copy of ca/ca.key and gateway/signing.key offline: whoever reads ca.key can enrol an agency.
            Next: set gateway.id to \(gatewayID) in the configuration, enrol the secretariat with
              ura admin enrol --data-dir \(data.path) --kind secretariat --name NAME --csr FILE.csr --keys keys.json
            and start urad. Each agency receives ca/ca.crt, its certificate and the gateway_key above.
            """)
    }

    /// `--host`: the names agencies connect to, separated by commas.
    private static func hostNames(_ option: String) throws -> [HostName] {
        let hosts = option.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !hosts.isEmpty, !hosts.contains(where: \.isEmpty) else { throw UsageError("--host: give the names agencies connect to, separated by commas") }
        return try provisioning { () throws(ProvisioningError) in try hosts.map { text throws(ProvisioningError) in try HostName(text) } }
    }

    /// `ura admin renew-tls`: a new TLS key and certificate for the gateway from its CA
    /// (`GatewayProvisioning.renewTLS`); urad serves it to new connections once reloaded (SIGHUP;
    /// `--reload` sends it).
    static func renewTLS(_ args: CommandLineArguments) throws {
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let hosts = try hostNames(try args.requiredOption("host"))
        let certificate = try provisioning { () throws(ProvisioningError) in try GatewayProvisioning.renewTLS(in: data, hosts: hosts, now: Date()) }
        if args.flag("json") {
            let pid = args.flag("reload") ? try AdminCommand.signalRunningURAD(on: data, unlessNone: "it will serve the new certificate when it starts") : nil
            Terminal.out(JSONValue.object(["data_dir": .string(data.path), "tls_sha256": .string(certificate.sha256Fingerprint),
                                           "tls_not_after": .string(RFC3339.string(from: certificate.notAfter)),
                                           "reloaded_pid": pid.map { .number(Double($0)) } ?? .null]).serializedString())
            return
        }
        Terminal.out("""
            gateway/tls.crt and tls.key renewed in \(data.path) for \(hosts.map(\.description).joined(separator: ", ")), valid until \(RFC3339.string(from: certificate.notAfter)) \
            (SHA-256 \(certificate.sha256Fingerprint)), issued by the gateway's CA, which does not change; agencies need to change nothing.
            """)
        if args.flag("reload") {
            let pid = try AdminCommand.signalRunningURAD(on: data, unlessNone: "it will serve the new certificate when it starts")
            Terminal.out("urad (pid \(pid)) reloads its TLS files; its log says which certificate it serves (tls.reloaded)")
        } else {
            Terminal.out("Reload urad to serve it (systemctl reload ura, or --reload); connections already open keep the old one.")
        }
    }
}
