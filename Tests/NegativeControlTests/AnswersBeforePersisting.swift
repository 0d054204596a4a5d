import ConsensusCore
import MultiPaxos
import Raft

// Broken variants that answer before they persist: each wraps the real replica and, in a step where it
// sends the answer whose promise must survive a crash, drops the step's `persist`. What the step
// changed reaches the disk only with the replica's next persist, after the answer left; a crash in
// between restores a replica that never gave it. The papers put the write first (Raft Figure 2:
// "updated on stable storage before responding to RPCs"; Paxos Made Simple §3; PBFT §4.2: messages are
// logged when sent and received).
//
// No PBFT variant is here: a PBFT backup that sends its PREPARE before persisting the PRE-PREPARE was
// not caught in 1,000 seeds (f equivocators plus restart churn), and it cannot be with the Byzantine
// behaviours the suite has. This PBFT persists the whole slot before its COMMIT leaves, so such a backup
// can forget only a PRE-PREPARE it has not prepared; its PREPARE could then help a conflicting
// certificate only if the primary proposed it a different request after its restart and a second
// backup forgot in the same window, and no built-in behaviour re-proposes that way.

extension Outbox {
    /// Removes the `persist` effects after `start` when one of the messages sent after `start` is one
    /// that `mustFollowTheWrite` picks: the write then waits for the replica's next persist.
    mutating func persistAfterSending(from start: Int, _ mustFollowTheWrite: (Message) -> Bool) {
        let answered = effects[start...].contains { effect in
            switch effect {
            case .send(let message, _), .broadcast(let message): return mustFollowTheWrite(message)
            default: return false
            }
        }
        guard answered else { return }
        var k = start
        while k < effects.count {
            if case .persist = effects[k] { effects.remove(at: k) } else { k += 1 }
        }
    }
}

/// A Raft server that grants its vote before persisting it (§5.2, Figure 2): after a crash it can
/// grant a second vote in the same term, and two candidates can both win it.
final class RaftVotingBeforePersisting: BrokenVariant {
    let inner: Raft.Replica
    init(inner: Raft.Replica) { self.inner = inner }
    static var protocolName: String { "raft-vote-before-persist" }

    func receive(_ message: Raft.Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Raft.Message>) {
        let start = outbox.effects.count
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        outbox.persistAfterSending(from: start) { message in
            if case .requestVoteResponse(let vote) = message { return vote.granted }
            return false
        }
    }
}

/// A Multi-Paxos acceptor that answers Accepted before persisting the value (Paxos Made Simple §3):
/// after a crash it no longer reports the value to the next leader's Prepare, so a value that was
/// chosen with its vote can be replaced by another.
final class PaxosAcceptingBeforePersisting: BrokenVariant {
    let inner: MultiPaxos.Replica
    init(inner: MultiPaxos.Replica) { self.inner = inner }
    static var protocolName: String { "multipaxos-accept-before-persist" }

    func receive(_ message: MultiPaxos.Message, from sender: NodeID, now: Instant, outbox: inout Outbox<MultiPaxos.Message>) {
        let start = outbox.effects.count
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        outbox.persistAfterSending(from: start) { message in
            if case .accepted = message { return true }
            return false
        }
    }
}
