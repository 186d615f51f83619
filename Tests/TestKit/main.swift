// ura-testkit: processes that tests start. Not installed, not part of the product.
//
//   ura-testkit dashboard-scenario DATA SCHEMAS
//     Creates a demo data directory, runs urad's listeners in process on a test clock and builds
//     a scenario for the dashboard script: a delivered message, one retrying at an unreachable
//     push endpoint, a dead letter, an overdue deadline, a declaration, alerts. Prints
//     `ADMIN <port>` and `READY`, then serves until standard input closes.
//
//   ura-testkit dashboard-scale DATA SCHEMAS AGENCIES MESSAGES
//     The same listeners over a store of AGENCIES agencies and MESSAGES messages over 30 days, for
//     Benchmarks/dashboard.sh. Prints `ADMIN <port>` and `READY`, then serves until stdin closes.
//
//   ura-testkit crash-child DIR SCHEMAS
//     Runs a gateway core on DIR (keys and directory created on first run, reused afterwards) and
//     submits signed messages from 8 concurrent submitters forever, printing one line
//     `ACCEPTED <id> <recipients>` per accepted receipt it was handed, flushed at once. The crash
//     test kills it with SIGKILL and checks that every printed message survived.
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

/// One line to stdout in one write(2): nothing is buffered when the process is killed.
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "dashboard-scenario" {
    do { try await DashboardScenario.run(data: URL(fileURLWithPath: arguments[2]), schemas: URL(fileURLWithPath: arguments[3])) } catch {
        FileHandle.standardError.write(Data("dashboard-scenario: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if arguments.count == 6, arguments[1] == "dashboard-scale" {
    do {
        try await DashboardScale.run(data: URL(fileURLWithPath: arguments[2]), schemas: URL(fileURLWithPath: arguments[3]),
                                     agencies: Int(arguments[4]) ?? 1000, messages: Int(arguments[5]) ?? 100_000)
    } catch {
        FileHandle.standardError.write(Data("dashboard-scale: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
guard arguments.count == 4, arguments[1] == "crash-child" else {
    FileHandle.standardError.write(Data("usage: ura-testkit crash-child DIR SCHEMAS | dashboard-scenario DATA SCHEMAS\n".utf8))
    exit(64)
}
let dir = URL(fileURLWithPath: arguments[2])
let schemas = URL(fileURLWithPath: arguments[3])

func key(_ name: String, make: () throws -> String) throws -> String {
    let path = dir.appendingPathComponent(name).path
    if let data = FileManager.default.contents(atPath: path) { return String(decoding: data, as: UTF8.self) }
    let pem = try make()
    try Data(pem.utf8).write(to: URL(fileURLWithPath: path))
    return pem
}

let gatewayKey = try SigningKey(pem: try key("gateway.pem") { try SigningKey.generate().pkcs8PEM() })
let senderKey = try SigningKey(pem: try key("police.pem") { try SigningKey.generate().pkcs8PEM() })
let recipientKeys = try (0..<3).map { i in
    try AgreementPrivateKey(pem: try key("recipient\(i).pem") { try AgreementPrivateKey.generate().pkcs8PEM() })
}
let signer = GatewaySigner(id: AgencyID(validated: "al.ura.gateway"), key: gatewayKey)
let police = AgencyID(validated: "al.police.dvp-tirane")
let recipientIDs = ["al.mpb.secretariat", "al.shssh.tirane", "al.ashdmf.tirane"].map { AgencyID(validated: $0) }
let directory = try Directory(
    version: 1, issued: Date(), gateway: .init(id: signer.id, name: "Ura", keys: [DirectoryKey(kid: gatewayKey.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)]),
    agencies: [Agency(id: police, kind: .police, name: "DVP", keys: [DirectoryKey(kid: senderKey.keyID, use: .sig, jwk: senderKey.publicKey.jwk)])]
        + zip(recipientIDs, recipientKeys).map { id, k in
            Agency(id: id, kind: id.rawValue.contains("mpb") ? .secretariat : .social, name: id.rawValue,
                   keys: [DirectoryKey(kid: k.keyID, use: .enc, jwk: k.publicKey.jwk)])
        })
let store = try SQLiteStore(path: dir.appendingPathComponent("ura.sqlite").path,
                            ledger: Gateway.ledgerConfiguration(signer))
let catalogue = try MessageCatalogue(directory: schemas)
let calendar = WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: [])
let intake = Intake(store: store, directory: DirectoryBook(try DirectorySnapshot(directory)), catalogue: catalogue,
                    planner: DeadlinePlanner(catalogue: catalogue.catalogue, calendar: calendar), signer: signer, clock: SystemClock(),
                    events: GatewayEvents())

func message() throws -> [UInt8] {
    let id = MessageID.random()
    let count = Int.random(in: 1...3)
    let to = Array(recipientIDs.prefix(count))
    let form: JSONValue = ["case": "AL-2026-000042", "note": .string(String(repeating: "x", count: Int.random(in: 100...4000)))]
    let body = try JWE.encrypt(form.serialized(), to: recipientKeys.prefix(count).map(\.publicKey), protectedHeader: ["ura_msg": .string(id.rawValue)])
    let now = Date()
    let envelope: JSONValue = [
        "id": .string(id.rawValue), "type": "notice", "from": .string(police.rawValue), "to": .array(to.map { .string($0.rawValue) }),
        "case": "AL-2026-000042", "subject": "adult", "created": .string(RFC3339.string(from: now)),
        "expires": .string(RFC3339.string(from: now.addingTimeInterval(86_400))), "body": body.json,
    ]
    return try JWS.sign(payload: envelope.serialized(), header: ["typ": "ura-message+json"], with: senderKey).serialized()
}

await withTaskGroup(of: Void.self) { group in
    for _ in 0..<8 {
        group.addTask {
            while true {
                do {
                    let bytes = try message()
                    let submission = try await intake.submit(bytes, from: police)
                    let count = try JSONValue(parsing: JWS.parse(bytes).payload)["to"]?.arrayValue?.count ?? 0
                    emit("ACCEPTED \(submission.messageID) \(count)")
                } catch {
                    FileHandle.standardError.write(Data("crash-child: \(error)\n".utf8))
                    exit(1)
                }
            }
        }
    }
}
