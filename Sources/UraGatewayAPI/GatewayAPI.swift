import Foundation
import UraCrypto
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The HTTP API, version 1, as specified in `Schemas/openapi.json`. Its routes are one table
/// (`GatewayAPI+Routes.swift`); everything under `/v1` needs an enrolled agency's client
/// certificate, `/healthz` and `/readyz` do not. Errors are RFC 9457 problem documents with a
/// stable `type` per error, made in one place (`response(for:to:)`).
public struct GatewayAPI: HTTPHandler {
    let gateway: Gateway
    let authentication: Authentication
    /// The background services `/readyz` waits for (none when the caller runs no background work).
    let services: ServiceStatus?

    public init(gateway: Gateway, services: ServiceStatus? = nil) {
        self.gateway = gateway
        self.authentication = Authentication(directory: gateway.directory, clock: gateway.clock)
        self.services = services
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            switch try await Self.routeTable.dispatch(request, admit: { try admit(request, as: $0) }) {
            case .route(let route, let routed): return try await route.handler(self, routed)
            case .unrouted(let unrouted, _): throw unrouted
            }
        } catch {
            return response(for: error, to: request)
        }
    }

    /// The answer to a request that ended in `error`: an RFC 9457 problem document
    /// (`GatewayError+Problem.swift`). Anything not a `GatewayError` is logged with a correlation id
    /// and answered as an internal error that tells the caller nothing more.
    func response(for error: any Error, to request: HTTPRequest) -> HTTPResponse {
        switch error {
        case let refusal as CertificateRefusal:
            // The connection is of no use without an enrolled agency's certificate: closing it
            // stops such clients from holding the server's connection slots with keep-alive.
            return APIResponse.problem(refusal.problem, instance: request.path, closeConnection: true)
        case let unrouted as UnroutedRequest:
            return APIResponse.problem(Self.problem(for: unrouted, path: request.path), instance: request.path,
                                       allow: unrouted.isMethodNotAllowed ? unrouted.allowHeader : nil)
        case let problem as GatewayError:
            return APIResponse.problem(problem, instance: request.path)
        case StoreError.unavailable(let reason):
            // The database is down or failing over (PostgreSQL). Usually nothing was committed, but a
            // COMMIT whose answer was lost may have been (PostgresFailoverEndToEndTests sees it): the
            // same request again is safe, and a resent message then answers 200 with its receipt.
            gateway.events.log.error("api.store_unavailable", ["path": .string(request.path), "error": .string(reason)])
            return APIResponse.problem(GatewayError(.unavailable, "the gateway's store cannot be reached just now; send the same request again shortly "
                                                    + "(a message keeps its id: it is never stored twice)"),
                                       instance: request.path)
        default:
            let id = UUID().uuidString.lowercased()
            gateway.events.log.error("api.internal_error", ["correlation": .string(id), "path": .string(request.path), "error": .string("\(error)")])
            return APIResponse.problem(GatewayError(.internalError, "something went wrong on the gateway; quote correlation id \(id) to the operator"))
        }
    }

    /// 405 names the methods the path takes; 404 points at the specification.
    static func problem(for unrouted: UnroutedRequest, path: String) -> GatewayError {
        if unrouted.isMethodNotAllowed {
            return GatewayError(.methodNotAllowed,
                                "\(unrouted.method) is not allowed on \(unrouted.path); use \(unrouted.allowed.joined(separator: " or "))")
        }
        guard unrouted.path.segments.first == "v1" else {
            return GatewayError(.notFound, "there is nothing at \(path); the API is under /v1")
        }
        return GatewayError(.notFound,
                            "there is no \(unrouted.method) /v1/\(unrouted.path.segments.dropFirst().joined(separator: "/")); see Schemas/openapi.json")
    }

    // MARK: Health

    /// Ready when the store can be read and takes writes and every background service runs; the
    /// answer names each service and its state, so a 503 says which one is down.
    func ready() throws -> HTTPResponse {
        let states = services?.all ?? []
        let servicesJSON = JSONValue.object(JSONObject(states.map { ($0.name, JSONValue.string($0.state.rawValue)) }))
        guard gateway.store.writeRefusal == nil else {
            throw GatewayError(.unavailable, "the store accepts no writes: its ledger does not match its signed head (see the gateway's log)",
                               extensions: ["services": servicesJSON])
        }
        if let last = gateway.ledgerVerifications.last, !last.report.isIntact {
            throw GatewayError(.unavailable, "the ledger verification of \(RFC3339.string(from: last.at)) found \(last.report.problems.count) problem(s), "
                               + "the first: \(last.report.problems.first?.description ?? "the signed head is missing")",
                               extensions: ["services": servicesJSON,
                                            "problems": .array(last.report.problems.prefix(20).map { .string($0.description) })])
        }
        let withheld = gateway.integrity.withheld
        if let first = withheld.first {
            throw GatewayError(.unavailable, "\(withheld.count) stored message(s) are withheld because they do not match their digest or "
                               + "ledger entry; the first: \(first.reason)",
                               extensions: ["services": servicesJSON, "withheld": .array(withheld.prefix(20).map { .string($0.message.rawValue) })])
        }
        do {
            _ = try gateway.store.ledgerSize()
        } catch {
            // Anyone may ask: SQLite's message (and the SQL in it) goes to the log, not to them.
            gateway.events.log.error("api.store_unreadable", ["error": .string("\(error)")])
            throw GatewayError(.unavailable, "the store cannot be read; the operator finds the cause in the gateway's log (api.store_unreadable)",
                               extensions: ["services": servicesJSON])
        }
        let down = states.filter { $0.state != .running }
        guard down.isEmpty else {
            throw GatewayError(.unavailable, "not every background service runs: "
                                   + down.map { "\($0.name) is \($0.state.rawValue)" }.joined(separator: ", ")
                                   + "; the gateway's log says why (service.failed)",
                               extensions: ["services": servicesJSON])
        }
        return APIResponse.json(["status": "ready", "directory_version": .number(Double(gateway.directory.snapshot.directory.version)),
                                 "services": servicesJSON])
    }

    // MARK: Messages

    func submit(_ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        // A message is a JWS: a body sent as something else was meant for another route, or built
        // by a client that does not follow the format (parameters such as charset are allowed).
        let mediaType = request.headers["Content-Type"]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/jose+json" else {
            throw GatewayError(.unsupportedMediaType, "submit a message with Content-Type: application/jose+json, not \(mediaType ?? "no Content-Type")")
        }
        let submission = try await gateway.intake.submit(request.body, from: agency.id)
        let headers: HTTPHeaders = ["Location": "/v1/messages/\(submission.messageID)"]
        guard submission.isLedgerReceipt else { return APIResponse.jose(submission.receipt, status: submission.isNew ? 202 : 200, headers: headers) }
        return APIResponse.json(submission.receipt, status: submission.isNew ? 202 : 200, headers: headers)
    }

    func messageID(_ text: String) throws(GatewayError) -> MessageID {
        do { return try MessageID(text) } catch { throw GatewayError(.invalidRequest, error.description) }
    }

    /// The sender and the secretariat see a message's deliveries; to anyone else it does not exist.
    func messageStatus(_ text: String, _ agency: Agency) throws -> HTTPResponse {
        let id = try messageID(text)
        guard let message = try gateway.store.message(id), message.metadata.from == agency.id || agency.kind == .secretariat else {
            throw GatewayError(.notFound, "there is no message \(id) that \(agency.id) sent")
        }
        guard gateway.integrity.check(message) == nil else {
            throw GatewayError(.unavailable, "message \(id) is withheld: its stored record does not match what the gateway signed and "
                               + "recorded in its ledger; the secretariat sees why on the dashboard and in /readyz")
        }
        let deliveries = try gateway.store.deliveries(of: id)
        return APIResponse.json([
            "id": .string(id.rawValue), "type": .string(message.metadata.type.rawValue), "case": .string(message.metadata.caseReference.rawValue),
            "from": .string(message.metadata.from.rawValue), "digest": .string(message.digest),
            "accepted_at": .string(RFC3339.string(from: message.acceptedAt)),
            "settled_at": message.settledAt.map { .string(RFC3339.string(from: $0)) } ?? .null,
            "deliveries": .array(deliveries.map(\.json)),
        ])
    }

    // MARK: Inbox

    func inbox(_ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        let wait = try Self.intQuery(request, "wait", default: 0, range: 0...3600)
        let limit = try Self.intQuery(request, "limit", default: 50, range: 1...1000)
        let jobs = try await gateway.inbox.fetch(for: agency.id, limit: limit, wait: .seconds(wait))
        return APIResponse.json(["messages": .array(jobs.map { job in
            [
                "id": .string(job.message.rawValue), "from": .string(job.sender.rawValue), "type": .string(job.type.rawValue),
                "digest": .string(job.digest), "attempt": .number(Double(job.attempt)),
                "message": (try? JSONValue(parsing: job.signedBytes)) ?? .null,
            ]
        })])
    }

    func acknowledge(_ text: String, _ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        let id = try messageID(text)
        try await gateway.inbox.acknowledge(message: id, by: agency.id, receipt: request.body)
        return APIResponse.json(["message": .string(id.rawValue), "state": "delivered"])
    }

    // MARK: Receipts

    func receipts(_ request: HTTPRequest, _ agency: Agency) throws -> HTTPResponse {
        let after = Int64(try Self.intQuery(request, "after", default: 0, range: 0...Int.max))
        let limit = try Self.intQuery(request, "limit", default: 100, range: 1...1000)
        let feed = try gateway.store.receipts(forSender: agency.id, after: after, limit: limit)
        return APIResponse.json([
            "receipts": .array(feed.map { r in
                [
                    "cursor": .number(Double(r.cursor)), "message": .string(r.message.rawValue), "recipient": .string(r.recipient.rawValue),
                    "kind": .string(r.kind.rawValue), "at": .string(RFC3339.string(from: r.at)), "receipt": (try? JSONValue(parsing: r.signed)) ?? .null,
                ]
            }),
            "next": .number(Double(feed.last?.cursor ?? after)),
        ])
    }

    // MARK: Directory and keys

    func keys(_ text: String) throws -> HTTPResponse {
        let id: AgencyID
        do { id = try AgencyID(text) } catch { throw GatewayError(.invalidRequest, error.description) }
        let snapshot = gateway.directory.snapshot
        let entries: [DirectoryKey]
        if id == snapshot.directory.gateway.id {
            entries = snapshot.directory.gateway.keys
        } else {
            guard let agency = snapshot[id] else { throw GatewayError(.notFound, "\(id) is not in the directory") }
            entries = agency.keys
        }
        return APIResponse.json(["keys": .array(entries.map { key in
            var jwk = key.jwk.objectValue ?? JSONObject()
            jwk["kid"] = .string(key.kid)
            jwk["use"] = .string(key.use.rawValue)
            if let notBefore = key.notBefore { jwk["nbf"] = .number(notBefore.timeIntervalSince1970.rounded(.down)) }
            if let notAfter = key.notAfter { jwk["exp"] = .number(notAfter.timeIntervalSince1970.rounded(.down)) }
            return .object(jwk)
        })])
    }

    // MARK: Ledger

    func checkpoint() throws -> HTTPResponse {
        guard let head = try gateway.store.signedHead() else { throw GatewayError(.notFound, "the ledger is empty") }
        return APIResponse.json([
            "tree_size": .number(Double(head.treeSize)), "root": .string(Base64URL.encode(head.root)),
            "signed_head": (try? JSONValue(parsing: head.signed)) ?? .null,
        ])
    }

    /// Inclusion proofs for a message go to its sender, its recipients and the secretariat;
    /// consistency proofs (hashes only) to every agency.
    func proof(_ request: HTTPRequest, _ agency: Agency) throws -> HTTPResponse {
        if let from = request.queryValue("from") {
            guard request.queryValue("message") == nil else {
                throw GatewayError(.invalidRequest, "ask for one proof: /v1/ledger/proof?message=ID or /v1/ledger/proof?from=SIZE")
            }
            guard let size = Int(from) else { throw GatewayError(.invalidRequest, "from must be a whole number (a tree size), not '\(from)'") }
            return APIResponse.json(try gateway.ledger.consistency(from: size).json)
        }
        guard let text = request.queryValue("message") else {
            throw GatewayError(.invalidRequest, "give the message id or an earlier tree size: /v1/ledger/proof?message=ID or /v1/ledger/proof?from=SIZE")
        }
        let id = try messageID(text)
        guard let message = try gateway.store.message(id),
              message.metadata.from == agency.id || message.metadata.to.contains(agency.id) || agency.kind == .secretariat else {
            throw GatewayError(.notFound, "there is no message \(id) for \(agency.id)")
        }
        return APIResponse.json(try gateway.ledger.proof(for: id).json)
    }

    /// Ledger entries by range with their audit paths: the secretariat gets every entry, an agency
    /// those about its own messages (`ura audit --entries`).
    func entries(_ request: HTTPRequest, _ agency: Agency) throws -> HTTPResponse {
        guard let text = request.queryValue("from") else {
            throw GatewayError(.invalidRequest, "give the first entry: /v1/ledger/entries?from=INDEX&count=N (count at most \(Ledger.maxEntries))")
        }
        guard let from = Int(text) else { throw GatewayError(.invalidRequest, "from must be a whole number (an entry's index), not '\(text)'") }
        let count = try Self.intQuery(request, "count", default: 100, range: 1...Ledger.maxEntries)
        return APIResponse.json(try gateway.ledger.entries(from: from, count: count, for: agency.kind == .secretariat ? nil : agency.id).json)
    }

    static func intQuery(_ request: HTTPRequest, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws(GatewayError) -> Int {
        guard let text = request.queryValue(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw GatewayError(.invalidRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }
}
