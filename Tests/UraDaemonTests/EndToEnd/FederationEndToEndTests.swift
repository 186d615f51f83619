import Foundation
import Testing
@testable import UraClient
import UraCrypto
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema
import UraTestSupport
import UraTestTraits

/// Two national gateways, each a real urad with its own CA, on 127.0.0.1 with ports chosen by the
/// system: Albania's (`ura-data-al`, the demo agencies) and Kosovo's (`ura-data-xk`), peered with
/// `ura admin peer card` and `ura admin peer add --reload`.
final class GatewayPair: @unchecked Sendable {
    let root: URL
    let al: URL
    let xk: URL
    private(set) var alDaemon: RunningDaemon
    /// Albania's own settings over `environment` (kept for a restart).
    let alEnvironment: [String: String]
    private(set) var xkDaemon: RunningDaemon
    let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Schemas").standardized
    /// Retries every second, directories fetched every second: the hop settles in a few seconds.
    static let environment = ["URA_DELIVERY__RETRY_INITIAL_SECONDS": "1", "URA_DELIVERY__RETRY_MAX_SECONDS": "1",
                              "URA_FEDERATION__SYNC_SECONDS": "1"]

    private init(alEnvironment: [String: String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-federation-\(UUID().uuidString)")
        al = root.appendingPathComponent("ura-data-al")
        xk = root.appendingPathComponent("ura-data-xk")
        try DemoSetup.create(in: al, gatewayID: AgencyID("al.ura.gateway"), gatewayName: "Ura Shqipëri", gatewayURL: "https://127.0.0.1:1")
        try DemoSetup.create(in: xk, gatewayID: AgencyID("xk.ura.gateway"), gatewayName: "Ura Kosova", gatewayURL: "https://127.0.0.1:1",
                             agencies: DemoSetup.kosovoAgencies)
        self.alEnvironment = alEnvironment
        alDaemon = try RunningDaemon(dataDirectory: al, environment: Self.environment.merging(alEnvironment) { $1 })
        xkDaemon = try RunningDaemon(dataDirectory: xk, environment: Self.environment.merging(["URA_GATEWAY__ID": "xk.ura.gateway"]) { $1 })
        // Each operator makes a card and the other adds it, telling the running urad (SIGHUP).
        for (from, to, url) in [(xk, al, xkDaemon.url), (al, xk, alDaemon.url)] {
            let card = root.appendingPathComponent("\(from.lastPathComponent).card.json").path
            let made = try Processes.run("ura", ["admin", "peer", "card", "--data-dir", from.path, "--url", url, "--out", card])
            guard made.status == 0 else { throw PeeringFailed(output: made.stderr) }
            let added = try Processes.run("ura", ["admin", "peer", "add", "--data-dir", to.path, "--card", card, "--reload"])
            guard added.status == 0, added.stdout.contains("reloads the directory") else { throw PeeringFailed(output: added.stdout + added.stderr) }
        }
    }

    /// Both gateways started and peered, each listing the other's agencies (made off the pool).
    static func start(alEnvironment: [String: String] = [:]) async throws -> GatewayPair {
        let pair = try await Processes.offPool { try GatewayPair(alEnvironment: alEnvironment) }
        let peered = try await Processes.offPool {
            try pair.poll { try pair.directory(pair.al, "al.shssh.tirane", at: pair.alDaemon.url).contains("xk.social.prishtine")
                && pair.directory(pair.xk, "xk.social.prishtine", at: pair.xkDaemon.url).contains("al.shssh.tirane") }
        }
        #expect(peered, "the gateways did not list each other's agencies")
        return pair
    }

    func close() async {
        _ = try? await Processes.offPool { [self] in
            alDaemon.stop()
            xkDaemon.stop()
        }
        try? FileManager.default.removeItem(at: root)
    }

    /// Polls `condition` (each try real requests or processes) until it holds, for at most a minute:
    /// a bound for a broken build, not a timing assumption.
    func poll(_ condition: () throws -> Bool) throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    func profile(_ data: URL, _ agency: String) -> String { data.appendingPathComponent("agencies/\(agency)/profile.json").path }

    /// `ura` as `agency` of the gateway in `data`.
    func ura(_ data: URL, _ agency: String, _ arguments: [String]) throws -> Processes.Result {
        let daemon = data == al ? alDaemon : xkDaemon
        return try Processes.run("ura", ["--profile", profile(data, agency), "--gateway", daemon.url, "--schemas", schemas.path] + arguments)
    }

    /// The agency ids in the directory `agency` fetches from the gateway at `url`.
    func directory(_ data: URL, _ agency: String, at url: String) throws -> [String] {
        let reply = try curl(data: data, cert: "agencies/\(agency)/tls.crt", key: "agencies/\(agency)/tls.key", ca: data, "GET", url + "/v1/directory")
        guard reply.status == 200, let payload = try? JWS.parse(Array(reply.body.utf8)).payload,
              let directory = try? JSONValue(parsing: payload) else { return [] }
        return (directory["agencies"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
    }

    /// curl with the client certificate `cert`/`key` (paths in `data`), trusting the CA of `ca`'s data directory.
    func curl(data: URL, cert: String, key: String, ca: URL, _ method: String, _ url: String, body: [UInt8]? = nil,
              headers: [String] = []) throws -> (status: Int, body: String) {
        var arguments = ["-sS", "--cacert", ca.appendingPathComponent("ca/ca.crt").path, "-X", method, "-o", "-", "-w", "\n%{http_code}",
                         "--cert", data.appendingPathComponent(cert).path, "--key", data.appendingPathComponent(key).path]
        if body != nil { arguments += ["-H", "Content-Type: application/jose+json", "--data-binary", "@-"] }
        for header in headers { arguments += ["-H", header] }
        let result = try Processes.run("/usr/bin/curl", arguments + [url], input: body)
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? -1
        return (status, lines.joined(separator: "\n"))
    }

    /// A message sealed in process as `agency` of the gateway in `data`, with that gateway's
    /// directory as it serves it (foreign agencies included).
    func seal(_ data: URL, as agency: String, type: String, to: [String], caseReference: String, form: JSONValue,
              id: MessageID = .random(), lifetime: Duration? = nil, signingKeyFile: String? = nil) throws -> [UInt8] {
        let daemon = data == al ? alDaemon : xkDaemon
        let reply = try curl(data: data, cert: "agencies/\(agency)/tls.crt", key: "agencies/\(agency)/tls.key", ca: data, "GET", daemon.url + "/v1/directory")
        let directory = try JSONValueDecoder().decode(Directory.self, from: try JSONValue(parsing: try JWS.parse(Array(reply.body.utf8)).payload))
        let key = try SigningKey(contentsOfFile: signingKeyFile ?? data.appendingPathComponent("agencies/\(agency)/signing.key").path)
        let composer = MessageComposer(agency: try AgencyID(agency), signingKey: key, directory: directory, catalogue: try MessageCatalogue(directory: schemas))
        var draft = MessageComposer.Draft(type: try MessageType(type), to: try to.map { try AgencyID($0) },
                                          caseReference: try CaseReference(caseReference), subject: .adult, form: form)
        if let lifetime { draft.lifetime = lifetime }
        return try composer.compose(draft, id: id)
    }

    /// An E2 (avr.assessment-request) for `caseReference` that Albania's social service sends with
    /// `ura send` to the secretariat and to Kosovo's social service; the message id.
    func sendAssessmentRequest(caseReference: String) async throws -> String {
        let formFile = root.appendingPathComponent("e2.json")
        try Data(try example("avr.assessment-request", caseReference: caseReference, marker: "x").serialized()).write(to: formFile)
        let sent = try await Processes.offPool { [self] in
            try ura(al, "al.shssh.tirane", ["send", formFile.path, "--type", "avr.assessment-request", "--to", "al.mpb.secretariat,xk.social.prishtine",
                                           "--case", caseReference, "--subject", "adult", "--json"])
        }
        return try #require(try JSONValue(parsing: sent.stdout)["message"]?.stringValue, "\(sent)")
    }

    func example(_ type: String, caseReference: String, marker: String) throws -> JSONValue {
        var form = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json"))))
        guard case .object(var object) = form else { return form }
        object["case"] = .string(caseReference)
        if case .object(var person)? = object["person"] {
            person["family_name"] = .string(marker)
            object["person"] = .object(person)
        }
        form = .object(object)
        return form
    }

    /// Files under `data` (the gateway's side, not the agencies' kept inboxes) that contain `marker`.
    func filesContaining(_ marker: String, in data: URL) -> [String] {
        let needle = Array(marker.utf8)
        var hits: [String] = []
        let enumerator = FileManager.default.enumerator(at: data, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard !url.path.contains("/agencies/"), let bytes = FileManager.default.contents(atPath: url.path) else { continue }
            if Array(bytes).firstRange(of: needle) != nil { hits.append(url.path) }
        }
        return hits
    }
}

struct PeeringFailed: Error { let output: String }

/// Cross-border delivery through two real gateways (issue 22, docs/federation.md).
@Suite(.offThePool, .serialized) struct FederationEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func anAlbanianSocialServiceSendsAnE2ToKosovoAndGetsTheDeliveredReceiptBack() async throws {
        let pair = try await GatewayPair.start()
        let marker = "MARKER-\(UUID().uuidString)"
        let formFile = pair.root.appendingPathComponent("e2.json")
        try Data(try pair.example("avr.assessment-request", caseReference: "AL-2026-000101", marker: marker).serialized()).write(to: formFile)

        // The sender sees Kosovo's social service in its directory, reached through Kosovo's gateway.
        let social = try pair.ura(pair.al, "al.shssh.tirane", ["directory", "--kind", "social"])
        #expect(social.stdout.split(separator: "\n").contains { $0.hasPrefix("xk.social.prishtine ") && $0.contains("via xk.ura.gateway") }, "\(social)")
        let sent = try await Processes.offPool {
            try pair.ura(pair.al, "al.shssh.tirane", ["send", formFile.path, "--type", "avr.assessment-request",
                                                      "--to", "al.mpb.secretariat,xk.social.prishtine", "--case", "AL-2026-000101",
                                                      "--subject", "adult", "--json"])
        }
        #expect(sent.status == 0, "\(sent.stderr)")
        let id = try #require(try JSONValue(parsing: sent.stdout)["message"]?.stringValue)

        // Kosovo's social service reads it from its own gateway, which checked the Albanian sender's signature.
        let received = try await Processes.offPool {
            try pair.poll { try pair.ura(pair.xk, "xk.social.prishtine", ["inbox", "--json"]).stdout.contains(id) }
        }
        #expect(received)
        let inbox = pair.xk.appendingPathComponent("agencies/xk.social.prishtine/state/inbox")
        let record = try JSONValue(parsing: Array(try Data(contentsOf: inbox.appendingPathComponent("\(id).json"))))
        #expect(record["form"]?["person"]?["family_name"]?.stringValue == marker)
        #expect(record["from"] == "al.shssh.tirane" || record["envelope"]?["from"] == "al.shssh.tirane", "\(record)")

        // The delivered receipt travels back to Albania and reaches the sender, verified with the recipient's key.
        let delivered = try await Processes.offPool {
            try pair.poll {
                let status = try pair.ura(pair.al, "al.shssh.tirane", ["status", id, "--json"])
                let deliveries = (try? JSONValue(parsing: status.stdout))?["deliveries"]?.arrayValue ?? []
                return deliveries.contains { $0["recipient"] == "xk.social.prishtine" && $0["state"] == "delivered" }
            }
        }
        #expect(delivered)
        let receipts = try pair.ura(pair.al, "al.shssh.tirane", ["receipts", "--json"])
        #expect(receipts.status == 0, "\(receipts.stderr)")
        let lines = receipts.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
        let fromKosovo = lines.first { $0["receipt"]?["by"] == "xk.social.prishtine" }
        #expect(fromKosovo?["receipt"]?["receipt"] == "delivered", "\(receipts.stdout)")
        // And Kosovo's gateway's own accepted receipt, relayed and verified with its key from the directory.
        let acceptedByKosovo = lines.firstIndex { $0["receipt"]?["by"] == "xk.ura.gateway" && $0["receipt"]?["receipt"] == "accepted" }
        #expect(acceptedByKosovo != nil, "\(receipts.stdout)")
        let text = try pair.ura(pair.al, "al.shssh.tirane", ["receipts", "--all"])
        #expect(text.status == 0 && text.stdout.contains("accepted by xk.ura.gateway \(id) → xk.social.prishtine"), "\(text)")

        // Relayed again (an answer lost): Kosovo answers with the same delivered receipt and stores nothing new.
        let bytes = Array(try Data(contentsOf: inbox.appendingPathComponent("\(id).jws")))
        let again = try pair.relay(bytes, recipient: "xk.social.prishtine")
        #expect(again.status == 200)
        let payload = try JSONValue(parsing: try JWS.parse(Array(again.body.utf8)).payload)
        #expect(payload["receipt"] == "delivered" && payload["by"] == "xk.social.prishtine")
        let status = try pair.curl(data: pair.xk, cert: "agencies/xk.mpb.secretariat/tls.crt", key: "agencies/xk.mpb.secretariat/tls.key",
                                   ca: pair.xk, "GET", pair.xkDaemon.url + "/v1/messages/\(id)")
        let deliveries = try JSONValue(parsing: Array(status.body.utf8))["deliveries"]?.arrayValue ?? []
        #expect(deliveries.count == 1 && deliveries.first?["recipient"] == "xk.social.prishtine", "\(status.body)")

        // The secretariat's monitor and /metrics show the peer: reachable, synced, its queue empty again.
        let peers = try pair.curl(data: pair.al, cert: "agencies/al.mpb.secretariat/tls.crt", key: "agencies/al.mpb.secretariat/tls.key",
                                  ca: pair.al, "GET", pair.alDaemon.url + "/v1/monitor/peers")
        let row = try JSONValue(parsing: Array(peers.body.utf8))["peers"]?[0]
        #expect(row?["peer"] == "xk.ura.gateway" && row?["reachable"] == true && row?["last_sync"]?.stringValue != nil, "\(peers.body)")
        #expect(row?["queue"]?["retry_scheduled"] == 0 && row?["queue"]?["pending"] == 0, "\(peers.body)")
        let metrics = try Processes.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(try #require(pair.alDaemon.adminPort))/metrics"])
        #expect(metrics.stdout.contains(#"ura_peer_reachable{peer="xk.ura.gateway"} 1"#), "\(metrics.stdout.split(separator: "\n").filter { $0.contains("peer") })")

        // Neither gateway ever held the form in clear.
        await pair.close()
        #expect(pair.filesContaining(marker, in: pair.al) == [])
        #expect(pair.filesContaining(marker, in: pair.xk) == [])
    }

    @Test(.timeLimit(.minutes(5))) func whatMayNotCrossIsRefusedAndAPeerRelaysOnlyItsOwnAgencies() async throws {
        let pair = try await GatewayPair.start()
        // A needs assessment (C4) is for home: to a Kosovo agency it is refused, and nothing is stored.
        let id = MessageID.random()
        let c4 = try pair.seal(pair.al, as: "al.shssh.tirane", type: "protection.needs-assessment.adult",
                               to: ["al.mpb.secretariat", "xk.social.prishtine"], caseReference: "AL-2026-000102",
                               form: try pair.example("protection.needs-assessment.adult", caseReference: "AL-2026-000102", marker: "x"), id: id)
        let refused = try pair.curl(data: pair.al, cert: "agencies/al.shssh.tirane/tls.crt", key: "agencies/al.shssh.tirane/tls.key", ca: pair.al,
                                    "POST", pair.alDaemon.url + "/v1/messages", body: c4)
        #expect(refused.status == 422 && refused.body.contains("cross-border-not-allowed"), "\(refused.body)")
        let stored = try pair.curl(data: pair.al, cert: "agencies/al.shssh.tirane/tls.crt", key: "agencies/al.shssh.tirane/tls.key", ca: pair.al,
                                   "GET", pair.alDaemon.url + "/v1/messages/\(id)")
        #expect(stored.status == 404)

        // Albania's gateway relays a message "from" Kosovo's own police: Kosovo refuses it.
        let forged = try pair.seal(pair.xk, as: "xk.police.prishtine", type: "notice", to: ["xk.social.prishtine"], caseReference: "AL-2026-000103",
                                   form: try pair.example("notice", caseReference: "AL-2026-000103", marker: "x"))
        let relayed = try pair.relay(forged, recipient: "xk.social.prishtine")
        #expect(relayed.status == 403 && relayed.body.contains("relay-not-allowed"), "\(relayed.body)")
        // A window to deliver that is not a time: a clear problem.
        let badWindow = try pair.curl(data: pair.al, cert: "gateway/tls.crt", key: "gateway/tls.key", ca: pair.xk, "POST",
                                      pair.xkDaemon.url + "/v1/federation/messages", body: forged,
                                      headers: ["Ura-Recipient: xk.social.prishtine", "Ura-Deliver-Until: soon"])
        #expect(badWindow.status == 400 && badWindow.body.contains("Ura-Deliver-Until must be an RFC 3339 time"), "\(badWindow.body)")
        // Albania's gateway forwards a "delivered receipt" of Kosovo's own agency: refused.
        let key = try SigningKey(contentsOfFile: pair.xk.appendingPathComponent("agencies/xk.social.prishtine/signing.key").path)
        let receipt = try MessageComposer.deliveredReceipt(for: .random(), digest: Base64URL.encode(SHA256.hash(Array("x".utf8))), by: AgencyID("xk.social.prishtine"), key: key)
        let forwarded = try pair.curl(data: pair.al, cert: "gateway/tls.crt", key: "gateway/tls.key", ca: pair.xk, "POST",
                                      pair.xkDaemon.url + "/v1/federation/receipts", body: receipt)
        #expect(forwarded.status == 403 && forwarded.body.contains("relay-not-allowed"), "\(forwarded.body)")
        // An agency's certificate is not a peer's.
        let asAgency = try pair.curl(data: pair.al, cert: "agencies/al.shssh.tirane/tls.crt", key: "agencies/al.shssh.tirane/tls.key", ca: pair.xk,
                                     "POST", pair.xkDaemon.url + "/v1/federation/messages", body: forged)
        #expect(asAgency.status == 403, "\(asAgency.body)")

        // The reverse direction: Kosovo's social service to Albania's, with Kosovo's secretariat.
        let formFile = pair.root.appendingPathComponent("e2-xk.json")
        try Data(try pair.example("avr.assessment-request", caseReference: "XK-2026-000001", marker: "x").serialized()).write(to: formFile)
        let sent = try await Processes.offPool {
            try pair.ura(pair.xk, "xk.social.prishtine", ["send", formFile.path, "--type", "avr.assessment-request",
                                                          "--to", "xk.mpb.secretariat,al.shssh.tirane", "--case", "XK-2026-000001",
                                                          "--subject", "adult", "--json"])
        }
        #expect(sent.status == 0, "\(sent.stderr)")
        let back = try #require(try JSONValue(parsing: sent.stdout)["message"]?.stringValue)
        let delivered = try await Processes.offPool {
            try pair.poll {
                _ = try pair.ura(pair.al, "al.shssh.tirane", ["inbox", "--json"])
                let status = try pair.ura(pair.xk, "xk.social.prishtine", ["status", back, "--json"])
                let deliveries = (try? JSONValue(parsing: status.stdout))?["deliveries"]?.arrayValue ?? []
                return deliveries.contains { $0["recipient"] == "al.shssh.tirane" && $0["state"] == "delivered" }
            }
        }
        #expect(delivered)
        await pair.close()
    }
}

extension FederationEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func kosovoForwardsTheDeliveredReceiptAtOnceWithoutWaitingForAlbaniasRetry() async throws {
        // Albania asks again only after up to an hour: a receipt much sooner came forwarded.
        let pair = try await GatewayPair.start(alEnvironment: ["URA_DELIVERY__RETRY_INITIAL_SECONDS": "3600", "URA_DELIVERY__RETRY_MAX_SECONDS": "3600"])
        let id = try await pair.sendAssessmentRequest(caseReference: "AL-2026-000104")
        // The first attempt relayed it; Kosovo accepted; Albania's next attempt is scheduled.
        let scheduled = try await Processes.offPool { try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "retry_scheduled" } }
        let nextAttempt = try #require(scheduled?["next_attempt_at"]?.stringValue.flatMap(RFC3339.date(from:)), "\(String(describing: scheduled))")

        _ = try await Processes.offPool { try pair.poll { try pair.ura(pair.xk, "xk.social.prishtine", ["inbox", "--json"]).stdout.contains(id) } }
        let settled = try await Processes.offPool { try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "delivered" } }
        #expect(settled?["state"] == "delivered", "\(String(describing: settled))")
        let settledAt = try #require(settled?["settled_at"]?.stringValue.flatMap(RFC3339.date(from:)))
        // Delivered before Albania's next attempt was due, with one attempt: Kosovo forwarded it.
        if settledAt < nextAttempt { #expect(settled?["attempts"] == 1, "\(String(describing: settled))") }
        let receipts = try pair.ura(pair.al, "al.shssh.tirane", ["receipts", "--json"])
        #expect(receipts.stdout.contains("xk.social.prishtine") && receipts.stdout.contains("delivered"), "\(receipts)")
        await pair.close()
    }
}

extension FederationEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func aPeerDownIsRetriedAndTheMessageDeliveredWhenItReturns() async throws {
        let pair = try await GatewayPair.start()
        let port = pair.xkDaemon.port
        await pair.xkDaemon.stopOffPool()
        let id = try await pair.sendAssessmentRequest(caseReference: "AL-2026-000105")
        // Kosovo is down: Albania's attempts fail and are rescheduled.
        let retried = try await Processes.offPool {
            try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "retry_scheduled" && ($0["attempts"]?.intValue ?? 0) >= 2 }
        }
        #expect(retried?["last_error"]?.stringValue?.contains("cannot be reached") == true, "\(String(describing: retried))")
        // Kosovo comes back on the same address; the next attempt relays it.
        try await pair.restartKosovo(port: port)
        _ = try await Processes.offPool { try pair.poll { try pair.ura(pair.xk, "xk.social.prishtine", ["inbox", "--json"]).stdout.contains(id) } }
        let settled = try await Processes.offPool { try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "delivered" } }
        #expect(settled?["state"] == "delivered", "\(String(describing: settled))")
        await pair.close()
    }
}

