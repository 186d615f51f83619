import Foundation
import Testing
import UraGatewayTestSupport
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
import UraStoreSQLite
import UraTestSupport
import UraTestTraits

/// The whole message path over real TLS on 127.0.0.1: the real urad, the real ura, curl with client
/// certificates, and a shelter's push endpoint.
@Suite(.offThePool, .serialized) struct EndToEndTests {
    @Test(.timeLimit(.minutes(3))) func aMissionReportsAFoundVictimAndTheSecretariatReadsIt() async throws {
        let s = try await Scenario.start()
        let marker = "MARKER-\(UUID().uuidString)"
        let form = try s.example("return.found-abroad", caseReference: "AL-2026-000042", marker: marker)
        let formFile = s.root.appendingPathComponent("found.json")
        try Data(form.serialized()).write(to: formFile)

        let sent = try s.ura("al.mepj.mission.gr-athens", ["send", formFile.path, "--type", "return.found-abroad", "--to", "al.mpb.secretariat",
                                                           "--case", "AL-2026-000042", "--subject", "child", "--priority", "immediate"])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stdout.hasPrefix("accepted "))

        let inbox = try s.ura("al.mpb.secretariat", ["inbox", "--json"])
        #expect(inbox.status == 0, "\(inbox.stderr)")
        let record = try JSONValue(parsing: inbox.stdout.split(separator: "\n").first.map(String.init) ?? "")
        #expect(record["type"] == "return.found-abroad" && record["from"] == "al.mepj.mission.gr-athens")
        // The terminal gets metadata; the form is in the record the inbox kept (0600).
        #expect(record["form"] == nil && !inbox.stdout.contains(marker))
        let kept = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: try #require(record["record"]?.stringValue)))))
        #expect(kept["form"]?["person"]?["family_name"]?.stringValue == marker)

        let receipts = try s.ura("al.mepj.mission.gr-athens", ["receipts"])
        #expect(receipts.status == 0 && receipts.stdout.contains("delivered") && receipts.stdout.contains("al.mpb.secretariat"), "\(receipts)")
        #expect(try s.ura("al.mpb.secretariat", ["inbox"]).stdout.contains("the inbox is empty"))

