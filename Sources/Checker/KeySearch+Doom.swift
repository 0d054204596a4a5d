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
/// The counts are kept per value id, moved by every step and its undo in O(1), and `doomedCount`
/// is the number of doomed values.
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

    @inline(__always) private mutating func isDoomed(_ value: Int32) -> Bool {
        value != state && neededCount[Int(value) + 2] > 0 && writerCount[Int(value) + 2] == 0
    }

    /// Zeroes the counts the previous key left (before its operations are replaced).
    mutating func clearCounts() {
        guard !neededCount.isEmpty else { return }
        for operation in historyIndex.indices {
            let argument = Int(arguments[operation]) + 2, newValue = Int(newValues[operation]) + 2
            neededCount[argument] = 0
            writerCount[argument] = 0
            neededCount[newValue] = 0
            writerCount[newValue] = 0
        }
    }

    /// Counts every operation of the key as pending.
    mutating func fillCounts() {
        for operation in historyIndex.indices {
            if let value = neededValue(operation) { neededCount[Int(value) + 2] += 1 }
            if let value = writtenValue(operation) { writerCount[Int(value) + 2] += 1 }
        }
    }

    /// Doomed values before anything is linearized (the key is absent): for example a value that a
    /// get read and nothing writes.
    mutating func initialDoomedCount() -> Int {
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
        // Only these values can change doom: the two counted ones and the two states, each once.
        let a = needed ?? old, b = written ?? old
        let countB = b != a
        let countOld = old != a && old != b
        let countNew = new != a && new != b && new != old
        var change = 0
        if isDoomed(a) { change -= 1 }
        if countB && isDoomed(b) { change -= 1 }
        if countOld && isDoomed(old) { change -= 1 }
        if countNew && isDoomed(new) { change -= 1 }
        let delta: Int32 = undo ? 1 : -1
        if let needed { neededCount[Int(needed) + 2] += delta }
        if let written { writerCount[Int(written) + 2] += delta }
        state = new
        if isDoomed(a) { change += 1 }
        if countB && isDoomed(b) { change += 1 }
        if countOld && isDoomed(old) { change += 1 }
        if countNew && isDoomed(new) { change += 1 }
        doomedCount += change
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
