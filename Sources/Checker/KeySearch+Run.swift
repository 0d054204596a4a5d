/// The search itself: Wing & Gong's depth-first search over the event list, with Lowe's memo and
/// two reductions (eager read-only steps; unknown writes must be observed).
extension KeySearch {
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
        definiteHash = 0
        unknownHash = 0
        unknownLinearizedCount = 0
        mustObserve = false
        var stepCount = 0
        defer { steps = stepCount }
        var entry: Int32 = -1
        var fresh = true
        /// Whether `wantedStamp` describes the current configuration's candidates.
        var wantedValid = false

        while true {
            if remaining == 0 { return .linearizable }
            stepCount += 1
            if stepCount > budget.searchStepsMax { return .undecided }

            if fresh {
                // A configuration reached just now: scan its candidates from the head of the list.
                fresh = false
                wantedValid = false
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
                        wantedValid = false
                    }
                    continue
                }
            }

            if entry >= 0 && returnEntry[Int(entry)] != -2 {
                // A call: try to linearize its operation here.
                let candidate = entry
                entry = next[Int(entry)]
                let operation = Int(entryOperation[Int(candidate)])
                if mustObserve && operationSteps[operation] == .write { continue }
                if operation >= definiteCount {
                    // An unknown operation is only worth taking if a candidate could observe it next.
                    if !wantedValid {
                        computeWanted()
                        wantedValid = true
                    }
                    if !couldBeObserved(operation) { continue }
                }
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
                wantedValid = false
            }
        }
    }

    enum StepResult { case taken, illegal, explored, overBudget }

    /// Linearizes the operation of call entry `entry` in the current configuration if that is legal
    /// and leads to a configuration not explored before.
    mutating func tryStep(_ entry: Int32, eager: Bool, budget: Linearizability.Budget) -> StepResult {
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
        let definite = operation < definiteCount
        let newMustObserve = !definite
        let previousFirstOpen = firstOpen
        setLinearized(operation)
        var newDefiniteHash = definiteHash, newUnknownHash = unknownHash
        if definite { newDefiniteHash ^= Self.zobrist(operation) } else { newUnknownHash ^= Self.zobrist(operation) }
        let newUnknownCount = unknownLinearizedCount + (definite ? 0 : 1)
        let stateKey = UInt64(UInt32(bitPattern: newState)) << 1 | (newMustObserve ? 1 : 0)
        let stateMix = Self.mix(stateKey)

        // Dominated: the same configuration without any of its unknown operations was explored (or
        // is being explored by an ancestor). Everything possible from here is possible from there,
        // since unknown operations may always be left out, so this one adds nothing.
        buildKey(stateKey, withUnknownBits: false)
        var explored = false
        if newUnknownCount > 0 {
            explored = keyWords.withUnsafeBufferPointer { memo.contains($0, hash: newDefiniteHash ^ stateMix) }
        }
        if !explored {
            if newUnknownCount > 0 { copyUnknownBitsIntoKey() }
            explored = !keyWords.withUnsafeBufferPointer {
                memo.insert($0, hash: newDefiniteHash ^ newUnknownHash ^ stateMix)
            }
        }
        guard !explored else {
            clearLinearized(operation)
            firstOpen = previousFirstOpen
            return .explored
        }
        if memo.bytes > budget.memoBytesMax { return .overBudget }
        stackEntries.append(entry)
        stackStates.append(state)
        stackFlags.append((eager ? Self.eagerFlag : 0) | (mustObserve ? Self.mustObserveFlag : 0))
        state = newState
        mustObserve = newMustObserve
        definiteHash = newDefiniteHash
        unknownHash = newUnknownHash
        unknownLinearizedCount = newUnknownCount
        lift(Int(entry))
        if definite { remaining -= 1 }
        if stackEntries.count > bestDepth { recordBest() }
        return .taken
    }

    /// Undoes choices back to the last one that was not forced (an eager read-only step is the only
    /// step tried from its configuration, so when it fails, that configuration fails too).
    /// Returns the entry to try next in the configuration it returns to, or nil when the root fails.
    mutating func backtrack() -> Int32? {
        while let top = stackEntries.popLast() {
            state = stackStates.removeLast()
            let flags = stackFlags.removeLast()
            mustObserve = flags & Self.mustObserveFlag != 0
            if stackEntries.count < agreement { agreement = stackEntries.count }
            let operation = Int(entryOperation[Int(top)])
            clearLinearized(operation)
            if operation < definiteCount {
                definiteHash ^= Self.zobrist(operation)
                remaining += 1
            } else {
                unknownHash ^= Self.zobrist(operation)
                unknownLinearizedCount -= 1
            }
            unlift(Int(top))
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
    func eagerCandidate() -> Int32 {
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

    /// Marks, for the current configuration, the values some candidate needs the key to hold: what a
    /// candidate `get` read, what a candidate `cas` expects; and notes whether a candidate failed
    /// `cas` is waiting (it is illegal now, or the eager scan would have taken it, so the key holds
    /// its expectation and any other value would let it through).
    mutating func computeWanted() {
        wantedMark &+= 1
        if wantedMark == 0 {
            for i in wantedStamp.indices { wantedStamp[i] = 0 }
            wantedMark = 1
        }
        blockedFailedCompare = false
        var entry = next[0]
        while entry >= 0 && returnEntry[Int(entry)] != -2 {
            let operation = Int(entryOperation[Int(entry)])
            switch operationSteps[operation] {
            case .read, .swap: wantedStamp[Int(arguments[operation]) + 2] = wantedMark
            case .failedCompare: blockedFailedCompare = true
            case .write: break
            }
            entry = next[Int(entry)]
        }
    }

    /// Whether unknown `operation`, taken now, could be observed by the next step (see `run`): its
    /// value is wanted by a candidate, or it would unblock a waiting failed cas. When it could not,
    /// any linearization that takes it now has an equivalent one without it.
    func couldBeObserved(_ operation: Int) -> Bool {
        let value: Int32
        switch operationSteps[operation] {
        case .write: value = arguments[operation]
        case .swap:
            if state != arguments[operation] { return false }
            value = newValues[operation]
        case .read, .failedCompare: return true
        }
        return wantedStamp[Int(value) + 2] == wantedMark || (blockedFailedCompare && value != state)
    }

    static let eagerFlag: UInt8 = 1
    static let mustObserveFlag: UInt8 = 2

    // MARK: The linearized set

    @inline(__always) private mutating func setLinearized(_ operation: Int) {
        if operation < definiteCount {
            definiteBits[operation >> 6] |= 1 << UInt64(operation & 63)
            while firstOpen < definiteCount && definiteBits[firstOpen >> 6] & (1 << UInt64(firstOpen & 63)) != 0 {
                firstOpen += 1
            }
        } else {
            let u = operation - definiteCount
            unknownBits[u >> 6] |= 1 << UInt64(u & 63)
        }
    }

    @inline(__always) private mutating func clearLinearized(_ operation: Int) {
        if operation < definiteCount {
            definiteBits[operation >> 6] &= ~(1 << UInt64(operation & 63))
            if operation < firstOpen { firstOpen = operation }
        } else {
            let u = operation - definiteCount
            unknownBits[u >> 6] &= ~(1 << UInt64(u & 63))
        }
    }

    /// The memo key of the current configuration in `keyWords`: the state (with the must-observe
    /// obligation), `firstOpen`, the definite bits from `firstOpen` to its reach (everything below is
    /// linearized, nothing above can be), then the unknown bits (or zeros, for the dominance test).
    private mutating func buildKey(_ stateKey: UInt64, withUnknownBits: Bool) {
        keyWords.removeAll(keepingCapacity: true)
        keyWords.append(stateKey)
        keyWords.append(UInt64(firstOpen))
        if firstOpen < definiteCount {
            let last = max(Int(reach[firstOpen]), firstOpen)
            for word in (firstOpen >> 6) ... (last >> 6) { keyWords.append(definiteBits[word]) }
        }
        if withUnknownBits {
            keyWords.append(contentsOf: unknownBits)
        } else {
            keyWords.append(contentsOf: repeatElement(0, count: unknownBits.count))
        }
    }

    /// Replaces the trailing zeros `buildKey(_:withUnknownBits: false)` wrote by the unknown bits.
    private mutating func copyUnknownBitsIntoKey() {
        let base = keyWords.count - unknownBits.count
        for w in unknownBits.indices { keyWords[base + w] = unknownBits[w] }
    }

    mutating func recordBest() {
        let depth = stackEntries.count
        if bestPrefix.count > agreement { bestPrefix.removeSubrange(agreement...) }
        for i in agreement ..< depth { bestPrefix.append(entryOperation[Int(stackEntries[i])]) }
        agreement = depth
        bestDepth = depth
    }
}