extension GatewayPair {
    /// Albania's delivery of message `id` to `recipient` as its sender's `ura status` shows it, once
    /// `condition` holds (polled, bounded), or the last seen.
    func delivery(_ id: String, to recipient: String, until condition: (JSONValue) -> Bool) throws -> JSONValue? {
        var seen: JSONValue?
        _ = try poll {
            let status = try ura(al, "al.shssh.tirane", ["status", id, "--json"])
            seen = (try? JSONValue(parsing: status.stdout))?["deliveries"]?.arrayValue?.first { $0["recipient"] == .string(recipient) }
            return seen.map(condition) ?? false
        }
        return seen
    }

    /// Starts Kosovo's urad again on `port` (where Albania's directory says it is).
    func restartKosovo(port: Int) async throws {
        let environment = Self.environment.merging(["URA_GATEWAY__ID": "xk.ura.gateway", "URA_LISTEN__PORT": "\(port)"]) { $1 }
        xkDaemon = try await RunningDaemon.start(dataDirectory: xk, environment: environment)
    }

    /// Starts Albania's urad again on `port` (where Kosovo's directory says it is), with its settings.
    func restartAlbania(port: Int) async throws {
        let environment = Self.environment.merging(alEnvironment) { $1 }.merging(["URA_LISTEN__PORT": "\(port)"]) { $1 }
        alDaemon = try await RunningDaemon.start(dataDirectory: al, environment: environment)
    }

