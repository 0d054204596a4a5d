import ConsensusCore

extension Raft {
    /// One log entry (§5.3): the client request to apply and the term in which a leader received it.
    /// Its index is its position in the log.
    public struct Entry: Hashable, Sendable {
        public var term: UInt64
        public var request: ClientRequest
        @inlinable public init(term: UInt64, request: ClientRequest) {
            self.term = term
            self.request = request
        }
    }

    /// The entries of one AppendEntries. A single entry lives inline, so the steady state with
    /// `maxBatch` 1 allocates nothing per message; only real batches carry an array.
    public enum Entries: Hashable, Sendable {
        case none
        case one(Entry)
        case many([Entry])

        @inlinable public var count: Int {
            switch self {
            case .none: return 0
            case .one: return 1
            case .many(let entries): return entries.count
            }
        }

        /// The `i`-th entry carried (0-based), `0 ..< count`.
        @inlinable public subscript(i: Int) -> Entry {
            switch self {
            case .none: preconditionFailure("no entries (asked for \(i))")
            case .one(let e):
                precondition(i == 0, "one entry (asked for \(i))")
                return e
            case .many(let entries): return entries[i]
            }
        }

        /// The same entries in their canonical case (`.none` for 0, `.one` for 1).
        @inlinable public init(_ entries: [Entry]) {
            switch entries.count {
            case 0: self = .none
            case 1: self = .one(entries[0])
            default: self = .many(entries)
            }
        }
    }

    /// A server's log (§5.3): entries at indices 1 … lastIndex. Index 0 is the empty prefix, of term 0,
    /// which every log shares (the base case of the consistency check). After log compaction (§7) the
    /// entries up to `snapshotIndex` live only in the snapshot: the log keeps the index and term of the
    /// last of them (the consistency check's base case moves there) and the entries after it.
    public struct Log: Hashable, Sendable {
        @usableFromInline var storage: [Entry] = []
        /// The last index the snapshot covers (0: no snapshot), and its entry's term.
        public private(set) var snapshotIndex: UInt64 = 0
        public private(set) var snapshotTerm: UInt64 = 0

        public init() {}
        public init(_ entries: [Entry], snapshotIndex: UInt64 = 0, snapshotTerm: UInt64 = 0) {
            storage = entries
            self.snapshotIndex = snapshotIndex
            self.snapshotTerm = snapshotTerm
        }

        /// The entries after the snapshot, `snapshotIndex + 1` first.
        public var entries: [Entry] { storage }
        @inlinable public var lastIndex: UInt64 { snapshotIndex + UInt64(storage.count) }
        @inlinable public var lastTerm: UInt64 { storage.last?.term ?? snapshotTerm }

        /// The entry at `index`, `snapshotIndex + 1 ... lastIndex`.
        @inlinable public subscript(index: UInt64) -> Entry {
            precondition(index > snapshotIndex && index <= lastIndex, "log index \(index) outside \(snapshotIndex + 1)...\(lastIndex)")
            return storage[Int(index - snapshotIndex - 1)]
        }

        /// The term of the entry at `index` (0 for index 0, the snapshot's term at its last index), or
        /// nil past the end and below the snapshot (compacted: ask `isCompacted`).
        @inlinable public func term(at index: UInt64) -> UInt64? {
            if index == snapshotIndex { return snapshotTerm }
            if index < snapshotIndex || index > lastIndex { return nil }
            return storage[Int(index - snapshotIndex - 1)].term
        }

        /// Whether `index` lies inside the snapshot (its entry is committed and no longer kept).
        @inlinable public func isCompacted(_ index: UInt64) -> Bool { index < snapshotIndex }

        @inlinable mutating func append(_ entry: Entry) { storage.append(entry) }

        /// Keeps entries up to `index`, drops the rest (§5.3: a conflicting suffix goes). Never below
        /// the snapshot: what it holds is committed.
        @inlinable mutating func truncate(after index: UInt64) {
            precondition(index >= snapshotIndex && index <= lastIndex, "truncate after \(index) of a log \(snapshotIndex)...\(lastIndex)")
            storage.removeSubrange(Int(index - snapshotIndex) ..< storage.count)
        }

        /// Log compaction (§7): the snapshot now covers `1 ... index`, whose last entry has `term`.
        /// Entries after `index` stay when the log has an entry of that term at `index` (the same
        /// prefix, Log Matching); otherwise the whole log goes (an InstallSnapshot that supersedes it).
        mutating func compact(through index: UInt64, term: UInt64) {
            if index <= lastIndex, index > snapshotIndex, self.term(at: index) == term {
                storage.removeFirst(Int(index - snapshotIndex))
            } else if index != snapshotIndex || term != snapshotTerm {
                storage.removeAll()
            }
            snapshotIndex = index
            snapshotTerm = term
        }

        /// Up to `maxCount` entries starting at `index` (none when `index` is past the end or compacted).
        @inlinable func entries(from index: UInt64, maxCount: Int) -> Entries {
            guard index > snapshotIndex, index <= lastIndex, maxCount > 0 else { return .none }
            let available = Int(lastIndex - index + 1)
            let count = min(available, maxCount)
            let start = Int(index - snapshotIndex - 1)
            if count == 1 { return .one(storage[start]) }
            return .many(Array(storage[start ..< start + count]))
        }

        /// The first index of the run of entries with the same term as `index`, not looking below
        /// `floor` or into the snapshot (the conflict hint a follower returns with a rejection, §5.3).
        func firstIndex(ofTermAt index: UInt64, floor: UInt64) -> UInt64 {
            let t = self[index].term
            var i = index
            while i > max(floor, snapshotIndex + 1, 1) && self[i - 1].term == t { i -= 1 }
            return i
        }

        /// The last index at or below `limit` holding an entry of `term`, if the log has one there.
        /// Terms never decrease along a log, so the scan stops at the first smaller term.
        func lastIndex(ofTerm term: UInt64, atOrBelow limit: UInt64) -> UInt64? {
            var i = min(limit, lastIndex)
            while i > snapshotIndex {
                let t = self[i].term
                if t == term { return i }
                if t < term { return nil }
                i -= 1
            }
            return i == snapshotIndex && snapshotIndex > 0 && snapshotTerm == term ? i : nil
        }
    }

    /// What a Raft server keeps on stable storage and updates before it answers any RPC (§5, Figure 2):
    /// nothing else survives a crash. The commit index, the state machine and all leader state are
    /// rebuilt after a restart.
    public struct DurableState: Hashable, Sendable {
        /// The latest term this server has seen.
        public var currentTerm: UInt64
        /// The candidate that received this server's vote in `currentTerm`, if any.
        public var votedFor: NodeID?
        public var log: Log
        /// The state machine at `log.snapshotIndex` (§7: "the snapshot replaces the committed entries").
        public var snapshot: KVStateMachine?

        public init(currentTerm: UInt64 = 0, votedFor: NodeID? = nil, log: Log = Log(), snapshot: KVStateMachine? = nil) {
            self.currentTerm = currentTerm
            self.votedFor = votedFor
            self.log = log
            self.snapshot = snapshot
        }
    }
}
