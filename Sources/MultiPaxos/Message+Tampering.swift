import ConsensusCore

// What a Byzantine Multi-Paxos replica sends (the shell's `equivocate` behaviour; ConsensusCore's
// TamperableMessage). Multi-Paxos tolerates crash faults only, so each of these can break it, and the
// checkers say so: the replica's own code stays honest, its shell rewrites what leaves it.

extension MultiPaxos.Message {
    /// - A leader's Accept, and a CatchUp's chosen values, carry other requests for the same slots (a
    ///   lying leader: the acceptors and learners given this copy apply what the others never saw); a
    ///   CatchUpSnapshot carries a falsified state.
    /// - A Promise hides every value the acceptor accepted (phase 1 then cannot find them, and a new
    ///   leader may choose another value for a slot already chosen).
    public func equivocated(variant: UInt64, earlier: MultiPaxos.Message?, cluster: ClusterConfig) -> MultiPaxos.Message? {
        switch self {
        case .accept(let ballot, let slot, let chosenUpTo, let value):
            return .accept(ballot: ballot, slot: slot, chosenUpTo: chosenUpTo, value: value.conflicting(variant: variant))
        case .catchUp(let firstSlot, let values, let chosenUpTo):
            return .catchUp(firstSlot: firstSlot, values: values.map { $0.conflicting(variant: variant) }, chosenUpTo: chosenUpTo)
        case .catchUpSnapshot(var m):
            m.state = m.state.falsified()
            return .catchUpSnapshot(m)
        case .promise(let ballot, let chosenUpTo, let accepted):
            guard !accepted.isEmpty else { return nil }
            return .promise(ballot: ballot, chosenUpTo: chosenUpTo, accepted: [])
        case .prepare, .accepted, .commit, .nack, .heartbeat, .heartbeatAck, .catchUpRequest:
            return nil
        }
    }

    /// A leader that forges: every Accept proposes, for every acceptor, a request with the client's
    /// session and sequence number but a write no client asked for (Multi-Paxos checks no client
    /// authenticator, so the acceptors take it; the leader itself applies the real one).
    public func forged(cluster: ClusterConfig) -> MultiPaxos.Message? {
        guard case .accept(let ballot, let slot, let chosenUpTo, let value) = self else { return nil }
        return .accept(ballot: ballot, slot: slot, chosenUpTo: chosenUpTo, value: value.conflicting(variant: 0))
    }

    /// A replica that answers a catch-up request (Multi-Paxos's state transfer) with other values for
    /// the chosen slots it ships, or a falsified snapshot: the receiver learns them as chosen and
    /// applies them.
    public func withWrongState(to receiver: Int32, cluster: ClusterConfig) -> MultiPaxos.Message? {
        switch self {
        case .catchUp(let firstSlot, let values, let chosenUpTo) where !values.isEmpty:
            return .catchUp(firstSlot: firstSlot, values: values.map { $0.conflicting(variant: 0) }, chosenUpTo: chosenUpTo)
        case .catchUpSnapshot(var m):
            m.state = m.state.falsified()
            return .catchUpSnapshot(m)
        default:
            return nil
        }
    }
}

extension MultiPaxos.SlotValue {
    func conflicting(variant: UInt64) -> MultiPaxos.SlotValue {
        switch self {
        case .one(let r): return .one(r.conflicting(variant: variant))
        case .batch(let rs): return .batch(rs.map { $0.conflicting(variant: variant) })
        }
    }
}
