import ConsensusCore

// The state file form of what an acceptor persists: the promised ballot · u32 slot count · per slot
// (from slot 0) the accepted ballot · u8 chosen · u8 has value · the value, as Accept carries it.

extension MultiPaxos.DurableState: DurableStateCodable {
    public func encode(into w: inout WireWriter) {
        promised.encode(into: &w)
        w.write(UInt32(log.count))
        for slot in log {
            slot.ballot.encode(into: &w)
            w.write(slot.chosen)
            if let value = slot.value {
                w.write(true)
                value.encode(into: &w)
            } else {
                w.write(false)
            }
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> MultiPaxos.DurableState {
        typealias B = MultiPaxos.Ballot
        func ballot(_ r: inout WireReader) throws(WireError) -> B {
            let b = try B.decode(from: &r)
            guard b.node.index < cluster.replicaCount else { throw .invalidField("ballot \(b) in a cluster of \(cluster.replicaCount)") }
            return b
        }
        let promised = try ballot(&r)
        let count = try r.readCount(minimumElementSize: B.encodedSize + 2)
        var log: [MultiPaxos.LogSlot] = []
        log.reserveCapacity(count)
        for _ in 0 ..< count {
            let accepted = try ballot(&r)
            let chosen = try r.readBool()
            let value = try r.readBool() ? try MultiPaxos.SlotValue.decode(from: &r) : nil
            log.append(MultiPaxos.LogSlot(ballot: accepted, value: value, chosen: chosen))
        }
        return MultiPaxos.DurableState(promised: promised, log: log)
    }
}
