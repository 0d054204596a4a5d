import Checker
import Testing

/// The checker at the scale of a real run: 100,000 operations from 64 closed-loop clients.
/// These tests check correctness only; the time they take is printed, not asserted (the machine is
/// shared and timing gates belong to the benchmarks).
@Suite("Linearizability of large histories")
struct LargeHistoryTests {
    private static func timed<T>(_ label: String, _ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        var result: T?
        let elapsed = try clock.measure { result = try body() }
        print("\(label): \(elapsed)")
        return result!
    }

    @Test("a 100,000-operation history of 64 clients over 1,000 keys is linearizable")
    func hundredThousandOperations() throws {
        let history = Self.timed("generate 100k") { ClosedLoopHistory(seed: 7).generate() }
        #expect(history.count == 100_000)
        #expect(history.contains { $0.status == .unknown })
        #expect(history.contains { $0.kind == .cas && $0.status == .fail })
        #expect(history.contains { $0.kind == .cas && $0.status == .ok })

        // Through the file format, as `check-history` would see it.
        let bytes = Self.timed("encode 100k") { History.encode(history) }
        let parsed = try Self.timed("parse 100k") { try bytes.withUnsafeBufferPointer { try History.parse(bytes: $0) } }
        #expect(parsed == history)

        var statistics = Linearizability.Statistics()
        let verdict = Self.timed("check 100k") { Linearizability.check(parsed, statistics: &statistics) }
        print("check 100k: \(statistics)")
        #expect(verdict == .linearizable, "\(verdict)")
        #expect(statistics.keys == 1_000)
    }

    @Test("many clients on a few hot keys (high concurrency per key) are linearizable")
    func hotKeys() {
        let history = ClosedLoopHistory(seed: 11, operations: 20_000, keys: 8, unknownRatio: 0.01).generate()
        var statistics = Linearizability.Statistics()
        let verdict = Self.timed("check 20k on 8 keys") { Linearizability.check(history, statistics: &statistics) }
        print("check 20k on 8 keys: \(statistics)")
        #expect(verdict == .linearizable, "\(verdict)")
    }

    @Test("64 clients on a single key, 5% of them timing out, are decided within the default budget")
    func singleKeyWithTimeouts() {
        let history = ClosedLoopHistory(seed: 11, operations: 20_000, keys: 1, unknownRatio: 0.05).generate()
        var statistics = Linearizability.Statistics()
        let verdict = Self.timed("check 20k on 1 key, 5% unknown") { Linearizability.check(history, statistics: &statistics) }
        print("check 20k on 1 key, 5% unknown: \(statistics)")
        #expect(verdict == .linearizable, "\(verdict)")
    }

    @Test("one read changed to a value never written is found in a large history")
    func corruptedReadIsFound() throws {
        var history = ClosedLoopHistory(seed: 3, operations: 20_000, keys: 200).generate()
        let victim = try #require(history.indices.first { $0 > 10_000 && history[$0].kind == .get && history[$0].status == .ok })
        history[victim].result = "never-written"
        guard case .notLinearizable(let violations) = Linearizability.check(history) else {
            Issue.record("the corrupted read went unnoticed")
            return
        }
        #expect(violations.map(\.key) == [history[victim].key])
        let named = [violations[0].blockedOperation] + violations[0].concurrentOperations
        #expect(named.contains(victim), "\(violations[0].explanation)")
    }

    @Test("one read changed to a stale value is found in a large history")
    func staleReadIsFound() throws {
        var history = ClosedLoopHistory(seed: 5, operations: 20_000, keys: 200).generate()
        // A read r, a write w2 (ok, unique value) that completed before r was invoked, and a write w1
        // (ok) that completed before w2 was invoked: w1's value cannot be current at r.
        let writes = history.indices.filter { history[$0].kind != .get && history[$0].status == .ok }
        var found: (read: Int, stale: String)?
        search: for r in history.indices where history[r].kind == .get && history[r].status == .ok && history[r].invokeMicros > 50_000 {
            let key = history[r].key
            for w2 in writes where history[w2].key == key && history[w2].completeMicros! < history[r].invokeMicros {
                for w1 in writes where history[w1].key == key && history[w1].completeMicros! < history[w2].invokeMicros {
                    found = (r, history[w1].value!)
                    break search
                }
            }
        }
        let (read, stale) = try #require(found)
        history[read].result = stale
        guard case .notLinearizable(let violations) = Linearizability.check(history) else {
            Issue.record("the stale read went unnoticed")
            return
        }
        #expect(violations.map(\.key) == [history[read].key])
    }
}
