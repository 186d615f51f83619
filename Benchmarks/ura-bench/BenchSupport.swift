import Foundation

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
