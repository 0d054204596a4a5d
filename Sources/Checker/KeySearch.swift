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
/// Memo entries are compact. Operations with a known outcome are numbered in order of completion;
/// in every configuration the search reaches, all of them before the first one not yet linearized
/// (`firstOpen`) are linearized, and none invoked after `firstOpen` completed can be (it would have
/// had to wait for `firstOpen`'s return). So a configuration is fully named by `firstOpen`, the few
/// bitset words from `firstOpen` to the last operation invoked before it completed (`reach`), the
/// bits of the unknown operations, and the state: a handful of words, where a full bitset would
/// need one bit per operation of the key (megabytes per entry for a hot key).
///
/// One value of this type is reused for every key of a check: all its buffers keep their memory,
/// so the search itself does not allocate once they have grown.
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

    // The linked list: entry 0 is the head; entry e ≥ 1 is events[e - 1]. -1 is "none".
    var next: [Int32] = []
    var previous: [Int32] = []
    var entryOperation: [Int32] = []
    /// For a call entry, its return entry (-1 when the outcome is unknown); for a return entry, -2.
    var returnEntry: [Int32] = []
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

        // Link the list, head first, and compute each definite operation's reach.
        let entries = events.count + 1
        reset(&next, entries, -1)
        reset(&previous, entries, -1)
        reset(&entryOperation, entries, -1)
        reset(&returnEntry, entries, -1)
        reset(&returnOf, count, -1)
        reset(&reach, definiteCount, -1)
        var highestCalled: Int32 = -1
        for (position, event) in events.enumerated() {
            let entry = Int32(position + 1)
            let operation = event.operation
            next[position] = entry
            previous[position + 1] = Int32(position)
            entryOperation[position + 1] = operation
            if event.isReturn {
                returnEntry[position + 1] = -2
                returnOf[Int(operation)] = entry
                reach[Int(operation)] = highestCalled
            } else if Int(operation) < definiteCount && operation > highestCalled {
                highestCalled = operation
            }
        }
        for entry in 1 ..< entries where returnEntry[entry] != -2 {
            returnEntry[entry] = returnOf[Int(entryOperation[entry])]
        }

        if wantedStamp.count < partition.values.count + 2 {
            wantedStamp = [UInt32](repeating: 0, count: partition.values.count + 2)
            wantedMark = 0
        }
        reset(&definiteBits, (definiteCount + 63) / 64, 0)
        reset(&unknownBits, (count - definiteCount + 63) / 64, 0)
        firstOpen = 0
        stackEntries.removeAll(keepingCapacity: true)
        stackStates.removeAll(keepingCapacity: true)
        stackFlags.removeAll(keepingCapacity: true)
        memo.reset()
        bestPrefix.removeAll(keepingCapacity: true)
        bestDepth = 0
        agreement = 0
        steps = 0
    }

    func reset<T>(_ array: inout [T], _ count: Int, _ value: T) {
        array.removeAll(keepingCapacity: true)
        array.append(contentsOf: repeatElement(value, count: count))
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