    /// The value of the counter `name{labels}` on the admin listener's /metrics of `daemon` (0 when absent).
    func counter(_ daemon: RunningDaemon, _ name: String, _ labels: String) throws -> Double {
        guard let admin = daemon.adminPort else { return 0 }
        let metrics = try Processes.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(admin)/metrics"])
        let prefix = "\(name){\(labels)} "
        return metrics.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) } ?? 0
    }

    /// POST /v1/federation/messages to Albania's gateway with Kosovo's gateway certificate.
    func relayToAlbania(_ bytes: [UInt8], recipient: String) throws -> (status: Int, body: String) {
        try curl(data: xk, cert: "gateway/tls.crt", key: "gateway/tls.key", ca: al, "POST", alDaemon.url + "/v1/federation/messages",
                 body: bytes, headers: ["Ura-Recipient: \(recipient)"])
    }

    /// POST /v1/federation/messages to Kosovo's gateway with Albania's gateway certificate.
    func relay(_ bytes: [UInt8], recipient: String) throws -> (status: Int, body: String) {
        try curl(data: al, cert: "gateway/tls.crt", key: "gateway/tls.key", ca: xk, "POST", xkDaemon.url + "/v1/federation/messages",
                 body: bytes, headers: ["Ura-Recipient: \(recipient)"])
    }
}

