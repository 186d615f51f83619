import UraClient
import Foundation
import UraCrypto
import UraDaemon
import UraGatewayAPI
import UraGatewayCore
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema
import UraStore
import UraStoreSQLite
import UraTestSupport

/// The scenario `scripts/e2e/dashboard.sh` opens in Chromium: urad's listeners in process on a
/// test clock, so that a retry, a dead letter and an overdue deadline exist at once and stay put.
enum DashboardScenario {
    static let mission = AgencyID(validated: "al.mepj.mission.gr-athens"), secretariat = AgencyID(validated: "al.mpb.secretariat")
    static let police = AgencyID(validated: "al.police.dvp-tirane")
    static let shelter = AgencyID(validated: "al.shelter.qkpvt"), otherShelter = AgencyID(validated: "al.shelter.tjeter-vizion")

    static func run(data: URL, schemas: URL) async throws {
        let clock = TestClock(Date())
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1",
                             now: clock.now)
        // Both shelters push to a port where nothing listens: every attempt is refused.
        let directoryFile = data.appendingPathComponent("directory.json")
        var directory = try DirectoryFile.read(directoryFile)
        for id in [shelter, otherShelter] {
            guard var agency = directory[id] else { continue }
            agency.delivery = .push(url: "https://127.0.0.1:1/ura/inbox")
            directory.upsert(agency)
        }
        try DirectoryFile.write(directory, to: directoryFile)

        let daemon = try Daemon.startInProcess(data: data, schemas: schemas, clock: clock)
        let g = daemon.gateway
        let catalogue = try MessageCatalogue(directory: schemas)

        func key(_ agency: AgencyID) throws -> SigningKey {
            try SigningKey(contentsOfFile: data.appendingPathComponent("agencies/\(agency)/signing.key").path)
        }
        func example(_ type: String, _ caseReference: String) throws -> JSONValue {
            guard case .object(var form) = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json"))))
            else { return .null }
            form["case"] = .string(caseReference)
            if case .object(var person)? = form["person"] {
                person["family_name"] = "MARKER-DASHBOARD-SECRET"
                form["person"] = .object(person)
            }
            return .object(form)
        }
        func send(_ type: String, from: AgencyID, to: [AgencyID], caseReference: String, subject: SubjectCategory,
                  lifetime: Duration = .seconds(30 * 86_400)) async throws -> MessageID {
            var draft = MessageComposer.Draft(type: MessageType(validated: type), to: to, caseReference: CaseReference(validated: caseReference),
                                              subject: subject, form: try example(type, caseReference))
            draft.lifetime = lifetime
            let composer = MessageComposer(agency: from, signingKey: try key(from), directory: g.directory.snapshot.directory, catalogue: catalogue)
            return try await g.intake.submit(try composer.compose(draft, now: clock.now), from: from).messageID
        }

        // Delivered: a mission's report, fetched and acknowledged by the secretariat a minute later.
        let found = try await send("return.found-abroad", from: mission, to: [secretariat, AgencyID(validated: "al.mepj")],
                                   caseReference: "AL-2026-000901", subject: .child)
        // The mission reports it again: the same obligation, linked to the first report's deadline, not a second one.
        _ = try await send("return.found-abroad", from: mission, to: [secretariat, AgencyID(validated: "al.mepj")],
                           caseReference: "AL-2026-000901", subject: .child)
        clock.advance(by: .seconds(60))
        for job in try await g.inbox.fetch(for: secretariat, limit: 10, wait: .zero) where job.message == found {
            let receipt = try MessageComposer.deliveredReceipt(for: job.message, digest: job.digest, by: secretariat, key: try key(secretariat), at: clock.now)
            try await g.inbox.acknowledge(message: job.message, by: secretariat, receipt: receipt)
        }
        // A declaration on the case.
        let secretariatKeys = g.directory.snapshot.encryptionKeys(of: secretariat, at: clock.now)
        let declaration = try SignedDeclaration.sign(id: MessageID.random().rawValue, caseReference: CaseReference(validated: "AL-2026-000901"),
                                                   role: .interpreter, agency: police, declaredOn: LocalTime.dateString(from: clock.now),
                                                   formDigest: Base64URL.encode(SHA256.hash(Array("A1".utf8))), name: "MARKER-DASHBOARD-SECRET",
                                                   secretariatKeys: secretariatKeys, key: try key(police))
        _ = try await g.declarations.record(declaration, from: g.directory.snapshot[police]!)

        // Retrying: a referral to a shelter that cannot be reached. Dead: one that expires first.
        _ = try await send("referral.shelter", from: police, to: [shelter], caseReference: "AL-2026-000902", subject: .adult)
        _ = try await send("referral.shelter", from: police, to: [otherShelter], caseReference: "AL-2026-000903", subject: .adult,
                           lifetime: .seconds(90))
        await g.deliveries.runOnce()
        clock.advance(by: .seconds(120))
        await g.deliveries.runOnce()

        // Overdue: the secretariat has not asked for the assessments by the end of the working day.
        if let due = try g.store.pendingDeadlines(limit: 10).first(where: { $0.trigger == found })?.due, due > clock.now {
            clock.set(due.addingTimeInterval(1))
        }
        await g.deadlines.runOnce()
        await g.alerts.runOnce()
        _ = try await g.ledger.checkpoint(now: clock.now)
        g.ledgerVerifications.run(g.ledger, at: clock.now, events: g.events)

        FileHandle.standardOutput.write(Data("ADMIN \(daemon.adminPort ?? 0)\nREADY\n".utf8))
        while readLine() != nil {}
        await daemon.stop()
    }
}
