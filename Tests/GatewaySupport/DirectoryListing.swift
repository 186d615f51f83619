import Foundation
import Glibc
import UraCLI
import UraClient
import UraDaemon
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraProtocol
import UraProvisioning
import UraStoreSQLite
#if canImport(Glibc)
#endif

/// Every file and folder under a directory with its size, modification time (to the
/// nanosecond) and mode: two listings are equal only if nothing under it was created, removed,
/// written or chmod-ed in between (a folder's time changes when an entry is added or removed).
package struct DirectoryListing: Equatable, CustomStringConvertible {
    struct Entry: Equatable {
        let path: String
        let size: Int64
        let modified: timespec
        let mode: UInt32

        static func == (a: Entry, b: Entry) -> Bool {
            a.path == b.path && a.size == b.size && a.mode == b.mode
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
        }
    }

    let entries: [Entry]

    /// `excluding` leaves out entries whose relative path starts with one of the prefixes.
    package init(_ root: URL, excluding: [String] = []) throws {
        var entries: [Entry] = []
        func visit(_ relative: String) throws {
            let path = relative.isEmpty ? root.path : root.path + "/" + relative
            var status = stat()
            guard lstat(path, &status) == 0 else { throw ListingError(description: "lstat \(path): \(String(cString: strerror(errno)))") }
            if !excluding.contains(where: { !relative.isEmpty && relative.hasPrefix($0) }) {
                entries.append(Entry(path: relative.isEmpty ? "." : relative, size: Int64(status.st_size), modified: status.st_mtim,
                                     mode: status.st_mode))
            }
            if status.st_mode & S_IFMT == S_IFDIR {
                for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                    try visit(relative.isEmpty ? name : relative + "/" + name)
                }
            }
        }
        try visit("")
        self.entries = entries
    }

    package var description: String {
        entries.map { "\($0.path) \($0.size) \($0.modified.tv_sec).\($0.modified.tv_nsec) \(String($0.mode, radix: 8))" }.joined(separator: "\n")
    }

    /// The entries that differ, for a readable failure.
    package func difference(from other: DirectoryListing) -> String {
        let mine = Set(description.split(separator: "\n")), theirs = Set(other.description.split(separator: "\n"))
        return "before only: \(theirs.subtracting(mine).sorted())\nafter only: \(mine.subtracting(theirs).sorted())"
    }

    struct ListingError: Error, CustomStringConvertible { let description: String }
}
