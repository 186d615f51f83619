import Foundation
import Testing
import UraClient
import UraCrypto
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraPostgresTestSupport
import UraProtocol
import UraTestTraits

/// Two real urad processes (copies of one data directory: same keys, certificates and directory)
/// on one PostgreSQL database, under concurrent submissions to both: every message reaches its
/// recipient exactly once after acks, the same message sent to both nodes at once is stored once
/// with one receipt, and the ledger both nodes serve is one ledger that the agencies' audit verifies.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresNodesEndToEndTests {
    /// `curl` against `base` as `agency` (Scenario.curl talks to its own urad only).
    static func curl(_ s: Scenario, _ base: String, _ agency: String, _ method: String, _ path: String,
                     body: [UInt8]? = nil) throws -> (status: Int, body: JSONValue?, raw: String) {
        var arguments = ["-sS", "--cacert", s.data.appendingPathComponent("ca/ca.crt").path, "-X", method, "-o", "-", "-w", "\n%{http_code}",
                         "--cert", s.agencyFolder(agency).appendingPathComponent("tls.crt").path,
                         "--key", s.agencyFolder(agency).appendingPathComponent("tls.key").path]
        if body != nil { arguments += ["-H", "Content-Type: application/jose+json", "--data-binary", "@-"] }
        let result = try Processes.run("/usr/bin/curl", arguments + [base + path], input: body)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.dropLast().joined(separator: "\n")
        return (Int(lines.last ?? "") ?? -1, try? JSONValue(parsing: Array(text.utf8)), text)
    }

    /// Two and three urad nodes on one database.
    @Test(.timeLimit(.minutes(5)), arguments: [2, 3])
    func nodesUnderLoadDeliverEachMessageOnceAndKeepOneLedger(count: Int) async throws {
        let server = try await PostgresServer.shared()
        let env = ["URA_STORE__BACKEND": "postgres", "URA_STORE__URL": server.url(database: try await server.createDatabase())]
        let s = try await Scenario.start(environment: env)
        var others: [RunningDaemon] = []
        for k in 1..<count {
            let data = s.root.appendingPathComponent("data-\(k)")
            try FileManager.default.copyItem(at: s.data, to: data)
            others.append(try await RunningDaemon.start(dataDirectory: data, environment: env))
        }
        let nodes = [s.daemon.url] + others.map(\.url)
        let senders = ["al.mepj.mission.it-rome", "al.mepj.mission.gr-athens"]
        let recipient = "al.mpb.secretariat"

        // 60 messages from two senders, each to one node, 6 of them to every node at once.
        var messages: [(id: MessageID, bytes: [UInt8], nodes: [String])] = []
        for i in 0..<60 {
            let reference = String(format: "AL-2026-%06d", 800 + i)
            let id = MessageID.random()
            let bytes = try s.seal(as: senders[i % 2], type: "return.found-abroad", to: [recipient], caseReference: reference,
                                   subject: .child, form: try s.example("return.found-abroad", caseReference: reference), id: id)
            messages.append((id, bytes, i % 10 == 0 ? nodes : [nodes[(i / 2) % count]]))
        }
        let answers = try await withThrowingTaskGroup(of: (Int, Int, JSONValue?).self) { group in
            for (index, message) in messages.enumerated() {
                for node in message.nodes {
                    let sender = senders[index % 2]
                    group.addTask {
                        let reply = try await Processes.offPool { try Self.curl(s, node, sender, "POST", "/v1/messages", body: message.bytes) }
                        return (index, reply.status, reply.body)
                    }
                }
            }
            return try await group.reduce(into: [Int: [(Int, JSONValue?)]]()) { $0[$1.0, default: []].append(($1.1, $1.2)) }
        }
        for (index, message) in messages.enumerated() {
            let replies = answers[index] ?? []
            if message.nodes.count > 1 {
                // One node stored it (202); the others found it stored (200) with the same accepted receipt.
                #expect(replies.map(\.0).sorted() == Array(repeating: 200, count: count - 1) + [202], "\(message.id): \(replies.map(\.0))")
                #expect(replies.count == count && Set(replies.map { $0.1?.serializedString() ?? "" }).count == 1 && replies[0].1 != nil)
            } else {
                #expect(replies.map(\.0) == [202], "\(message.id): \(replies)")
            }
        }

        // The secretariat drains its inbox from the nodes in turn, acknowledging through the next one.
        var received: [String] = []
        var emptyInARow = 0
        var turn = 0
        let key = try s.signingKey(recipient)
        while emptyInARow < 2 {
            let node = nodes[turn % count]
            turn += 1
            let inbox = try await Processes.offPool { try Self.curl(s, node, recipient, "GET", "/v1/inbox?limit=7") }
            #expect(inbox.status == 200, "\(inbox.raw)")
            let items = inbox.body?["messages"]?.arrayValue ?? []
            emptyInARow = items.isEmpty ? emptyInARow + 1 : 0
            for item in items {
                let id = try MessageID(try #require(item["id"]?.stringValue))
                let digest = try #require(item["digest"]?.stringValue)
                received.append(id.rawValue)
                let receipt = try MessageComposer.deliveredReceipt(for: id, digest: digest, by: AgencyID(recipient), key: key)
                let other = nodes[turn % count]  // acknowledged through the next node
                let ack = try await Processes.offPool { try Self.curl(s, other, recipient, "POST", "/v1/inbox/\(id)/ack", body: receipt) }
                #expect(ack.status == 200, "\(ack.raw)")
            }
        }
        #expect(received.count == messages.count, "received \(received.count) of \(messages.count)")
        #expect(Set(received) == Set(messages.map(\.id.rawValue)))
        #expect(Set(received).count == received.count, "a message was delivered twice")

        // One ledger: the secretariat audits the first node (keeping its head), then each other
        // node, which must show the same, and recomputes every entry.
        let first = try await s.uraOffPool(recipient, ["audit", "--json"])
        #expect(first.status == 0, "\(first)")
        var size = 0
        for other in others {
            let audit = try await s.uraOffPool(recipient, ["audit", "--json"], gateway: other.url)
            let auditJSON = try? JSONValue(parsing: Array(audit.stdout.utf8))
            #expect(audit.status == 0 && auditJSON?["result"] == "unchanged", "\(audit)")
            size = try #require(auditJSON?["tree_size"]?.intValue)
        }
        let entries = try await s.uraOffPool(recipient, ["audit", "--entries", "--from", "0", "--count", "1000", "--json"], gateway: nodes[count - 1])
        let entriesJSON = try? JSONValue(parsing: Array(entries.stdout.utf8))
        #expect(entries.status == 0 && entriesJSON?["checked"]?.intValue == size, "\(entries)")
        // accepted + leased + delivered for each of the 60 messages at least.
        #expect(size >= 180)

        for other in others { await other.stopOffPool() }
        await s.close()
    }

    /// A node killed (SIGKILL) while it holds inbox leases: the other node does not hand those
    /// messages out while the leases run, then puts them back and delivers each once more.
    @Test(.timeLimit(.minutes(5))) func aKilledNodesLeasesAreTakenOverByTheOther() async throws {
        let server = try await PostgresServer.shared()
        let lease = 15.0
        let env = ["URA_STORE__BACKEND": "postgres", "URA_STORE__URL": server.url(database: try await server.createDatabase()),
                   "URA_INBOX__LEASE_SECONDS": String(Int(lease))]
        let s = try await Scenario.start(environment: env)
        let secondData = s.root.appendingPathComponent("data-b")
        try FileManager.default.copyItem(at: s.data, to: secondData)
        let b = try await RunningDaemon.start(dataDirectory: secondData, environment: env)
        let sender = "al.mepj.mission.it-rome", recipient = "al.mpb.secretariat"
        var ids: Set<String> = []
        for i in 0..<8 {
            let reference = String(format: "AL-2026-%06d", 900 + i)
            let id = MessageID.random()
            let bytes = try s.seal(as: sender, type: "return.found-abroad", to: [recipient], caseReference: reference, subject: .child,
                                   form: try s.example("return.found-abroad", caseReference: reference), id: id)
            #expect(try Self.curl(s, s.daemon.url, sender, "POST", "/v1/messages", body: bytes).status == 202)
            ids.insert(id.rawValue)
        }
        let leasedAt = Date()
        let first = try await Processes.offPool { try Self.curl(s, s.daemon.url, recipient, "GET", "/v1/inbox?limit=100") }
        #expect(Set((first.body?["messages"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }) == ids)
        s.daemon.process.signal(SIGKILL)
        s.daemon.process.wait()

        // While the dead node's leases run, the other node hands none of them out.
        let during = try await Processes.offPool { try Self.curl(s, b.url, recipient, "GET", "/v1/inbox?limit=100") }
        if Date().timeIntervalSince(leasedAt) < lease - 1 {
            #expect(during.status == 200 && during.body?["messages"]?.arrayValue?.isEmpty == true, "\(during.raw)")
        }
        // Then it takes them over: each message once more, as a later attempt, acknowledged once.
        var again: [String: Int] = [:]
        let key = try s.signingKey(recipient)
        // Polled off the cooperative pool (curl blocks); the bound is for a broken build only.
        let clock = ContinuousClock(), deadline = clock.now + .seconds(180)
        var done = false
        while !done && clock.now < deadline {
            let reply = try await Processes.offPool { try Self.curl(s, b.url, recipient, "GET", "/v1/inbox?limit=100&wait=2") }
            for item in reply.body?["messages"]?.arrayValue ?? [] {
                let text = try #require(item["id"]?.stringValue), digest = try #require(item["digest"]?.stringValue)
                let id = try MessageID(text)
                again[text, default: 0] += 1
                // A second attempt at least: on a busy machine the check above may come after the
                // leases lapsed and lease them itself (not acknowledged), making this the third.
                #expect((item["attempt"]?.intValue ?? 0) >= 2, "\(item)")
                let receipt = try MessageComposer.deliveredReceipt(for: id, digest: digest, by: AgencyID(recipient), key: key)
                let ack = try await Processes.offPool { try Self.curl(s, b.url, recipient, "POST", "/v1/inbox/\(id)/ack", body: receipt) }
                #expect(ack.status == 200, "\(ack.raw)")
            }
            done = Set(again.keys) == ids
        }
        #expect(done && again.values.allSatisfy { $0 == 1 }, "\(again)")
        await b.stopOffPool()
        await s.close()
    }
}
