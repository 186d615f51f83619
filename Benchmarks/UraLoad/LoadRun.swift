import Synchronization
import UraHTTPCore
import UraHTTPServer

/// What the worker threads of one run share.
final class LoadRun: Sendable {
    let configuration: LoadGeneratorConfiguration
    let workload: LoadWorkload
    /// Head bytes up to (not including) `Content-Length`.
    let headPrefix: [UInt8]
    let next = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
    let start = Atomic<UInt64>(0)
    let deadline = Atomic<UInt64>(.max)

    init(configuration: LoadGeneratorConfiguration, workload: LoadWorkload) {
        self.configuration = configuration
        self.workload = workload
        var head = "\(configuration.method) \(configuration.path) HTTP/1.1\r\nHost: \(configuration.serverName):\(configuration.port)\r\n"
        for (name, value) in configuration.headers { head += "\(name): \(value)\r\n" }
        headPrefix = Array(head.utf8)
    }

    /// When request `index` is due in an open-loop run.
    func due(_ index: Int) -> UInt64 {
        guard let rate = configuration.targetRate, rate > 0 else { return 0 }
        return start.load(ordering: .acquiring) + UInt64(Double(index) * 1e9 / rate)
    }
}
