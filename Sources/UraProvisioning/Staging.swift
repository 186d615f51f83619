import Foundation
import UraBasics

/// A folder inside the data directory where a set of files is made before it is moved into place:
/// every file and folder in it is synced, then each top-level item is renamed into the data
/// directory in the order given (the directory file last). A failure leaves nothing behind.
struct Staging {
    let data: URL
    let root: URL

    /// Creates the data directory (0700) if needed, and an empty staging folder in it.
    init(in data: URL, purpose: String) throws(ProvisioningError) {
        do {
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ProvisioningError(.io, "cannot create the data directory \(data.path): \(error.localizedDescription)")
        }
        self.data = data
        root = data.appendingPathComponent(".\(purpose)-\(UUID().uuidString)")
        do { try makeFolder("") } catch { throw ProvisioningError(.io, "cannot create \(root.path): \(error.localizedDescription)") }
    }

    /// Refuses when any of `items` exists in `data` already.
    static func refuseExisting(_ items: [String], in data: URL, _ why: String) throws(ProvisioningError) {
        if let existing = items.first(where: { FileManager.default.fileExists(atPath: data.appendingPathComponent($0).path) }) {
            throw ProvisioningError(.exists, "\(data.appendingPathComponent(existing).path) exists already; \(why)")
        }
    }

    func url(_ relative: String) -> URL { relative.isEmpty ? root : root.appendingPathComponent(relative) }

    /// A folder only its owner may enter (0700).
    func makeFolder(_ relative: String) throws {
        try FileManager.default.createDirectory(at: url(relative), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// A public file (a certificate, a public key); private keys are written by their own owners, 0600.
    func write(_ text: String, to relative: String) throws {
        try Data(text.utf8).write(to: url(relative), options: .withoutOverwriting)
    }

    /// Syncs everything staged, then renames `items` into the data directory in order; if one
    /// cannot be moved, those already moved are removed again and nothing is set up.
    func commit(_ items: [String]) throws(ProvisioningError) {
        try syncTree()
        var moved: [URL] = []
        for item in items {
            let target = data.appendingPathComponent(item)
            guard rename(url(item).path, target.path) == 0 else {
                let reason = String(cString: strerror(errno))
                for done in moved { try? FileManager.default.removeItem(at: done) }
                throw ProvisioningError(.io, "could not move \(item) into \(data.path) (\(reason)); nothing was set up")
            }
            moved.append(target)
        }
        try? DurableFile.syncFolder(data, for: data, "set up")
    }

    /// Removes the staging folder and whatever is left in it.
    func discard() { try? FileManager.default.removeItem(at: root) }

    /// fsyncs every file and folder under the staging folder (keys must be on disk before they are moved in).
    private func syncTree() throws(ProvisioningError) {
        var paths = [root.path]
        if let walker = FileManager.default.enumerator(atPath: root.path) {
            while let relative = walker.nextObject() as? String { paths.append(root.appendingPathComponent(relative).path) }
        }
        for path in paths.reversed() {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw ProvisioningError(.io, "cannot open \(path) to sync it") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw ProvisioningError(.io, "cannot sync \(path) to disk: \(String(cString: strerror(errno)))") }
        }
    }
}
