import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraLoad
import UraModel
import UraProtocol
import UraSchema

/// The load of the power-loss test (scripts/powerloss/run.sh): distinct messages from the police to
/// the secretariat, sealed with the keys of a demo data directory, sent over HTTPS to a running
/// urad with the TLS load generator; one line `ACK <id>` on stdout for each message answered 202
/// (written as the answer arrives, so the lines are there even when urad dies mid-run), then a
/// summary line. The power is cut while it runs; urad's death ends the run (connections lost).
///
///   ura-bench powerloss-load --data-dir DIR --port N [--messages 2000] [--connections 16] [--rate 0 (closed loop)]
enum PowerLossLoad {
    static func run(_ arguments: [String]) throws {
        var dataDirectory: String?, port: Int?, messages = 2000, connections = 16, rate = 0.0
        var i = 0
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--data-dir": dataDirectory = value
            case "--port": port = Int(value)
            case "--messages": messages = Int(value) ?? messages
            case "--connections": connections = Int(value) ?? connections
            case "--rate": rate = Double(value) ?? rate
            default: throw BenchError("unknown option \(arguments[i])")
            }
            i += 2
        }
        guard let dataDirectory, let port else { throw BenchError("give --data-dir DIR (a demo data directory) and --port N (urad's)") }
        let data = URL(fileURLWithPath: dataDirectory)
        let police = AgencyID(validated: "al.police.dvp-tirane")
        let folder = data.appendingPathComponent("agencies/\(police)")
        let directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        let schemas = MessageCatalogue.defaultDirectory()
        let composer = MessageComposer(agency: police, signingKey: try SigningKey(contentsOfFile: folder.appendingPathComponent("signing.key").path),
                                       directory: directory, catalogue: try MessageCatalogue(directory: schemas))
        let form = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/risk.assessment.json"))))
        guard case .object(let template) = form else { throw BenchError("the risk assessment example is not an object") }
        var ids: [MessageID] = [], bodies: [[UInt8]] = []
        for n in 0..<messages {
            let reference = String(format: "AL-2026-%06d", n % 999_999 + 1)
            var body = template
            body["case"] = .string(reference)
            let id = MessageID.random()
            bodies.append(try composer.compose(MessageComposer.Draft(
                type: MessageType(validated: "risk.assessment"), to: [AgencyID(validated: "al.mpb.secretariat")],
                caseReference: CaseReference(validated: reference), subject: .adult, form: .object(body)), id: id))
            ids.append(id)
        }
        let configuration = LoadGeneratorConfiguration(
            host: "127.0.0.1", port: port, path: "/v1/messages", headers: ["Content-Type": "application/jose+json"],
            connections: connections, threads: 1, targetRate: rate > 0 ? rate : nil,
            clientCertificate: .file(folder.appendingPathComponent("tls.crt").path), clientKey: .file(folder.appendingPathComponent("tls.key").path),
            trustedAuthorities: .file(data.appendingPathComponent("ca/ca.crt").path), runTimeout: .seconds(600))
        let sealed = ids
        var workload = LoadWorkload.distinct(bodies)
        workload.onAnswer = { index, status in
            guard status == 202 else { return }
            // One write(2) a line, straight to the file or pipe: nothing buffered is lost when the run ends abruptly.
            let line = Array("ACK \(sealed[index])\n".utf8)
            _ = line.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        }
        let started = Array("SENDING \(messages)\n".utf8)
        _ = started.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        let result = try HTTPSLoadGenerator(configuration: configuration).runBlocking(workload)
        let statuses = result.statusCounts.keys.sorted().map { "\($0):\(result.statusCounts[$0]!)" }.joined(separator: ",")
        let summary = Array("DONE sent=\(messages) statuses=\(statuses.isEmpty ? "-" : statuses) failures=\(result.failures)\n".utf8)
        _ = summary.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}
