import ConsensusCore

// What a Raft server's persists write (Figure 2's persistent state, as changes): its term and vote when
// they change, and the log from the first entry that differs from what the disk holds. A follower that
// truncates a conflicting suffix and appends the leader's entries writes one record that says both.

extension Raft {
    /// One change to a server's durable state.
    public enum DurableChange: Hashable, Sendable {
        /// `currentTerm` and `votedFor`, written together (etcd's HardState).
        case hardState(currentTerm: UInt64, votedFor: NodeID?)
        /// Keep entries `1 ... keep`, drop the rest, then append `entries`.
        case entries(keep: UInt64, Entries)
        /// Log compaction or an installed snapshot (§7): `state` replaces entries `1 ... index`, the
        /// last of which has `term`; the entries after it stay only if the log agrees there.
        case snapshot(index: UInt64, term: UInt64, state: KVStateMachine)
    }

    /// What this server has written to its disk, so that a persist writes only what changed since.
    struct DiskMark {
        /// Nothing written yet: the next persist writes a snapshot.
        var isEmpty = true
        var currentTerm: UInt64 = 0
        var votedFor: NodeID?
        /// The entries on disk: `1 ... logLength`.
        var logLength: UInt64 = 0
        /// Entries `1 ... intactThrough` in memory are still the ones on disk (a truncation lowers it).
        var intactThrough: UInt64 = 0
        /// The snapshot on disk covers `1 ... snapshotIndex`.
        var snapshotIndex: UInt64 = 0

        mutating func wrote(term: UInt64, vote: NodeID?, logLength: UInt64, snapshotIndex: UInt64) {
            isEmpty = false
            currentTerm = term
            votedFor = vote
            self.logLength = logLength
            intactThrough = logLength
            self.snapshotIndex = snapshotIndex
        }
    }
}

extension Raft.Replica {
    public typealias DurableChange = Raft.DurableChange

    public func takeDurableRecords(into journal: inout [JournalRecord]) {
        defer { disk.wrote(term: currentTerm, vote: votedFor, logLength: log.lastIndex, snapshotIndex: log.snapshotIndex) }
        if disk.isEmpty {
            journal.append(.snapshot(durableState))
            return
        }
        if currentTerm != disk.currentTerm || votedFor != disk.votedFor {
            journal.append(.change(.hardState(currentTerm: currentTerm, votedFor: votedFor)))
        }
        if log.snapshotIndex != disk.snapshotIndex {
            // A new snapshot, then the entries after it whole: whether the disk's log kept its suffix
            // through the compaction, this record makes it the one in memory.
            journal.append(.change(.snapshot(index: log.snapshotIndex, term: log.snapshotTerm, state: snapshot)))
            journal.append(.change(.entries(keep: log.snapshotIndex, log.entries(from: log.snapshotIndex + 1, maxCount: Int.max))))
            return
        }
        let keep = disk.intactThrough  // never above logLength: a truncation only lowers it
        if keep != disk.logLength || log.lastIndex > keep {
            journal.append(.change(.entries(keep: keep, log.entries(from: keep + 1, maxCount: Int.max))))
        }
    }

    public static func apply(_ change: Raft.DurableChange, to state: inout Raft.DurableState) {
        switch change {
        case .hardState(let term, let vote):
            state.currentTerm = term
            state.votedFor = vote
        case .entries(let keep, let entries):
            state.log.truncate(after: keep)
            for k in 0 ..< entries.count { state.log.append(entries[k]) }
        case .snapshot(let index, let term, let machine):
            state.log.compact(through: index, term: term)
            state.snapshot = machine
        }
    }

    /// Figure 2: term, vote and log are "updated on stable storage before responding to RPCs".
    public func unpersistedAnswer() -> String? {
        if currentTerm != disk.currentTerm || votedFor != disk.votedFor {
            return "term \(currentTerm) and vote \(votedFor.map { "\($0.rawValue)" } ?? "none") not persisted (the disk holds term \(disk.currentTerm))"
        }
        if log.lastIndex != disk.logLength || disk.intactThrough != disk.logLength {
            return "log entries after \(min(disk.intactThrough, log.lastIndex)) not persisted"
        }
        return nil
    }

    /// Drops the log after `index` (§5.3), remembering that the disk no longer matches past it.
    func truncateLog(after index: UInt64) {
        log.truncate(after: index)
        disk.intactThrough = min(disk.intactThrough, index)
    }
}

// MARK: - The journal's form: u8 tag · the change

extension Raft.DurableChange: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        switch self {
        case .hardState(let term, let vote):
            w.write(UInt8(1))
            w.write(term)
            w.write(vote?.rawValue ?? -1)
        case .entries(let keep, let entries):
            w.write(UInt8(2))
            w.write(keep)
            w.write(UInt32(entries.count))
            for k in 0 ..< entries.count { entries[k].encode(into: &w) }
        case .snapshot(let index, let term, let state):
            w.write(UInt8(3))
            w.write(index)
            w.write(term)
            state.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> Raft.DurableChange {
        let tag: UInt8 = try r.read()
        switch tag {
        case 1:
            let term: UInt64 = try r.read()
            let vote: Int32 = try r.read()
            guard vote >= -1, Int(vote) < cluster.replicaCount else { throw .invalidField("votedFor \(vote) in a cluster of \(cluster.replicaCount)") }
            return .hardState(currentTerm: term, votedFor: vote < 0 ? nil : NodeID(Int(vote)))
        case 2:
            let keep: UInt64 = try r.read()
            let count = try r.readCount(minimumElementSize: Raft.Entry.minimumEncodedSize)
            var entries: [Raft.Entry] = []
            entries.reserveCapacity(count)
            for _ in 0 ..< count { entries.append(try Raft.Entry.decode(from: &r)) }
            return .entries(keep: keep, Raft.Entries(entries))
        case 3:
            let index: UInt64 = try r.read()
            let term: UInt64 = try r.read()
            guard (index == 0) == (term == 0) else { throw .invalidField("snapshot through index \(index) of term \(term)") }
            return .snapshot(index: index, term: term, state: try KVStateMachine.decode(from: &r))
        default:
            throw .invalidField("raft journal change tag \(tag)")
        }
    }
}