extension FederationEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func theDeliveredReceiptIsForwardedWhenTheOriginReturnsEvenAfterThePeerRestarted() async throws {
        // Albania asks again only after up to an hour: the receipt can only come back forwarded.
        let pair = try await GatewayPair.start(alEnvironment: ["URA_DELIVERY__RETRY_INITIAL_SECONDS": "3600", "URA_DELIVERY__RETRY_MAX_SECONDS": "3600"])
        let id = try await pair.sendAssessmentRequest(caseReference: "AL-2026-000106")
        let scheduled = try await Processes.offPool { try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "retry_scheduled" } }
        let nextAttempt = try #require(scheduled?["next_attempt_at"]?.stringValue.flatMap(RFC3339.date(from:)), "\(String(describing: scheduled))")

        // Albania goes down; Kosovo's social service fetches and acknowledges; Kosovo cannot forward.
        let alPort = pair.alDaemon.port, xkPort = pair.xkDaemon.port
        await pair.alDaemon.stopOffPool()
        _ = try await Processes.offPool { try pair.poll { try pair.ura(pair.xk, "xk.social.prishtine", ["inbox", "--json"]).stdout.contains(id) } }
        let failed = try await Processes.offPool {
            try pair.poll { try pair.counter(pair.xkDaemon, "ura_peer_receipts_forwarded_total", #"peer="al.ura.gateway",outcome="failed""#) >= 1 }
        }
        #expect(failed, "Kosovo never tried to forward the receipt")
        // Kosovo restarts: what it still owes Albania is in its store, not in memory.
        await pair.xkDaemon.stopOffPool()
        try await pair.restartKosovo(port: xkPort)
        try await pair.restartAlbania(port: alPort)

        let settled = try await Processes.offPool { try pair.delivery(id, to: "xk.social.prishtine") { $0["state"] == "delivered" } }
        #expect(settled?["state"] == "delivered", "\(String(describing: settled))")
        let settledAt = try #require(settled?["settled_at"]?.stringValue.flatMap(RFC3339.date(from:)))
        // Before Albania's own next attempt, with its one attempt: the restarted Kosovo forwarded it.
        if settledAt < nextAttempt { #expect(settled?["attempts"] == 1, "\(String(describing: settled))") }
        #expect(try pair.counter(pair.xkDaemon, "ura_peer_receipts_forwarded_total", #"peer="al.ura.gateway",outcome="forwarded""#) >= 1)
        let receipts = try pair.ura(pair.al, "al.shssh.tirane", ["receipts", "--all", "--json"])
        #expect(receipts.status == 0, "\(receipts.stderr)")
        let lines = receipts.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
        #expect(lines.contains { $0["receipt"]?["by"] == "xk.social.prishtine" && $0["receipt"]?["message"] == .string(id) }, "\(receipts.stdout)")
        await pair.close()
    }
}

extension FederationEndToEndTests {
    @Test(.timeLimit(.minutes(5))) func aPeerDownPastTheExpiryIsADeadLetterWithAFailedReceiptAndARedriveDeliversItWhenItReturns() async throws {
        let pair = try await GatewayPair.start()
        let xkPort = pair.xkDaemon.port
        await pair.xkDaemon.stopOffPool()
        // An E2 that expires in a few seconds, while Kosovo is down.
        let id = MessageID.random()
        let e2 = try pair.seal(pair.al, as: "al.shssh.tirane", type: "avr.assessment-request", to: ["al.mpb.secretariat", "xk.social.prishtine"],
                               caseReference: "AL-2026-000107", form: try pair.example("avr.assessment-request", caseReference: "AL-2026-000107", marker: "x"),
                               id: id, lifetime: .seconds(4))
        let accepted = try pair.curl(data: pair.al, cert: "agencies/al.shssh.tirane/tls.crt", key: "agencies/al.shssh.tirane/tls.key", ca: pair.al,
                                     "POST", pair.alDaemon.url + "/v1/messages", body: e2)
        #expect(accepted.status == 202, "\(accepted.body)")

        // Retried until the message expired: a dead letter, and a failed receipt for the sender.
        let dead = try await Processes.offPool { try pair.delivery(id.rawValue, to: "xk.social.prishtine") { $0["state"] == "dead_letter" } }
        #expect(dead?["state"] == "dead_letter", "\(String(describing: dead))")
        #expect((dead?["attempts"]?.intValue ?? 0) >= 1, "\(String(describing: dead))")
        let receipts = try pair.ura(pair.al, "al.shssh.tirane", ["receipts", "--all", "--json"])
        #expect(receipts.status == 0, "\(receipts.stderr)")
        let failed = receipts.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
            .first { $0["receipt"]?["receipt"] == "failed" && $0["receipt"]?["recipient"] == "xk.social.prishtine" }
        #expect(failed?["receipt"]?["by"] == "al.ura.gateway", "\(receipts.stdout)")

        // Kosovo returns; Albania's secretariat redrives the dead letter; it is delivered.
        try await pair.restartKosovo(port: xkPort)
        let redriven = try pair.curl(data: pair.al, cert: "agencies/al.mpb.secretariat/tls.crt", key: "agencies/al.mpb.secretariat/tls.key", ca: pair.al,
                                     "POST", pair.alDaemon.url + "/v1/monitor/dead-letters/\(id)/xk.social.prishtine/redrive")
        #expect(redriven.status == 200, "\(redriven.body)")
        let fetched = try await Processes.offPool {
            try pair.poll { try pair.ura(pair.xk, "xk.social.prishtine", ["inbox", "--json"]).stdout.contains(id.rawValue) }
        }
        #expect(fetched, "Kosovo's social service never got the redriven message")
        let settled = try await Processes.offPool { try pair.delivery(id.rawValue, to: "xk.social.prishtine") { $0["state"] == "delivered" } }
        #expect(settled?["state"] == "delivered", "\(String(describing: settled))")
        await pair.close()
    }
}

extension FederationEndToEndTests {
    /// Kosovo re-enrols its social service with new keys: Albania learns the new key from Kosovo's
    /// next signed directory and takes messages signed with it; a message signed with the key Kosovo
    /// retired is refused; the delivered receipt that service signed with its old key, before,
    /// still checks out for the Albanian sender.
    @Test(.timeLimit(.minutes(5))) func anAgencysNewKeyCrossesTheBorderWithTheNextDirectory() async throws {
        let pair = try await GatewayPair.start()
        let social = "xk.social.prishtine", sender = "al.shssh.tirane"
        // Before: an E2 from Albania, acknowledged by Kosovo's social service (its receipt signed with the old key).
        let before = try await pair.sendAssessmentRequest(caseReference: "AL-2026-000111")
        let delivered = try await Processes.offPool {
            try pair.poll {
                _ = try pair.ura(pair.xk, social, ["inbox", "--json"])
                let status = try pair.ura(pair.al, sender, ["status", before, "--json"])
                return ((try? JSONValue(parsing: status.stdout))?["deliveries"]?.arrayValue ?? [])
                    .contains { $0["recipient"] == .string(social) && $0["state"] == "delivered" }
            }
        }
        #expect(delivered)
        let notice = try pair.example("notice", caseReference: "AL-2026-000111", marker: "x")
        let signedWithTheOldKey = try pair.seal(pair.xk, as: social, type: "notice", to: [sender], caseReference: "AL-2026-000111", form: notice)

        // Kosovo's operator re-enrols the service with new keys and tells its urad.
        let folder = pair.root.appendingPathComponent("new-keys")
        let rotated = try await Processes.offPool { () -> Processes.Result in
            _ = try Processes.run("ura", ["keys", "generate", "--out", folder.path, "--agency", social])
            _ = try Processes.run("ura", ["cert", "request", "--agency", social, "--key", folder.appendingPathComponent("tls.key").path,
                                          "--out", folder.appendingPathComponent("tls.csr").path])
            return try Processes.run("ura", ["admin", "enrol", "--data-dir", pair.xk.path, "--csr", folder.appendingPathComponent("tls.csr").path,
                                             "--kind", "social", "--keys", folder.appendingPathComponent("keys.json").path,
                                             "--out", folder.appendingPathComponent("tls.crt").path, "--reload"])
        }
        #expect(rotated.status == 0, "\(rotated.stdout) \(rotated.stderr)")

        // Albania takes a message signed with the new key once Kosovo's next directory has reached it
        // (refused until then: the key is unknown to it).
        let newKey = folder.appendingPathComponent("signing.key").path
        let accepted = try await Processes.offPool { () -> (status: Int, body: String) in
            var answer: (status: Int, body: String) = (0, "")
            _ = try pair.poll {
                let fresh = try pair.seal(pair.xk, as: social, type: "notice", to: [sender], caseReference: "AL-2026-000111",
                                          form: notice, signingKeyFile: newKey)
                answer = try pair.relayToAlbania(fresh, recipient: sender)
                return answer.status == 202
            }
            return answer
        }
        #expect(accepted.status == 202, "\(accepted.body)")
        // The retired key signs nothing new.
        let old = try pair.relayToAlbania(signedWithTheOldKey, recipient: sender)
        #expect(old.status == 403 || old.status == 422, "\(old.status) \(old.body)")
        #expect(old.body.contains("signing-key") || old.body.contains("retired"), "\(old.body)")
        // The receipt signed with the old key before the rotation still checks out for the sender.
        let receipts = try pair.ura(pair.al, sender, ["receipts", "--all", "--json"])
        #expect(receipts.status == 0, "\(receipts.stderr)")
        let lines = receipts.stdout.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
        #expect(lines.contains { $0["receipt"]?["receipt"] == "delivered" && $0["receipt"]?["by"] == .string(social)
                                 && $0["receipt"]?["message"] == .string(before) }, "\(receipts.stdout)")
        await pair.close()
    }
}
