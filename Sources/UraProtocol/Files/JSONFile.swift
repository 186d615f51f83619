import Foundation
import UraBasics
import UraJSON
import UraModel

/// How Ura reads and writes its JSON files, defined once for every format: read with the strict
/// parser, decoded with errors that name the field, written sorted and pretty-printed with a final newline,
/// whole and synced (`DurableFile`). `noun` names the file in sentences ("the profile").
enum JSONFile {
    /// The file at `url`, parsed; `hint` is added to the sentence when it is not JSON.
    static func parse(_ url: URL, noun: String, hint: String = "") throws(FileError) -> JSONValue {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            if !FileManager.default.fileExists(atPath: url.path) { throw FileError(.missing, "\(noun) \(url.path) does not exist") }
            throw FileError(.unreadable, "cannot read \(noun) \(url.path)")
        }
        do { return try JSONValue(parsing: Array(data)) } catch {
            throw FileError(.invalid, "\(noun) \(url.path) is not JSON: \(error)\(hint)")
        }
    }

    /// `T` decoded from the file at `url`; a decoding error becomes one sentence naming the field.
    static func read<T: Decodable>(_ type: T.Type, from url: URL, noun: String, hint: String = "") throws(FileError) -> T {
        let json = try parse(url, noun: noun, hint: hint)
        do { return try JSONValueDecoder().decode(T.self, from: json) } catch {
            throw FileError(.invalid, "\(noun) \(url.path) is not valid: \(ModelError.describe(error))\(hint)")
        }
    }

    /// The text Ura writes for `value`: members sorted by name (Foundation's encoder keeps no
    /// order, and the same value should always give the same bytes), pretty-printed, a final newline.
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try JSONValue(parsing: Array(encoder.encode(value))).serializedString(options: .prettyPrinted) + "\n"
    }

    /// Writes `value` to `url` whole and synced, replacing the file there or, unless `replacing`,
    /// refusing to.
    static func write(_ value: some Encodable, to url: URL, mode: mode_t, replacing: Bool, noun: String) throws(FileError) {
        let bytes: [UInt8]
        do { bytes = Array(try encode(value).utf8) } catch { throw FileError(.unwritable, "cannot encode \(noun) \(url.path): \(error)") }
        do {
            if replacing {
                try DurableFile.write(bytes, to: url, mode: mode)
            } else {
                try DurableFile.create(bytes, at: url, mode: mode)
            }
        } catch {
            throw FileError(.unwritable, error.message)
        }
    }
}
