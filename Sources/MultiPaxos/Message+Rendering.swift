import ConsensusCore

// MARK: - One line per message, in the papers' words (Paxos Made Simple §2–3, PMMC)

/// For scenario scripts and logs: `Accept b1.0 slot=3 chosen<2 [c1#1 put k1=v1]`. Ballots read
/// `b<round>.<node>`; `chosen<c` is the sender's chosen-up-to index (every slot below `c` is chosen);
/// a slot's value is its requests in brackets. The sender and receiver are the shell's to add (`0→1 …`).
extension MultiPaxos.Message: CustomStringConvertible {
    public var description: String {
        switch self {
        case .prepare(let b, let fromSlot):
            return "Prepare \(b) from=\(fromSlot)"
        case .promise(let b, let chosenUpTo, let accepted):
            // Each reported slot: `slot@ballot=[value]`, with `!` when the acceptor knows it chosen.
            let entries = accepted.map { "\($0.slot)@\($0.ballot)\($0.chosen ? "!" : "")=\($0.value.rendering)" }
            return "Promise \(b) chosen<\(chosenUpTo) accepted=[\(entries.joined(separator: " "))]"
        case .accept(let b, let slot, let chosenUpTo, let value):
            return "Accept \(b) slot=\(slot) chosen<\(chosenUpTo) \(value.rendering)"
        case .accepted(let b, let slot):
            return "Accepted \(b) slot=\(slot)"
        case .commit(let b, let slot):
            return "Commit \(b) slot=\(slot)"
        case .nack(let promised, let rejected):
            return "Nack promised=\(promised) rejected=\(rejected)"
        case .heartbeat(let b, let chosenUpTo):
            return "Heartbeat \(b) chosen<\(chosenUpTo)"
        case .heartbeatAck(let b):
            return "HeartbeatAck \(b)"
        case .catchUpRequest(let fromSlot):
            return "CatchUpRequest from=\(fromSlot)"
        case .catchUp(let firstSlot, let values, let chosenUpTo):
            return "CatchUp first=\(firstSlot) values=\(values.count) chosen<\(chosenUpTo)"
        case .catchUpSnapshot(let m):
            return "CatchUpSnapshot start=\(m.logStart) position=\(m.position) executed=\(m.state.executedCount) chosen<\(m.chosenUpTo)"
        }
    }
}

extension MultiPaxos.SlotValue {
    /// `[c1#1 put k1=v1]`, `[no-op]`, `[c1#1 …, c2#1 …]` for a batch.
    public var rendering: String { "[" + requests.map(\.notation).joined(separator: ", ") + "]" }
}
