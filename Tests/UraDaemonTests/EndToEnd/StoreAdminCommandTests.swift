import Foundation
import Testing
import UraGatewayTestSupport
import UraTestSupport
import UraTestTraits

/// `ura-admin`'s bad command lines: a plain sentence, the usage, exit 64 — and nothing created.
/// (What it does with good ones: BackupRestoreTests and PostgresDaemonTests.)
@Suite(.offThePool) struct StoreAdminCommandTests {
    @Test(arguments: [
        ([], "say what to do"),
        (["dump", "x"], "there is no command 'dump'"),
        (["backup"], "backup needs one argument"),
        (["restore", "a", "b"], "unexpected argument 'b'"),
        (["migrate-store", "mysql://db/ura"], "migrate-store takes postgres:URL"),
        (["migrate-store", "postgres:postgresql://ura@db1/ura?colour=blue"], "the PostgreSQL URL is not valid"),
        (["--frobnicate", "backup", "x"], "--frobnicate"),
    ])
    func aBadCommandLineIsRefusedWithASentence(arguments: [String], sentence: String) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-admin-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let result = try await Processes.runOffPool("ura-admin", ["--data-dir", data.path] + arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.hasPrefix("ura-admin: ") && result.stderr.contains(sentence), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data.path))
    }

    @Test func aRestoreIntoADataDirectoryThatDoesNotExistSaysSo() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-admin-\(UUID().uuidString)")
        let data = root.appendingPathComponent("missing")
        let result = try await Processes.runOffPool("ura-admin", ["--data-dir", data.path, "restore", root.appendingPathComponent("b.sqlite").path])
        #expect(result.status == 78, "\(result)")
        #expect(result.stderr.contains(data.path), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }
}
