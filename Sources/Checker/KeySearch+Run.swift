/// The search itself: Wing & Gong's depth-first search over the event list, with Lowe's memo and
/// the reductions listed at `run`.
extension KeySearch {
    /// Runs the search within `budget`.
    ///
    /// Reductions on top of Porcupine's search, all sound and complete (a proof sketch is with each):
    /// - A legal read-only step (an ok `get`, a failed `cas`) is taken at once and is the only
    ///   step tried from that configuration: it changes no state, so if any linearization exists,
    ///   one exists that takes it now. Without this, k concurrent reads of one value cost 2^k
    ///   configurations.
    /// - Right after an operation with an unknown outcome takes effect, the next step must not be a
    ///   `put`: a value overwritten before anyone observes it might as well never have been written,
    ///   and "never" is allowed for unknown operations. Without this, every timed-out write doubles
    ///   the configurations for the rest of the key's history. An unknown operation is tried only
    ///   when some candidate could observe it next (`couldBeObserved`).
    /// - A configuration is a dead end, and not entered, when a pending operation needs a value the
    ///   key no longer holds and nothing left can write (`KeySearch+Doom.swift`): a wrong order of
    ///   concurrent writes is cut the moment it overwrites a value that a later read saw.
    /// - A configuration is skipped when the same one without its unknown operations was explored
    ///   (they may always be left out), and values nobody reads are merged (`KeyPartition`).
    /// - Of identical unknown operations, only the earliest pending one is tried.
    ///
    /// Candidates are visited in two phases: first the unknown operations invoked before the first
    /// remaining return, from their own list (only those a candidate could observe next, so they
    /// are likely what that candidate needs), then the calls of the main list (operations with a
    /// known outcome) up to its first return. Unknown operations pile up at the front of time (a
    /// lost write stays pending to the end), so keeping them out of the main list keeps its walks
    /// short.
    mutating func run(budget: Linearizability.Budget) -> Outcome {
        restart()
        if pruneDoomed && doomedCount > 0 { return .notLinearizable }
        var stepCount = 0
        defer { steps = stepCount }
        var entry: Int32 = -1
        /// In the unknown phase: the next group of identical unknown operations to try.
        var groupCursor: Int32 = -1
        var inUnknownPhase = false
        /// In the unknown phase: the time of the first remaining return (unknown operations invoked
        /// up to then are candidates).
        var firstReturnTime: Int64 = 0
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
                let eager = eagerCandidate()
                if eager >= 0 {
                    switch tryStep(eager, eager: true, budget: budget) {
                    case .taken:
                        fresh = true
                        continue
                    case .overBudget:
                        return .undecided
                    case .illegal, .explored:
                        // Explored before from here and failed: this configuration fails too.
                        break
                    }
                } else {
                    inUnknownPhase = true
                    firstReturnTime = currentFirstReturnTime()
                    groupCursor = groupNext[groupCount]
                    continue
                }
            } else if inUnknownPhase {
                guard groupCursor >= 0 else {
                    // On to the operations with a known outcome.
                    inUnknownPhase = false
                    entry = next[0]
                    continue
                }
                let g = Int(groupCursor)
                groupCursor = groupNext[g]
                let u = groupHead(g)
                // A candidate only if invoked before the first remaining return.
                if unknownInvoke[u] > firstReturnTime { continue }
                let operation = definiteCount + u
                if mustObserve && operationSteps[operation] == .write { continue }
                // An unknown operation is only worth taking if a candidate could observe it next.
                if !wantedValid {
                    computeWanted(firstReturnTime: firstReturnTime)
                    wantedValid = true
                }
                if !couldBeObserved(operation) { continue }
                switch tryStep(Int32(-(u + 1)), eager: false, budget: budget) {
                case .taken: fresh = true
                case .overBudget: return .undecided
                case .illegal, .explored: break
                }
                continue
            } else if entry >= 0 && returnEntry[Int(entry)] != -2 {
                // A call: try to linearize its operation here.
                let candidate = entry
                entry = next[Int(entry)]
                let step = operationSteps[Int(entryOperation[Int(candidate)])]
                // This configuration has no eager step, so its read-only candidates are illegal.
                if step == .read || step == .failedCompare { continue }
                if mustObserve && step == .write { continue }
                switch tryStep(candidate, eager: false, budget: budget) {
                case .taken: fresh = true
                case .overBudget: return .undecided
                case .illegal, .explored: break
                }
                continue
            }

