import CLibPQ
import Foundation

/// What a connection string names, for messages: the hosts and ports, never the password.
package enum PostgresURL {
    /// "127.0.0.1 port 5432", or each host and port of a multi-host URL ("db1 port 5432, db2 port 5432").
    package static func describe(_ url: String) -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            if let error { PQfreemem(error) }
            return "an unparsable connection string"
        }
        defer { PQconninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        let hosts = (values["host"] ?? values["hostaddr"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let ports = (values["port"] ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let named = hosts.isEmpty || hosts == [""] ? ["the local socket"] : hosts
        return named.enumerated().map { index, host in
            let port = ports.count == 1 ? ports[0] : (index < ports.count ? ports[index] : "")
            return "\(host.isEmpty ? "the local socket" : host) port \(port.isEmpty ? "5432" : port)"
        }.joined(separator: ", ")
    }

    /// Whether libpq accepts `url` as a connection string; the reason when not.
    package static func problem(_ url: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            defer { if let error { PQfreemem(error) } }
            return error.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "out of memory"
        }
        PQconninfoFree(options)
        return nil
    }
}
