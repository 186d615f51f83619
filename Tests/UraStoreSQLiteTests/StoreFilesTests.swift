import Foundation
import Testing
import UraStore
import UraStoreConformance
import UraStoreSQLite
import UraTestTraits

/// The store's files hold every message: created 0600 whatever the umask, and refused at open
/// when others may read them, as urad refuses such a private key.
@Suite(.offThePool) struct StoreFilesTests {
    static func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theDatabaseAndItsLogFilesAreCreatedReadableByTheOwnerOnly() async throws {
        // Under the usual umask 022, SQLite alone makes them 0644.
        let f = try StoreFixture()
        _ = try await f.store.commit(f.accepted())
        _ = try f.store.ledgerSize()
        for suffix in ["", "-wal", "-shm"] {
            #expect(try Self.mode(f.path + suffix) == 0o600, "ura.sqlite\(suffix)")
        }
    }

    @Test(arguments: ["", "-wal", "-shm"])
    func aStoreFileOthersCanReadIsRefusedAtOpen(suffix: String) async throws {
        let f = try StoreFixture()
        _ = try await f.store.commit(f.accepted())
        let size = try f.store.ledgerSize()
        f.store.close()
        let file = f.path + suffix
        if !FileManager.default.fileExists(atPath: file) { _ = FileManager.default.createFile(atPath: file, contents: nil) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect {
            _ = try SQLiteStore(path: f.path, ledger: StoreFixture.ledger)
        } throws: { error in
            let text = "\(error)"
            return text.contains("\(file) can be read or written by others (mode 644)") && text.contains("chmod 600")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let reopened = try SQLiteStore(path: f.path, ledger: StoreFixture.ledger)
        #expect(try reopened.ledgerSize() == size)
        reopened.close()
    }
}
