/// The linearizability search for one key's sub-history: Wing & Gong's algorithm with Lowe's
/// memoization, the way Porcupine's `checkSingle` runs it (see `Linearizability` for the references).
///
/// The history becomes a doubly linked list of call and return events in time order. The search
/// walks the list from the head: at a call it tries to linearize that operation now (legal in the
/// model, and the resulting (linearized set, state) not seen before); if so it lifts the call and
/// its return out of the list, pushes the step, and restarts from the head. Reaching a return means
/// that operation had to be linearized by now and was not: it backtracks by popping the last step
/// and putting its events back. Operations with an unknown outcome have no return event (their return
/// is at +∞) and are kept apart, in groups of identical ones: the search may linearize them but never
/// has to, and it succeeds when every operation with a known outcome is linearized.
///
/// Memo entries are compact. Operations with a known outcome are numbered in order of completion;
/// in every configuration the search reaches, all of them before the first one not yet linearized
/// (`firstOpen`) are linearized, and none invoked after `firstOpen` completed can be (it would have
/// had to wait for `firstOpen`'s return). So a configuration is fully named by `firstOpen`, the few
/// bitset words from `firstOpen` to the last operation invoked before it completed (`reach`), the
/// bits of the unknown operations, and the state: a handful of words, where a full bitset would
/// need one bit per operation of the key (megabytes per entry for a hot key).
///
/// One value of this type is reused for every key of a check: all its buffers keep their memory,
/// so the search itself does not allocate once they have grown. Helpers called from the search
/// loop are `mutating` even when they only read: from mutating code, a non-mutating method call
/// makes unoptimized (debug) builds copy the whole value, every buffer retained, on each call.
struct KeySearch {
    enum Outcome { case linearizable, notLinearizable, undecided }

    /// A call or return event; sorted by time, calls before returns at the same microsecond.
    struct Event {
        var time: Int64
        /// Local operation number << 1 | 1 for a return.
        var code: Int32
        var isReturn: Bool { code & 1 == 1 }
        var operation: Int32 { code >> 1 }
    }

    // The key's operations, numbered locally: first those with a known outcome, in order of
    // completion (0 ..< definiteCount), then the unknown ones in order of invocation.
    var historyIndex: [Int32] = []
    var operationSteps: [KeyPartition.Step] = []
    var arguments: [Int32] = []
    var newValues: [Int32] = []
    var definiteCount = 0
    var events: [Event] = []
    /// For a definite operation `m`: the highest definite number whose call precedes `m`'s return.
    var reach: [Int32] = []
    /// Scratch for ordering the operations while loading.
    private var order: [Int32] = []
    private struct Signature: Hashable { var step: KeyPartition.Step; var argument: Int32; var newValue: Int32 }
    private var groupOfSignature: [Signature: Int32] = [:]

    // The main linked list of call and return events of the operations with a known outcome, in
    // `events` order: entry 0 is the head. -1 is "none".
    var next: [Int32] = []
    var previous: [Int32] = []
    var entryOperation: [Int32] = []
    /// For a call entry, its return entry; for a return entry, -2.
    var returnEntry: [Int32] = []
    /// The time of each entry's event.
    var entryTime: [Int64] = []
    // Unknown operations, numbered u = operation − definiteCount in invocation order, in groups
    // of identical ones (same step and values; see `KeySearch+UnknownGroups.swift`).
    var unknownInvoke: [Int64] = []
    var groupOfUnknown: [Int32] = []
    /// The members of group g are `groupMembers[groupStart[g] ..< groupStart[g + 1]]`, in
    /// invocation order; the first `groupLinearized[g]` of them are linearized.
    var groupMembers: [Int32] = []
    var groupStart: [Int32] = []
    var groupLinearized: [Int32] = []
    /// The groups with a member left to linearize, as a linked list; index `groupCount` is the head.
    var groupNext: [Int32] = []
    var groupPrevious: [Int32] = []
    var groupCount: Int { groupStart.count - 1 }
    /// Scratch while linking: the return entry of each local operation.
    private var returnOf: [Int32] = []

