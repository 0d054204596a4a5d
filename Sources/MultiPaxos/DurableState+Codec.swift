import ConsensusCore

// The snapshot form (a journal's head) of what an acceptor persists: the promised ballot · u64 log start
// · u64 snapshot position · the snapshot state machine · u32 slot count · per slot (from the log start)
// the accepted ballot · u8 chosen · u8 has value · the value, as Accept carries it.

extension MultiPaxos.DurableState: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        promised.encode(into: &w)
        Self.encodeSnapshot(logStart: logStart, position: snapshotPosition, state: snapshot, into: &w)
        w.write(UInt32(log.count))
        for slot in log { slot.encode(into: &w) }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> MultiPaxos.DurableState {
        let promised = try MultiPaxos.Ballot.decode(from: &r, cluster: cluster)
        let (logStart, position, snapshot) = try decodeSnapshot(from: &r)
        let count = try r.readCount(minimumElementSize: MultiPaxos.Ballot.encodedSize + 2)
        var log: [MultiPaxos.LogSlot] = []
        log.reserveCapacity(count)
        for _ in 0 ..< count { log.append(try MultiPaxos.LogSlot.decode(from: &r, cluster: cluster)) }
        return MultiPaxos.DurableState(promised: promised, log: log, logStart: logStart, snapshot: snapshot,
                                       snapshotPosition: position)
    }

    /// u64 log start · u64 position · the state machine: the snapshot as the state file's head and the
    /// journal's compaction record both write it.
    static func encodeSnapshot(logStart: UInt64, position: UInt64, state: KVStateMachine, into w: inout WireWriter) {
        w.write(logStart)
        w.write(position)
        state.encode(into: &w)
    }

    static func decodeSnapshot(from r: inout WireReader) throws(WireError) -> (logStart: UInt64, position: UInt64, state: KVStateMachine) {
        let logStart: UInt64 = try r.read()
        let position: UInt64 = try r.read()
        guard logStart < UInt64(Int32.max), position < UInt64(Int64.max) else {
            throw .invalidField("snapshot below slot \(logStart) at position \(position)")
        }
        return (logStart, position, try KVStateMachine.decode(from: &r))
    }
}

extension MultiPaxos.Ballot {
    /// A ballot whose node belongs to the cluster.
    static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> MultiPaxos.Ballot {
        let b = try decode(from: &r)
        guard b.node.index < cluster.replicaCount else { throw .invalidField("ballot \(b) in a cluster of \(cluster.replicaCount)") }
        return b
    }
}

extension MultiPaxos.LogSlot {
    /// The accepted ballot · u8 chosen · u8 has value · the value.
    func encode(into w: inout WireWriter) {
        ballot.encode(into: &w)
        w.write(chosen)
        if let value {
            w.write(true)
            value.encode(into: &w)
        } else {
            w.write(false)
        }
    }

    static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> MultiPaxos.LogSlot {
        let accepted = try MultiPaxos.Ballot.decode(from: &r, cluster: cluster)
        let chosen = try r.readBool()
        let value = try r.readBool() ? try MultiPaxos.SlotValue.decode(from: &r) : nil
        return MultiPaxos.LogSlot(ballot: accepted, value: value, chosen: chosen)
    }
}
