extension KeySearch {
    /// After a failed `run`: searches again without cutting doomed configurations, so that the
    /// longest prefix is the longest the plain search finds (a doomed cut stops a prefix at the
    /// write that doomed a later read, which explains less). Within a small budget; if that runs
    /// out, the first run's prefix stays.
    mutating func prepareExplanation(budget: Linearizability.Budget) {
        let firstPrefix = Array(bestPrefix.prefix(bestDepth))
        let firstSteps = steps
        pruneDoomed = false
        defer { pruneDoomed = true }
        let outcome = run(budget: Linearizability.Budget(
            searchStepsMax: min(budget.searchStepsMax, 1_000_000), memoBytesMax: budget.memoBytesMax))
        if outcome != .notLinearizable {
            bestPrefix = firstPrefix
            bestDepth = firstPrefix.count
        }
        steps = firstSteps
    }

    /// Why the last `run` answered `.notLinearizable`: the longest prefix it linearized, and the
    /// operations none of which could come next.
    func violation(key: String, history: [History.Operation]) -> Linearizability.Violation {
        var inPrefix = [Bool](repeating: false, count: historyIndex.count)
        for operation in bestPrefix.prefix(bestDepth) { inPrefix[Int(operation)] = true }
        // The first return, in time order, of an operation outside the prefix: that operation must be
        // linearized next or before; the candidates are the operations invoked before it.
        var blocked: Int32 = -1
        var concurrent: [Int32] = []
        for event in events {
            let operation = event.operation
            if inPrefix[Int(operation)] { continue }
            if event.isReturn { blocked = operation; break }
            concurrent.append(operation)
        }
        precondition(blocked >= 0, "key \(key): a failed search must leave an operation to blame")
        concurrent.removeAll { $0 == blocked }

        let prefix = bestPrefix.prefix(bestDepth).map { Int(historyIndex[Int($0)]) }
        let blockedIndex = Int(historyIndex[Int(blocked)])
        let concurrentIndexes = concurrent.map { Int(historyIndex[Int($0)]) }
        // The key's value after the prefix, from the history itself (the search may hold a
        // stand-in for values nobody reads): the last write in the prefix that took effect.
        var valueAfter: String?
        for index in prefix {
            let operation = history[index]
            if operation.kind == .put || (operation.kind == .cas && operation.status != .fail) { valueAfter = operation.value }
        }
        let stateText = valueAfter.map { "holds \"\($0)\"" } ?? "is absent"

        func describe(_ index: Int) -> String { "#\(index) (\(history[index]))" }
        var text = "key \"\(key)\" is not linearizable. "
        if prefix.isEmpty {
            text += "No operation can take effect first (the key is absent at the start). "
        } else {
            let shown = prefix.suffix(5).map(describe).joined(separator: ", ")
            text += "At most \(prefix.count) of its \(historyIndex.count) operations can be linearized"
            text += prefix.count > 5 ? " (the last five: \(shown))" : " (\(shown))"
            text += ", after which the key \(stateText). "
        }
        text += "Next must come \(describe(blockedIndex)), which completes first of the rest"
        if concurrentIndexes.isEmpty {
            text += ", and it cannot take effect in that state."
        } else {
            let shown = concurrentIndexes.prefix(8).map(describe).joined(separator: ", ")
            let more = concurrentIndexes.count > 8 ? ", and \(concurrentIndexes.count - 8) more" : ""
            text += ", or an operation invoked before it completed: \(shown)\(more). None of them can take effect in that state."
        }
        return Linearizability.Violation(
            key: key, longestPrefix: prefix, valueAfterPrefix: valueAfter,
            blockedOperation: blockedIndex, concurrentOperations: concurrentIndexes, explanation: text
        )
    }
}
