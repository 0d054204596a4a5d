import ConsensusCore

// What an acceptor's persists write (Paxos Made Simple §3: promises and acceptances in stable storage),
// as changes: its promised ballot when it rises, a snapshot when the log was compacted (or one arrived
// by catch-up), and each log slot written since the last persist.

extension MultiPaxos {
    /// One change to a replica's durable state.
    public enum DurableChange: Equatable, Sendable {
        case promised(Ballot)
        /// Slot `index` now holds `slot` (the log grows with empty slots up to it).
        case slot(index: UInt64, LogSlot)
        /// `state` replaces every slot below `logStart` (compaction, or a snapshot caught up); the next
        /// request applied after them takes `position`.
        case compacted(logStart: UInt64, position: UInt64, state: KVStateMachine)
    }

    /// What this replica has written to its disk, so that a persist writes only what changed since.
    struct DiskMark {
        /// Nothing written yet: the next persist writes a snapshot.
        var isEmpty = true
        var promised = Ballot.zero
        /// The log start of the snapshot on disk.
        var logStart: UInt64 = 0
        /// Slots written in memory since the last persist, in order (a repeat of the last one is skipped;
        /// other repeats are written twice, harmlessly).
        var dirtySlots: [UInt64] = []
        /// Acceptances (phase 2b) among them: the rest only record what was learnt chosen, which a
        /// replica may write lazily (it can learn it again).
        var unwrittenAcceptances = 0

        init() { dirtySlots.reserveCapacity(16) }

        @inline(__always) mutating func slotWritten(_ slot: UInt64) {
            if dirtySlots.last != slot { dirtySlots.append(slot) }
        }

        /// The disk now holds a state with this promise, this log start and every slot as in memory.
        mutating func wrote(promised: Ballot, logStart: UInt64) {
            isEmpty = false
            self.promised = promised
            self.logStart = logStart
            dirtySlots.removeAll(keepingCapacity: true)
            unwrittenAcceptances = 0
        }
    }
}

extension MultiPaxos.Replica {
    public typealias DurableChange = MultiPaxos.DurableChange

    public func takeDurableRecords(into journal: inout [JournalRecord]) {
        defer { disk.wrote(promised: durable.promised, logStart: durable.logStart) }
        if disk.isEmpty {
            journal.append(.snapshot(durable))
            return
        }
        if durable.promised != disk.promised { journal.append(.change(.promised(durable.promised))) }
        if durable.logStart != disk.logStart {
            journal.append(.change(.compacted(logStart: durable.logStart, position: durable.snapshotPosition,
                                              state: durable.snapshot)))
        }
        // Slots written and then compacted in the same step are in the snapshot.
        for slot in disk.dirtySlots where slot >= durable.logStart {
            journal.append(.change(.slot(index: slot, durable.log[durable.index(slot)])))
        }
    }

    /// Paxos Made Simple §3: an acceptor remembers its promise and what it accepted "even if it fails and
    /// then restarts", so it writes them before answering.
    public func unpersistedAnswer() -> String? {
        if durable.promised != disk.promised { return "promise \(durable.promised) not persisted (the disk holds \(disk.promised))" }
        if disk.unwrittenAcceptances > 0 { return "\(disk.unwrittenAcceptances) acceptance(s) not persisted" }
        return nil
    }

    public static func apply(_ change: MultiPaxos.DurableChange, to state: inout MultiPaxos.DurableState) {
        switch change {
        case .promised(let ballot):
            state.promised = ballot
        case .slot(let index, let slot):
            guard index >= state.logStart else { return }
            let i = state.index(index)
            while state.log.count <= i { state.log.append(.empty) }
            state.log[i] = slot
        case .compacted(let logStart, let position, let snapshot):
            state.compact(below: logStart, state: snapshot, position: position)
        }
    }
}

// MARK: - The journal's form: u8 tag · the change (a slot as the snapshot writes one)

extension MultiPaxos.DurableChange: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        switch self {
        case .promised(let ballot):
            w.write(UInt8(1))
            ballot.encode(into: &w)
        case .slot(let index, let slot):
            w.write(UInt8(2))
            w.write(index)
            slot.encode(into: &w)
        case .compacted(let logStart, let position, let state):
            w.write(UInt8(3))
            MultiPaxos.DurableState.encodeSnapshot(logStart: logStart, position: position, state: state, into: &w)
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> MultiPaxos.DurableChange {
        let tag: UInt8 = try r.read()
        switch tag {
        case 1:
            return .promised(try MultiPaxos.Ballot.decode(from: &r, cluster: cluster))
        case 2:
            let index: UInt64 = try r.read()
            guard index < UInt64(Int32.max) else { throw .invalidField("slot \(index)") }
            return .slot(index: index, try MultiPaxos.LogSlot.decode(from: &r, cluster: cluster))
        case 3:
            let (logStart, position, state) = try MultiPaxos.DurableState.decodeSnapshot(from: &r)
            return .compacted(logStart: logStart, position: position, state: state)
        default:
            throw .invalidField("multipaxos journal change tag \(tag)")
        }
    }
}
