import Foundation
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
import UraStore
import UraStoreSQLite

/// A gateway core on a real SQLite file in a temporary directory, with a test clock, a directory of
/// real keys and the test catalogue. Messages are really signed and encrypted.
package final class GatewayFixture: @unchecked Sendable {
    package let directoryURL: URL
    package let clock: TestClock
    package let signer: GatewaySigner
    package var store: SQLiteStore
    package let book: DirectoryBook
    package let catalogue: MessageCatalogue
    package let calendar: WorkingCalendar
    package let metrics = MetricsRegistry()
    package private(set) var intake: Intake

    package let police: TestAgency, secretariat: TestAgency, shelter: TestAgency, child: TestAgency, social: TestAgency
    package let committee: TestAgency, suspended: TestAgency
    package let mission: TestAgency, foreign: TestAgency, counterpart: TestAgency, border: TestAgency, health: TestAgency

    static let start = RFC3339.date(from: "2026-11-24T09:00:00Z")!  // a Tuesday, 10:00 in Tirane

    package init(schemas: URL? = nil) throws {
        directoryURL = FileManager.default.temporaryDirectory.appendingPathComponent("ura-gw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directoryURL, withIntermediateDirectories: true)
        clock = TestClock(Self.start)
        signer = GatewaySigner(id: try AgencyID("al.ura.gateway"), key: try SigningKey.generate())
        police = try TestAgency("al.police.dvp-tirane", .police)
        secretariat = try TestAgency("al.mpb.secretariat", .secretariat)
        shelter = try TestAgency("al.shelter.qkpvt", .shelter, delivery: .push(url: "https://shelter.invalid/ura"))
        child = try TestAgency("al.ashdmf.tirane", .child)
        social = try TestAgency("al.shssh.tirane", .social)
        committee = try TestAgency("al.krat.tirane", .committee)
        suspended = try TestAgency("al.police.dvp-closed", .police)
        mission = try TestAgency("al.mepj.mission.gr-athens", .mission)
        foreign = try TestAgency("al.mepj", .foreign)
        counterpart = try TestAgency("gr.ekka.athens", .counterpart)
        border = try TestAgency("al.border.drkm-durres", .border)
        health = try TestAgency("al.health.tirane", .health)
        var agencies = [police, secretariat, shelter, child, social, committee, suspended, mission, foreign, counterpart, border, health].map(\.agency)
        agencies[6].status = .suspended
        let directory = try Directory(version: 1, issued: Self.start, gateway: .init(
            id: signer.id, name: "Ura", keys: [DirectoryKey(kid: signer.key.keyID, use: .sig, jwk: signer.key.publicKey.jwk)]),
            agencies: agencies)
        book = DirectoryBook(try DirectorySnapshot(directory))
        catalogue = try MessageCatalogue(directory: schemas ?? TestCatalogue.make(in: directoryURL))
        calendar = try WorkingCalendar(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../deploy/holidays-al.json"))
        store = try SQLiteStore(path: directoryURL.appendingPathComponent("ura.sqlite").path, ledger: Self.ledger(signer))
        intake = Self.intake(store, book, catalogue, calendar, signer, clock, metrics)
    }

    private static func intake(_ store: SQLiteStore, _ book: DirectoryBook, _ catalogue: MessageCatalogue, _ calendar: WorkingCalendar,
                               _ signer: GatewaySigner, _ clock: TestClock, _ metrics: MetricsRegistry) -> Intake {
        Intake(store: store, directory: book, catalogue: catalogue,
               planner: DeadlinePlanner(catalogue: catalogue.catalogue, calendar: calendar), signer: signer, clock: clock,
               events: GatewayEvents(metrics: metrics))
    }

    package static func ledger(_ signer: GatewaySigner) -> LedgerConfiguration {
        Gateway.ledgerConfiguration(signer)
    }

    /// Opens the store again (after a test edited the file behind its back); `intake` uses it.
    package func reopen() throws {
        store.close()
        store = try SQLiteStore(path: directoryURL.appendingPathComponent("ura.sqlite").path, ledger: Self.ledger(signer))
        intake = Self.intake(store, book, catalogue, calendar, signer, clock, metrics)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directoryURL)
    }

    /// A signed message from `from` to `to`, its body a JWE to the recipients' keys bound to its id.
    package func message(from: TestAgency, to: [TestAgency], type: String = "notice", id: MessageID = .random(),
                 subject: SubjectCategory = .adult, caseReference: String = "AL-2026-000042", inReplyTo: MessageID? = nil,
                 participants: [DeclarantRole]? = nil, created: Date? = nil, lifetime: TimeInterval = 30 * 86_400,
                 note: String = "a note", encryptTo: [TestAgency]? = nil, bindTo: MessageID? = nil,
                 signWith: SigningKey? = nil, mutate: (inout JSONObject) -> Void = { _ in }) throws -> [UInt8] {
        let created = created ?? clock.now
        let form: JSONValue = ["case": .string(caseReference), "note": .string(note)]
        let body = try JWE.encrypt(form.serialized(), to: (encryptTo ?? to).map(\.encryption.publicKey),
                                   protectedHeader: ["ura_msg": .string((bindTo ?? id).rawValue)])
        var envelope: JSONObject = [
            "id": .string(id.rawValue), "type": .string(type), "from": .string(from.id.rawValue),
            "to": .array(to.map { .string($0.id.rawValue) }), "case": .string(caseReference), "subject": .string(subject.rawValue),
            "priority": "normal", "created": .string(RFC3339.string(from: created)),
            "expires": .string(RFC3339.string(from: created.addingTimeInterval(lifetime))), "body": body.json,
        ]
        if let inReplyTo { envelope["in_reply_to"] = .string(inReplyTo.rawValue) }
        if let participants { envelope["participants"] = .array(participants.map { .string($0.rawValue) }) }
        mutate(&envelope)
        let jws = try JWS.sign(payload: JSONValue.object(envelope).serialized(), header: ["typ": "ura-message+json"],
                               with: signWith ?? from.signing)
        return jws.serialized()
    }

    package func submit(_ bytes: [UInt8], as agency: TestAgency) async throws(GatewayError) -> Intake.Submission {
        try await intake.submit(bytes, from: agency.id)
    }

    /// The problem a submission is rejected with (nil when accepted).
    package func rejection(_ bytes: [UInt8], as agency: TestAgency) async -> GatewayError? {
        do {
            _ = try await submit(bytes, as: agency)
            return nil
        } catch {
            return error
        }
    }
}

extension GatewayFixture {
    /// The whole gateway (as the monitor and dashboard tests run it) on the fixture's store, with the shelter's push endpoint refusing.
    package func monitoredGateway(transport: ScriptedTransport) -> Gateway {
        let f = self
        var settings = Gateway.Settings()
        settings.delivery = DeliverySettings(concurrency: 8, perRecipient: 4,
                                             retry: RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60)))
        settings.alertAfterUnreachable = .seconds(30 * 60)
        return Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer, transport: transport, clock: f.clock,
                       calendar: f.calendar, settings: settings, events: GatewayEvents(metrics: f.metrics), random: SplitMix64(seed: 7))
    }
}
