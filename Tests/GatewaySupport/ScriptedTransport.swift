import Foundation
import Synchronization
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStore
import UraStoreSQLite

/// A push transport whose answers a test scripts: it stands in for the agencies' HTTPS endpoints
/// (the real libcurl transport is tested end to end against a real HTTPS server).
package final class ScriptedTransport: DeliveryTransport {
    package enum Answer: Sendable {
        /// Sign a correct delivered receipt with the recipient's key.
        case deliver
        /// A receipt with whatever the test makes of it.
        case receipt(@Sendable (DeliveryJob) throws -> [UInt8])
        case fail(String)
        /// Hang (an endpoint that takes its whole timeout) until `releaseHeld()`, then deliver.
        case hold
    }

    private let agencies: [AgencyID: TestAgency]
    private let script = Mutex<[Answer]>([])
    private let fallback: Mutex<Answer>
    package let attempts = Mutex<[(message: MessageID, recipient: AgencyID, attempt: Int)]>([])
    private let inFlight = Mutex<(now: Int, peak: Int)>((0, 0))
    private let held = Mutex<(released: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    package init(_ agencies: [TestAgency], default answer: Answer = .deliver) {
        self.agencies = Dictionary(uniqueKeysWithValues: agencies.map { ($0.id, $0) })
        self.fallback = Mutex(answer)
    }

    package func then(_ answers: Answer...) { script.withLock { $0 += answers } }
    package func always(_ answer: Answer) { fallback.withLock { $0 = answer } }
    package var peakConcurrency: Int { inFlight.withLock { $0.peak } }
    package var holding: Int { held.withLock { $0.waiting.count } }

    /// Lets every held attempt (and any later one) go on.
    package func releaseHeld() {
        for waiter in held.withLock({ state in
            state.released = true
            defer { state.waiting = [] }
            return state.waiting
        }) { waiter.resume() }
    }

    package func deliver(_ job: DeliveryJob, to agency: Agency) async throws(DeliveryFailure) -> [UInt8] {
        attempts.withLock { $0.append((job.message, job.recipient, job.attempt)) }
        inFlight.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
        await Task.yield()
        defer { inFlight.withLock { $0.now -= 1 } }
        let answer = script.withLock { $0.isEmpty ? nil : $0.removeFirst() } ?? fallback.withLock { $0 }
        switch answer {
        case .deliver:
            return try! Self.receipt(for: job, by: agencies[job.recipient]!)
        case .receipt(let make):
            do { return try make(job) } catch { throw DeliveryFailure("\(error)") }
        case .fail(let reason):
            throw DeliveryFailure(reason)
        case .hold:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let released = held.withLock { state in
                    if !state.released { state.waiting.append(continuation) }
                    return state.released
                }
                if released { continuation.resume() }
            }
            return try! Self.receipt(for: job, by: agencies[job.recipient]!)
        }
    }

    /// A receipt for `job` signed by `agency`, made when the gateway accepted the message (the
    /// tests' clock) unless `at` says otherwise.
    package static func receipt(for job: DeliveryJob, by agency: TestAgency, digest: String? = nil, message: MessageID? = nil,
                                kind: Receipt.Kind = .delivered, at: Date? = nil) throws -> [UInt8] {
        try JWS.sign(payload: Receipt(kind: kind, message: message ?? job.message, digest: digest ?? job.digest, recipient: agency.id,
                                      at: at ?? job.acceptedAt, by: agency.id).json.serialized(),
                     header: ["typ": "ura-receipt+json"], with: agency.signing).serialized()
    }
}
