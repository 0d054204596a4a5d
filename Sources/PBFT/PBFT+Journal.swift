import ConsensusCore

// What a PBFT replica's persists write (see `PBFT.DurableState`), as changes: its view when it moves,
// each log slot whose decisions changed (a pre-prepare accepted, prepared, committed), each batch it
// archived, and each new stable checkpoint with its state. A NEW-VIEW (which rewrites the log for the
// new view) writes a snapshot instead, once per view change.

extension PBFT {
    /// One change to a replica's durable state.
    public enum DurableChange: Sendable {
        case view(view: UInt64, isViewActive: Bool, installedView: UInt64, installedNewView: NewView?)
        /// Ring position `index` of the log now holds `slot` (its votes received are not durable; only
        /// its own decisions are written and restored).
        case slot(index: Int, SlotRecord)
        /// Archive position `index` now holds `entry`.
        case archived(index: Int, FetchEntry)
        /// A new stable checkpoint and the state it certifies. The slots at or below it are not rewritten:
        /// a restart ignores them.
        case checkpoint(CheckpointRecord)
    }

    /// A stable checkpoint as a journal record carries it.
    public struct CheckpointRecord: Sendable {
        var checkpoint: DurableCheckpoint
    }

    /// A log slot as a journal record carries it (the slot's type is the module's own).
    public struct SlotRecord: Sendable {
        var slot: Slot
    }

    /// What this replica has written to its disk, so that a persist writes only what changed since.
    struct DiskMark {
        /// Nothing written yet, or the log was rewritten wholesale: the next persist writes a snapshot.
        var needsSnapshot = true
        /// Something was written (or restored): a snapshot still needed after that is a NEW-VIEW's rewrite.
        var hasWritten = false
        var view: UInt64 = 0
        var isViewActive = true
        var installedView: UInt64 = 0
        var checkpointChanged = false
        /// Log ring positions and archive positions changed since the last persist.
        var dirtySlots: [Int] = []
        var dirtyArchive: [Int] = []

        init() {
            dirtySlots.reserveCapacity(16)
            dirtyArchive.reserveCapacity(16)
        }

        /// The disk now holds a state in this view and with every slot, batch and checkpoint as in memory.
        mutating func wrote(view: UInt64, isViewActive: Bool, installedView: UInt64) {
            needsSnapshot = false
            hasWritten = true
            self.view = view
            self.isViewActive = isViewActive
            self.installedView = installedView
            checkpointChanged = false
            dirtySlots.removeAll(keepingCapacity: true)
            dirtyArchive.removeAll(keepingCapacity: true)
        }
    }
}

extension PBFT.Replica {
    public typealias DurableChange = PBFT.DurableChange

    public func takeDurableRecords(into journal: inout [JournalRecord]) {
        defer { disk.wrote(view: view, isViewActive: isViewActive, installedView: installedView) }
        if disk.needsSnapshot {
            journal.append(.snapshot(durableState))
            return
        }
        if view != disk.view || isViewActive != disk.isViewActive || installedView != disk.installedView {
            journal.append(.change(.view(view: view, isViewActive: isViewActive, installedView: installedView,
                                         installedNewView: installedNewView)))
        }
        if disk.checkpointChanged { journal.append(.change(.checkpoint(PBFT.CheckpointRecord(checkpoint: durableCheckpoint)))) }
        for i in disk.dirtySlots { journal.append(.change(.slot(index: i, PBFT.SlotRecord(slot: slots[i])))) }
        for i in disk.dirtyArchive {
            if let entry = archive[i] { journal.append(.change(.archived(index: i, entry))) }
        }
    }

    public static func apply(_ change: PBFT.DurableChange, to state: inout PBFT.DurableState) {
        switch change {
        case .view(let view, let active, let installed, let newView):
            state.view = view
            state.isViewActive = active
            state.installedView = installed
            state.installedNewView = newView
        // A journal written with another log window or archive length (other settings) holds positions
        // this one lacks; `start` ignores such a log, so a change to one is skipped rather than trapping.
        case .slot(let index, let record):
            if state.log.indices.contains(index) { state.log[index] = record.slot }
        case .archived(let index, let entry):
            if state.archive.indices.contains(index) { state.archive[index] = entry }
        case .checkpoint(let record):
            state.checkpointSequence = record.checkpoint.sequence
            state.checkpointDigest = record.checkpoint.digest
            state.checkpointProof = record.checkpoint.proof
            state.checkpointState = record.checkpoint.state
        }
    }

