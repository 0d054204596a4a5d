/// The linearizability search for one key's sub-history: Wing & Gong's algorithm with Lowe's
/// memoization, the way Porcupine's `checkSingle` runs it (see `Linearizability` for the references).
///
/// The history becomes a doubly linked list of call and return events in time order. The search
/// walks the list from the head: at a call it tries to linearize that operation now (legal in the
/// model, and the resulting (linearized set, state) not seen before); if so it lifts the call and
/// its return out of the list, pushes the step, and restarts from the head. Reaching a return means
/// that operation had to be linearized by now and was not: it backtracks by popping the last step
/// and putting its events back. Operations with an unknown outcome have no return event: the search
/// may linearize them but never has to, and it succeeds when every operation with a known outcome is
/// linearized.
///
/// One value of this type is reused for every key of a check: all its buffers keep their memory,
/// so the search itself does not allocate once they have grown.
struct KeySearch {
    enum Outcome { case linearizable, notLinearizable, undecided }

    /// A call or return event; sorted by time, calls before returns at the same microsecond.
    private struct Event {
        var time: Int64
        /// Local operation number << 1 | 1 for a return.
        var code: Int32
        var isReturn: Bool { code & 1 == 1 }
        var operation: Int32 { code >> 1 }
    }

    // The key's operations, numbered 0 ..< count locally.
    private var historyIndex: [Int32] = []
    private var operationSteps: [KeyPartition.Step] = []
    private var arguments: [Int32] = []
    private var newValues: [Int32] = []
    private var isDefinite: [Bool] = []
    private var definiteCount = 0
    private var events: [Event] = []

    // The linked list: entry 0 is the head; entry e ≥ 1 is events[e - 1]. -1 is "none".
    private var next: [Int32] = []
    private var previous: [Int32] = []
    private var entryOperation: [Int32] = []
    /// For a call entry, its return entry (-1 when the outcome is unknown); for a return entry, -2.
    private var returnEntry: [Int32] = []

    // Search state.
    private var linearized: [UInt64] = []
    private var stackEntries: [Int32] = []
    private var stackStates: [Int32] = []
    private var stackFlags: [UInt8] = []
    private var state = KeyPartition.absent
    /// Operations with a known outcome not yet linearized.
    private var remaining = 0
    /// Zobrist hash of `linearized`.
    private var hash: UInt64 = 0
    /// The last step was an operation with an unknown outcome: the next must observe its value.
    private var mustObserve = false
    private var memo = MemoTable()

    // The longest prefix reached, for the explanation of a failure. `bestPrefix[0 ..< agreement]`
    // equals the bottom of the current stack, so a new best copies only what changed.
    private var bestPrefix: [Int32] = []
    private var bestDepth = 0
    private var bestState = KeyPartition.absent
    private var agreement = 0

    /// Search steps taken by the last `run`.
    private(set) var steps = 0
    /// Memo entries held at the end of the last `run`.
    var memoEntries: Int { memo.count }

    // MARK: Loading a key

    /// Prepares the search over `operations` (history indexes of one key).
    mutating func load(_ operations: ArraySlice<Int32>, from partition: KeyPartition) {
        let count = operations.count
        historyIndex.removeAll(keepingCapacity: true)
        operationSteps.removeAll(keepingCapacity: true)
        arguments.removeAll(keepingCapacity: true)
        newValues.removeAll(keepingCapacity: true)
        isDefinite.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        definiteCount = 0
        for index32 in operations {
            let index = Int(index32)
            let local = Int32(historyIndex.count)
            historyIndex.append(index32)
            operationSteps.append(partition.steps[index])
            arguments.append(partition.arguments[index])
            newValues.append(partition.newValues[index])
            let definite = partition.isDefinite[index]
            isDefinite.append(definite)
            events.append(Event(time: partition.invokeMicros[index], code: local << 1))
            if definite {
                definiteCount += 1
                events.append(Event(time: partition.completeMicros[index], code: local << 1 | 1))
            }
        }
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isReturn != b.isReturn { return !a.isReturn }
            return a.code < b.code
        }

        // Link the list, head first.
        let entries = events.count + 1
        reset(&next, entries, -1)
        reset(&previous, entries, -1)
        reset(&entryOperation, entries, -1)
        reset(&returnEntry, entries, -1)
        var returnOf = [Int32](repeating: -1, count: count)
        for (position, event) in events.enumerated() {
            let entry = Int32(position + 1)
            next[position] = entry
            previous[position + 1] = Int32(position)
            entryOperation[position + 1] = event.operation
            if event.isReturn {
                returnEntry[position + 1] = -2
                returnOf[Int(event.operation)] = entry
            }
        }
        for entry in 1 ..< entries where returnEntry[entry] != -2 {
            returnEntry[entry] = returnOf[Int(entryOperation[entry])]
        }

