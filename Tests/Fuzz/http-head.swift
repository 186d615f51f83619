// libFuzzer target: UraHTTPServer's strict request-head parser on arbitrary bytes, twice — the
// whole input at once, and the same bytes arriving in pieces (as the event loop feeds it, with
// the parser resuming where it stopped). Both must reach the same verdict; after a complete head
// the body is skipped and the rest parsed as the next pipelined request, as the server does.
// Small limits, so the fuzzer reaches the 414/431/413 paths.
import UraHTTPServer

let limits = HTTPServerLimits(maxRequestLineBytes: 512, maxHeaderBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 4096)

enum Verdict: Equatable {
    case incomplete
    case complete(length: Int, method: String, target: String, contentLength: Int, keepAlive: Bool)
    case failed(status: Int)

    init(_ outcome: HTTPRequestHeadParser.Outcome) {
        switch outcome {
        case .incomplete: self = .incomplete
        case .complete(let head):
            self = .complete(length: head.length, method: head.method, target: head.target, contentLength: head.contentLength, keepAlive: head.keepAlive)
        case .failed(let problem): self = .failed(status: problem.status)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let all = UnsafeRawBufferPointer(start: data, count: size)
    // Whole, then pipelined requests after it.
    var offset = 0
    var first: Verdict?
    for _ in 0..<16 where offset <= size {
        var parser = HTTPRequestHeadParser(limits: limits)
        let rest = UnsafeRawBufferPointer(rebasing: all[offset...])
        let verdict = Verdict(parser.parse(rest))
        if first == nil { first = verdict }
        guard case .complete(let length, _, _, let contentLength, let keepAlive) = verdict, keepAlive else { break }
        if length <= 0 || length > rest.count { fatalError("a head of \(length) bytes in \(rest.count)") }
        offset += length + contentLength
    }
    // In pieces: sizes from a small generator seeded by the input, so every input splits one way.
    var parser = HTTPRequestHeadParser(limits: limits)
    var seed = UInt32(truncatingIfNeeded: size) &* 2_654_435_761 | 1
    var end = 0
    var verdict = Verdict.incomplete
    while end < size {
        seed ^= seed << 13; seed ^= seed >> 17; seed ^= seed << 5
        end = min(size, end + 1 + Int(seed % 64))
        verdict = Verdict(parser.parse(UnsafeRawBufferPointer(rebasing: all[..<end])))
        if verdict != .incomplete { break }
    }
    if size > 0 {
        if verdict != first { fatalError("whole: \(String(describing: first)), in pieces: \(verdict)") }
    }
    return 0
}
