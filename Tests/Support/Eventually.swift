import Foundation

/// Polls `condition` until it holds or `timeout` passes. Between polls it gives its cooperative
/// thread back for a millisecond: a busy `Task.yield` loop would hold one of the machine's two
/// cooperative threads, and with tests running in parallel the servers' handlers it waits for
/// could starve. The timeout is a bound for a broken build, never a timing assumption.
public func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}
