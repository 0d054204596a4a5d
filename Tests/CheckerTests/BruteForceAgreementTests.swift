import Checker
import ConsensusCore
import Testing

/// The definition of linearizability, checked the slow way: try every order of the operations
/// that respects real time (an operation that completed before another was invoked comes first),
/// letting each unknown operation take effect or not. Independent of the checker's code.
private func bruteForceLinearizable(_ history: [History.Operation]) -> Bool {
    // Per key, as the definition allows; each key's operations must all be placed.
    let keys = Set(history.map(\.key))
    for key in keys {
        let ops = history.filter { $0.key == key }
        var placed = [Bool](repeating: false, count: ops.count)
        func mustComeFirst(_ b: History.Operation, before a: History.Operation) -> Bool {
            guard b.status != .unknown, let complete = b.completeMicros else { return false }
            return complete < a.invokeMicros
        }
        func search(_ value: String?) -> Bool {
            if ops.indices.allSatisfy({ placed[$0] || ops[$0].status == .unknown }) { return true }
            for i in ops.indices where !placed[i] {
                let a = ops[i]
                // Every definite operation that completed before `a` was invoked must already be placed.
                if ops.indices.contains(where: { !placed[$0] && $0 != i && mustComeFirst(ops[$0], before: a) }) { continue }
                var next = value
                switch (a.kind, a.status) {
                case (.get, .ok): if a.result != value { continue }
                case (.get, _): break
                case (.put, .fail): break
                case (.put, _): next = a.value
                case (.cas, .fail): if a.expected == value { continue }
                case (.cas, _): if a.expected != value { continue }; next = a.value
                }
                placed[i] = true
                if search(next) { placed[i] = false; return true }
                placed[i] = false
            }
            return false
        }
        if !search(nil) { return false }
    }
    return true
}

@Suite("The search agrees with the definition")
struct BruteForceAgreementTests {
    /// Small random histories over a tiny value domain (so values repeat and both verdicts occur),
    /// with overlapping intervals, failed cas and unknown outcomes.
    private static func randomHistory(_ random: inout DeterministicRandom) -> [History.Operation] {
        let values: [String?] = [nil, "a", "b", "c"]
        let count = 1 + random.below(7)
        let keys = random.chance(0.2) ? ["x", "y"] : ["x"]
        return (0 ..< count).map { client in
            let invoke = Int64(random.below(20))
            let complete = invoke + Int64(random.below(12))
            let key = keys[random.below(keys.count)]
            let unknown = random.chance(0.2)
            let written = values[1 + random.below(3)]!
            switch random.below(3) {
            case 0:
                return .get(client: client, key: key, result: values[random.below(4)],
                            status: unknown ? .unknown : .ok, invokeMicros: invoke, completeMicros: unknown ? nil : complete)
            case 1:
                return .put(client: client, key: key, value: written,
                            status: unknown ? .unknown : .ok, invokeMicros: invoke, completeMicros: unknown ? nil : complete)
            default:
                let status: History.Status = unknown ? .unknown : (random.chance(0.5) ? .ok : .fail)
                return .cas(client: client, key: key, expected: values[random.below(4)], value: written,
                            status: status, invokeMicros: invoke, completeMicros: unknown ? nil : complete)
            }
        }
    }

    @Test("on 20,000 random small histories the checker and brute force give the same verdict")
    func agreement() {
        var random = DeterministicRandom(seed: 2024)
        var outcomes = (linearizable: 0, not: 0)
        for round in 0 ..< 20_000 {
            let history = Self.randomHistory(&random)
            let expected = bruteForceLinearizable(history)
            let verdict = Linearizability.check(history)
            if expected { outcomes.linearizable += 1 } else { outcomes.not += 1 }
            guard verdict.isLinearizable == expected, verdict.csvValue != "undecided" else {
                let listing = history.enumerated().map { "#\($0.offset) \($0.element)" }.joined(separator: "\n")
                Issue.record("round \(round): brute force says \(expected), checker says \(verdict)\n\(listing)")
                return
            }
        }
        // Both verdicts must be well represented, or the comparison proves little.
        #expect(outcomes.linearizable > 5_000 && outcomes.not > 5_000, "\(outcomes)")
    }
}
