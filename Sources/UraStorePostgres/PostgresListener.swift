import UraBasics
import Foundation
import UraStore

/// `LISTEN` on one channel with a connection of its own, on a thread of its own: every
/// notification's payload is handed to `handler` as it arrives (PostgreSQL delivers a transaction's
/// notifications when it commits, and folds identical ones). A lost connection is opened again
/// after a second, for as long as the listener runs; what was notified meanwhile is missed (a long
/// poll then ends at its wait and the next poll finds the message).
final class PostgresListener: @unchecked Sendable {
    private let url: String
    private let channel: String
    private let handler: @Sendable ([String]) -> Void
    private let condition = NSCondition()
    private var stopping = false
    private var stopped = false
    private var connection: PostgresConnection?

    /// Connects and listens before it returns (so nothing committed afterwards is missed); throws
    /// when the server cannot be reached.
    init(url: String, channel: String, handler: @escaping @Sendable ([String]) -> Void) throws(StoreError) {
        self.url = url
        self.channel = channel
        self.handler = handler
        connection = try Self.listen(url: url, channel: channel)
        Thread.startNamed("ura-pg-listen") { [self] in run() }
    }

    private static func listen(url: String, channel: String) throws(StoreError) -> PostgresConnection {
        let connection = try PostgresConnection(url: url)
        do {
            try connection.execute("LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func run() {
        while !isStopping {
            guard let connection else {
                connection = try? Self.listen(url: url, channel: channel)
                if connection == nil {
                    condition.lock()
                    if !stopping { _ = condition.wait(until: Date().addingTimeInterval(1)) }
                    condition.unlock()
                }
                continue
            }
            do {
                // Wakes at least every 200 ms to see whether the store is closing.
                _ = try connection.waitForInput(timeout: .milliseconds(200))
                let received = try connection.notifications()
                if !received.isEmpty { handler(received.map(\.payload)) }
            } catch {
                connection.close()
                self.connection = nil
            }
        }
        connection?.close()
        connection = nil
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops listening and waits for the thread to end.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }
}
