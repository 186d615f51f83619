import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestTraits

/// The strict parser on its own: well-formed heads, incremental input, and every refusal.
@Suite(.offThePool) struct HTTPRequestHeadParserTests {
    private func parse(_ text: String, limits: HTTPServerLimits = HTTPServerLimits()) -> HTTPRequestHeadParser.Outcome {
        var parser = HTTPRequestHeadParser(limits: limits)
        return Array(text.utf8).withUnsafeBytes { parser.parse($0) }
    }

    private func head(_ text: String) throws -> HTTPRequestHead {
        guard case .complete(let head) = parse(text) else { throw TestFailure("expected a complete head: \(parse(text))") }
        return head
    }

    @Test func parsesRequestLineHeadersAndQuery() throws {
        let text = "POST /v1/messages?wait=30&name=al%20police&flag HTTP/1.1\r\nHost: gw\r\nContent-Length: 12\r\nX-Trace:  a b \r\n\r\nbody follows"
        let head = try head(text)
        #expect(head.method == "POST")
        #expect(head.target == "/v1/messages?wait=30&name=al%20police&flag")
        #expect(head.path == "/v1/messages")
        #expect(head.query.map { "\($0.name)=\($0.value)" } == ["wait=30", "name=al police", "flag="])
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == "gw")
        #expect(head.headers["x-trace"] == "a b")
        #expect(head.contentLength == 12)
        #expect(head.keepAlive)
        #expect(!head.expectsContinue)
        #expect(head.length == text.utf8.count - "body follows".utf8.count)
    }

    @Test func resumesAcrossPartialInputByteByByte() throws {
        let bytes = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var parser = HTTPRequestHeadParser(limits: HTTPServerLimits())
        for end in 1..<bytes.count {
            let outcome = Array(bytes[..<end]).withUnsafeBytes { parser.parse($0) }
            guard case .incomplete = outcome else { throw TestFailure("complete or failed after \(end) bytes: \(outcome)") }
        }
        guard case .complete(let head) = bytes.withUnsafeBytes({ parser.parse($0) }) else { throw TestFailure("not complete") }
        #expect(head.length == bytes.count)
    }

    @Test func skipsBlankLinesBeforeTheRequestLine() throws {
        let head = try head("\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(head.path == "/x")
    }

    @Test func connectionCloseAndHTTP10EndKeepAlive() throws {
        #expect(try !head("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n").keepAlive)
        let old = try head("GET / HTTP/1.0\r\n\r\n")
        #expect(old.version == .http1_0)
        #expect(!old.keepAlive)
    }

    @Test func expectContinueIsRecognisedOnlyWithABody() throws {
        #expect(try head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\n").expectsContinue)
        #expect(try !head("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n").expectsContinue)
    }

    @Test func absoluteFormTargetRoutesOnItsPath() throws {
        let head = try head("GET https://gw.example:8443/v1/inbox?wait=5 HTTP/1.1\r\nHost: gw.example\r\n\r\n")
        #expect(head.path == "/v1/inbox")
        #expect(head.query.first?.value == "5")
        #expect(try self.head("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").path == "*")
    }

    @Test(arguments: [
        ("both Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("chunked body", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
        ("any transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 411),
        ("duplicate Content-Length, same value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400),
        ("Content-Length list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400),
        ("negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("signed Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400),
        ("hex Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400),
        ("empty Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400),
        ("huge Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400),
        ("body over the cap", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10485761\r\n\r\n", 413),
        ("missing Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400),
        ("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n two\r\n\r\n", 400),
        ("no colon", "GET / HTTP/1.1\r\nHost: a\r\nJust words\r\n\r\n", 400),
        ("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: value\r\n\r\n", 400),
        ("non-token field name", "GET / HTTP/1.1\r\nHost: a\r\nX(Y): z\r\n\r\n", 400),
        ("control character in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n", 400),
        ("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400),
        ("bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 400),
        ("bare LF after a header", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400),
        ("bare CR", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
        ("request line with two parts", "GET /\r\nHost: a\r\n\r\n", 400),
        ("double space in request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("extra request-line part", "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400),
        ("non-token method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("relative target", "GET v1/x HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("asterisk target with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("non-ASCII target", "GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("broken percent-encoding in the query", "GET /x?a=%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("percent-encoding that is not UTF-8", "GET /x?a=%ff HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("broken percent-encoding in the path", "GET /x%2 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("unknown HTTP version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("malformed version", "GET / HTTPS/1.1\r\nHost: a\r\n\r\n", 400),
        ("lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400),
        ("unknown expectation", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\n", 417),
        ("too many blank lines first", String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ])
    func refusesMalformedHeads(_ name: String, _ text: String, _ status: Int) {
        guard case .failed(let problem) = parse(text) else {
            Issue.record("\(name): expected \(status), parser said \(parse(text))")
            return
        }
        #expect(problem.status == status, "\(name): \(problem)")
        #expect(!problem.detail.isEmpty)
    }

    @Test func requestLineOverTheCapIs414EvenBeforeItEnds() {
        let limits = HTTPServerLimits(maxRequestLineBytes: 64)
        let long = "GET /" + String(repeating: "a", count: 100)
        guard case .failed(let problem) = parse(long, limits: limits) else { Issue.record("not refused"); return }
        #expect(problem.status == 414)
        guard case .failed(let complete) = parse(long + " HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits) else { Issue.record("not refused"); return }
        #expect(complete.status == 414)
        // Exactly at the cap is fine.
        let exact = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        #expect(exact.utf8.count == 64)
        guard case .complete = parse(exact + "\r\nHost: a\r\n\r\n", limits: limits) else { Issue.record("refused at the cap"); return }
    }

    @Test func headerSectionOverTheCapIs431EvenBeforeItEnds() {
        let limits = HTTPServerLimits(maxHeaderBytes: 100)
        let start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + String(repeating: "p", count: 200)
        guard case .failed(let problem) = parse(start, limits: limits) else { Issue.record("not refused"); return }
        #expect(problem.status == 431)
        guard case .failed(let complete) = parse(start + "\r\n\r\n", limits: limits) else { Issue.record("not refused"); return }
        #expect(complete.status == 431)
    }

    /// Found by the fuzzer (Tests/Fuzz/http-head.swift): a head over a cap with a bare LF after
    /// the cap was 400 when it arrived in one read and 414/431 when it arrived in two. The first
    /// byte past the cap decides now, however the bytes arrive.
    @Test(arguments: [
        ("request line", "GET /" + String(repeating: "a", count: 100) + "\n HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        ("header section", "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + String(repeating: "p", count: 200) + "\nB: 1\r\n\r\n", 431),
    ])
    func verdictOverACapDoesNotDependOnHowTheBytesArrive(_ name: String, _ text: String, _ status: Int) {
        let limits = HTTPServerLimits(maxRequestLineBytes: 64, maxHeaderBytes: 100)
        let bytes = Array(text.utf8)
        var whole = HTTPRequestHeadParser(limits: limits)
        let once = bytes.withUnsafeBytes { whole.parse($0) }
        var pieces = HTTPRequestHeadParser(limits: limits)
        var inPieces = HTTPRequestHeadParser.Outcome.incomplete
        for end in stride(from: 10, through: bytes.count, by: 10) {
            inPieces = Array(bytes[..<end]).withUnsafeBytes { pieces.parse($0) }
            if case .incomplete = inPieces { continue }
            break
        }
        guard case .failed(let a) = once, case .failed(let b) = inPieces else { Issue.record("\(name): \(once), \(inPieces)"); return }
        #expect(a.status == status, "\(name) in one read: \(a)")
        #expect(b.status == status, "\(name) in pieces: \(b)")
    }

    @Test func tooManyHeaderFieldsIs431() {
        let limits = HTTPServerLimits(maxHeaderCount: 3)
        let text = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        guard case .failed(let problem) = parse(text, limits: limits) else { Issue.record("not refused"); return }
        #expect(problem.status == 431)
    }

    @Test func problemResponseIsProblemJSON() throws {
        let problem = HTTPProblem(status: 400, slug: "bad-request", title: "Bad Request", detail: "a \"quoted\"\nline")
        let response = problem.response
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(String(decoding: response.body, as: UTF8.self)
            == #"{"type":"https://ura.example/problems/bad-request","title":"Bad Request","status":400,"detail":"a \"quoted\"\nline"}"#)
    }
}
