/// A history split by key (linearizability is compositional, Herlihy & Wing §3.3), with strings
/// replaced by small integers so the search compares integers only.
///
/// Values are interned once for the whole history (`-1` stands for absent). Each operation becomes a
/// `Step` of the sequential model; operations that constrain nothing (an unknown `get`, a `get` or
/// `put` that definitely did not happen) are dropped here.
struct KeyPartition {
    /// What an operation does to one key's state, as the search applies it.
    enum Step: UInt8 {
        /// Legal when the state equals `argument`; leaves it unchanged.
        case read
        /// Always legal; the state becomes `argument`.
        case write
        /// Legal when the state equals `argument`; the state becomes `newValue` (a cas that swapped).
        case swap
        /// Legal when the state differs from `argument`; leaves it unchanged (a cas whose comparison failed).
        case failedCompare
    }

    /// The value id that means "absent".
    static let absent: Int32 = -1
    /// The value id of every value that no operation of the key reads or expects (see `init`).
    static let unobserved: Int32 = -2

    /// Keys in order of first appearance in the history.
    private(set) var keys: [String] = []
    /// Interned values: `values[id]` is the string of value id `id`.
    private(set) var values: [String] = []

    // Per history index.
    private(set) var steps: [Step] = []
    private(set) var arguments: [Int32] = []
    private(set) var newValues: [Int32] = []
    private(set) var invokeMicros: [Int64] = []
    /// `Int64.max` for an operation without a known completion (status unknown).
    private(set) var completeMicros: [Int64] = []
    /// Whether the operation has a known outcome (ok or fail): it must be linearized. An unknown
    /// one may be linearized or not.
    private(set) var isDefinite: [Bool] = []

    /// History indexes of the searched operations, grouped by key number, in history order.
    private var grouped: [Int32] = []
    private var keyStart: [Int] = []

    var keyCount: Int { keys.count }

    func operations(ofKey keyNumber: Int) -> ArraySlice<Int32> {
        grouped[keyStart[keyNumber] ..< keyStart[keyNumber + 1]]
    }


    init(_ history: [History.Operation]) {
        let n = history.count
        precondition(n < Int(Int32.max), "history of \(n) operations is too long to check")
        var keyNumbers: [String: Int32] = [:]
        var valueIDs: [String: Int32] = [:]
        var keyOf = [Int32](repeating: -1, count: n)
        steps.reserveCapacity(n)
        arguments.reserveCapacity(n)
        newValues.reserveCapacity(n)
        invokeMicros.reserveCapacity(n)
        completeMicros.reserveCapacity(n)
        isDefinite.reserveCapacity(n)

        func intern(_ value: String?) -> Int32 {
            guard let value else { return Self.absent }
            if let id = valueIDs[value] { return id }
            let id = Int32(values.count)
            values.append(value)
            valueIDs[value] = id
            return id
        }

        for (index, op) in history.enumerated() {
            precondition(op.kind == .get || op.value != nil,
                         "history[\(index)]: a \(op.kind.rawValue) without a value: \(op)")
            precondition(op.status == .unknown || op.completeMicros != nil,
                         "history[\(index)]: a \(op.status.rawValue) operation without complete_us: \(op)")
            precondition(op.status == .unknown || op.completeMicros! >= op.invokeMicros,
                         "history[\(index)]: completes before it is invoked: \(op)")
            var step = Step.read
            var argument = Self.absent
            var newValue = Self.absent
            var searched = true
            switch (op.kind, op.status) {
            case (.get, .ok):
                step = .read; argument = intern(op.result)
            case (.get, _), (.put, .fail):
                searched = false
            case (.put, _):
                step = .write; argument = intern(op.value)
            case (.cas, .fail):
                step = .failedCompare; argument = intern(op.expected)
            case (.cas, _):
                step = .swap; argument = intern(op.expected); newValue = intern(op.value)
            }
            steps.append(step)
            arguments.append(argument)
            newValues.append(newValue)
            invokeMicros.append(op.invokeMicros)
            completeMicros.append(op.status == .unknown ? Int64.max : op.completeMicros!)
            isDefinite.append(op.status != .unknown)
            guard searched else { continue }
            if let number = keyNumbers[op.key] {
                keyOf[index] = number
            } else {
                let number = Int32(keys.count)
                keys.append(op.key)
                keyNumbers[op.key] = number
                keyOf[index] = number
            }
        }

        // Counting sort by key number keeps history order inside each key.
        keyStart = [Int](repeating: 0, count: keys.count + 1)
        for number in keyOf where number >= 0 { keyStart[Int(number) + 1] += 1 }
        for k in 0 ..< keys.count { keyStart[k + 1] += keyStart[k] }
        grouped = [Int32](repeating: 0, count: keyStart[keys.count])
        var fill = keyStart
        for (index, number) in keyOf.enumerated() where number >= 0 {
            grouped[fill[Int(number)]] = Int32(index)
            fill[Int(number)] += 1
        }

        // Per key, a value that no operation of that key ever compares against (no get reads it, no
        // cas expects it) is indistinguishable from any other such value for the rest of the
        // search: every comparison the model makes gives the same answer for all of them. Writing
        // them all as one `unobserved` value merges search configurations that differ only in
        // which unread value the key holds (many concurrent writes, few reads).
        var observed = [Bool](repeating: false, count: values.count)
        for keyNumber in 0 ..< keys.count {
            let members = operations(ofKey: keyNumber)
            for i in members {
                let i = Int(i)
                if steps[i] != .write && arguments[i] != Self.absent { observed[Int(arguments[i])] = true }
            }
            for i in members {
                let i = Int(i)
                switch steps[i] {
                case .write: if arguments[i] != Self.absent && !observed[Int(arguments[i])] { arguments[i] = Self.unobserved }
                case .swap: if !observed[Int(newValues[i])] { newValues[i] = Self.unobserved }
                case .read, .failedCompare: break
                }
            }
            for i in members where steps[Int(i)] != .write && arguments[Int(i)] != Self.absent {
                observed[Int(arguments[Int(i)])] = false
            }
        }
    }
}
