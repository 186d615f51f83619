import Foundation
import UraCrypto
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The HTTP API, version 1, as specified in `Schemas/openapi.json`. Everything under `/v1` needs an
/// enrolled agency's client certificate; `/healthz` and `/readyz` do not. Errors are RFC 9457
/// problem documents with a stable `type` per error.
public struct GatewayAPI: HTTPHandler {
    let gateway: Gateway
    let authentication: Authentication

    public init(gateway: Gateway) {
        self.gateway = gateway
        self.authentication = Authentication(directory: gateway.directory, clock: gateway.clock)
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let route = Route(request.path)
        do {
            if request.method == "GET", route.matches("healthz") { return APIResponse.json(["status": "ok"]) }
            if request.method == "GET", route.matches("readyz") { return try ready() }
            guard route.segments.first == "v1" else {
                throw GatewayError(.notFound, "there is nothing at \(request.path); the API is under /v1")
            }
            let agency: Agency
            do {
                agency = try authentication.agency(for: request)
            } catch {
                // The connection is of no use without an enrolled agency's certificate: closing it
                // stops such clients from holding the server's connection slots with keep-alive.
                return APIResponse.problem(error, instance: request.path, closeConnection: true)
            }
            return try await v1(request, Route(Array(route.segments.dropFirst())), agency)
        } catch let problem as GatewayError {
            return APIResponse.problem(problem, instance: request.path)
        } catch {
            let id = UUID().uuidString.lowercased()
            gateway.events.log.error("api.internal_error", ["correlation": .string(id), "path": .string(request.path), "error": .string("\(error)")])
            return APIResponse.problem(GatewayError(.internalError, "something went wrong on the gateway; quote correlation id \(id) to the operator"))
        }
    }

    private func ready() throws -> HTTPResponse {
        guard gateway.store.writeRefusal == nil else {
            throw GatewayError(.unavailable, "the store accepts no writes: its ledger does not match its signed head (see the gateway's log)")
        }
        do {
            _ = try gateway.store.ledgerSize()
        } catch {
            // Anyone may ask: SQLite's message (and the SQL in it) goes to the log, not to them.
            gateway.events.log.error("api.store_unreadable", ["error": .string("\(error)")])
            throw GatewayError(.unavailable, "the store cannot be read; the operator finds the cause in the gateway's log (api.store_unreadable)")
        }
        return APIResponse.json(["status": "ready", "directory_version": .number(Double(gateway.directory.snapshot.directory.version))])
    }

    private func v1(_ request: HTTPRequest, _ route: Route, _ agency: Agency) async throws -> HTTPResponse {
        let method = request.method
        // Regional committees receive de-identified figures and nothing else.
        if agency.kind == .committee && !route.matches("stats") {
            throw GatewayError(.forbidden, "a regional committee's certificate reads /v1/stats only")
        }
        if let response = try await procedures(request, route, agency) { return response }
        if let response = try await monitor(request, route, agency) { return response }
        if route.matches("messages") {
            guard method == "POST" else { throw route.notAllowed(method, allowed: "POST") }
            return try await submit(request, agency)
        }
        if let id = route.capture("messages", "*") {
            guard method == "GET" else { throw route.notAllowed(method, allowed: "GET") }
            return try messageStatus(id[0], agency)
        }
        if route.matches("inbox") {
            guard method == "GET" else { throw route.notAllowed(method, allowed: "GET") }
            return try await inbox(request, agency)
        }
        if let id = route.capture("inbox", "*", "ack") {
            guard method == "POST" else { throw route.notAllowed(method, allowed: "POST") }
            return try await acknowledge(id[0], request, agency)
        }
        if route.matches("receipts") {
            guard method == "GET" else { throw route.notAllowed(method, allowed: "GET") }
            return try receipts(request, agency)
        }
        if route.matches("directory") {
            guard method == "GET" else { throw route.notAllowed(method, allowed: "GET") }
            return APIResponse.jose(try gateway.signedDirectory())
        }
        if let id = route.capture("agencies", "*", "keys"), method == "GET" { return try keys(id[0]) }
        if route.matches("ledger", "checkpoint"), method == "GET" { return try checkpoint() }
        if route.matches("ledger", "proof"), method == "GET" { return try proof(request, agency) }
        throw GatewayError(.notFound, "there is no \(method) /v1/\(route.segments.joined(separator: "/")); see Schemas/openapi.json")
    }

    // MARK: Messages

    private func submit(_ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        let submission = try await gateway.intake.submit(request.body, from: agency.id)
        return APIResponse.jose(submission.receipt, status: submission.isNew ? 202 : 200,
                                headers: ["Location": "/v1/messages/\(submission.messageID)"])
    }

    private func messageID(_ text: String) throws(GatewayError) -> MessageID {
        do { return try MessageID(text) } catch { throw GatewayError(.invalidRequest, error.description) }
    }

    /// The sender and the secretariat see a message's deliveries; to anyone else it does not exist.
    private func messageStatus(_ text: String, _ agency: Agency) throws -> HTTPResponse {
        let id = try messageID(text)
        guard let message = try gateway.store.message(id), message.metadata.from == agency.id || agency.kind == .secretariat else {
            throw GatewayError(.notFound, "there is no message \(id) that \(agency.id) sent")
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

    private func inbox(_ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
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

    private func acknowledge(_ text: String, _ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        let id = try messageID(text)
        try await gateway.inbox.acknowledge(message: id, by: agency.id, receipt: request.body)
        return APIResponse.json(["message": .string(id.rawValue), "state": "delivered"])
    }

    // MARK: Receipts

    private func receipts(_ request: HTTPRequest, _ agency: Agency) throws -> HTTPResponse {
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

    private func keys(_ text: String) throws -> HTTPResponse {
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

    private func checkpoint() throws -> HTTPResponse {
        guard let head = try gateway.store.signedHead() else { throw GatewayError(.notFound, "the ledger is empty") }
        return APIResponse.json([
            "tree_size": .number(Double(head.treeSize)), "root": .string(Base64URL.encode(head.root)),
            "signed_head": (try? JSONValue(parsing: head.signed)) ?? .null,
        ])
    }

    /// Inclusion proofs for a message go to its sender, its recipients and the secretariat;
    /// consistency proofs (hashes only) to every agency.
    private func proof(_ request: HTTPRequest, _ agency: Agency) throws -> HTTPResponse {
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

    static func intQuery(_ request: HTTPRequest, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws(GatewayError) -> Int {
        guard let text = request.queryValue(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw GatewayError(.invalidRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }
}
