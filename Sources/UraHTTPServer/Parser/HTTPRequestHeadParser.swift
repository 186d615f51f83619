import UraHTTPCore

/// Strict HTTP/1.1 request-head parser (RFC 9112) working in place over the connection's buffer.
///
/// It is incremental: `parse` is called again as bytes arrive, resumes scanning where it stopped,
/// and fails as soon as the bytes so far prove the request bad (a bare LF, a request line over
/// the cap) rather than waiting for the end of the head. Refused on purpose: obs-fold, whitespace
/// before a colon, bare CR or LF, duplicate or malformed `Content-Length`, any `Transfer-Encoding`
/// (411: chunked request bodies are not supported), HTTP versions other than 1.0 and 1.1 (505).
package struct HTTPRequestHeadParser {
    package enum Outcome {
        case incomplete
        case complete(HTTPRequestHead)
        case failed(HTTPProblem)
    }

    let limits: HTTPServerLimits
    /// Blank lines tolerated before a request line (some clients send a CRLF after a body).
    static let maxLeadingBlankLines = 4

    /// Bytes already scanned for line ends (so a byte-at-a-time client costs O(n), not O(n²)).
    private var scanned = 0
    /// Where the request line starts (after blank lines a client may send between requests).
    private var requestStart = 0
    /// Index of the LF ending the request line, once seen.
    private var requestLineEnd: Int?
    /// Start of the line being scanned.
    private var lineStart = 0

    package init(limits: HTTPServerLimits) { self.limits = limits }

    /// Forget the previous request; the next `parse` starts at the beginning of its buffer.
    mutating func reset() {
        scanned = 0
        requestStart = 0
        requestLineEnd = nil
        lineStart = 0
    }

    /// True once any byte of a request (not just blank lines) has been seen.
    var hasStarted: Bool { scanned > requestStart }

    package mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        var index = scanned
        while index < bytes.count {
            // The caps are checked byte by byte, not once per read: the first byte that proves the
            // head bad decides the verdict, whether the head came in one read or in many.
            if let problem = overCap(scannedUpTo: index) { return .failed(problem) }
            let byte = bytes[index]
            if byte == .lf {
                guard index > lineStart, bytes[index - 1] == .cr else {
                    return .failed(.badRequest("line \(lineNumber(bytes, at: index)) of the request ends with a bare LF; HTTP/1.1 lines end with CRLF"))
                }
                if requestLineEnd == nil {
                    if index - 1 == lineStart {
                        // A blank line before the request line: RFC 9112 §2.2 lets a server skip it.
                        lineStart = index + 1
                        requestStart = lineStart
                        if requestStart > 2 * Self.maxLeadingBlankLines {
                            return .failed(.badRequest("the request starts with more than \(Self.maxLeadingBlankLines) blank lines"))
                        }
                        index += 1
                        continue
                    }
                    if index - 1 - requestStart > limits.maxRequestLineBytes {
                        return .failed(requestLineTooLong())
                    }
                    requestLineEnd = index
                } else if index - 1 == lineStart {
                    scanned = index + 1
                    return finish(bytes, headEnd: index + 1)
                }
                lineStart = index + 1
            } else if byte == .cr {
                if index + 1 == bytes.count { break }  // look at this CR again when its next byte arrives
                if bytes[index + 1] != .lf {
                    return .failed(.badRequest("line \(lineNumber(bytes, at: index)) of the request contains a CR that is not followed by LF"))
                }
            }
            index += 1
        }
        scanned = index
        if let problem = overCap(scannedUpTo: index) { return .failed(problem) }
        return .incomplete
    }

    /// 414 once the request line has more bytes than its cap and its CRLF, 431 once the header
    /// section has more than its cap, counting the `index` bytes scanned so far.
    private func overCap(scannedUpTo index: Int) -> HTTPProblem? {
        if let requestLineEnd {
            if index - (requestLineEnd + 1) > limits.maxHeaderBytes { return headersTooLarge() }
        } else if index - requestStart > limits.maxRequestLineBytes + 1 {
            return requestLineTooLong()
        }
        return nil
    }

    private func requestLineTooLong() -> HTTPProblem {
        .uriTooLong("the request line is longer than \(limits.maxRequestLineBytes) bytes; shorten the URL or move data into the body")
    }

    private func headersTooLarge() -> HTTPProblem {
        .headerFieldsTooLarge("the header section is larger than \(limits.maxHeaderBytes) bytes; send fewer or shorter header fields")
    }

    private func lineNumber(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        var line = 1
        for i in requestStart..<index where bytes[i] == .lf { line += 1 }
        return line
    }

    // MARK: - Checking a complete head

    private func finish(_ bytes: UnsafeRawBufferPointer, headEnd: Int) -> Outcome {
        guard let requestLineEnd else { return .incomplete }
        if headEnd - (requestLineEnd + 1) > limits.maxHeaderBytes { return .failed(headersTooLarge()) }
        let line = Slice(base: bytes, bounds: requestStart..<(requestLineEnd - 1))
        let requestLine: (method: String, target: String, path: String, query: [(name: String, value: String)], version: HTTPVersion)
        switch parseRequestLine(line) {
        case .success(let parsed): requestLine = parsed
        case .failure(let problem): return .failed(problem)
        }

        var headers = HTTPHeaders()
        var contentLength: Int?
        var hasTransferEncoding = false
        var hostCount = 0
        var close = false
        var keepAliveToken = false
        var expectsContinue = false
        var start = requestLineEnd + 1
        var fieldCount = 0
        while start < headEnd - 2 {
            var end = start
            while bytes[end] != .cr { end += 1 }  // the scan proved every CR here is followed by LF
            fieldCount += 1
            if fieldCount > limits.maxHeaderCount {
                return .failed(.headerFieldsTooLarge("the request has more than \(limits.maxHeaderCount) header fields; send fewer"))
            }
            let field: (name: Slice<UnsafeRawBufferPointer>, value: Slice<UnsafeRawBufferPointer>)
            switch parseField(Slice(base: bytes, bounds: start..<end)) {
            case .success(let parsed): field = parsed
            case .failure(let problem): return .failed(problem)
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: field.name), as: UTF8.self)
            let value = String(decoding: UnsafeRawBufferPointer(rebasing: field.value), as: UTF8.self)
            switch field.name.count {
            case 4 where Self.matches(field.name, "host"):
                hostCount += 1
            case 6 where Self.matches(field.name, "expect"):
                guard Self.matches(field.value, "100-continue") else {
                    return .failed(.expectationFailed("the server only understands \"Expect: 100-continue\", not \"\(value)\""))
                }
                expectsContinue = true
            case 10 where Self.matches(field.name, "connection"):
                for token in value.split(separator: ",") {
                    let option = token.trimmingWhitespace()
                    if HTTPHeaders.equalIgnoringCase(option, "close") { close = true }
                    if HTTPHeaders.equalIgnoringCase(option, "keep-alive") { keepAliveToken = true }
                }
            case 14 where Self.matches(field.name, "content-length"):
                guard contentLength == nil else {
                    return .failed(.badRequest("the request has more than one Content-Length field; send exactly one"))
                }
                guard let length = Self.decimal(field.value) else {
                    return .failed(.badRequest("Content-Length \"\(value)\" is not a non-negative decimal number"))
                }
                contentLength = length
            case 17 where Self.matches(field.name, "transfer-encoding"):
                hasTransferEncoding = true
            default:
                break
            }
            headers.add(name: name, value: value)
            start = end + 2
        }

        if hasTransferEncoding && contentLength != nil {
            return .failed(.badRequest("the request has both Content-Length and Transfer-Encoding; send only Content-Length"))
        }
        if hasTransferEncoding {
            return .failed(.lengthRequired("chunked or otherwise transfer-encoded request bodies are not accepted; send the body with a Content-Length"))
        }
        if requestLine.version == .http1_1 {
            if hostCount == 0 { return .failed(.badRequest("the request has no Host field, which HTTP/1.1 requires")) }
        }
        if hostCount > 1 { return .failed(.badRequest("the request has more than one Host field; send exactly one")) }
        let length = contentLength ?? 0
        if length > limits.maxBodyBytes {
            return .failed(.payloadTooLarge("the body of \(length) bytes is larger than the limit of \(limits.maxBodyBytes) bytes"))
        }
        let keepAlive = requestLine.version == .http1_1 && !close
        _ = keepAliveToken  // HTTP/1.0 keep-alive is deliberately not offered: 1.0 clients get one request per connection.
        return .complete(HTTPRequestHead(
            method: requestLine.method, target: requestLine.target, path: requestLine.path, query: requestLine.query,
            version: requestLine.version, headers: headers, contentLength: length,
            expectsContinue: expectsContinue && requestLine.version == .http1_1 && length > 0,
            keepAlive: keepAlive, length: headEnd))
    }

    private func parseRequestLine(_ line: Slice<UnsafeRawBufferPointer>)
        -> Result<(method: String, target: String, path: String, query: [(name: String, value: String)], version: HTTPVersion), HTTPProblem> {
        let malformed = HTTPProblem.badRequest("the request line is not \"METHOD SP target SP HTTP/1.1\"")
        guard let firstSpace = line.firstIndex(of: .space) else { return .failure(malformed) }
        let methodBytes = line[line.startIndex..<firstSpace]
        let rest = line[(firstSpace + 1)...]
        guard let secondSpace = rest.firstIndex(of: .space) else { return .failure(malformed) }
        let targetBytes = rest[rest.startIndex..<secondSpace]
        let versionBytes = rest[(secondSpace + 1)...]
        guard !methodBytes.isEmpty, !targetBytes.isEmpty, !versionBytes.isEmpty, !versionBytes.contains(.space) else {
            return .failure(malformed)
        }
        guard methodBytes.allSatisfy(\.isTokenCharacter) else {
            return .failure(.badRequest("the method contains characters that are not allowed in a token"))
        }
        let version: HTTPVersion
        if Self.equalBytes(versionBytes, "HTTP/1.1") {
            version = .http1_1
        } else if Self.equalBytes(versionBytes, "HTTP/1.0") {
            version = .http1_0
        } else if versionBytes.count == 8, Self.equalBytes(versionBytes.prefix(5), "HTTP/"),
                  versionBytes[versionBytes.startIndex + 5].isDigit, versionBytes[versionBytes.startIndex + 6] == .dot,
                  versionBytes[versionBytes.startIndex + 7].isDigit {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: versionBytes), as: UTF8.self)
            return .failure(.versionNotSupported("\(text) is not supported; use HTTP/1.1"))
        } else {
            return .failure(malformed)
        }
        let method = String(decoding: UnsafeRawBufferPointer(rebasing: methodBytes), as: UTF8.self)
        guard targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.badRequest("the request target contains a control, space or non-ASCII character; percent-encode it"))
        }
        let target = String(decoding: UnsafeRawBufferPointer(rebasing: targetBytes), as: UTF8.self)
        var pathAndQuery = Substring(target)
        if target == "*" {
            guard method == "OPTIONS" else { return .failure(.badRequest("the target \"*\" is only allowed with OPTIONS")) }
            return .success((method, target, "*", [], version))
        } else if target.first != "/" {
            // absolute-form (RFC 9112 §3.2.2): a server must accept it; routing uses its path.
            let lower = target.lowercased()
            let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
            guard schemeLength > 0 else {
                return .failure(.badRequest("the request target must start with \"/\" (origin-form)"))
            }
            let afterScheme = target.dropFirst(schemeLength)
            if let slash = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                pathAndQuery = afterScheme[slash...]
                if pathAndQuery.first == "?" { pathAndQuery = "/" + pathAndQuery }
            } else {
                pathAndQuery = "/"
            }
        }
        let path: Substring
        var query: [(name: String, value: String)] = []
        if let mark = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<mark]
            for pair in pathAndQuery[pathAndQuery.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
                let equals = pair.firstIndex(of: "=")
                let rawName = equals.map { pair[..<$0] } ?? pair
                let rawValue = equals.map { pair[pair.index(after: $0)...] } ?? ""
                guard let name = Self.percentDecoded(rawName), let value = Self.percentDecoded(rawValue) else {
                    return .failure(.badRequest("the query parameter \"\(pair)\" is not valid percent-encoded UTF-8"))
                }
                query.append((name, value))
            }
        } else {
            path = pathAndQuery
        }
        guard Self.percentDecoded(path) != nil else {
            return .failure(.badRequest("the path \"\(path)\" is not valid percent-encoded UTF-8"))
        }
        return .success((method, target, String(path), query, version))
    }

    /// Splits `name: value` (RFC 9112 §5): the name is a token followed directly by the colon;
    /// the value is trimmed of optional whitespace and may not hold control characters.
    private func parseField(_ line: Slice<UnsafeRawBufferPointer>)
        -> Result<(name: Slice<UnsafeRawBufferPointer>, value: Slice<UnsafeRawBufferPointer>), HTTPProblem> {
        guard let first = line.first else { return .failure(.badRequest("empty header line")) }
        if first == .space || first == .tab {
            return .failure(.badRequest("a header line starts with whitespace (obs-fold line folding), which is not allowed; send each field on one line"))
        }
        guard let colon = line.firstIndex(of: .colon) else {
            let shown = String(decoding: UnsafeRawBufferPointer(rebasing: line.prefix(40)), as: UTF8.self)
            return .failure(.badRequest("the header line \"\(shown)\" has no colon"))
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { return .failure(.badRequest("a header line has an empty field name")) }
        if let last = name.last, last == .space || last == .tab {
            let shown = String(decoding: UnsafeRawBufferPointer(rebasing: name), as: UTF8.self).trimmingWhitespace()
            return .failure(.badRequest("the header field \"\(shown)\" has whitespace before its colon, which is not allowed"))
        }
        guard name.allSatisfy(\.isTokenCharacter) else {
            let shown = String(decoding: UnsafeRawBufferPointer(rebasing: name), as: UTF8.self)
            return .failure(.badRequest("the header field name \"\(shown)\" contains characters that are not allowed in a token"))
        }
        var valueStart = colon + 1
        var valueEnd = line.endIndex
        while valueStart < valueEnd, line[valueStart] == .space || line[valueStart] == .tab { valueStart += 1 }
        while valueEnd > valueStart, line[valueEnd - 1] == .space || line[valueEnd - 1] == .tab { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        guard value.allSatisfy({ $0 == .tab || $0 >= 0x20 && $0 != 0x7F }) else {
            let shown = String(decoding: UnsafeRawBufferPointer(rebasing: name), as: UTF8.self)
            return .failure(.badRequest("the value of header field \"\(shown)\" contains a control character"))
        }
        return .success((name, value))
    }

    // MARK: - Byte helpers

    /// ASCII case-insensitive match against a lowercase literal.
    private static func matches(_ bytes: Slice<UnsafeRawBufferPointer>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        var i = bytes.startIndex
        for e in expected {
            let b = bytes[i]
            let folded = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
            if folded != e { return false }
            i += 1
        }
        return true
    }

    private static func equalBytes(_ bytes: Slice<UnsafeRawBufferPointer>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        return bytes.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// `1*DIGIT` with at most 18 digits (so it fits an Int); anything else is nil.
    private static func decimal(_ bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte.isDigit else { return nil }
            value = value * 10 + Int(byte - .zero)
        }
        return value
    }

    /// Percent-decodes `text` and checks that the result is UTF-8; nil when either is broken.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next()?.hexValue, let low = iterator.next()?.hexValue else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
