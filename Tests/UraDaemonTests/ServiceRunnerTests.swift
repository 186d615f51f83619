import Foundation
import Synchronization
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
@testable import UraStoreSQLite
import UraTestTraits

/// Background services under one runner, on a real gateway (SQLite store, `GatewayAPI`) with a
/// test clock: a failing service is logged, reported down to `/readyz` and `/metrics` while it
/// waits out its pause on the clock, and started again when the test moves the clock past it;
/// `stop` waits for the services, within a bound measured on the same clock.
@Suite(.offThePool) struct ServiceRunnerTests {

    /// A gate a test opens; `wait()` returns once it is open (cancellation does not end it).
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

        var waiting: Int { state.withLock { $0.waiters.count } }

        func open() {
            let waiters = state.withLock { s in
                s.open = true
                defer { s.waiters = [] }
                return s.waiters
            }
            for waiter in waiters { waiter.resume() }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                let isOpen = state.withLock { s in
                    if !s.open { s.waiters.append(continuation) }
                    return s.open
                }
                if isOpen { continuation.resume() }
            }
        }
    }

    /// How many times something happened, counted from any task.
    final class Counter: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        /// Counts one more; returns the new count.
        func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    }

    /// The name of the thread running the caller (synchronous: `Thread.current` is not for async contexts).
    static func threadName() -> String { Thread.current.name ?? "" }

    /// Services run on threads of their own, not the cooperative pool their blocking reads would hold.
    @Test func servicesRunOnTheirOwnThreads() async throws {
        let setup = try Setup()
        let names = Mutex<[String]>([])
        let gate = Gate()
        let service = BackgroundService("probe") {
            names.withLock { $0.append(Self.threadName()) }
            await Task.yield()
            names.withLock { $0.append(Self.threadName()) }
            gate.open()
            await Self.untilCancelled()
        }
        let runner = setup.runner([service])
        runner.start()
        await gate.wait()
        #expect(await runner.stop(within: .seconds(60)).isEmpty)
        #expect(names.withLock { $0 }.count == 2 && names.withLock { $0 }.allSatisfy { $0.hasPrefix("ura-service-") }, "\(names.withLock { $0 })")
    }

    /// A service's loop with nothing to do: returns when its task is cancelled.
    static func untilCancelled() async {
        let gate = Gate()
        await withTaskCancellationHandler { await gate.wait() } onCancel: { gate.open() }
    }

    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "the disk is full" }
    }

    /// A gateway on the fixture's store logging into `lines`, its API reporting `status`.
    final class Setup: @unchecked Sendable {
        let f: GatewayFixture
        let lines = LogLines()
        let log: Logger
        let gateway: Gateway
        let status: ServiceStatus
        let api: GatewayAPI

        init(_ f: GatewayFixture? = nil) throws {
            self.f = try f ?? GatewayFixture()
            let lines = self.lines
            log = Logger(minimum: .debug, clock: self.f.clock) { lines.append($0) }
            gateway = Gateway(store: self.f.store, directory: self.f.book, catalogue: self.f.catalogue, signer: self.f.signer,
                              transport: ScriptedTransport([], default: .fail("unused")), clock: self.f.clock, calendar: self.f.calendar,
                              events: GatewayEvents(metrics: self.f.metrics, log: log))
            status = ServiceStatus(metrics: gateway.events.metrics)
            api = GatewayAPI(gateway: gateway, services: status)
        }

        func runner(_ services: [BackgroundService]) -> ServiceRunner {
            ServiceRunner(services: services, status: status, clock: f.clock, log: log, backoff: RestartBackoff(initial: .seconds(5), maximum: .seconds(60)))
        }

        func readyz() async throws -> (status: Int, body: JSONValue) {
            let response = await api.handle(HTTPRequest(method: "GET", target: "/readyz", path: "/readyz"))
            return (response.status, try JSONValue(parsing: response.body))
        }

        /// The log lines of `event`, parsed.
        func logged(_ event: String) -> [JSONValue] {
            lines.all.compactMap { try? JSONValue(parsing: Array($0.utf8)) }.filter { $0["event"]?.stringValue == event }
        }

        var metrics: String { gateway.events.metrics.render() }
    }

    @Test func aServiceThatThrowsIsLoggedReportedDownAndRestartedAfterItsPause() async throws {
        let s = try Setup()
        let runs = Counter()
        let runner = s.runner([
            BackgroundService("flaky") {
                if runs.increment() == 1 { throw DiskFull() }
                await Self.untilCancelled()
            },
            BackgroundService("steady") { await Self.untilCancelled() },
        ])
        runner.start()
        // The runner waits out the pause on the test clock: the only sleeper.
        #expect(await eventually { s.f.clock.sleepers == 1 })
        let failed = s.logged("service.failed")
        #expect(failed.count == 1)
        #expect(failed.first?["service"] == "flaky" && failed.first?["error"] == "the disk is full" && failed.first?["restart_in_seconds"] == 5)
        #expect(failed.first?["level"] == "error")

        let down = try await s.readyz()
        #expect(down.status == 503 && down.body["type"] == "https://ura.example/problems/unavailable")
        #expect(down.body["services"] == ["flaky": "restarting", "steady": "running"])
        #expect(down.body["detail"]?.stringValue?.contains("flaky is restarting") == true, "\(down.body)")
        #expect(s.metrics.contains("ura_service_up{service=\"flaky\"} 0\n") && s.metrics.contains("ura_service_up{service=\"steady\"} 1\n"))

        // Not before the pause has passed.
        s.f.clock.advance(by: .seconds(4))
        #expect(s.f.clock.sleepers == 1 && runs.value == 1)
        s.f.clock.advance(by: .seconds(1))
        #expect(await eventually { runs.value == 2 })
        #expect(s.logged("service.restarted").map { $0["service"] } == ["flaky"])
        let up = try await s.readyz()
        #expect(up.status == 200 && up.body["services"] == ["flaky": "running", "steady": "running"])
        #expect(s.metrics.contains("ura_service_up{service=\"flaky\"} 1\n"))

        #expect(await runner.stop(within: .seconds(10)) == [])
        #expect(s.status.all.map(\.state) == [.stopped, .stopped])
        #expect(try await s.readyz().body["services"] == ["flaky": "stopped", "steady": "stopped"])
    }

    /// A loop that returns before it was stopped has failed too; each failure in a row doubles the pause.
    @Test func aServiceWhoseLoopEndsIsRestartedWithAGrowingPause() async throws {
        let s = try Setup()
        let runs = Counter()
        let runner = s.runner([BackgroundService("quitter") {
            if runs.increment() <= 2 { return }
            await Self.untilCancelled()
        }])
        runner.start()
        #expect(await eventually { s.f.clock.sleepers == 1 })
        #expect(s.logged("service.failed").map { $0["restart_in_seconds"] } == [5])
        #expect(s.logged("service.failed").first?["error"] == "its loop ended")
        s.f.clock.advance(by: .seconds(5))
        #expect(await eventually { runs.value == 2 && s.f.clock.sleepers == 1 })
        #expect(s.logged("service.failed").map { $0["restart_in_seconds"] } == [5, 10])
        #expect(try await s.readyz().status == 503)
        s.f.clock.advance(by: .seconds(9))
        #expect(runs.value == 2)
        s.f.clock.advance(by: .seconds(1))
        #expect(await eventually { runs.value == 3 })
        #expect(try await s.readyz().status == 200)
        await runner.stop(within: .seconds(10))
    }

    /// `stop` cancels every service and returns only when each has ended, or when the bound has
    /// passed on the clock for one that ignores its cancellation (logged, named).
    @Test func stopWaitsForEveryServiceWithinItsBound() async throws {
        let s = try Setup()
        let tidyCleanup = Gate(), stubbornCleanup = Gate()
        let started = Counter()
        let runner = s.runner([
            BackgroundService("tidy") {
                _ = started.increment()
                await Self.untilCancelled()
                await tidyCleanup.wait()  // e.g. a push under way finishing
            },
            BackgroundService("stubborn") {
                _ = started.increment()
                await Self.untilCancelled()
                await stubbornCleanup.wait()
            },
        ])
        runner.start()
        #expect(await eventually { started.value == 2 })
        let stopReturned = Counter()
        let stopping = Task {
            let left = await runner.stop(within: .seconds(30))
            _ = stopReturned.increment()
            return left
        }
        // Both were cancelled and are finishing; stop has not returned.
        #expect(await eventually { tidyCleanup.waiting == 1 && stubbornCleanup.waiting == 1 })
        #expect(stopReturned.value == 0)
        #expect(try await s.readyz().body["services"] == ["tidy": "stopping", "stubborn": "stopping"])
        tidyCleanup.open()
        #expect(await eventually { s.status.state(of: "tidy") == .stopped })
        #expect(stopReturned.value == 0, "stop returned while a service still ran")
        // The bound passes on the clock: stop gives up on the stubborn one and says so.
        #expect(await eventually { s.f.clock.sleepers == 1 })
        s.f.clock.advance(by: .seconds(30))
        #expect(await stopping.value == ["stubborn"])
        #expect(s.logged("service.stop_timeout").first?["services"] == "stubborn")
        stubbornCleanup.open()
        #expect(await eventually { s.status.state(of: "stubborn") == .stopped })
    }

    /// The real checkpoint service on a store that refuses writes: the checkpoint's error is
    /// logged (it was swallowed by `try?`), the service reported down and retried after its pause.
    @Test func aFailedCheckpointIsLoggedAndTheServiceRestarted() async throws {
        let f = try GatewayFixture()
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        // The head signed with another key: the store opens but refuses writes.
        f.store.close()
        let db = try SQLiteConnection(path: f.store.path)
        let other = GatewaySigner(id: f.signer.id, key: try SigningKey.generate())
        let root = try #require(try db.scalar("SELECT root FROM ledger_head")?.bytes)
        let size = try #require(try db.scalar("SELECT tree_size FROM ledger_head")?.int)
        try db.run("UPDATE ledger_head SET signed = ?", [.blob(other.signTreeHead(size: size, root: root))])
        try f.reopen()
        let refusal = try #require(f.store.writeRefusal)

        let s = try Setup(f)
        let checkpoints = Daemon.backgroundServices(s.gateway, deadlineCheck: .seconds(60)).filter { $0.name == "checkpoints" }
        #expect(checkpoints.count == 1)
        let runner = s.runner(checkpoints)
        runner.start()
        #expect(await eventually { s.f.clock.sleepers == 1 })
        let failed = try #require(s.logged("service.failed").first)
        #expect(failed["service"] == "checkpoints" && failed["error"]?.stringValue == "\(refusal)")
        #expect(try await s.readyz().body["services"] == ["checkpoints": "restarting"])
        s.f.clock.advance(by: .seconds(5))
        #expect(await eventually { s.logged("service.failed").count == 2 })
        await runner.stop(within: .seconds(10))
        #expect(s.status.state(of: "checkpoints") == .stopped)
    }
}