    /// §4.2: a replica's own decisions (the pre-prepare it accepted, that it sent PREPARE and COMMIT)
    /// and its view are logged before the messages that announce them. (Archived batches are written
    /// lazily, and a replica that never persisted holds only its initial state.)
    public func unpersistedAnswer() -> String? {
        if view != disk.view || isViewActive != disk.isViewActive || installedView != disk.installedView {
            return "view \(view) not persisted (the disk holds view \(disk.view))"
        }
        if disk.needsSnapshot && disk.hasWritten { return "the log a NEW-VIEW rewrote not persisted" }
        if !disk.dirtySlots.isEmpty { return "decisions at \(disk.dirtySlots.count) log position(s) not persisted" }
        if disk.checkpointChanged { return "a stable checkpoint not persisted" }
        return nil
    }

    /// The replica's decisions in log position `i` changed: persist them before what depends on them.
    func persist(slot i: Int, outbox: inout Outbox<Message>) {
        if disk.dirtySlots.last != i { disk.dirtySlots.append(i) }
        outbox.persist()
    }

    /// A new stable checkpoint: persist it (with its state) before what depends on it.
    func persistCheckpointRecord(outbox: inout Outbox<Message>) {
        disk.checkpointChanged = true
        outbox.persist()
    }

    /// The log changed wholesale (a NEW-VIEW rewrote it for the new view): persist all of it.
    func persistWhole(outbox: inout Outbox<Message>) {
        disk.needsSnapshot = true
        outbox.persist()
    }

    /// Archive position `i` was written; it reaches the disk with this or the next persist.
    func archiveWritten(_ i: Int) {
        if disk.dirtyArchive.last != i { disk.dirtyArchive.append(i) }
    }
}

// MARK: - The journal's form: u8 tag · the change (slots and batches as the snapshot writes them)

extension PBFT.DurableChange: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        switch self {
        case .view(let view, let active, let installed, let newView):
            w.write(UInt8(1))
            w.write(view)
            w.write(active)
            w.write(installed)
            if let newView {
                w.write(true)
                newView.encode(into: &w)
            } else {
                w.write(false)
            }
        case .slot(let index, let record):
            w.write(UInt8(2))
            w.write(UInt32(index))
            PBFT.DurableState.encode(record.slot, into: &w)
        case .archived(let index, let entry):
            w.write(UInt8(3))
            w.write(UInt32(index))
            PBFT.DurableState.encode(entry, into: &w)
        case .checkpoint(let record):
            w.write(UInt8(4))
            let c = record.checkpoint
            w.write(c.sequence)
            w.write(c.digest)
            c.proof.encode(into: &w)
            c.state.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> PBFT.DurableChange {
        let tag: UInt8 = try r.read()
        switch tag {
        case 1:
            let view: UInt64 = try r.read()
            let active = try r.readBool()
            let installed: UInt64 = try r.read()
            let newView: PBFT.NewView? = try r.readBool() ? try PBFT.NewView.decode(from: &r) : nil
            return .view(view: view, isViewActive: active, installedView: installed, installedNewView: newView)
        case 2:
            let index = Int(try r.read(UInt32.self))
            return .slot(index: index, PBFT.SlotRecord(slot: try PBFT.DurableState.decodeSlot(from: &r, replicaCount: cluster.replicaCount)))
        case 3:
            let index = Int(try r.read(UInt32.self))
            guard let entry = try PBFT.DurableState.decodeArchiveEntry(from: &r) else { throw .invalidField("empty archive record") }
            return .archived(index: index, entry)
        case 4:
            let sequence: UInt64 = try r.read()
            let digest: UInt64 = try r.read()
            let proof = try [PBFT.Vote].decode(from: &r)
            for vote in proof where vote.replica.index < 0 || vote.replica.index >= cluster.replicaCount {
                throw .invalidField("checkpoint proof from replica \(vote.replica.rawValue) in a cluster of \(cluster.replicaCount)")
            }
            let state = try KVStateMachine.decode(from: &r)
            return .checkpoint(PBFT.CheckpointRecord(checkpoint: PBFT.DurableCheckpoint(sequence: sequence, digest: digest, proof: proof, state: state)))
        default:
            throw .invalidField("pbft journal change tag \(tag)")
        }
    }
}
