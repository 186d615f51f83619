import UraProvisioning
import UraClient
import UraDaemon
import Foundation
import Glibc
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraProtocol
import UraStoreSQLite

/// The disk under the store, without Ura: how long `fdatasync` of a small write takes (as a commit
/// of the write-ahead log does), alone and while another file takes random 4 KiB writes with an
/// `fdatasync` every 50 ms (as the checkpointer writes pages into the database file). Tells a
/// latency tail that comes from the disk from one that comes from the gateway.
///
///   ura-bench disk [--seconds 60] [--background-mb 10] [--dir DIR]
///
/// Prints one line without background writes and one with `--background-mb` MB/s of them: the
/// percentiles of the fdatasync time and how many took 20 ms or more, and 100 ms or more.
enum DiskBench {
    static func run(_ arguments: [String]) throws {
        var seconds = 60.0, backgroundMB = 10.0
        var directory = FileManager.default.temporaryDirectory.path
        var i = 0
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--seconds": seconds = Double(value) ?? seconds
            case "--background-mb": backgroundMB = Double(value) ?? backgroundMB
            case "--dir": directory = value
            default: throw BenchError("unknown option \(arguments[i])")
            }
            i += 2
        }
        let folder = directory + "/ura-bench-disk-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for mb in [0, backgroundMB] {
            let stop = Stop()
            let background = mb > 0 ? Thread { randomWrites(path: folder + "/database", megabytesPerSecond: mb, stop: stop) } : nil
            background?.start()
            let times = try commits(path: folder + "/log", seconds: seconds)
            stop.set()
            if background != nil { stop.waitUntilFinished() }
            let sorted = times.sorted()
            func ms(_ p: Double) -> String { String(format: "%.2f", sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))] * 1000) }
            report(suite: "disk", case: mb > 0 ? "fdatasync-with-\(Int(mb))MBps-random-writes" : "fdatasync-alone", rate: Double(times.count) / seconds,
                   unit: "syncs/s", extra: ["p50_ms": ms(0.5), "p99_ms": ms(0.99), "p99.9_ms": ms(0.999), "max_ms": ms(1),
                                            "over_20ms": "\(times.filter { $0 >= 0.02 }.count)", "over_100ms": "\(times.filter { $0 >= 0.1 }.count)"])
        }
    }

    /// Tells the background writer to stop, and waits until it has.
    final class Stop: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private let finished = DispatchSemaphore(value: 0)
        func set() { lock.withLock { stopped = true } }
        var isSet: Bool { lock.withLock { stopped } }
        func markFinished() { finished.signal() }
        func waitUntilFinished() { finished.wait() }
    }

    /// 16 KiB written in place and synced, every 2 ms, into a 64 MiB file (a log that is reused).
    static func commits(path: String, seconds: Double) throws -> [Double] {
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0, ftruncate(fd, 64 << 20) == 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let block = [UInt8](repeating: 0x5A, count: 16 << 10)
        var times: [Double] = []
        var offset = 0
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            guard pwrite(fd, block, block.count, off_t(offset)) == block.count else { throw BenchError("write: \(String(cString: strerror(errno)))") }
            offset = (offset + block.count) % (64 << 20)
            let start = DispatchTime.now().uptimeNanoseconds
            guard fdatasync(fd) == 0 else { throw BenchError("fdatasync: \(String(cString: strerror(errno)))") }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            usleep(2000)
        }
        return times
    }

    /// Random 4 KiB writes over a 512 MiB file at `megabytesPerSecond`, synced every 50 ms.
    static func randomWrites(path: String, megabytesPerSecond: Double, stop: Stop) {
        defer { stop.markFinished() }
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        guard fd >= 0, ftruncate(fd, 512 << 20) == 0 else { return }
        defer { close(fd) }
        let page = [UInt8](repeating: 0xA5, count: 4096)
        let pagesPerTick = max(1, Int(megabytesPerSecond * 1e6 / 4096 / 20))
        var generator = SystemRandomNumberGenerator()
        while !stop.isSet {
            let start = Date()
            for _ in 0..<pagesPerTick {
                _ = pwrite(fd, page, page.count, off_t(Int.random(in: 0..<(512 << 8), using: &generator) * 4096))
            }
            _ = fdatasync(fd)
            let left = 0.05 - Date().timeIntervalSince(start)
            if left > 0 { usleep(useconds_t(left * 1e6)) }
        }
    }
}