        reset(&linearized, (count + 63) / 64, 0)
        stackEntries.removeAll(keepingCapacity: true)
        stackStates.removeAll(keepingCapacity: true)
        stackFlags.removeAll(keepingCapacity: true)
        memo.reset(words: linearized.count)
        bestPrefix.removeAll(keepingCapacity: true)
        bestDepth = 0
        bestState = KeyPartition.absent
        agreement = 0
        steps = 0
    }

    private func reset<T>(_ array: inout [T], _ count: Int, _ value: T) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: repeatElement(value, count: count))
    }

    // MARK: The search

    /// Runs the search within `budget`.
    ///
    /// Two reductions on top of Porcupine's search, both sound and complete (a proof sketch is in
    /// the comments below):
    /// - A legal read-only step (an ok `get`, a failed `cas`) is taken at once and is the only
    ///   step tried from that configuration: it changes no state, so if any linearization exists,
    ///   one exists that takes it now. Without this, k concurrent reads of one value cost 2^k
    ///   configurations.
    /// - Right after an operation with an unknown outcome takes effect, the next step must not be a
    ///   `put`: a value overwritten before anyone observes it might as well never have been written,
    ///   and "never" is allowed for unknown operations. Without this, every timed-out write doubles
    ///   the configurations for the rest of the key's history.
    mutating func run(budget: Linearizability.Budget) -> Outcome {
        state = KeyPartition.absent
        remaining = definiteCount
        hash = 0
        mustObserve = false
        var stepCount = 0
        defer { steps = stepCount }
        var entry: Int32 = -1
        var fresh = true

        while true {
            if remaining == 0 { return .linearizable }
            stepCount += 1
            if stepCount > budget.searchStepsMax { return .undecided }

            if fresh {
                // A configuration reached just now: scan its candidates from the head of the list.
                fresh = false
                entry = next[0]
                let eager = eagerCandidate()
                if eager >= 0 {
                    switch tryStep(eager, eager: true, budget: budget) {
                    case .taken: fresh = true
                    case .overBudget: return .undecided
                    case .illegal, .explored:
                        // Explored before from here and failed: this configuration fails too.
                        guard let resume = backtrack() else { return .notLinearizable }
                        entry = resume
                    }
                    continue
                }
            }

            if entry >= 0 && returnEntry[Int(entry)] != -2 {
                // A call: try to linearize its operation here.
                let candidate = entry
                entry = next[Int(entry)]
                if mustObserve && operationSteps[Int(entryOperation[Int(candidate)])] == .write { continue }
                switch tryStep(candidate, eager: false, budget: budget) {
                case .taken: fresh = true
                case .overBudget: return .undecided
                case .illegal, .explored: break
                }
            } else {
                // A return (or the end of the list): that operation should have been linearized by
                // now. Undo the last choice and try the next candidate after it.
                guard let resume = backtrack() else { return .notLinearizable }
                entry = resume
            }
        }
    }

    private enum StepResult { case taken, illegal, explored, overBudget }

    /// Linearizes the operation of call entry `entry` in the current configuration if that is legal
    /// and leads to a configuration not explored before.
    private mutating func tryStep(_ entry: Int32, eager: Bool, budget: Linearizability.Budget) -> StepResult {
        let operation = Int(entryOperation[Int(entry)])
        let argument = arguments[operation]
        var newState = state
        switch operationSteps[operation] {
        case .read: if state != argument { return .illegal }
        case .write: newState = argument
        case .swap: if state != argument { return .illegal }; newState = newValues[operation]
        case .failedCompare: if state == argument { return .illegal }
        }
        // An unknown operation that took effect must be observed by the next step (see `run`);
        // that obligation is part of the configuration.
        let newMustObserve = !isDefinite[operation]
        let word = operation >> 6
        let bit: UInt64 = 1 << UInt64(operation & 63)
        linearized[word] |= bit
        let newHash = hash ^ Self.zobrist(operation)
        let key = Self.memoKey(newState, newMustObserve)
        let isNew = linearized.withUnsafeBufferPointer {
            memo.insert($0, state: key, hash: newHash ^ Self.mix(key))
        }
        guard isNew else {
            linearized[word] &= ~bit
            return .explored
        }
        if memo.bytes > budget.memoBytesMax { return .overBudget }
        stackEntries.append(entry)
        stackStates.append(state)
        stackFlags.append((eager ? Self.eagerFlag : 0) | (mustObserve ? Self.mustObserveFlag : 0))
        state = newState
        mustObserve = newMustObserve
        hash = newHash
        lift(Int(entry))
        if isDefinite[operation] { remaining -= 1 }
        if stackEntries.count > bestDepth { recordBest() }
        return .taken
    }

    /// Undoes choices back to the last one that was not forced (an eager read-only step is the only
    /// step tried from its configuration, so when it fails, that configuration fails too).
    /// Returns the entry to try next in the configuration it returns to, or nil when the root fails.
    private mutating func backtrack() -> Int32? {
        while let top = stackEntries.popLast() {
            state = stackStates.removeLast()
            let flags = stackFlags.removeLast()
            mustObserve = flags & Self.mustObserveFlag != 0
            if stackEntries.count < agreement { agreement = stackEntries.count }
            let operation = Int(entryOperation[Int(top)])
            linearized[operation >> 6] &= ~(1 << UInt64(operation & 63))
            hash ^= Self.zobrist(operation)
            unlift(Int(top))
            if isDefinite[operation] { remaining += 1 }
            if flags & Self.eagerFlag == 0 { return next[Int(top)] }
        }
        return nil
    }

    /// The first candidate (a call before the first remaining return) whose operation reads
    /// without writing and is legal now, or -1.
    ///
    /// Why taking it at once loses nothing: if a linearization σ from here exists, move that read
    /// to the front. It is legal there (it is legal now), it changes no state so the rest of σ runs
    /// as before, and real-time order still holds because its call precedes every remaining return.
    private func eagerCandidate() -> Int32 {
        var entry = next[0]
        while entry >= 0 && returnEntry[Int(entry)] != -2 {
            let operation = Int(entryOperation[Int(entry)])
            switch operationSteps[operation] {
            case .read: if state == arguments[operation] { return entry }
            case .failedCompare: if state != arguments[operation] { return entry }
            case .write, .swap: break
            }
            entry = next[Int(entry)]
        }
        return -1
    }

    private static let eagerFlag: UInt8 = 1
    private static let mustObserveFlag: UInt8 = 2

    @inline(__always) private static func memoKey(_ state: Int32, _ mustObserve: Bool) -> UInt64 {
        UInt64(UInt32(bitPattern: state)) << 1 | (mustObserve ? 1 : 0)
    }

    /// Removes a call entry and its return entry (if any) from the list.
    @inline(__always) private mutating func lift(_ call: Int) {
        let p = Int(previous[call]), n = next[call]
        next[p] = n
        if n >= 0 { previous[Int(n)] = Int32(p) }
        let ret = Int(returnEntry[call])
        if ret >= 0 {
            let rp = Int(previous[ret]), rn = next[ret]
            next[rp] = rn
            if rn >= 0 { previous[Int(rn)] = Int32(rp) }
        }
    }

    /// Puts back what `lift` removed, in reverse order (the lifted entries kept their own links).
    @inline(__always) private mutating func unlift(_ call: Int) {
        let ret = Int(returnEntry[call])
        if ret >= 0 {
            next[Int(previous[ret])] = Int32(ret)
            let rn = next[ret]
            if rn >= 0 { previous[Int(rn)] = Int32(ret) }
        }
        next[Int(previous[call])] = Int32(call)
        let n = next[call]
        if n >= 0 { previous[Int(n)] = Int32(call) }
    }

    private mutating func recordBest() {
        let depth = stackEntries.count
        if bestPrefix.count > agreement { bestPrefix.removeSubrange(agreement...) }
        for i in agreement ..< depth { bestPrefix.append(entryOperation[Int(stackEntries[i])]) }
        agreement = depth
        bestDepth = depth
        bestState = state
    }

    /// A fixed pseudo-random 64-bit value per operation (SplitMix64 of its number): the linearized
    /// set's hash is the XOR of its members' values, updated in O(1) per step (Zobrist hashing).
    @inline(__always) static func zobrist(_ operation: Int) -> UInt64 {
        mix(UInt64(truncatingIfNeeded: operation) &+ 0x632B_E59B_D9B4_E019)
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MARK: Explaining a failure

    /// Why the last `run` answered `.notLinearizable`: the longest prefix it linearized, and the
    /// operations none of which could come next.
    func violation(key: String, history: [History.Operation], partition: KeyPartition) -> Linearizability.Violation {
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
        let stateText = partition.valueString(bestState).map { "holds \"\($0)\"" } ?? "is absent"

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
            key: key, longestPrefix: prefix, valueAfterPrefix: partition.valueString(bestState),
            blockedOperation: blockedIndex, concurrentOperations: concurrentIndexes, explanation: text
        )
    }
}
