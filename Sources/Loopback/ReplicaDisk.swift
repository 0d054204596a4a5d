import ConsensusCore
import ShellKit

/// Where a real-shell node's persists go: its journal file (`JournalWriter`), or, for a cluster built
/// without one (tests), an image in memory that replays the same records. Either way a crash gives back
/// what the persists wrote, never the replica's later memory.
final class ReplicaDisk<R: Replica> {
    /// Takes one persist's records.
    let append: ([R.JournalRecord]) -> Void
    /// Makes what was appended durable, once per event-loop tick (`state` for compaction).
    let commit: (() -> R.DurableState) throws -> Void
    /// The process died: whatever was appended but not yet written is lost; what the disk holds is
    /// what a restart starts from.
    let crash: () throws -> R.DurableState?
    /// Syncs run and records they covered.
    let figures: () -> (syncs: Int, records: Int)

    init(append: @escaping ([R.JournalRecord]) -> Void, commit: @escaping (() -> R.DurableState) throws -> Void,
         crash: @escaping () throws -> R.DurableState?, figures: @escaping () -> (syncs: Int, records: Int)) {
        self.append = append
        self.commit = commit
        self.crash = crash
        self.figures = figures
    }

    /// A disk in memory: every record replays onto an image at once (a process crash keeps all).
    static func inMemory() -> ReplicaDisk {
        let image = DiskImage<R>()
        return ReplicaDisk(append: { R.replay($0, onto: &image.state) },
                           commit: { _ in }, crash: { image.state }, figures: { (0, 0) })
    }
}

extension ReplicaDisk where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    /// The journal at `path`, appended to after `recovered` (or created afresh). A crash drops the
    /// unwritten buffer and reads the file back, as the restarted process would.
    static func journal(path: String, owner: Journal.Owner, sync: SyncPolicy, validLength: Int?, headLength: Int?) throws -> ReplicaDisk {
        let box = JournalBox<R>(try JournalWriter<R>(path: path, owner: owner, sync: sync, validLength: validLength, headLength: headLength))
        return ReplicaDisk(
            append: { box.writer.append($0) },
            commit: { try box.writer.commit(state: $0) },
            crash: {
                box.syncs += box.writer.syncs
                box.records += box.writer.syncedRecords
                let recovered = try Journal.load(R.self, path: path, owner: owner)
                box.writer = try JournalWriter<R>(path: path, owner: owner, sync: sync, validLength: recovered?.validLength,
                                                  headLength: recovered?.headLength)
                return recovered?.state
            },
            figures: { (box.syncs + box.writer.syncs, box.records + box.writer.syncedRecords) })
    }
}

/// What an in-memory disk holds.
final class DiskImage<R: Replica> {
    var state: R.DurableState?
}

/// The journal writer of a node's current life, and the syncs of its earlier lives.
final class JournalBox<R: Replica> where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    var writer: JournalWriter<R>
    var syncs = 0
    var records = 0
    init(_ writer: JournalWriter<R>) { self.writer = writer }
}
