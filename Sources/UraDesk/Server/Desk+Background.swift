import Foundation
import UraClient
import UraJSON
import UraModel

/// The work the desk does by itself while it runs: the outbox sent with its backoff (the same
/// `OutboxSender` as `ura outbox --watch`), the inbox fetched, kept and then acknowledged, and
/// the receipts of sent messages read. Each step is also a method a page or a test calls.
extension Desk {
    /// One pass over the outbox, oldest first, respecting each message's backoff unless `now`.
    @discardableResult
    public func sendOutbox(all: Bool = false) async -> OutboxSender.Pass? {
        await sending.acquire()
        var result: OutboxSender.Pass?
        do {
            let pass = try await OutboxSender.pass(profile, connection: connection, now: clock.now, respectBackoff: !all)
            // Why a message waits, and why the gateway refused one for good (moved to rejected/).
            let reasons = ([pass.waiting?.message].compactMap { $0 } + pass.rejected.map(\.message)).joined(separator: "\n")
            notices.withLock { $0["outbox"] = reasons.isEmpty ? nil : reasons }
            result = pass
        } catch {
            notices.withLock { $0["outbox"] = error.message }
        }
        await sending.release()
        return result
    }

    /// Fetches what waits at the gateway (up to `wait` seconds for a first message), checks and
    /// decrypts each, keeps the signed original and the opened form (0600, synced), and only then
    /// acknowledges it with a signed delivered receipt. Returns how many were kept.
    @discardableResult
    public func fetchInbox(wait: Int = 0) async -> Int {
        do {
            let directory = try await connection.directoryOrCached().directory
            knownDirectory.withLock { $0 = directory }
            let key = try profile.loadEncryptionKey(), signingKey = try profile.loadSigningKey()
            let items = try await InboxReader.fetch(connection, directory: directory, catalogue: catalogue, key: key, wait: wait, limit: 20)
            let store = try InboxStore(profile: profile)
            var kept = 0
            var refused: [String] = []
            for item in items {
                switch item {
                case .opened(let opened):
                    try store.keep(opened)
                    kept += 1
                    try await InboxReader.acknowledge(opened, connection, signingKey: signingKey)
                case .refused(let id, let reason):
                    refused.append("\(id): \(reason)")
                }
            }
            notices.withLock { $0["inbox"] = refused.isEmpty ? nil : refused.joined(separator: "\n") }
            return kept
        } catch {
            notices.withLock { $0["inbox"] = error.message }
            return 0
        }
    }

    /// Reads the delivered and failed receipts of this agency's messages since the last read.
    @discardableResult
    public func readReceipts() async -> Int {
        do {
            let directory = try await connection.directoryOrCached().directory
            var (byMessage, cursor) = files.receipts()
            let (entries, next) = try await ReceiptFeed.read(connection, directory: directory, after: cursor)
            var count = 0
            for entry in entries {
                guard case .success(let receipt) = entry.result else { continue }
                var item = JSONObject()
                item["kind"] = .string(receipt.kind.rawValue)
                item["recipient"] = (receipt.recipient ?? entry.recipient).map { .string($0.rawValue) } ?? .null
                if receipt.by != directory.gateway.id && receipt.kind != .delivered { item["by"] = .string(receipt.by.rawValue) }
                item["at"] = .string(RFC3339.string(from: receipt.at))
                if let reason = receipt.reason { item["reason"] = .string(reason) }
                byMessage[receipt.message.rawValue, default: []].append(.object(item))
                count += 1
            }
            cursor = next
            try files.keepReceipts(byMessage, cursor: cursor)
            notices.withLock { $0["receipts"] = nil }
            return count
        } catch {
            notices.withLock { $0["receipts"] = "\(error)" }
            return 0
        }
    }

    /// Runs the background work until cancelled: the outbox whenever a message is due (and at
    /// least every `interval`), the inbox by long poll, the receipts every `interval`. All waits
    /// are on the desk's clock.
    public func run(interval: Duration = .seconds(15)) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let pass = await self.sendOutbox()
                    var wait = interval
                    if let next = pass?.nextDue {
                        wait = min(wait, .seconds(max(1, Int64(next.timeIntervalSince(self.clock.now).rounded(.up)))))
                    }
                    do { try await self.clock.sleep(for: wait) } catch { return }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    let before = self.notices.withLock { $0["inbox"] }
                    _ = await self.fetchInbox(wait: 20)
                    // An unreachable gateway answers at once: wait before asking again.
                    if self.notices.withLock({ $0["inbox"] }) != nil || before != nil {
                        do { try await self.clock.sleep(for: interval) } catch { return }
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    _ = await self.readReceipts()
                    do { try await self.clock.sleep(for: interval) } catch { return }
                }
            }
        }
    }
}
