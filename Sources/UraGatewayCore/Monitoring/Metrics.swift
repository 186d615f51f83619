import Foundation
import Synchronization

/// The gateway's metrics, exposed at `/metrics` in the Prometheus text format (version 0.0.4).
///
/// Families are declared once with their help text and label names; samples are updated from any
/// thread. Label values are identifiers the gateway controls (message types, agency ids, reasons,
/// outcomes) — never a case reference or anything from a body.
public final class MetricsRegistry: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    struct Family: Sendable {
        let name: String
        let help: String
        let kind: Kind
        let labels: [String]
        let buckets: [Double]
    }

    struct Series: Sendable {
        var value: Double = 0
        var bucketCounts: [UInt64] = []
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private let families: Mutex<[String: Family]> = Mutex([:])
    private let series: Mutex<[String: [[String]: Series]]> = Mutex([:])
    /// Gauges computed when scraped (queue depths read from the store).
    private let collectors: Mutex<[@Sendable () -> [(name: String, labels: [String], value: Double)]]> = Mutex([])

    public init() {}

    /// Declares a family; declaring the same name twice with the same shape is harmless.
    public func declare(_ name: String, _ kind: Kind, help: String, labels: [String] = [], buckets: [Double] = []) {
        families.withLock { $0[name] = Family(name: name, help: help, kind: kind, labels: labels, buckets: buckets.sorted()) }
    }

    public func increment(_ name: String, _ labels: [String] = [], by amount: Double = 1) {
        update(name, labels) { $0.value += amount }
    }

    public func set(_ name: String, _ labels: [String] = [], to value: Double) {
        update(name, labels) { $0.value = value }
    }

    public func observe(_ name: String, _ labels: [String] = [], _ value: Double) {
        let buckets = families.withLock { $0[name]?.buckets ?? [] }
        update(name, labels) { s in
            if s.bucketCounts.isEmpty { s.bucketCounts = Array(repeating: 0, count: buckets.count) }
            for (i, bound) in buckets.enumerated() where value <= bound { s.bucketCounts[i] += 1 }
            s.sum += value
            s.count += 1
        }
    }

    /// Adds a function that reports gauge values at scrape time.
    public func collect(_ collector: @escaping @Sendable () -> [(name: String, labels: [String], value: Double)]) {
        collectors.withLock { $0.append(collector) }
    }

    /// The current value of a counter or gauge (for tests and the monitor API).
    public func value(_ name: String, _ labels: [String] = []) -> Double {
        series.withLock { $0[name]?[labels]?.value ?? 0 }
    }

    public func count(_ name: String, _ labels: [String] = []) -> UInt64 {
        series.withLock { $0[name]?[labels]?.count ?? 0 }
    }

    private func update(_ name: String, _ labels: [String], _ change: (inout Series) -> Void) {
        // In place: a copy of the family would make the store copy all its series on each update.
        series.withLock { all in change(&all[name, default: [:]][labels, default: Series()]) }
    }

    /// The text exposition format.
    public func render() -> String {
        let collected = collectors.withLock { $0 }.flatMap { $0() }
        for sample in collected { set(sample.name, sample.labels, to: sample.value) }
        let families = families.withLock { $0 }
        let snapshot = series.withLock { $0 }
        var out = ""
        for name in families.keys.sorted() {
            let family = families[name]!
            out += "# HELP \(name) \(family.help)\n# TYPE \(name) \(family.kind.rawValue)\n"
            let samples = (snapshot[name] ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }
            for (labels, s) in samples {
                let pairs = zip(family.labels, labels).map { "\($0)=\"\(MetricsRegistry.escape($1))\"" }
                switch family.kind {
                case .counter, .gauge:
                    out += "\(name)\(MetricsRegistry.braces(pairs)) \(MetricsRegistry.number(s.value))\n"
                case .histogram:
                    for (i, bound) in family.buckets.enumerated() {
                        out += "\(name)_bucket\(MetricsRegistry.braces(pairs + ["le=\"\(MetricsRegistry.number(bound))\""])) \(s.bucketCounts.isEmpty ? 0 : s.bucketCounts[i])\n"
                    }
                    out += "\(name)_bucket\(MetricsRegistry.braces(pairs + ["le=\"+Inf\""])) \(s.count)\n"
                    out += "\(name)_sum\(MetricsRegistry.braces(pairs)) \(MetricsRegistry.number(s.sum))\n"
                    out += "\(name)_count\(MetricsRegistry.braces(pairs)) \(s.count)\n"
                }
            }
        }
        return out
    }

    private static func braces(_ pairs: [String]) -> String { pairs.isEmpty ? "" : "{" + pairs.joined(separator: ",") + "}" }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func number(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Latency buckets in seconds, from 1 ms to 5 minutes.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
}
