import Foundation
import UraDaemon
import UraGatewayCore
import UraModel
import UraProtocol
import UraProvisioning
import UraStore
import UraTestSupport

/// The store `Benchmarks/dashboard.sh` times the dashboard over: the demo directory grown to
/// `agencies` agencies and `messages` messages spread over the last 30 days (a case per 20
/// messages, two in three delivered, one in fifty given up, a deadline per ten), committed straight
/// to the store — the signing and checking of intake is not what is measured.
enum DashboardScale {
    static func run(data: URL, schemas: URL, agencies agencyCount: Int, messages messageCount: Int) async throws {
        let now = RFC3339.date(from: "2026-12-07T10:00:00Z")!
        let clock = TestClock(now)
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1",
                             now: clock.now)
        let directoryFile = data.appendingPathComponent("directory.json")
        var directory = try DirectoryFile.read(directoryFile)
        let template = directory.agencies.first { $0.kind == .police }!
        let kinds: [AgencyKind] = [.police, .social, .child, .shelter, .health, .border, .education, .mission]
        for i in directory.agencies.count..<agencyCount {
            var agency = template
            agency.id = AgencyID(validated: String(format: "al.bench.a%04d", i))
            agency.name = "Institucioni \(i)"
            agency.kind = kinds[i % kinds.count]
            agency.delivery = .pull
            agency.keys = []          // a key is registered to one agency only; these never sign
            agency.certificates = []
            directory.upsert(agency)
        }
        try DirectoryFile.write(directory, to: directoryFile)

        let daemon = try Daemon.startInProcess(data: data, schemas: schemas, clock: clock)
        let store = daemon.gateway.store
        let ids = directory.agencies.map(\.id)
        let types = ["referral.shelter", "return.found-abroad", "protection.emergency-measure", "reintegration.monitoring-report"].map { MessageType(validated: $0) }
        let started = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lanes = 16
            for lane in 0..<lanes {
                group.addTask {
                    for i in stride(from: lane, to: messageCount, by: lanes) {
                        let at = now.addingTimeInterval(-Double(messageCount - i) * (30 * 86_400 / Double(messageCount)))
                        let from = ids[i % ids.count], to = [ids[(i * 7 + 1) % ids.count], ids[(i * 13 + 2) % ids.count]].filter { $0 != from }
                        let caseReference = CaseReference(validated: String(format: "AL-2026-%06d", i / 20 + 1))
                        let id = MessageID.random()
                        let metadata = MessageMetadata(id: id, type: types[i % types.count], from: from, to: Array(Set(to)).sorted(),
                                                       caseReference: caseReference, subject: i % 3 == 0 ? .child : .adult, priority: .normal,
                                                       created: at, expires: at.addingTimeInterval(60 * 86_400), inReplyTo: nil, participants: nil,
                                                       county: County.allCases[i % County.allCases.count])
                        var effects = DeadlineEffects()
                        if i % 10 == 0 {
                            effects.arm = [Deadline(id: "\(id)/0", caseReference: caseReference, trigger: id, triggerType: metadata.type,
                                                    expected: [MessageType(validated: "ap.decision")], responsible: [to.first ?? from],
                                                    rule: .days(7), armedAt: at, due: at.addingTimeInterval(7 * 86_400),
                                                    obligation: "\(metadata.type.rawValue)#0 \((to.first ?? from).rawValue)")]
                        }
                        let message = AcceptedMessage(metadata: metadata, signedBytes: Array("{\"payload\":\"\(id)\"}".utf8), digest: String(repeating: "A", count: 43),
                                                      acceptedAt: at, acceptedReceipt: Array("accepted".utf8),
                                                      channels: Dictionary(uniqueKeysWithValues: metadata.to.map { ($0, DeliveryChannel.pull) }),
                                                      senderKind: kinds[i % kinds.count], deadlines: effects)
                        _ = try await store.commit(message)
                        for recipient in metadata.to where i % 3 != 2 {
                            let outcome: DeliveryOutcome = i % 50 == 0 ? .failed(error: "expired", at: at.addingTimeInterval(3600), failedReceipt: [1])
                                                                       : .delivered(receipt: [1], at: at.addingTimeInterval(Double(5 + i % 120)))
                            _ = try await store.record(outcome, for: id, recipient: recipient)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        FileHandle.standardError.write(Data("filled \(messageCount) messages, \(ids.count) agencies in \(Int(Date().timeIntervalSince(started))) s\n".utf8))
        FileHandle.standardOutput.write(Data("ADMIN \(daemon.adminPort ?? 0)\nREADY\n".utf8))
        while readLine() != nil {}
        await daemon.stop()
    }
}
