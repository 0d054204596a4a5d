import ConsensusCore

// What a Byzantine HotStuff replica sends (ConsensusCore's TamperableMessage): its code stays honest,
// its shell rewrites what leaves it, signing with the faulty replica's own key where a lie needs it.

extension HotStuff.Message {
    /// A signature that no longer verifies (one bit of it flipped).
    public func corrupted() -> HotStuff.Message {
        func flipped(_ s: Signature) -> Signature {
            var bytes = s.bytes
            if !bytes.isEmpty { bytes[0] ^= 0x01 }
            return Signature(bytes: bytes)
        }
        switch self {
        case .proposal(var m): m.signature = flipped(m.signature); return .proposal(m)
        case .vote(var m): m.signature = flipped(m.signature); return .vote(m)
        case .newView(var m): m.signature = flipped(m.signature); return .newView(m)
        case .fetch, .blocks, .stateRequest, .stateReply: return self
        }
    }

    /// A leader proposing two blocks in one view: the other block carries other commands (a write
    /// no client sent in place of each request; a no-op where the block is empty), signed by the
    /// leader. Honest replicas vote for whichever they received, so at most one gathers a quorum.
    public func equivocated(variant: UInt64, earlier: HotStuff.Message?, cluster: ClusterConfig) -> HotStuff.Message? {
        guard case .proposal(let m) = self else { return nil }
        let other = m.block.commands.isEmpty
            ? [ClientRequest(client: .system, sequence: variant, command: .noop)]
            : m.block.commands.map { $0.conflicting(variant: variant) }
        let block = m.block.with(commands: other)
        return .proposal(HotStuff.Proposal(block: block, proposer: m.proposer,
                                           signature: HotStuff.sign(.proposal(block), as: m.proposer, secret: cluster.secret)))
    }

    /// A checkpoint sent to a replica catching up, with every value falsified (the same lie from
    /// every faulty replica, so f of them agree with each other but never with f+1).
    public func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> HotStuff.Message? {
        guard case .stateReply(var m) = self else { return nil }
        m.state = m.state.falsified()
        return .stateReply(m)
    }

    public var proposalSlot: UInt64? {
        if case .proposal(let m) = self { return m.block.view }
        return nil
    }
}
