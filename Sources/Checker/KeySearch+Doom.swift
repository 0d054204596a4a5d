/// Dead ends found early: values that are needed and can no longer be written.
///
/// A pending `get` that read x, or a pending ok `cas` that expected x, can only take effect while the
/// key holds x. If the key does not hold x now and no pending operation may still write x, that
/// operation can never be linearized, so the configuration cannot lead to a linearization (sound,
/// whatever the values). With unique values (what the harness writes) this cuts a wrong order of
/// two concurrent writes the moment the second overwrites the value a later read saw, instead of
/// when that read's completion is finally reached, which may be dozens of steps later with
/// every order of the operations in between tried first.
///
/// A pending cas counts as a possible writer only while its expectation can still hold, so that a
/// timed-out cas whose expected value is gone for good no longer keeps the readers of its value
/// alive. The counts are kept per value id and moved by every step and its undo, looking only at
/// the few values the step can affect; `doomedCount` is the number of doomed values.
extension KeySearch {
    /// The value an operation needs the key to hold (ok get, ok cas), or nil.
    @inline(__always) private mutating func neededValue(_ operation: Int) -> Int32? {
        switch operationSteps[operation] {
        case .read: return arguments[operation]
        case .swap: return operation < definiteCount ? arguments[operation] : nil
        case .write, .failedCompare: return nil
        }
    }

    /// The value an operation writes when it takes effect, or nil.
    @inline(__always) private mutating func writtenValue(_ operation: Int) -> Int32? {
        switch operationSteps[operation] {
        case .write: return arguments[operation]
        case .swap: return newValues[operation]
        case .read, .failedCompare: return nil
        }
    }

    /// Whether `operation` is not linearized (with `moveCounts`' view of the one it moves).
    @inline(__always) private mutating func isPending(_ operation: Int) -> Bool {
        if operation == movingOperation { return movingIsPending }
        if operation < definiteCount {
            return definiteBits[operation >> 6] & (1 << UInt64(operation & 63)) == 0
        }
        let u = operation - definiteCount
        return unknownBits[u >> 6] & (1 << UInt64(u & 63)) == 0
    }

    /// Whether some pending operation may still write `value`: a put, or a cas whose expectation can
    /// still hold (the key holds it now, or some pending operation writes it; one level deep, which
    /// only ever answers yes too often, so the cut stays sound).
    @inline(__always) private mutating func mayStillBeWritten(_ value: Int32) -> Bool {
        let v = Int(value) + 2
        if putWriterCount[v] > 0 { return true }
        if swapWriterCount[v] == 0 { return false }
        var swap = firstSwapWriting[v]
        while swap >= 0 {
            let s = Int(swap)
            if isPending(s) {
                let expected = arguments[s]
                let e = Int(expected) + 2
                if expected == state || putWriterCount[e] + swapWriterCount[e] > 0 { return true }
            }
            swap = nextSwapWritingSame[s]
        }
        return false
    }

    @inline(__always) private mutating func isDoomed(_ value: Int32) -> Bool {
        value != state && neededCount[Int(value) + 2] > 0 && !mayStillBeWritten(value)
    }

    /// Zeroes the counts the previous key left (before its operations are replaced).
    mutating func clearCounts() {
        guard !neededCount.isEmpty else { return }
        for operation in historyIndex.indices {
            let argument = Int(arguments[operation]) + 2, newValue = Int(newValues[operation]) + 2
            neededCount[argument] = 0
            putWriterCount[argument] = 0
            swapWriterCount[argument] = 0
            firstSwapWriting[argument] = -1
            firstSwapExpecting[argument] = -1
            neededCount[newValue] = 0
            putWriterCount[newValue] = 0
            swapWriterCount[newValue] = 0
            firstSwapWriting[newValue] = -1
            firstSwapExpecting[newValue] = -1
        }
    }

