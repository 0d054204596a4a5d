import Checker
import Testing

// Small hand-written histories. Times are microseconds; `[a, b]` is an operation's interval.

private func get(_ client: Int, _ result: String?, _ invoke: Int64, _ complete: Int64, key: String = "x") -> History.Operation {
    .get(client: client, key: key, result: result, invokeMicros: invoke, completeMicros: complete)
}

private func put(_ client: Int, _ value: String, _ invoke: Int64, _ complete: Int64?, key: String = "x") -> History.Operation {
    .put(client: client, key: key, value: value, status: complete == nil ? .unknown : .ok,
         invokeMicros: invoke, completeMicros: complete)
}

private func cas(
    _ client: Int, _ expected: String?, _ value: String, _ status: History.Status,
    _ invoke: Int64, _ complete: Int64?, key: String = "x"
) -> History.Operation {
    .cas(client: client, key: key, expected: expected, value: value, status: status,
         invokeMicros: invoke, completeMicros: complete)
}

private func violations(_ verdict: Linearizability.Verdict) -> [Linearizability.Violation] {
    if case .notLinearizable(let violations) = verdict { return violations }
    return []
}

@Suite("Linearizability of small histories")
struct LinearizabilityTests {
    @Test("an empty history is linearizable")
    func empty() {
        #expect(Linearizability.check([]) == .linearizable)
    }

    @Test("a read of an absent key sees nothing")
    func absentRead() {
        #expect(Linearizability.check([get(1, nil, 0, 10)]) == .linearizable)
        #expect(!Linearizability.check([get(1, "a", 0, 10)]).isLinearizable)
    }

