import UraProvisioning
import UraClient
import UraDaemon
import UraBasics
import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraProtocol
import UraStoreSQLite

/// Runs `body` repeatedly for about `seconds` (after a short warm-up) and returns operations per
/// second. `body` returns how many operations it did.
func measureRate(seconds: Double = 2, warmup: Double = 0.3, _ body: () throws -> Int) rethrows -> Double {
    let clock = ContinuousClock()
    var warm = clock.now
    while clock.now - warm < .milliseconds(Int(warmup * 1000)) { _ = try body() }
    var operations = 0
    let start = clock.now
    warm = start
    while clock.now - start < .milliseconds(Int(seconds * 1000)) { operations += try body() }
    let elapsed = clock.now - start
    let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(operations) / secondsElapsed
}

/// Prints one result line: `{"suite":…,"case":…,"rate":…,"unit":…}` plus any extra fields.
func report(suite: String, case name: String, rate: Double, unit: String = "ops/s", extra: [String: String] = [:]) {
    var fields = ["\"suite\":\"\(suite)\"", "\"case\":\"\(name)\"", "\"rate\":\(Int(rate.rounded()))", "\"unit\":\"\(unit)\""]
    for (k, v) in extra.sorted(by: { $0.key < $1.key }) { fields.append("\"\(k)\":\"\(v)\"") }
    print("{" + fields.joined(separator: ",") + "}")
}

/// A benchmark that cannot run, with the reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Hands out items of a list to concurrent workers, each once.
final class WorkQueue<T: Sendable>: @unchecked Sendable {
    private let items: [T]
    private var index = 0
    private let lock = NSLock()
    init(_ items: [T]) { self.items = items }
    func next() -> T? {
        lock.lock()
        defer { lock.unlock() }
        guard index < items.count else { return nil }
        defer { index += 1 }
        return items[index]
    }
}

/// Collects results written from `concurrentPerform`.
final class WorkResults<T>: @unchecked Sendable {
    private var values: [T?]
    private let lock = NSLock()
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: T?) { lock.lock(); values[i] = value; lock.unlock() }
    func all() throws -> [T] {
        try values.map { value throws -> T in
            guard let value else { throw BenchError("preparing the input failed") }
            return value
        }
    }
}

/// Runs async work from the synchronous benchmark entry point.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = WorkResults<Result<T, any Error>>(1)
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.set(0, .success(try await work())) } catch { box.set(0, .failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.all()[0].get()
}

extension Duration {
    var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// User plus system CPU time of the whole process so far, in seconds.
func cpuSeconds() -> Double {
    let times = cpuTimes()
    return times.user + times.system
}

/// System CPU time of the whole process so far, in seconds.
func systemCPUSeconds() -> Double { cpuTimes().system }

private func cpuTimes() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return (seconds(usage.ru_utime), seconds(usage.ru_stime))
}

/// Ed25519 signatures and verifications a second on one core, as `openssl speed` measures them
/// (the crypto reference of a run). `architecture.md` states this machine class's ceilings as
/// ≈ 40,000 signs and ≈ 15,000 verifications a second per core; `scaleToReference` compares the two.
struct OpenSSLSpeed {
    let signs: Double
    let verifies: Double

    static let architectureReference = OpenSSLSpeed(signs: 40_000, verifies: 15_000)

    /// One message's crypto on the gateway, a verification and a signature, in seconds.
    var secondsPerMessage: Double { 1 / signs + 1 / verifies }

    /// How much faster the reference does a message's crypto than this run's machine.
    var scaleToReference: Double { secondsPerMessage / Self.architectureReference.secondsPerMessage }

    /// `openssl speed -seconds N -mr ed25519`, read from its machine-readable `+F6` line.
    static func measure(seconds: Int = 2) throws -> OpenSSLSpeed {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["speed", "-seconds", "\(seconds)", "-mr", "ed25519"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // +F6:<n>:<bits>:Ed25519:<signs/s>:<verifies/s>
        guard process.terminationStatus == 0,
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("+F6:") && $0.contains(":Ed25519:") }),
              case let fields = line.split(separator: ":"), fields.count >= 6,
              let signs = Double(fields[4]), let verifies = Double(fields[5]), signs > 0, verifies > 0
        else { throw BenchError("openssl speed ed25519 gave no +F6 line (exit \(process.terminationStatus)): \(text.suffix(200))") }
        return OpenSSLSpeed(signs: signs, verifies: verifies)
    }
}