    /// Counts every operation of the key as pending, and chains the cas by written and expected value.
    mutating func fillCounts() {
        reset(&nextSwapWritingSame, historyIndex.count, -1)
        reset(&nextSwapExpectingSame, historyIndex.count, -1)
        for operation in historyIndex.indices {
            if let value = neededValue(operation) { neededCount[Int(value) + 2] += 1 }
            switch operationSteps[operation] {
            case .write:
                putWriterCount[Int(arguments[operation]) + 2] += 1
            case .swap:
                let written = Int(newValues[operation]) + 2, expected = Int(arguments[operation]) + 2
                swapWriterCount[written] += 1
                nextSwapWritingSame[operation] = firstSwapWriting[written]
                firstSwapWriting[written] = Int32(operation)
                nextSwapExpectingSame[operation] = firstSwapExpecting[expected]
                firstSwapExpecting[expected] = Int32(operation)
            case .read, .failedCompare:
                break
            }
        }
    }

    /// Doomed values before anything is linearized (the key is absent): for example a value that a
    /// get read and nothing writes.
    mutating func initialDoomedCount() -> Int {
        movingOperation = -1
        let mark = nextMark()
        var doomed = 0
        for operation in historyIndex.indices {
            guard let value = neededValue(operation), wantedStamp[Int(value) + 2] != mark else { continue }
            wantedStamp[Int(value) + 2] = mark
            if isDoomed(value) { doomed += 1 }
        }
        return doomed
    }

    /// Moves `operation` out of the pending counts (or back in, `undo`) while the key's state goes
    /// from `old` (the current state) to `new`, and updates `doomedCount`.
    mutating func moveCounts(_ operation: Int, from old: Int32, to new: Int32, undo: Bool) {
        let needed = neededValue(operation)
        let written = writtenValue(operation)
        // The values whose doom this can change: the one needed, the one written, the two states,
        // and those written by a cas expecting the value written or either state.
        affectedValues.removeAll(keepingCapacity: true)
        if let needed { addAffected(needed) }
        addAffected(old)
        addAffected(new)
        if let written {
            addAffected(written)
            addSwapTargets(expecting: written)
        }
        addSwapTargets(expecting: old)
        addSwapTargets(expecting: new)

        movingOperation = operation
        movingIsPending = !undo
        var change = 0
        for i in affectedValues.indices where isDoomed(affectedValues[i]) { change -= 1 }
        let delta: Int32 = undo ? 1 : -1
        if let needed { neededCount[Int(needed) + 2] += delta }
        switch operationSteps[operation] {
        case .write: putWriterCount[Int(arguments[operation]) + 2] += delta
        case .swap: swapWriterCount[Int(newValues[operation]) + 2] += delta
        case .read, .failedCompare: break
        }
        state = new
        movingIsPending = undo
        for i in affectedValues.indices where isDoomed(affectedValues[i]) { change += 1 }
        doomedCount += change
        #if DEBUG
        // Debug builds check the incremental count against a recount on small keys (the random
        // histories of `BruteForceAgreementTests` go through here by the thousand).
        if historyIndex.count <= 16 {
            let recount = recountDoomed()
            precondition(doomedCount == recount, "doomed count \(doomedCount), recount \(recount)")
        }
        #endif
        movingOperation = -1
    }

    #if DEBUG
    /// The doomed values counted from scratch (quadratic; for the debug self-check only).
    private mutating func recountDoomed() -> Int {
        var doomed = 0
        for operation in historyIndex.indices {
            guard let value = neededValue(operation) else { continue }
            var seenBefore = false
            for earlier in 0 ..< operation where neededValue(earlier) == value { seenBefore = true }
            if !seenBefore && isDoomed(value) { doomed += 1 }
        }
        return doomed
    }
    #endif

    @inline(__always) private mutating func addAffected(_ value: Int32) {
        for v in affectedValues where v == value { return }
        affectedValues.append(value)
    }

    private mutating func addSwapTargets(expecting value: Int32) {
        var swap = firstSwapExpecting[Int(value) + 2]
        while swap >= 0 {
            addAffected(newValues[Int(swap)])
            swap = nextSwapExpectingSame[Int(swap)]
        }
    }

    /// A fresh mark for `wantedStamp`.
    mutating func nextMark() -> UInt32 {
        wantedMark &+= 1
        if wantedMark == 0 {
            for i in wantedStamp.indices { wantedStamp[i] = 0 }
            wantedMark = 1
        }
        return wantedMark
    }
}
