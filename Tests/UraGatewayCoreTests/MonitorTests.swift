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
import UraStore
import UraStoreSQLite
import UraTestTraits

/// The monitor's figures against a scenario with known counts: deliveries acknowledged, waiting,
/// retrying at an unreachable push endpoint and given up; an overdue deadline; the alerts that
/// follow; and nothing from a body, a name or a key in the figures or the metrics.
@Suite(.offThePool) struct MonitorTests {
    @Test func theFiguresMatchAScenarioWithKnownCounts() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter, f.secretariat], default: .fail("connection refused"))
        let g = f.monitoredGateway(transport: transport)
        let marker = "MARKER-\(UUID().uuidString)"

        // Three messages for the secretariat (pull): two fetched and acknowledged 30 s later, one waiting.
        for _ in 0..<3 {
            _ = try await g.intake.submit(try f.message(from: f.police, to: [f.secretariat], note: marker), from: f.police.id)
        }
        // Three for the shelter (push, unreachable): two retry, one expires into a dead letter.
        for lifetime: TimeInterval in [30 * 86_400, 30 * 86_400, 10] {
            _ = try await g.intake.submit(try f.message(from: f.police, to: [f.shelter], lifetime: lifetime, note: marker), from: f.police.id)
        }
        // A formal interview of a child: its status decision is due the same day.
        try await f.store.recordDeclaration(DeclarationRecord(id: "d1", caseReference: CaseReference("AL-2026-000042"), role: .interviewer,
                                                              agency: f.police.id, declaredOn: "2026-11-24", formDigest: "x", encryptedName: [1],
                                                              recordedAt: f.clock.now))
        _ = try await g.intake.submit(try f.message(from: f.police, to: [f.secretariat], type: "identification.formal-interview.child",
                                                    subject: .child, participants: [.interviewer], note: marker), from: f.police.id)

        f.clock.advance(by: .seconds(30))
        let claimed = try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 2, maxBytes: .max, leaseUntil: f.clock.now.addingTimeInterval(60))
        for job in claimed {
            _ = try await f.store.record(.delivered(receipt: try ScriptedTransport.receipt(for: job, by: f.secretariat), at: f.clock.now),
                                         for: job.message, recipient: f.secretariat.id)
        }
        await g.deliveries.runOnce()

        let report = MonitorReport(gateway: g)
        var overview = try report.overview()
        func agency(_ id: AgencyID) -> JSONValue? { overview["agencies"]?.arrayValue?.first { $0["agency"]?.stringValue == id.rawValue } }
        let secretariat = try #require(agency(f.secretariat.id))
        // Pending: the third message, the interview record, and the dead-letter alert below.
        #expect(secretariat["delivered"] == 2 && secretariat["pending"] == 3 && secretariat["dead_letter"] == 0, "\(secretariat)")
        #expect(secretariat["success_rate"] == 1)
        let shelter = try #require(agency(f.shelter.id))
        #expect(shelter["retry_scheduled"] == 2 && shelter["dead_letter"] == 1 && shelter["delivered"] == 0)
        #expect(shelter["success_rate"] == 0)
        // Two attempts failed; the expired message was given up without an attempt.
        #expect(shelter["reachability"]?["state"] == "failing" && shelter["reachability"]?["consecutive_failures"] == 2, "\(shelter)")
        #expect(shelter["reachability"]?["last_error"]?.stringValue?.contains("connection refused") == true)
        #expect(overview["latency_seconds"]?["count"] == 2 && overview["latency_seconds"]?["p50"] == 30 && overview["latency_seconds"]?["p99"] == 30)
        #expect(overview["deliveries"]?["delivered"] == 2 && overview["deliveries"]?["retry_scheduled"] == 2)

        // The dead letter, with its reason, and one alert about it in the secretariat's inbox.
        let dead = try report.deadLetters()["dead_letters"]?.arrayValue ?? []
        #expect(dead.count == 1 && dead.first?["recipient"]?.stringValue == f.shelter.id.rawValue)
        #expect(dead.first?["reason"]?.stringValue?.contains("expire") == true)
        #expect(f.metrics.value("ura_alerts_total", ["dead-letter"]) == 1)

        // The same-day deadline passes: overdue first in the list, counted in the overview.
        f.clock.set(RFC3339.date(from: "2026-11-24T15:00:01Z")!)
        #expect(await g.deadlines.runOnce() == 1)
        let deadlines = try report.deadlines()["deadlines"]?.arrayValue ?? []
        #expect(deadlines.first?["state"] == "overdue" && deadlines.first?["expected"] == ["identification.status-decision"])
        overview = try report.overview()
        #expect(overview["deadlines"]?["overdue"] == 1)

        // The shelter has failed for more than 30 minutes by now: one alert, not two.
        await g.deliveries.runOnce()
        #expect(await g.alerts.runOnce() == 1)
        #expect(await g.alerts.runOnce() == 0)
        #expect(f.metrics.value("ura_alerts_total", ["agency-unreachable"]) == 1)
        let inbox = try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 100, maxBytes: .max, leaseUntil: f.clock.now)
        let alerts = try inbox.filter { $0.type == AlertWatcher.noticeType }.map { job in
            let envelope = try JSONDecoder().decode(Envelope.self, from: Data(try JWS.parse(job.signedBytes).payload))
            return try JSONValue(parsing: try JWE.parse(json: envelope.body).decrypt(with: f.secretariat.encryption).plaintext)
        }
        #expect(Set(alerts.compactMap { $0["kind"]?.stringValue }) == ["dead-letter", "agency-unreachable"])
        #expect(alerts.first { $0["kind"] == "agency-unreachable" }?["agency"]?.stringValue == f.shelter.id.rawValue)

        // A redrive puts the dead letter back in the queue; the shelter answers; it recovers.
        let letter = try #require(dead.first)
        transport.always(.deliver)
        try await g.deliveries.redrive(message: try MessageID(letter["message"]?.stringValue ?? ""), recipient: f.shelter.id, by: "test")
        await g.deliveries.runOnce()
        overview = try report.overview()
        #expect(agency(f.shelter.id)?["dead_letter"] == 0 && agency(f.shelter.id)?["reachability"]?["state"] == "reachable")

        // The ledger: entries, checkpoint, a verification that found it intact.
        _ = try await g.ledger.checkpoint(now: f.clock.now)
        g.ledgerVerifications.run(g.ledger, at: f.clock.now, events: g.events)
        let ledger = try report.ledger()
        #expect((ledger["entries"]?.intValue ?? 0) > 10 && ledger["last_checkpoint"]?["tree_size"] == ledger["entries"])
        #expect(ledger["last_verification"]?["intact"] == true)

        // Nothing personal anywhere: not the marker in the bodies, no key, no name — figures or metrics.
        let everything = [try report.overview(), try report.agencies(), try report.deadlines(), try report.deadLetters(), try report.ledger(),
                          try report.messages(MessageFilter())].map { $0.serializedString() }.joined() + f.metrics.render()
        #expect(!everything.contains(marker))
        #expect(!everything.contains("PRIVATE KEY") && !everything.contains("\"d\":"))
        for key in [f.police, f.secretariat, f.shelter] {
            #expect(!everything.contains(key.encryption.publicKey.jwk["x"]?.stringValue ?? "—"))
        }
        #expect(!f.metrics.render().contains("AL-2026"), "a case reference in a metric label")
    }

    @Test func theMetricsCarryQueueDepthsDeadlinesAndTheLedger() async throws {
        let f = try GatewayFixture()
        let g = f.monitoredGateway(transport: ScriptedTransport([f.shelter], default: .fail("connection refused")))
        _ = try await g.intake.submit(try f.message(from: f.police, to: [f.shelter]), from: f.police.id)
        await g.deliveries.runOnce()
        let text = f.metrics.render()
        #expect(text.contains("ura_queue_depth{state=\"retry_scheduled\"} 1"))
        #expect(text.contains("ura_agency_consecutive_failures{agency=\"al.shelter.qkpvt\"} 1"))
        #expect(text.contains("ura_messages_accepted_total{type=\"notice\"} 1"))
        #expect(text.contains("# TYPE ura_deadlines_overdue gauge") && text.contains("ura_ledger_entries "))
    }
}
