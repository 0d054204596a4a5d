import ConsensusCore
import ShellKit

// MARK: - Persists, in virtual time

extension Simulator {
    /// Carries out one `persist` of node `i` at `start`, and returns when the replica's CPU is done with
    /// it: the replica hands over what changed since its last persist, and writing it costs
    /// `--cpu-per-persist` (a persist with nothing new to write, such as a step's second one, costs
    /// nothing, as the real shells write once per tick); under `--sync fsync` the records' sync (group
    /// commit) holds back everything the node sends until it ends; the disk keeps the records for a
    /// crash to restore.
    func persist(node i: Int, at start: Int64) -> Int64 {
        replicas[i].takeDurableRecords(into: &journal)
        // Emptied after use: a record still held would make the replica's next write to that state copy
        // it (PBFT's slots), an allocation per persist.
        defer { journal.removeAll(keepingCapacity: true) }
        guard !journal.isEmpty else { return start }
        let clock = start + options.cpu.perPersist.nanoseconds
        let durability = options.durability
        let syncedAt: Int64
        if durability.syncsBeforeSending {
            syncedAt = syncTimelines[i].sync(journal.count, writtenAt: clock, latency: durability.syncLatency.nanoseconds)
            if syncedAt > sendsHeldUntil[i] { sendsHeldUntil[i] = syncedAt }
        } else {
            syncedAt = clock + durability.writeback.nanoseconds
        }
        guard options.keepsDisks else { return clock }
        for record in journal {
            disks[i].write(record, syncedAt: syncedAt, now: clock, crashKind: durability.crashKind)
        }
        return clock
    }

    /// Keeps a message until the sync its sender waits for ends (`sendsHeldUntil`): a node that crashes
    /// before then never sends it, as a real replica blocked on fdatasync never does.
    func hold(_ message: Message, from node: Int32, to receiver: Int32) {
        let slot = messages.store(message, from: node, frameSize: 0)
        messages.retain(slot)
        schedule(at: sendsHeldUntil[Int(node)], .heldSend(slot: slot, from: node, to: receiver, incarnation: incarnation[Int(node)]))
    }

    /// The sync a held message waited for has ended: it leaves now (tampered, counted and routed as any
    /// other send), unless its sender crashed meanwhile.
    func releaseHeld(slot: Int32, from node: Int32, to receiver: Int32, incarnation inc: UInt32, at time: Int64) {
        let message = messages.message(slot)
        messages.release(slot)
        let i = Int(node)
        guard up[i], incarnation[i] == inc else { return }
        var clock = time
        if receiver >= 0 {
            send(message, from: node, to: receiver, at: &clock)
        } else if byzantine[i] == nil {
            multicast(message, from: node, at: &clock)
        } else {
            for j in 0 ..< Int32(cluster.replicaCount) where j != node { send(message, from: node, to: j, at: &clock) }
        }
    }

    /// Syncs run across all replicas, and the records they covered (both 0 without `--sync fsync`).
    public var syncFigures: (syncs: Int, records: Int) {
        (syncTimelines.reduce(0) { $0 + $1.syncs }, syncTimelines.reduce(0) { $0 + $1.records })
    }
}