            // Every candidate failed (or the eager one did): undo the last choice and try the
            // candidate after it.
            guard let frame = backtrack() else { return .notLinearizable }
            wantedValid = false
            if frame > 0 {
                inUnknownPhase = false
                entry = next[Int(frame)]
            } else {
                inUnknownPhase = true
                groupCursor = groupNext[Int(groupOfUnknown[Int(-frame - 1)])]
                firstReturnTime = currentFirstReturnTime()
            }
        }
    }

    enum StepResult { case taken, illegal, explored, overBudget }

    /// Linearizes the operation of stack frame `frame` (a main-list call entry, or −(u + 1) for
    /// unknown operation u) in the current configuration, if that is legal and leads to a
    /// configuration neither explored nor doomed.
    mutating func tryStep(_ frame: Int32, eager: Bool, budget: Linearizability.Budget) -> StepResult {
        let operation = frameOperation(frame)
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
        let previousState = state
        moveCounts(operation, from: previousState, to: newState, undo: false)
        if pruneDoomed && doomedCount > 0 {
            moveCounts(operation, from: newState, to: previousState, undo: true)
            return .explored
        }
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
            moveCounts(operation, from: newState, to: previousState, undo: true)
            return .explored
        }
        if memo.bytes > budget.memoBytesMax { return .overBudget }
        stackEntries.append(frame)
        stackStates.append(previousState)
        stackFlags.append((eager ? Self.eagerFlag : 0) | (mustObserve ? Self.mustObserveFlag : 0))
        mustObserve = newMustObserve
        definiteHash = newDefiniteHash
        unknownHash = newUnknownHash
        unknownLinearizedCount = newUnknownCount
        if frame > 0 { lift(Int(frame)) } else { advanceGroup(ofUnknown: Int(-frame - 1)) }
        if definite { remaining -= 1 }
        if stackEntries.count > bestDepth { recordBest() }
        return .taken
    }

    /// Undoes choices back to the last one that was not forced (an eager read-only step is the only
    /// step tried from its configuration, so when it fails, that configuration fails too).
    /// Returns the frame undone (to resume after it), or nil when the root fails.
    mutating func backtrack() -> Int32? {
        while let top = stackEntries.popLast() {
            let operation = frameOperation(top)
            let restored = stackStates.removeLast()
            moveCounts(operation, from: state, to: restored, undo: true)
            let flags = stackFlags.removeLast()
            mustObserve = flags & Self.mustObserveFlag != 0
            if stackEntries.count < agreement { agreement = stackEntries.count }
            clearLinearized(operation)
            if operation < definiteCount {
                definiteHash ^= Self.zobrist(operation)
                remaining += 1
                unlift(Int(top))
            } else {
                unknownHash ^= Self.zobrist(operation)
                unknownLinearizedCount -= 1
                retreatGroup(ofUnknown: Int(-top - 1))
            }
            if flags & Self.eagerFlag == 0 { return top }
        }
        return nil
    }

    /// The time of the first return left in the main list (`Int64.max` when none is left).
    mutating func currentFirstReturnTime() -> Int64 {
        var entry = next[0]
        while entry >= 0 && returnEntry[Int(entry)] != -2 { entry = next[Int(entry)] }
        return entry >= 0 ? entryTime[Int(entry)] : Int64.max
    }

    /// The first candidate (a call before the first remaining return) whose operation reads
    /// without writing and is legal now, or -1.
    ///
    /// Why taking it at once loses nothing: if a linearization σ from here exists, move that read
    /// to the front. It is legal there (it is legal now), it changes no state so the rest of σ runs
    /// as before, and real-time order still holds because its call precedes every remaining return.
    mutating func eagerCandidate() -> Int32 {
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
    /// candidate `get` read, what a candidate `cas` expects (known or unknown outcome); and notes
    /// whether a candidate failed `cas` is waiting (it is illegal now, or the eager scan would have
    /// taken it, so the key holds its expectation and any other value would let it through).
    mutating func computeWanted(firstReturnTime: Int64) {
        let mark = nextMark()
        blockedFailedCompare = false
        var entry = next[0]
        while entry >= 0 && returnEntry[Int(entry)] != -2 {
            let operation = Int(entryOperation[Int(entry)])
            switch operationSteps[operation] {
            case .read, .swap: wantedStamp[Int(arguments[operation]) + 2] = mark
            case .failedCompare: blockedFailedCompare = true
            case .write: break
            }
            entry = next[Int(entry)]
        }
        var g = groupNext[groupCount]
        while g >= 0 {
            let u = groupHead(Int(g))
            let operation = definiteCount + u
            if unknownInvoke[u] <= firstReturnTime && operationSteps[operation] == .swap {
                wantedStamp[Int(arguments[operation]) + 2] = mark
            }
            g = groupNext[Int(g)]
        }
    }

    /// Whether unknown `operation`, taken now, could be observed by the next step (see `run`): its
    /// value is wanted by a candidate, or it would unblock a waiting failed cas. When it could not,
    /// any linearization that takes it now has an equivalent one without it.
    mutating func couldBeObserved(_ operation: Int) -> Bool {
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
}
