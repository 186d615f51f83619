import Foundation
import Synchronization
import Testing
import UraBasics
import UraTestTraits

/// Threads started by name carry it from their first instruction — Foundation's own naming drops
/// the name when the new thread runs before `start` returns, a few times in a hundred.
@Suite(.offThePool) struct NamedThreadTests {
    @Test func everyThreadStartedByNameHasItFromItsFirstInstruction() async {
        let count = 200
        let names = Mutex<[String]>([])
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for i in 0..<count {
                Thread.startNamed("ura-named-\(i)") {
                    let name = Thread.current.name ?? ""
                    let all = names.withLock { names in
                        names.append(name)
                        return names.count
                    }
                    if all == count { done.resume() }
                }
            }
        }
        let expected = Set((0..<count).map { "ura-named-\($0)" })
        #expect(Set(names.withLock { $0 }) == expected)
    }

    @Test func aLongNameIsCutToWhatTheKernelKeeps() async {
        let name = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            Thread.startNamed("ura-a-name-longer-than-fifteen-bytes") { done.resume(returning: Thread.current.name ?? "") }
        }
        #expect(name == "ura-a-name-long")
    }
}
