import Foundation
import Testing
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraSchema
import UraStoreSQLite

/// A demo data directory, a real urad on it, and helpers to drive it with the real `ura`, `curl`
/// and `openssl` as the demo agencies.
package final class Scenario: @unchecked Sendable {
    package let root: URL
    package let data: URL
    package let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas").standardized
    package private(set) var daemon: RunningDaemon!
    package private(set) var push: PushEndpoint?

    /// `receiptsPerBatch`: agencies whose accepted receipts are signed per commit batch.
    package init(pushShelter: Bool = false, receiptsPerBatch: [String] = [], environment: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-e2e-\(UUID().uuidString)")
        data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        if !receiptsPerBatch.isEmpty {
            let file = data.appendingPathComponent("directory.json")
            var directory = try DirectoryFile.read(file)
            for id in receiptsPerBatch {
                var agency = try #require(directory[AgencyID(id)])
                agency.receipts = .perBatch
                directory.upsert(agency)
            }
            try DirectoryFile.write(directory, to: file)
        }
        if pushShelter {
            let endpoint = try PushEndpoint(data: data, agency: "al.shelter.qkpvt")
            let file = data.appendingPathComponent("directory.json")
            var directory = try DirectoryFile.read(file)
            var shelter = try #require(directory[AgencyID("al.shelter.qkpvt")])
            shelter.delivery = .push(url: "https://127.0.0.1:\(endpoint.port)/ura/inbox")
            directory.upsert(shelter)
            try DirectoryFile.write(directory, to: file)
            push = endpoint
        }
        daemon = try RunningDaemon(dataDirectory: data, environment: environment)
    }

    /// A scenario made off the cooperative pool: creating the demo (keys, certificates, files)
    /// and waiting for urad to say it listens take seconds on a busy machine, and a pool thread
    /// held that long is one the in-process servers of other tests (one thread per core) cannot
    /// use to answer — the cause of the 20-second curl timeouts of issue 28.
    package static func start(pushShelter: Bool = false, receiptsPerBatch: [String] = [], environment: [String: String] = [:]) async throws -> Scenario {
        try await Processes.offPool { try Scenario(pushShelter: pushShelter, receiptsPerBatch: receiptsPerBatch, environment: environment) }
    }

    package func close() async {
        let daemon = self.daemon
        _ = try? await Processes.offPool { daemon?.stop() }  // SIGTERM, then waitpid until urad has shut down
        await push?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    package func agencyFolder(_ agency: String) -> URL { data.appendingPathComponent("agencies/\(agency)") }

    /// `ura` as `agency`.
    package func ura(_ agency: String, _ arguments: [String], input: [UInt8]? = nil) throws -> Processes.Result {
        try Processes.run("ura", uraArguments(agency, arguments), input: input)
    }

    /// `ura` as `agency`, talking to urad (or to `gateway`), without holding a thread of the
    /// cooperative pool while it runs (see `Processes.runOffPool`).
    package func uraOffPool(_ agency: String, _ arguments: [String], gateway: String? = nil) async throws -> Processes.Result {
        try await Processes.runOffPool("ura", uraArguments(agency, arguments, gateway: gateway))
    }

    package func uraArguments(_ agency: String, _ arguments: [String], gateway: String? = nil) -> [String] {
        ["--profile", agencyFolder(agency).appendingPathComponent("profile.json").path, "--gateway", gateway ?? daemon.url,
         "--schemas", schemas.path] + arguments
    }

    /// `curl` with `agency`'s client certificate (none when nil); returns the status and the body.
    package func curl(_ agency: String?, _ method: String, _ path: String, body: [UInt8]? = nil, extra: [String] = []) throws -> (status: Int, body: JSONValue?) {
        var arguments = ["-sS", "--cacert", data.appendingPathComponent("ca/ca.crt").path, "-X", method, "-o", "-", "-w", "\n%{http_code}"]
        if let agency {
            arguments += ["--cert", agencyFolder(agency).appendingPathComponent("tls.crt").path,
                          "--key", agencyFolder(agency).appendingPathComponent("tls.key").path]
        }
        if body != nil { arguments += ["-H", "Content-Type: application/jose+json", "--data-binary", "@-"] }
        let result = try Processes.run("/usr/bin/curl", arguments + extra + [daemon.url + path], input: body)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? -1
        return (status, try? JSONValue(parsing: Array(lines.dropLast().joined(separator: "\n").utf8)))
    }

    package func signingKey(_ agency: String) throws -> SigningKey { try SigningKey(contentsOfFile: agencyFolder(agency).appendingPathComponent("signing.key").path) }
    func encryptionKey(_ agency: String) throws -> AgreementPrivateKey {
        try AgreementPrivateKey(contentsOfFile: agencyFolder(agency).appendingPathComponent("encryption.key").path)
    }
    package func directory() throws -> Directory { try DirectoryFile.read(data.appendingPathComponent("directory.json")) }

    /// A message sealed in process as `agency` (for driving the raw API with curl).
    package func seal(as agency: String, type: String, to: [String], caseReference: String, subject: SubjectCategory, form: JSONValue,
              id: MessageID = .random(), signWith: String? = nil, mutate: ((inout JSONObject) -> Void)? = nil) throws -> [UInt8] {
        let composer = MessageComposer(agency: try AgencyID(agency), signingKey: try signingKey(signWith ?? agency), directory: try directory(),
                                       catalogue: try MessageCatalogue(directory: schemas))
        let draft = MessageComposer.Draft(type: try MessageType(type), to: try to.map { try AgencyID($0) },
                                          caseReference: try CaseReference(caseReference), subject: subject, form: form)
        let bytes = try composer.compose(draft, id: id)
        guard let mutate else { return bytes }
        // Re-sign a changed envelope (a client that builds wrong envelopes).
        let jws = try JWS.parse(bytes)
        guard case .object(var envelope) = try JSONValue(parsing: jws.payload) else { return bytes }
        mutate(&envelope)
        return try JWS.sign(payload: JSONValue.object(envelope).serialized(), header: ["typ": "ura-message+json"],
                            with: try signingKey(signWith ?? agency)).serialized()
    }

    /// The example form of `type`, with `marker` in its first free-text field and `case` set.
    package func example(_ type: String, caseReference: String, marker: String? = nil) throws -> JSONValue {
        var form = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json"))))
        guard case .object(var object) = form else { return form }
        object["case"] = .string(caseReference)
        if let marker, case .object(var person)? = object["person"] {
            person["family_name"] = .string(marker)
            object["person"] = .object(person)
        }
        form = .object(object)
        return form
    }

    /// The ledger's size as the secretariat sees it.
    package func ledgerSize() throws -> Int {
        let reply = try curl("al.mpb.secretariat", "GET", "/v1/ledger/checkpoint")
        return reply.status == 404 ? 0 : (reply.body?["tree_size"]?.intValue ?? -1)
    }

    /// Every file under the gateway's data directory, as bytes (database, log, keys, caches), but
    /// for the messages the demo agencies' `ura inbox` kept in their state folders (the recipient's side).
    package func dataDirectoryContains(_ marker: String) throws -> [String] {
        let needle = Array(marker.utf8)
        var hits: [String] = []
        let enumerator = FileManager.default.enumerator(at: data, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true, let bytes = FileManager.default.contents(atPath: url.path)
            else { continue }
            if url.path.contains("/agencies/") && url.path.contains("/state/inbox/") { continue }
            if Array(bytes).firstRange(of: needle) != nil { hits.append(url.path) }
        }
        return hits
    }
}
