import Glibc
import UraHTTPCore

/// An IPv4 or IPv6 socket address: resolving a listen address and printing a peer's.
package struct SocketAddress {
    package var storage = sockaddr_storage()
    package var length = socklen_t(MemoryLayout<sockaddr_storage>.size)

    package var family: Int32 { Int32(storage.ss_family) }

    /// The first address `host` resolves to (numeric literals need no DNS).
    package static func resolve(host: String, port: Int) throws(HTTPServerError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw .cannotResolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(result) }
        var address = SocketAddress()
        withUnsafeMutableBytes(of: &address.storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        address.length = first.pointee.ai_addrlen
        return address
    }

    /// `127.0.0.1:5000` or `[::1]:5000`.
    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic -> String in
                if family == AF_INET6 {
                    return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var bytes = v6.pointee.sin6_addr
                        inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
                        return "[\(SystemCall.string(fromCString: text))]:\(UInt16(bigEndian: v6.pointee.sin6_port))"
                    }
                }
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var bytes = v4.pointee.sin_addr
                    inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count))
                    return "\(SystemCall.string(fromCString: text)):\(UInt16(bigEndian: v4.pointee.sin_port))"
                }
            }
        }
    }

    /// A non-blocking listening socket. SO_REUSEADDR only (a restart may bind while connections of
    /// the previous process are in TIME_WAIT), never SO_REUSEPORT: with it a second server of the
    /// same user would bind the port too and the kernel would split connections between them.
    static func listen(host: String, port: Int, backlog: Int) throws(HTTPServerError) -> (fd: Int32, port: Int) {
        let address = try resolve(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .cannotListen(address: "\(host):\(port)", reason: SystemCall.errorText()) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, Glibc.listen(fd, Int32(backlog)) == 0 else {
            let reason = SystemCall.errorText()
            close(fd)
            throw .cannotListen(address: "\(host):\(port)", reason: reason)
        }
        var local = SocketAddress()
        _ = withUnsafeMutablePointer(to: &local.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &local.length) }
        }
        return (fd, local.port)
    }

    var port: Int {
        var copy = storage
        return withUnsafePointer(to: &copy) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }
}
