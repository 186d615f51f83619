import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct MetricsRegistryTests {
    @Test func rendersCountersGaugesAndHistogramsInTextFormat() {
        let metrics = MetricsRegistry()
        metrics.declare("ura_messages_accepted_total", .counter, help: "Messages accepted.", labels: ["type"])
        metrics.declare("ura_queue_depth", .gauge, help: "Deliveries waiting.", labels: ["state"])
        metrics.declare("ura_accept_seconds", .histogram, help: "Accept latency.", buckets: [0.01, 0.1])
        metrics.increment("ura_messages_accepted_total", ["notice"])
        metrics.increment("ura_messages_accepted_total", ["notice"])
        metrics.collect { [("ura_queue_depth", ["pending"], 7)] }
        metrics.observe("ura_accept_seconds", [], 0.005)
        metrics.observe("ura_accept_seconds", [], 0.05)
        metrics.observe("ura_accept_seconds", [], 3)
        let text = metrics.render()
        #expect(text.contains("# TYPE ura_messages_accepted_total counter\nura_messages_accepted_total{type=\"notice\"} 2\n"))
        #expect(text.contains("ura_queue_depth{state=\"pending\"} 7\n"))
        #expect(text.contains("ura_accept_seconds_bucket{le=\"0.01\"} 1\nura_accept_seconds_bucket{le=\"0.1\"} 2\nura_accept_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("ura_accept_seconds_sum 3.055\nura_accept_seconds_count 3\n"))
    }

    @Test func escapesLabelValues() {
        let metrics = MetricsRegistry()
        metrics.declare("m", .counter, help: "h", labels: ["reason"])
        metrics.increment("m", ["say \"no\"\\"])
        #expect(metrics.render().contains(#"m{reason="say \"no\"\\"} 1"#))
    }
}
