import ConsensusCore

// The journal's encoding of a HotStuff replica's disk (ConsensusCore.DurableStateCodable), in the
// messages' codec: blocks and the checkpoint as on the wire, so a decoded block's hash is recomputed
// from its content.

extension HotStuff.SafetyState {
    func encode(into w: inout WireWriter) {
        w.write(view)
        w.write(lastVotedView)
        highQC.encode(into: &w)
        w.write(lockedView)
        w.write(lockedHeight)
        lockedBlock.encode(into: &w)
        w.write(committedHeight)
        committedHash.encode(into: &w)
    }

    static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> HotStuff.SafetyState {
        let s = HotStuff.SafetyState(view: try r.read(), lastVotedView: try r.read(),
                                     highQC: try HotStuff.QuorumCertificate.decode(from: &r, cluster: cluster),
                                     lockedView: try r.read(), lockedHeight: try r.read(), lockedBlock: try SHA256Hash.decode(from: &r),
                                     committedHeight: try r.read(), committedHash: try SHA256Hash.decode(from: &r))
        guard s.lastVotedView <= s.view, s.lockedView <= s.highQC.view else {
            throw .invalidField("safety state: voted in view \(s.lastVotedView) of \(s.view), locked in \(s.lockedView) above QC \(s.highQC.view)")
        }
        return s
    }
}

extension HotStuff.QuorumCertificate {
    /// A QC whose signers are replicas of `cluster`.
    static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> HotStuff.QuorumCertificate {
        let qc = try decode(from: &r)
        for vote in qc.votes where vote.replica.index < 0 || vote.replica.index >= cluster.replicaCount {
            throw .invalidField("QC signer \(vote.replica) outside a cluster of \(cluster.replicaCount)")
        }
        return qc
    }
}

extension HotStuff.StateReply {
    func encode(into w: inout WireWriter) {
        let isGenesis = block.hash == HotStuff.Block.genesisHash
        w.write(isGenesis)
        if !isGenesis { block.encode(into: &w) }
        state.encode(into: &w)
    }

    static func decode(from r: inout WireReader) throws(WireError) -> HotStuff.StateReply {
        let block = try r.readBool() ? HotStuff.Block.genesis : try HotStuff.Block.decode(from: &r)
        return HotStuff.StateReply(block: block, state: try KVStateMachine.decode(from: &r))
    }
}

extension HotStuff.DurableState: DurableStateCodable {
    /// safety · checkpoint · u32 count · blocks.
    public func encode(into w: inout WireWriter) {
        safety.encode(into: &w)
        checkpoint.encode(into: &w)
        w.write(UInt32(blocks.count))
        for b in blocks { b.encode(into: &w) }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> HotStuff.DurableState {
        let safety = try HotStuff.SafetyState.decode(from: &r, cluster: cluster)
        let checkpoint = try HotStuff.StateReply.decode(from: &r)
        let count = try r.readCount(minimumElementSize: 8 + 8 + 8 + 32 + 4 + 4)
        var blocks: [HotStuff.Block] = []
        blocks.reserveCapacity(count)
        for _ in 0 ..< count { blocks.append(try HotStuff.Block.decode(from: &r)) }
        return HotStuff.DurableState(safety: safety, checkpoint: checkpoint, blocks: blocks)
    }
}

extension HotStuff.DurableChange: DurableStateCodable {
    /// u8 tag (0 safety, 1 block, 2 checkpoint), then the value.
    public func encode(into w: inout WireWriter) {
        switch self {
        case .safety(let s):
            w.write(UInt8(0))
            s.encode(into: &w)
        case .block(let b):
            w.write(UInt8(1))
            b.encode(into: &w)
        case .checkpoint(let c):
            w.write(UInt8(2))
            c.encode(into: &w)
        }
    }

    public static func decode(from r: inout WireReader, cluster: ClusterConfig) throws(WireError) -> HotStuff.DurableChange {
        switch try r.readByte() {
        case 0: return .safety(try HotStuff.SafetyState.decode(from: &r, cluster: cluster))
        case 1: return .block(try HotStuff.Block.decode(from: &r))
        case 2: return .checkpoint(try HotStuff.StateReply.decode(from: &r))
        case let t: throw .invalidField("hotstuff journal record tag \(t)")
        }
    }
}
