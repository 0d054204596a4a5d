import ConsensusCore

// The snapshot form (a journal's head) of what a Raft server persists (Figure 2, and §7's snapshot):
// u64 currentTerm · i32 votedFor (−1: none) · u64 snapshot index · u64 snapshot term · u8 has state ·
// the state machine at the snapshot · u32 entry count · the entries after the snapshot as
// AppendEntries carries them (u64 term · client request).

extension Raft.DurableState: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        w.write(currentTerm)
        w.write(votedFor?.rawValue ?? -1)
        w.write(log.snapshotIndex)
        w.write(log.snapshotTerm)
        if let snapshot {
            w.write(UInt8(1))
            snapshot.encode(into: &w)
        } else {
            w.write(UInt8(0))
        }
        w.write(UInt32(log.entries.count))
        for entry in log.entries { entry.encode(into: &w) }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> Raft.DurableState {
        let term: UInt64 = try r.read()
        let vote: Int32 = try r.read()
        guard vote >= -1, Int(vote) < cluster.replicaCount else { throw .invalidField("votedFor \(vote) in a cluster of \(cluster.replicaCount)") }
        let snapshotIndex: UInt64 = try r.read()
        let snapshotTerm: UInt64 = try r.read()
        guard snapshotTerm <= term, (snapshotIndex == 0) == (snapshotTerm == 0) else {
            throw .invalidField("snapshot through index \(snapshotIndex) of term \(snapshotTerm) (current term \(term))")
        }
        let snapshot: KVStateMachine?
        switch try r.readByte() {
        case 0: snapshot = nil
        case 1: snapshot = try KVStateMachine.decode(from: &r)
        case let flag: throw .invalidField("snapshot flag \(flag)")
        }
        guard (snapshot != nil) == (snapshotIndex > 0) else { throw .invalidField("snapshot index \(snapshotIndex) without its state, or a state without an index") }
        let count = try r.readCount(minimumElementSize: Raft.Entry.minimumEncodedSize)
        var entries: [Raft.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0 ..< count {
            let entry = try Raft.Entry.decode(from: &r)
            // Terms never decrease along a log, and no entry is newer than the term the server has seen.
            let previous = entries.last?.term ?? snapshotTerm
            guard entry.term <= term, entry.term >= previous else {
                throw .invalidField("log entry \(snapshotIndex + UInt64(entries.count) + 1) of term \(entry.term) (current term \(term), previous entry's term \(previous))")
            }
            entries.append(entry)
        }
        return Raft.DurableState(currentTerm: term, votedFor: vote < 0 ? nil : NodeID(Int(vote)),
                                 log: Raft.Log(entries, snapshotIndex: snapshotIndex, snapshotTerm: snapshotTerm), snapshot: snapshot)
    }
}
