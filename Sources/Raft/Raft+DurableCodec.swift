import ConsensusCore

// The snapshot form (a journal's head) of what a Raft server persists (Figure 2): u64 currentTerm · i32 votedFor (−1:
// none) · u32 entry count · the entries as AppendEntries carries them (u64 term · client request).

extension Raft.DurableState: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        w.write(currentTerm)
        w.write(votedFor?.rawValue ?? -1)
        w.write(UInt32(log.entries.count))
        for entry in log.entries { entry.encode(into: &w) }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> Raft.DurableState {
        let term: UInt64 = try r.read()
        let vote: Int32 = try r.read()
        guard vote >= -1, Int(vote) < cluster.replicaCount else { throw .invalidField("votedFor \(vote) in a cluster of \(cluster.replicaCount)") }
        let count = try r.readCount(minimumElementSize: Raft.Entry.minimumEncodedSize)
        var entries: [Raft.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0 ..< count {
            let entry = try Raft.Entry.decode(from: &r)
            // Terms never decrease along a log, and no entry is newer than the term the server has seen.
            guard entry.term <= term, entry.term >= (entries.last?.term ?? 0) else {
                throw .invalidField("log entry \(entries.count + 1) of term \(entry.term) (current term \(term), previous entry's term \(entries.last?.term ?? 0))")
            }
            entries.append(entry)
        }
        return Raft.DurableState(currentTerm: term, votedFor: vote < 0 ? nil : NodeID(Int(vote)), log: Raft.Log(entries))
    }
}