    @Test("a sequential put then get of the same value is linearizable")
    func sequential() {
        let history = [put(1, "a", 0, 10), get(2, "a", 20, 30), put(1, "b", 40, 50), get(2, "b", 60, 70)]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("two overlapping writes may be read in either order")
    func overlappingWritesEitherOrder() {
        let writes = [put(1, "a", 0, 100), put(2, "b", 10, 90)]
        #expect(Linearizability.check(writes + [get(3, "a", 200, 210)]) == .linearizable)
        #expect(Linearizability.check(writes + [get(3, "b", 200, 210)]) == .linearizable)
        // While both are in flight, a reader may see either, then the other.
        #expect(Linearizability.check(writes + [get(3, "a", 20, 30), get(3, "b", 40, 50)]) == .linearizable)
        #expect(Linearizability.check(writes + [get(3, "b", 20, 30), get(3, "a", 40, 50)]) == .linearizable)
    }

    @Test("once two overlapping writes are over, the value no longer changes")
    func settledWritesDoNotFlip() {
        let history = [put(1, "a", 0, 100), put(2, "b", 10, 90), get(3, "a", 200, 210), get(3, "b", 300, 310)]
        let found = violations(Linearizability.check(history))
        #expect(found.count == 1)
        #expect(found.first?.blockedOperation == 3)
    }

    @Test("a read concurrent with a write may see the old or the new value, but not go back")
    func readsDoNotGoBack() {
        let write = put(1, "a", 0, 100)
        #expect(Linearizability.check([write, get(2, nil, 10, 20), get(2, "a", 30, 40)]) == .linearizable)
        #expect(!Linearizability.check([write, get(2, "a", 10, 20), get(2, nil, 30, 40)]).isLinearizable)
    }

    @Test("a stale read fails")
    func staleRead() {
        let history = [put(1, "a", 0, 10), put(1, "b", 20, 30), get(2, "a", 40, 50)]
        let found = violations(Linearizability.check(history))
        #expect(found.count == 1)
        #expect(found.first?.key == "x")
        #expect(found.first?.blockedOperation == 2)
        #expect(found.first?.longestPrefix == [0, 1])
        #expect(found.first?.valueAfterPrefix == "b")
    }

    @Test("a lost write fails")
    func lostWrite() {
        let history = [put(1, "a", 0, 10), get(2, nil, 20, 30)]
        let found = violations(Linearizability.check(history))
        #expect(found.first?.blockedOperation == 1)
        #expect(found.first?.longestPrefix == [0])
    }

    @Test("a read of a value never written fails")
    func readOfValueNeverWritten() {
        let history = [put(1, "a", 0, 10), get(2, "z", 5, 30)]
        let found = violations(Linearizability.check(history))
        #expect(found.count == 1)
        #expect(found.first?.blockedOperation == 1)
        #expect(found.first?.explanation.contains("#1 (client 2 get x → \"z\"") == true)
    }

    @Test("a return and a call at the same microsecond count as concurrent")
    func touchingIntervals() {
        #expect(Linearizability.check([put(1, "a", 0, 10), get(2, nil, 10, 20)]) == .linearizable)
        #expect(!Linearizability.check([put(1, "a", 0, 10), get(2, nil, 11, 20)]).isLinearizable)
    }

    // MARK: Unknown outcomes

    @Test("an unknown put whose value is read later took effect")
    func unknownPutObserved() {
        let history = [put(1, "a", 0, nil), get(2, "a", 100, 110), get(2, "a", 200, 210)]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("an unknown put never observed may never have taken effect")
    func unknownPutNeverObserved() {
        let history = [put(1, "a", 0, nil), get(2, nil, 100, 110), put(3, "b", 120, 130), get(2, "b", 200, 210)]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("an unknown put may take effect long after the client gave up")
    func unknownPutTakesEffectLate() {
        let history = [put(1, "a", 0, nil), get(2, nil, 100, 110), put(3, "b", 120, 130), get(2, "a", 200, 210)]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("an unknown put cannot take effect before it was invoked")
    func unknownPutNotBeforeInvocation() {
        let history = [get(2, "a", 0, 10), put(1, "a", 20, nil)]
        #expect(!Linearizability.check(history).isLinearizable)
    }

    @Test("an unknown put takes effect at most once")
    func unknownPutAtMostOnce() {
        let history = [put(1, "a", 0, nil), get(2, "a", 100, 110), put(3, "b", 120, 130), get(2, "a", 200, 210)]
        let found = violations(Linearizability.check(history))
        #expect(found.first?.blockedOperation == 3)
    }

    @Test("unknown and failed gets constrain nothing")
    func unknownGetsIgnored() {
        let history = [
            put(1, "a", 0, 10),
            .get(client: 2, key: "x", result: "zzz", status: .unknown, invokeMicros: 20, completeMicros: nil),
            .get(client: 3, key: "x", result: nil, status: .fail, invokeMicros: 20, completeMicros: 30),
        ]
        #expect(Linearizability.check(history) == .linearizable)
    }

    // MARK: Compare-and-swap

    @Test("a chain of successful cas is linearizable")
    func casChain() {
        let history = [
            cas(1, nil, "a", .ok, 0, 10), cas(2, "a", "b", .ok, 20, 30), cas(1, "b", "c", .ok, 40, 50),
            get(3, "c", 60, 70),
        ]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("of two concurrent cas from absent, only one may succeed")
    func concurrentCasOneWins() {
        let one = [cas(1, nil, "a", .ok, 0, 100), cas(2, nil, "b", .fail, 10, 90), get(3, "a", 200, 210)]
        #expect(Linearizability.check(one) == .linearizable)
        let both = [cas(1, nil, "a", .ok, 0, 100), cas(2, nil, "b", .ok, 10, 90)]
        #expect(!Linearizability.check(both).isLinearizable)
    }

    @Test("a failed cas must have seen a value other than its expectation")
    func failedCasNeedsMismatch() {
        #expect(!Linearizability.check([put(1, "a", 0, 10), cas(2, "a", "b", .fail, 20, 30)]).isLinearizable)
        #expect(Linearizability.check([put(1, "a", 0, 10), cas(2, "z", "b", .fail, 20, 30), get(3, "a", 40, 50)]) == .linearizable)
        // A failed cas writes nothing.
        #expect(!Linearizability.check([put(1, "a", 0, 10), cas(2, "z", "b", .fail, 20, 30), get(3, "b", 40, 50)]).isLinearizable)
    }

    @Test("a failed cas concurrent with the write that made it fail is linearizable")
    func failedCasConcurrentWithWrite() {
        let history = [cas(1, nil, "a", .ok, 0, 100), cas(2, nil, "b", .fail, 50, 60)]
        #expect(Linearizability.check(history) == .linearizable)
    }

    @Test("an unknown cas may or may not have swapped")
    func unknownCas() {
        let base = [put(1, "a", 0, 10), cas(2, "a", "b", .unknown, 20, nil)]
        #expect(Linearizability.check(base + [get(3, "b", 100, 110)]) == .linearizable)
        #expect(Linearizability.check(base + [get(3, "a", 100, 110)]) == .linearizable)
        // But only if its expectation held: from "z" it can never swap.
        let wrongExpectation = [put(1, "a", 0, 10), cas(2, "z", "b", .unknown, 20, nil), get(3, "b", 100, 110)]
        #expect(!Linearizability.check(wrongExpectation).isLinearizable)
    }

    // MARK: Keys, aggregation, budget

    @Test("keys are checked independently and the failing key is named")
    func perKey() {
        let history = [
            put(1, "a", 0, 10, key: "x"), get(2, "a", 20, 30, key: "x"),
            put(1, "a", 0, 10, key: "y"), get(2, nil, 20, 30, key: "y"),
        ]
        let found = violations(Linearizability.check(history))
        #expect(found.map(\.key) == ["y"])
        #expect(found.first?.blockedOperation == 3)
    }

    @Test("the same value under two keys does not leak between them")
    func valuesArePerKey() {
        let history = [put(1, "a", 0, 10, key: "x"), get(2, "a", 20, 30, key: "y")]
        #expect(violations(Linearizability.check(history)).map(\.key) == ["y"])
    }

    /// Fourteen writes in flight at once, then two reads that disagree about which came last: no
    /// order works, and to know that the search must try the subsets of the writes nobody read.
    private var pathological: [History.Operation] {
        (0 ..< 14).map { put($0, "v\($0)", 0, 1_000, key: "x") }
            + [get(98, "v0", 1_100, 1_110, key: "x"), get(99, "v1", 1_200, 1_210, key: "x")]
    }

    @Test("a key past its step budget is undecided, not a guess")
    func stepBudget() {
        var statistics = Linearizability.Statistics()
        let full = Linearizability.check(pathological, statistics: &statistics)
        #expect(!full.isLinearizable && full != .undecided(keys: ["x"]))
        #expect(statistics.searchSteps > 1_000)
        let small = Linearizability.check(pathological, budget: .init(searchStepsMax: 1_000))
        #expect(small == .undecided(keys: ["x"]))
        #expect(small.csvValue == "undecided")
    }

    @Test("a key past its memory budget is undecided")
    func memoryBudget() {
        let verdict = Linearizability.check(pathological, budget: .init(memoBytesMax: 64 << 10))
        #expect(verdict == .undecided(keys: ["x"]))
    }

    @Test("false beats undecided beats true")
    func aggregation() {
        let slowKey = pathological
        let goodKey = [put(1, "a", 0, 10, key: "y"), get(2, "a", 20, 30, key: "y")]
        let badKey = [put(1, "a", 0, 10, key: "z"), get(2, "b", 20, 30, key: "z")]
        let budget = Linearizability.Budget(searchStepsMax: 1_000)
        #expect(Linearizability.check(goodKey + slowKey, budget: budget) == .undecided(keys: ["x"]))
        let verdict = Linearizability.check(goodKey + slowKey + badKey, budget: budget)
        #expect(violations(verdict).map(\.key) == ["z"])
        #expect(verdict.csvValue == "false")
        #expect(Linearizability.check(goodKey).csvValue == "true")
    }
}
