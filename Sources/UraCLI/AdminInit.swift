import UraBasics
import UraClient
import Foundation
import UraCrypto
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura admin init`: a production gateway's first files, in the layout urad's configuration
/// expects (deploy/urad.example.json): the certificate authority that issues agencies' client
/// certificates, the gateway's JWS signing key, its TLS certificate for the names agencies connect
/// to, and a directory with the gateway alone. Agencies are added with `ura admin enrol`.
///
/// Nothing is overwritten: it refuses when any of those files exists. The files are made in a
/// staging folder inside the data directory and moved into place at the end, the directory file
/// last, so a failure leaves nothing behind.
enum AdminInit {
    static func run(_ args: CommandLineArguments) throws {
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let idText = try args.requiredOption("gateway-id")
        let gatewayID: AgencyID
        do { gatewayID = try AgencyID(idText) } catch { throw UsageError("--gateway-id: \(error)") }
        let name = try args.requiredOption("gateway-name")
        let (hosts, subjectAlternativeNames) = try hostNames(try args.requiredOption("host"))

        let layout = ["ca", "gateway", "directory.json"]
        if let existing = layout.first(where: { FileManager.default.fileExists(atPath: data.appendingPathComponent($0).path) }) {
            throw ClientError("\(data.appendingPathComponent(existing).path) exists already; ura admin init sets up a new gateway and never replaces its keys", .cannotCreate)
        }
        do {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ClientError("cannot create the data directory \(data.path): \(error.localizedDescription)", .ioError)
        }
        let staging = data.appendingPathComponent(".init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }

        let gatewayKey: SigningKey, caCertificate: Certificate, tlsCertificate: Certificate
        do {
            let files = DemoFiles(root: staging)
            try files.makeDirectory("", mode: 0o700)
            try files.makeDirectory("ca", mode: 0o700)
            try files.makeDirectory("gateway", mode: 0o700)
            let caKey = try SigningKey.generate(.es256)
            let ca = try CertificateAuthority.create(commonName: "\(name) CA", key: caKey)
            try caKey.writePrivateKey(to: files.path("ca/ca.key"))
            try files.write("ca/ca.crt", ca.certificate.pem)
            caCertificate = ca.certificate

            gatewayKey = try SigningKey.generate(.eddsa)
            try gatewayKey.writePrivateKey(to: files.path("gateway/signing.key"))
            try files.write("gateway/signing.pub.json", gatewayKey.publicKey.jwk.serializedString(options: .prettyPrinted) + "\n")
            // Server for the agencies, client towards their push endpoints.
            let tls = try ca.issue(commonName: gatewayID.rawValue, usage: .clientAndServer, subjectAlternativeNames: subjectAlternativeNames)
            try tls.key.writePrivateKey(to: files.path("gateway/tls.key"))
            try files.write("gateway/tls.crt", tls.certificate.pem)
            tlsCertificate = tls.certificate

            let directory = try Directory(
                version: 1, issued: Date(),
                gateway: .init(id: gatewayID, name: name, keys: [DirectoryKey(kid: gatewayKey.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)]),
                agencies: [])
            _ = try DirectorySnapshot(directory)
            try DirectoryFile.write(directory, to: staging.appendingPathComponent("directory.json"))
            try syncTree(staging)
        } catch {
            throw ClientError("could not create the gateway's files: \(error)", .ioError)
        }
        var moved: [URL] = []
        for item in layout {
            let target = data.appendingPathComponent(item)
            guard rename(staging.appendingPathComponent(item).path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                for done in moved { try? FileManager.default.removeItem(at: done) }
                throw ClientError("could not move \(item) into \(data.path) (\(reason)); nothing was set up", .ioError)
            }
            moved.append(target)
        }
        try? DurableFile.syncFolder(data, for: data, "set up")

        Terminal.out("""
            gateway \(gatewayID) set up in \(data.path):
              ca/ca.crt, ca/ca.key      the certificate authority for agencies' client certificates (SHA-256 \(caCertificate.sha256Fingerprint))
              gateway/tls.crt, tls.key  the gateway's TLS certificate for \(hosts.joined(separator: ", ")), valid until \(RFC3339.string(from: tlsCertificate.notAfter))
              gateway/signing.key       the gateway's signing key; agencies pin its id in their profiles: gateway_key \(gatewayKey.keyID)
              directory.json            version 1, the gateway alone
            Keep a copy of ca/ca.key and gateway/signing.key offline: whoever reads ca.key can enrol an agency.
            Next: set gateway.id to \(gatewayID) in the configuration, enrol the secretariat with
              ura admin enrol --data-dir \(data.path) --kind secretariat --name NAME --csr FILE.csr --keys keys.json
            and start urad. Each agency receives ca/ca.crt, its certificate and the gateway_key above.
            """)
    }

    /// fsyncs every file and folder under `root` (keys must be on disk before they are moved in).
    private static func syncTree(_ root: URL) throws {
        var paths = [root.path]
        if let walker = FileManager.default.enumerator(atPath: root.path) {
            while let relative = walker.nextObject() as? String { paths.append(root.appendingPathComponent(relative).path) }
        }
        for path in paths.reversed() {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw ClientError("cannot open \(path) to sync it", .ioError) }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw ClientError("cannot sync \(path) to disk: \(String(cString: strerror(errno)))", .ioError) }
        }
    }

    /// `--host`: the names agencies connect to, and the certificate's subject alternative names.
    private static func hostNames(_ option: String) throws -> (hosts: [String], subjectAlternativeNames: [String]) {
        let hosts = option.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !hosts.isEmpty, !hosts.contains(where: \.isEmpty) else { throw UsageError("--host: give the names agencies connect to, separated by commas") }
        for host in hosts where !isIPAddress(host) {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else {
                throw UsageError("--host: '\(host)' is neither an IP address nor a DNS name")
            }
        }
        return (hosts, hosts.map { isIPAddress($0) ? "IP:\($0)" : "DNS:\($0)" })
    }

    /// `ura admin renew-tls`: a new TLS key and certificate for the gateway (for the `--host` names),
    /// issued by the gateway's CA, replacing gateway/tls.key and gateway/tls.crt (each written whole
    /// and synced before it replaces the old one; interrupted between the two, run it again). The
    /// CA and the gateway's signing key do not change, so agencies change nothing; urad serves the
    /// new certificate to new connections once reloaded (SIGHUP; `--reload` sends it).
    static func renewTLS(_ args: CommandLineArguments) throws {
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        let (hosts, subjectAlternativeNames) = try hostNames(try args.requiredOption("host"))
        let gateway = data.appendingPathComponent("gateway")
        guard FileManager.default.fileExists(atPath: gateway.appendingPathComponent("tls.crt").path) else {
            throw ClientError("\(gateway.appendingPathComponent("tls.crt").path) does not exist: ura admin renew-tls renews the certificate "
                           + "of a gateway set up with ura admin init", .configuration)
        }
        let ca = try AdminCommand.certificateAuthority(in: data)
        let gatewayID: AgencyID
        do { gatewayID = try DirectoryFile.read(data.appendingPathComponent("directory.json")).gateway.id } catch {
            throw ClientError("cannot read the gateway's directory in \(data.path): \(error)", .configuration)
        }
        let certificate: Certificate, keyPEM: String
        do {
            let issued = try ca.issue(commonName: gatewayID.rawValue, usage: .clientAndServer, subjectAlternativeNames: subjectAlternativeNames)
            (certificate, keyPEM) = (issued.certificate, try issued.key.pkcs8PEM())
        } catch {
            throw ClientError("cannot issue the gateway's TLS certificate: \(error)", .software)
        }
        try DurableFile.write(Array(keyPEM.utf8), to: gateway.appendingPathComponent("tls.key"), mode: 0o600)
        try DurableFile.write(Array(certificate.pem.utf8), to: gateway.appendingPathComponent("tls.crt"), mode: 0o644)
        Terminal.out("""
            gateway/tls.crt and tls.key renewed in \(data.path) for \(hosts.joined(separator: ", ")), valid until \(RFC3339.string(from: certificate.notAfter)) \
            (SHA-256 \(certificate.sha256Fingerprint)), issued by the gateway's CA, which does not change; agencies need to change nothing.
            """)
        if args.flag("reload") {
            let pid = try AdminCommand.signalRunningURAD(on: data, unlessNone: "it will serve the new certificate when it starts")
            Terminal.out("urad (pid \(pid)) reloads its TLS files; its log says which certificate it serves (tls.reloaded)")
        } else {
            Terminal.out("Reload urad to serve it (systemctl reload ura, or --reload); connections already open keep the old one.")
        }
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
