import Foundation
import Testing
import UraStoreConformance
import UraStoreSQLite
import UraTestTraits

/// Closing a store closes every SQLite handle at once, not at some later deinit: SQLite keys its
/// locks and shared memory by inode, so a handle left open on a database whose directory is then
/// deleted can meet a new database that reuses the inode.
@Suite(.offThePool) struct StoreCloseTests {
    /// Descriptors of this process open on files under `prefix`.
    static func openFiles(under prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else { return nil }
            return target.hasPrefix(prefix) ? target : nil
        }
    }

    @Test func closingTheStoreClosesEveryFileWhileTheObjectLives() async throws {
        let f = try StoreFixture()
        for _ in 0..<5 { _ = try await f.store.commit(f.accepted()) }
        _ = try f.store.ledgerSize()  // a reader connection, returned to the pool
        #expect(try !Self.openFiles(under: f.directory.path).isEmpty)
        f.store.close()
        #expect(try Self.openFiles(under: f.directory.path) == [])
        f.store.close()  // twice is harmless
    }
}