    // Search state.
    /// Linearized definite operations, one bit each.
    var definiteBits: [UInt64] = []
    /// Linearized unknown operations, one bit each (operation number − definiteCount).
    var unknownBits: [UInt64] = []
    /// The lowest-numbered definite operation not linearized (`definiteCount` when none is left).
    var firstOpen = 0
    var stackEntries: [Int32] = []
    var stackStates: [Int32] = []
    var stackFlags: [UInt8] = []
    var state = KeyPartition.absent
    /// Operations with a known outcome not yet linearized.
    var remaining = 0
    /// Zobrist hashes of the linearized definite and unknown operations.
    var definiteHash: UInt64 = 0
    var unknownHash: UInt64 = 0
    /// How many unknown operations are linearized.
    var unknownLinearizedCount = 0
    /// The last step was an operation with an unknown outcome: the next must observe its value.
    var mustObserve = false
    var memo = MemoTable()
    /// Scratch: the memo key of a configuration.
    var keyWords: [UInt64] = []
    /// Per value id + 2: equal to `wantedMark` when a candidate of the current configuration needs
    /// the key to hold that value (see `computeWanted`).
    var wantedStamp: [UInt32] = []
    var wantedMark: UInt32 = 0
    var blockedFailedCompare = false
    // Per value id + 2 (see `KeySearch+Doom.swift`): pending definite operations that need the key
    // to hold that value (ok gets, ok cas); pending puts and pending cas that may write it; the
    // first cas (operation number) writing it and the first expecting it, each chained through
    // `nextSwapWritingSame` and `nextSwapExpectingSame` (per operation).
    var neededCount: [Int32] = []
    var putWriterCount: [Int32] = []
    var swapWriterCount: [Int32] = []
    var firstSwapWriting: [Int32] = []
    var firstSwapExpecting: [Int32] = []
    var nextSwapWritingSame: [Int32] = []
    var nextSwapExpectingSame: [Int32] = []
    /// While `moveCounts` evaluates doom: the operation being moved and whether to treat it as pending.
    var movingOperation = -1
    var movingIsPending = false
    /// Scratch: the values whose doom a step may change.
    var affectedValues: [Int32] = []
    /// Values some pending operation needs, that the key does not hold and nothing left can write.
    var doomedCount = 0
    /// Whether configurations with doomed values are cut (off only to explain a failure).
    var pruneDoomed = true

    // The longest prefix reached, for the explanation of a failure. `bestPrefix[0 ..< agreement]`
    // equals the bottom of the current stack, so a new best copies only what changed.
    var bestPrefix: [Int32] = []
    var bestDepth = 0
    var agreement = 0

    /// Search steps taken by the last `run`.
    var steps = 0
    /// Memo entries held at the end of the last `run`.
    var memoEntries: Int { memo.count }

    // MARK: Loading a key

    /// Prepares the search over `operations` (history indexes of one key).
    mutating func load(_ operations: ArraySlice<Int32>, from partition: KeyPartition) {
        let count = operations.count
        clearCounts()
        // Number the operations: definite ones by completion, then unknown ones by invocation.
        order.removeAll(keepingCapacity: true)
        order.append(contentsOf: operations)
        order.sort { a, b in
            let (i, j) = (Int(a), Int(b))
            let (di, dj) = (partition.isDefinite[i], partition.isDefinite[j])
            if di != dj { return di }
            if di && partition.completeMicros[i] != partition.completeMicros[j] {
                return partition.completeMicros[i] < partition.completeMicros[j]
            }
            if partition.invokeMicros[i] != partition.invokeMicros[j] {
                return partition.invokeMicros[i] < partition.invokeMicros[j]
            }
            return a < b
        }
        historyIndex.removeAll(keepingCapacity: true)
        operationSteps.removeAll(keepingCapacity: true)
        arguments.removeAll(keepingCapacity: true)
        newValues.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        definiteCount = 0
        for index32 in order {
            let index = Int(index32)
            let local = Int32(historyIndex.count)
            historyIndex.append(index32)
            operationSteps.append(partition.steps[index])
            arguments.append(partition.arguments[index])
            newValues.append(partition.newValues[index])
            events.append(Event(time: partition.invokeMicros[index], code: local << 1))
            if partition.isDefinite[index] {
                definiteCount += 1
                events.append(Event(time: partition.completeMicros[index], code: local << 1 | 1))
            }
        }
        // Time order, calls before returns at the same microsecond; returns at the same microsecond
        // in operation-number order, which is completion order.
        events.sort { a, b in
            if a.time != b.time { return a.time < b.time }
            if a.isReturn != b.isReturn { return !a.isReturn }
            return a.code < b.code
        }

        // The entries of the main list: every event except the calls of unknown operations, which
        // have a list of their own (see `run`). Compute each definite operation's reach.
        var entries = 1
        for event in events where event.isReturn || Int(event.operation) < definiteCount { entries += 1 }
        reset(&next, entries, -1)
        reset(&previous, entries, -1)
        reset(&entryOperation, entries, -1)
        reset(&entryTime, entries, 0)
        reset(&returnEntry, entries, -1)
        reset(&returnOf, count, -1)
        reset(&reach, definiteCount, -1)
        var highestCalled: Int32 = -1
        var entry = 0
        for event in events {
            let operation = event.operation
            if !event.isReturn && Int(operation) >= definiteCount { continue }
            entry += 1
            entryOperation[entry] = operation
            entryTime[entry] = event.time
            if event.isReturn {
                returnEntry[entry] = -2
                returnOf[Int(operation)] = Int32(entry)
                reach[Int(operation)] = highestCalled
            } else if operation > highestCalled {
                highestCalled = operation
            }
        }
        for entry in 1 ..< entries where returnEntry[entry] != -2 {
            returnEntry[entry] = returnOf[Int(entryOperation[entry])]
        }
        unknownInvoke.removeAll(keepingCapacity: true)
        for operation in definiteCount ..< count {
            unknownInvoke.append(partition.invokeMicros[Int(historyIndex[operation])])
        }

        // Unknown operations that do the same thing are interchangeable (see `run`): group them.
        groupOfSignature.removeAll(keepingCapacity: true)
        groupOfUnknown.removeAll(keepingCapacity: true)
        for operation in definiteCount ..< count {
            let signature = Signature(step: operationSteps[operation], argument: arguments[operation], newValue: newValues[operation])
            if let group = groupOfSignature[signature] {
                groupOfUnknown.append(group)
            } else {
                let group = Int32(groupOfSignature.count)
                groupOfSignature[signature] = group
                groupOfUnknown.append(group)
            }
        }
        reset(&groupStart, groupOfSignature.count + 1, 0)
        for group in groupOfUnknown { groupStart[Int(group) + 1] += 1 }
        for g in 0 ..< groupOfSignature.count { groupStart[g + 1] += groupStart[g] }
        reset(&groupMembers, groupOfUnknown.count, 0)
        reset(&groupLinearized, groupOfSignature.count, 0)
        for (u, group) in groupOfUnknown.enumerated() {
            groupMembers[Int(groupStart[Int(group)] + groupLinearized[Int(group)])] = Int32(u)
            groupLinearized[Int(group)] += 1
        }

        if wantedStamp.count < partition.values.count + 2 {
            wantedStamp = [UInt32](repeating: 0, count: partition.values.count + 2)
            wantedMark = 0
            neededCount = [Int32](repeating: 0, count: partition.values.count + 2)
            putWriterCount = [Int32](repeating: 0, count: partition.values.count + 2)
            swapWriterCount = [Int32](repeating: 0, count: partition.values.count + 2)
            firstSwapWriting = [Int32](repeating: -1, count: partition.values.count + 2)
            firstSwapExpecting = [Int32](repeating: -1, count: partition.values.count + 2)
        }
        fillCounts()
    }

