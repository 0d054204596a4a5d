/// Linearizability checking of key-value histories (Herlihy & Wing, "Linearizability: a correctness
/// condition for concurrent objects", 1990): a history is linearizable when every operation can be
/// given one instant between its invocation and its completion such that, taken in that order, the
/// operations are a legal run of a single sequential key-value store.
///
/// The model: a map from keys to string values, every key absent at the start.
/// - `get` reads the key's value (nil when absent);
/// - `put` sets it;
/// - `cas` sets it to `value` if it holds `expected` (nil: absent). An `ok` cas is a swap that
///   happened; a `fail` cas is a comparison that failed at its instant: the key held something other
///   than `expected` then, and nothing changed (exactly what `KVStateMachine` does).
///
/// How it is checked:
/// - **Per key.** Linearizability is compositional (Herlihy & Wing §3.3, "locality"), and every
///   operation touches one key, so each key's sub-history is checked alone: small searches instead
///   of one huge one.
/// - **Per key, the Wing & Gong search with Lowe's memoization** (J. Wing and C. Gong, "Testing and
///   verifying concurrent objects", 1993; G. Lowe, "Testing for linearizability", 2017), as the
///   Porcupine checker does it: the call and return events sit in a doubly linked list in time
///   order; the search linearizes a pending operation (one whose call precedes the first remaining
///   return), lifts its two events out of the list, and backtracks when it meets a return it cannot
///   pass. A set of (linearized operations, state) already explored is never explored again.
///   On top of it, reductions that keep it exact but cut most of the search on contended keys
///   (reads taken eagerly, dead ends found as soon as a needed value is overwritten, timed-out
///   operations tried only where they can be observed): see `KeySearch.run`. A brute-force check
///   of the definition on random small histories guards them (`BruteForceAgreementTests`).
/// - **Unknown operations** have no return event (their return is at +∞): they may be linearized at
///   any point after their invocation, and the search succeeds once every operation with a known
///   outcome is linearized, so they may also never take effect. An unknown `get` constrains nothing
///   and is dropped; so are `get` and `put` marked `fail`.
/// - **Equal timestamps.** A return and a call at the same microsecond are treated as concurrent
///   (calls sort first): timestamps are truncated to microseconds, and a closed-loop client's next
///   call may share the microsecond of the previous reply. This can only accept more histories,
///   never reject a correct one.
/// - **Budget.** The search is exponential in the worst case. Each key gets a deterministic budget
///   of search steps and of memo memory; a key that exceeds it is `undecided` (never a guess).
public enum Linearizability {}

extension Linearizability {
    /// Limits on the search for one key. Steps, not seconds, so the verdict is the same on every machine.
    public struct Budget: Sendable, Hashable {
        /// Search steps (one step: try one event of the list, or backtrack once) per key.
        public var searchStepsMax: Int
        /// Bytes of memo (explored configurations) per key.
        public var memoBytesMax: Int

        public init(searchStepsMax: Int = 20_000_000, memoBytesMax: Int = 256 << 20) {
            self.searchStepsMax = searchStepsMax
            self.memoBytesMax = memoBytesMax
        }

        /// 20 million steps and 256 MiB per key. A 100,000-operation history over 1,000 keys takes
        /// a few hundred steps per key; one key shared by 64 clients, 20,000 operations with 5%
        /// timeouts, a few million.
        public static let `default` = Budget()
    }

    /// Why one key's sub-history is not linearizable.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        /// The longest sequence of the key's operations (indexes into the checked history) that the
        /// search could linearize, in linearization order.
        public var longestPrefix: [Int]
        /// The key's value after that prefix (nil: absent).
        public var valueAfterPrefix: String?
        /// The operation that must take effect next (it completes before every other remaining
        /// operation with a known outcome) and cannot: its index in the history.
        public var blockedOperation: Int
        /// The other operations that could have taken effect next (invoked before `blockedOperation`
        /// completed, not in the prefix): none of them can be placed there either.
        public var concurrentOperations: [Int]
        /// A paragraph for a person, naming the operations with their fields.
        public var explanation: String

        public var description: String { explanation }
    }

    /// The answer for a whole history: false beats undecided beats true.
    public enum Verdict: Sendable, Hashable, CustomStringConvertible {
        case linearizable
        /// One violation per key that is not linearizable (at least one), in order of each key's
        /// first operation in the history.
        case notLinearizable([Violation])
        /// Keys whose search ran out of budget; every other key is linearizable.
        case undecided(keys: [String])

        /// The value of the `linearizable` CSV column: `true`, `false` or `undecided`.
        public var csvValue: String {
            switch self {
            case .linearizable: return "true"
            case .notLinearizable: return "false"
            case .undecided: return "undecided"
            }
        }

        public var isLinearizable: Bool { self == .linearizable }

        public var description: String {
            switch self {
            case .linearizable:
                return "linearizable"
            case .notLinearizable(let violations):
                let keys = violations.count == 1 ? "1 key" : "\(violations.count) keys"
                return "not linearizable (\(keys)):\n" + violations.map(\.explanation).joined(separator: "\n")
            case .undecided(let keys):
                let shown = keys.prefix(10).joined(separator: ", ") + (keys.count > 10 ? ", …" : "")
                return "undecided: the search ran out of budget on \(keys.count) key(s): \(shown)"
            }
        }
    }

    /// Work done by one check, for reports and tuning.
    public struct Statistics: Sendable, Hashable {
        /// Keys with at least one operation that constrains the search.
        public var keys = 0
        /// Operations given to the search (unknown gets and failed gets and puts are dropped).
        public var operationsSearched = 0
        /// Search steps over all keys.
        public var searchSteps = 0
        /// The most steps one key took.
        public var searchStepsMaxPerKey = 0
        /// The most memo entries one key held.
        public var memoEntriesMaxPerKey = 0
        public init() {}
    }

    /// Checks `history` against the sequential key-value model.
    ///
    /// Every operation must be well formed, as `History.read` guarantees: a put or cas has a
    /// `value`; an `ok` or `fail` operation has a `completeMicros` not before `invokeMicros`.
    public static func check(_ history: [History.Operation], budget: Budget = .default) -> Verdict {
        var statistics = Statistics()
        return check(history, budget: budget, statistics: &statistics)
    }

    /// `check`, also reporting the work done.
    public static func check(
        _ history: [History.Operation], budget: Budget = .default, statistics: inout Statistics
    ) -> Verdict {
        let partition = KeyPartition(history)
        var search = KeySearch()
        var violations: [Violation] = []
        var undecided: [String] = []
        statistics = Statistics()
        for keyNumber in 0 ..< partition.keyCount {
            let operations = partition.operations(ofKey: keyNumber)
            if operations.isEmpty { continue }
            search.load(operations, from: partition)
            let outcome = search.run(budget: budget)
            statistics.keys += 1
            statistics.operationsSearched += operations.count
            statistics.searchSteps += search.steps
            statistics.searchStepsMaxPerKey = max(statistics.searchStepsMaxPerKey, search.steps)
            statistics.memoEntriesMaxPerKey = max(statistics.memoEntriesMaxPerKey, search.memoEntries)
            switch outcome {
            case .linearizable:
                break
            case .undecided:
                undecided.append(partition.keys[keyNumber])
            case .notLinearizable:
                search.prepareExplanation(budget: budget)
                violations.append(search.violation(key: partition.keys[keyNumber], history: history))
            }
        }
        if !violations.isEmpty { return .notLinearizable(violations) }
        if !undecided.isEmpty { return .undecided(keys: undecided) }
        return .linearizable
    }
}
