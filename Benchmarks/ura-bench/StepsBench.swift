import UraProvisioning
import UraClient
import UraDaemon
import UraBasics
import Foundation
import UraCrypto
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraLoad
import UraModel
import UraProtocol
import UraSchema
import UraStore
import UraStoreSQLite

/// Single-thread cost of each step of accepting a message, to find where time goes.
enum StepsBench {
    static func run(_ arguments: [String]) throws {
        let world = try BenchWorld()
        defer { world.close() }
        let message = try world.messages(1)[0]
        let parsed = try JWS.parse(message)
        let key = world.senderKey.publicKey
        let input = parsed.signingInput()
        let signature = try Base64URL.decode(parsed.signature.signatureB64)
        let payload = try JSONValue(parsing: parsed.payload)
        let catalogue = try MessageCatalogue(directory: try BenchWorld.schemas(in: world.dir.appendingPathComponent("steps")))
        let envelope = try JSONValueDecoder().decode(Envelope.self, from: payload)
        func step(_ name: String, _ body: () throws -> Void) throws {
            report(suite: "steps", case: name, rate: try measureRate(seconds: 1) { try body(); return 1 })
        }
        try step("json-parse-message") { _ = try JSONValue(parsing: message) }
        try step("jws-parse") { _ = try JWS.parse(message) }
        try step("base64url-decode-payload") { _ = try Base64URL.decode(parsed.payloadB64) }
        try step("ed25519-verify") { _ = key.isValidSignature(signature, for: input) }
        try step("json-parse-payload") { _ = try JSONValue(parsing: parsed.payload) }
        try step("envelope-schema-isValid") { _ = catalogue.envelope.isValid(payload) }
        try step("envelope-schema-validate") { _ = catalogue.envelope.validate(payload) }
        try step("envelope-decode") { _ = try JSONValueDecoder().decode(Envelope.self, from: payload) }
        try step("jwe-parse-body") { _ = try JWE.parse(json: envelope.body) }
        try step("sha256-signing-input") { _ = SHA256.hash(input) }
        try step("ed25519-sign-receipt") { _ = try world.signer.sign(Receipt(kind: .accepted, message: envelope.id, digest: "x", at: Date(), by: world.signer.id)) }
        try step("metadata+serialize") { _ = JSONValue.array(envelope.to.map { .string($0.rawValue) }).serializedString() }
    }
}

/// Commits of ~6 KiB accepted messages straight into the store at 64 concurrent submitters.
enum StoreBench {
    static func run(_ arguments: [String]) throws {
        let world = try BenchWorld()
        defer { world.close() }
        let count = Int(arguments.first ?? "") ?? 8000
        let blob = [UInt8](repeating: 0x41, count: 4_096)
        let now = Date()
        let messages = (0..<count).map { _ in
            AcceptedMessage(
                metadata: MessageMetadata(id: .random(), type: MessageType(validated: "notice"), from: world.sender, to: [world.recipients[0]],
                                          caseReference: CaseReference(validated: "AL-2026-000042"), subject: .adult, priority: .normal,
                                          created: now, expires: now.addingTimeInterval(86_400), inReplyTo: nil, participants: nil, county: nil),
                signedBytes: blob, digest: String(repeating: "A", count: 43), acceptedAt: now, acceptedReceipt: Array(blob.prefix(400)),
                channels: [world.recipients[0]: .pull], senderKind: .police)
        }
        let queue = WorkQueue(messages)
        let before = world.store.commitStatistics
        let writtenBefore = Self.bytesWritten()
        let rate = try blocking {
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 { group.addTask { while let m = queue.next() { _ = try await world.store.commit(m) } } }
                try await group.waitForAll()
            }
            return Double(count) / (ContinuousClock.now - start).secondsDouble
        }
        let after = world.store.commitStatistics
        report(suite: "store", case: "commit-c64", rate: rate, unit: "msg/s",
               extra: ["avg_batch": String(format: "%.1f", Double(after.jobs - before.jobs) / Double(max(1, after.batches - before.batches))),
                       "written_per_message": "\((Self.bytesWritten() - writtenBefore) / count) B"])
    }

    /// Bytes this process has passed to write(2) and pwrite(2) so far (`wchar` of /proc/self/io).
    static func bytesWritten() -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.hasPrefix("wchar:") }.flatMap { Int($0.dropFirst(6).trimmingCharacters(in: .whitespaces)) } ?? 0
    }
}