        // The gateway routed it without ever holding the plaintext.
        s.daemon.stop()
        #expect(try s.dataDirectoryContains(marker) == [])
        await s.close()
    }

    /// A mission whose receipts are signed per batch, against a real urad: `ura send` checks the
    /// ledger receipt (the batch's head, its path, its claims) against the signed directory.
    @Test(.timeLimit(.minutes(3))) func aMissionWhoseReceiptsAreSignedPerBatchChecksItsLedgerReceipt() async throws {
        let mission = "al.mepj.mission.gr-athens"
        let s = try await Scenario.start(receiptsPerBatch: [mission])
        let form = try s.example("return.found-abroad", caseReference: "AL-2026-000042", marker: "M")
        let formFile = s.root.appendingPathComponent("found.json")
        try Data(form.serialized()).write(to: formFile)
        let sent = try s.ura(mission, ["send", formFile.path, "--type", "return.found-abroad", "--to", "al.mpb.secretariat",
                                       "--case", "AL-2026-000042", "--subject", "child", "--json"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let answer = try JSONValue(parsing: sent.stdout)
        #expect(answer["receipt"]?["typ"] == "ura-ledger-receipt+json" && answer["receipt"]?["signed_head"]?["protected"] != nil, "\(sent.stdout)")
        #expect(answer["receipt"]?["message"] == answer["message"] && answer["status"] == 202)
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aShelterWithAPushEndpointReceivesAReferral() async throws {
        let s = try await Scenario.start(pushShelter: true)
        let marker = "MARKER-\(UUID().uuidString)"
        let formFile = s.root.appendingPathComponent("referral.json")
        try Data(try s.example("referral.shelter", caseReference: "AL-2026-000043", marker: marker).serialized()).write(to: formFile)
        let sent = try s.ura("al.police.dvp-tirane", ["send", formFile.path, "--type", "referral.shelter", "--to", "al.shelter.qkpvt",
                                                      "--case", "AL-2026-000043", "--subject", "adult", "--json"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let id = try #require(try JSONValue(parsing: sent.stdout)["message"]?.stringValue)

        // urad pushes on its own; wait for the shelter's endpoint to have it (each try is a real request).
        var delivered = false
        for _ in 0..<200 where !delivered {
            let status = try s.ura("al.police.dvp-tirane", ["status", id, "--json"])
            delivered = (try? JSONValue(parsing: status.stdout))?["deliveries"]?[0]?["state"] == "delivered"
        }
        #expect(delivered)
        let received = try #require(s.push?.received.all.first)
        #expect(received.envelope.id.rawValue == id && received.form["person"]?["family_name"]?.stringValue == marker)
        let receipts = try s.ura("al.police.dvp-tirane", ["receipts", "--json"])
        let receipt = try JSONValue(parsing: receipts.stdout.split(separator: "\n").first.map(String.init) ?? "")
        #expect(receipt["receipt"]?["receipt"] == "delivered" && receipt["receipt"]?["by"] == "al.shelter.qkpvt")

        s.daemon.stop()
        #expect(try s.dataDirectoryContains(marker) == [])
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func theSameFlowsWorkWithCurlAgainstTheRawAPI() async throws {
        let s = try await Scenario.start()
        let id = MessageID.random()
        let message = try s.seal(as: "al.mepj.mission.it-rome", type: "return.found-abroad", to: ["al.mpb.secretariat"],
                                 caseReference: "AL-2026-000044", subject: .child,
                                 form: try s.example("return.found-abroad", caseReference: "AL-2026-000044"), id: id)
        let accepted = try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: message)
        #expect(accepted.status == 202 && accepted.body?["payload"] != nil)
        let again = try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: message)
        #expect(again.status == 200 && again.body == accepted.body)

        let inbox = try s.curl("al.mpb.secretariat", "GET", "/v1/inbox?wait=2")
        #expect(inbox.status == 200)
        let item = try #require(inbox.body?["messages"]?[0])
        #expect(item["id"]?.stringValue == id.rawValue)
        let jws = try JWS.parse(try #require(item["message"]).serialized())
        let digest = Base64URL.encode(SHA256.hash(jws.signingInput()))
        #expect(item["digest"]?.stringValue == digest)
        let receipt = try MessageComposer.deliveredReceipt(for: id, digest: digest, by: AgencyID("al.mpb.secretariat"),
                                                           key: try s.signingKey("al.mpb.secretariat"))
        #expect(try s.curl("al.mpb.secretariat", "POST", "/v1/inbox/\(id)/ack", body: receipt).status == 200)

        let feed = try s.curl("al.mepj.mission.it-rome", "GET", "/v1/receipts")
        #expect(feed.body?["receipts"]?[0]?["kind"] == "delivered")
        let status = try s.curl("al.mepj.mission.it-rome", "GET", "/v1/messages/\(id)")
        #expect(status.body?["deliveries"]?[0]?["state"] == "delivered")
        // Someone else's message does not exist for a third agency.
        #expect(try s.curl("al.police.dvp-tirane", "GET", "/v1/messages/\(id)").status == 404)
        await s.close()
    }
}

/// Signals reach urad at any moment: `systemctl reload` right after `start` must not kill it.
@Suite(.offThePool) struct DaemonSignalTests {
    @Test(.timeLimit(.minutes(2))) func aReloadAskedForWhileStartingWaitsAndThenRuns() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ura-signal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let process = try ChildProcess(Processes.products.appendingPathComponent("urad").path, ["--data-dir", data.path],
                                       environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0", "URA_LOG_LEVEL": "info"])
        var seen = ""
        var signalled = false
        while !seen.contains("listening on https://") {
            let chunk = process.output.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            // Printed on a first run after the demo is created and before the store is opened.
            if !signalled && seen.contains("Created a demo") {
                process.signal(SIGHUP)
                signalled = true
            }
        }
        #expect(signalled && seen.contains("listening on https://"), "\(seen)")
        // The reload asked for during the start runs once urad is up.
        var log = ""
        while !log.contains("directory.reloaded") {
            let chunk = process.errors.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        #expect(log.contains("directory.reloaded") && process.isRunning, "\(log)")
        process.signal(SIGTERM)
        #expect(process.wait() == 0)
    }

    /// `systemctl reload` and then `stop` at once: the stop waits for the reload (which loads TLS
    /// files with OpenSSL) instead of exiting under it. Several rounds, as it is a race.
    @Test(.timeLimit(.minutes(3))) func aStopRightAfterAReloadWaitsForItAndExitsCleanly() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ura-signal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        for round in 0..<6 {
            let process = try ChildProcess(Processes.products.appendingPathComponent("urad").path, ["--data-dir", data.path],
                                           environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0", "URA_LOG_LEVEL": "info"])
            var seen = ""
            while !seen.contains("listening on https://") {
                let chunk = process.output.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
            }
            ChildProcess.discard(process.output)
            process.signal(SIGHUP)
            process.signal(SIGTERM)
            let log = String(decoding: process.errors.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.wait() == 0, "round \(round): \(log)")
            // Signals sent together may be taken in either order; a reload that ran ended before the stop began.
            if let reloaded = log.range(of: "tls.reloaded"), let stopping = log.range(of: "urad.stopping") {
                #expect(reloaded.upperBound < stopping.lowerBound, "round \(round): \(log)")
            }
            #expect(log.contains("urad.stopped"), "round \(round): \(log)")
        }
    }
}