    /// Clears the search state, so that `run` can start (again) from the empty configuration.
    mutating func restart() {
        // Link the main list in entry order.
        for entry in next.indices {
            next[entry] = entry + 1 < next.count ? Int32(entry + 1) : -1
            previous[entry] = Int32(entry - 1)
        }
        // Every group pending, in order of its first member's invocation.
        reset(&groupLinearized, groupCount, 0)
        reset(&groupNext, groupCount + 1, -1)
        reset(&groupPrevious, groupCount + 1, -1)
        var last = groupCount  // the head
        for g in 0 ..< groupCount {
            groupNext[last] = Int32(g)
            groupPrevious[g] = Int32(last)
            last = g
        }
        reset(&definiteBits, (definiteCount + 63) / 64, 0)
        reset(&unknownBits, (historyIndex.count - definiteCount + 63) / 64, 0)
        firstOpen = 0
        stackEntries.removeAll(keepingCapacity: true)
        stackStates.removeAll(keepingCapacity: true)
        stackFlags.removeAll(keepingCapacity: true)
        memo.reset()
        bestPrefix.removeAll(keepingCapacity: true)
        bestDepth = 0
        agreement = 0
        steps = 0
        state = KeyPartition.absent
        remaining = definiteCount
        definiteHash = 0
        unknownHash = 0
        unknownLinearizedCount = 0
        mustObserve = false
        doomedCount = initialDoomedCount()
    }

    /// Makes `array` hold `count` copies of `value`, reusing its memory when it is large enough.
    func reset<T>(_ array: inout [T], _ count: Int, _ value: T) {
        if array.count < count {
            array = [T](repeating: value, count: count)
            return
        }
        if array.count > count { array.removeLast(array.count - count) }
        array.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    // MARK: The linked list

    /// Removes a call entry and its return entry (if any) from the list.
    @inline(__always) mutating func lift(_ call: Int) {
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
    @inline(__always) mutating func unlift(_ call: Int) {
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

    /// The search stack holds a main-list call entry (≥ 1) for an operation with a known outcome,
    /// and −(u + 1) for unknown operation u.
    @inline(__always) mutating func frameOperation(_ frame: Int32) -> Int {
        frame > 0 ? Int(entryOperation[Int(frame)]) : definiteCount + Int(-frame - 1)
    }

    // MARK: Hashing

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
}
