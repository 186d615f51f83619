import Foundation
import Testing
import UraTestTraits

/// Every suite carries `.offThePool`: its tests, what they await and their child tasks run on the
/// test run's own threads, so a test that blocks (a process, an fsync, a pipe) takes none of the
/// cooperative pool's two threads from the others.
@Suite(.offThePool) struct OffThePoolTraitTests {
    @Test func aTestItsResumptionsAndItsChildTasksRunOnTheTestThreads() async {
        let names = await ThreadPoolExecutorTests.threadsOfATaskItsResumptionAndItsChildren()
        #expect(names.count == 6 && names.allSatisfy { $0.hasPrefix("ura-test-") }, "names: \(names)")
    }

    /// Every suite of the repository says so (a new one without it would go back to the pool).
    @Test func everySuiteCarriesTheTrait() throws {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        var missing: [String] = []
        for case let file as String in FileManager.default.enumerator(atPath: tests.path)! where file.hasSuffix(".swift") {
            let text = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.trimmingCharacters(in: .whitespaces).hasPrefix("@Suite")
                && !line.contains("@Suite(.offThePool") {
                missing.append("\(file): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(missing.isEmpty, "suites without .offThePool: \(missing)")
    }
}
