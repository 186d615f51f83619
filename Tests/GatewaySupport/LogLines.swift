import Synchronization

/// The lines a test's logger wrote, to look for an event or make sure nothing leaked into them.
package final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    package init() {}
    package var all: [String] { lines.withLock { $0 } }
    package func append(_ line: [UInt8]) { lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
}
