import Foundation
import Testing
import UraBasics
import UraTestTraits

/// `DurableFile.createFolder`: what a power loss does to a folder created without syncing its
/// parent is shown by scripts/powerloss/run.sh (the outbox rounds lose every kept message on the
/// code before it); here, what can be seen without a power cut.
@Suite(.offThePool) struct DurableFileTests {
    private func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ura-durable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    @Test func createsEveryMissingFolder0700AndKeepsWhatExists() throws {
        let root = try temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        let deep = root.appendingPathComponent("state/outbox/rejected")
        try DurableFile.createFolder(deep)
        for folder in ["state", "state/outbox", "state/outbox/rejected"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(folder).path)
            #expect(attributes[.type] as? FileAttributeType == .typeDirectory, "\(folder)")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700, "\(folder)")
        }
        // An existing folder is left alone, with what it holds and its mode.
        try DurableFile.write(Array("kept".utf8), to: deep.appendingPathComponent("a.jws"))
        chmod(root.appendingPathComponent("state").path, 0o750)
        try DurableFile.createFolder(deep)
        #expect(FileManager.default.contents(atPath: deep.appendingPathComponent("a.jws").path) == Data("kept".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("state").path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o750)
    }

    @Test func aFileInTheWayOrAnUnwritableParentIsAClearError() throws {
        let root = try temporary()
        defer { try? FileManager.default.removeItem(at: root) }
        try DurableFile.write(Array("x".utf8), to: root.appendingPathComponent("state"))
        let error = #expect(throws: DurableFileError.self) { try DurableFile.createFolder(root.appendingPathComponent("state/outbox")) }
        #expect(error?.message.contains("cannot create \(root.path)/state/outbox") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Not a directory") == true, "\(String(describing: error))")
    }
}
