import ConsensusCore
import MultiPaxos
import PBFT
import Raft

// Broken variants that answer before they persist: each wraps the real replica and, in a step where it
// sends the answer whose promise must survive a crash, drops the step's `persist`. What the step
// changed reaches the disk only with the replica's next persist, after the answer left; a crash in
// between restores a replica that never gave it. The papers put the write first (Raft Figure 2:
// "updated on stable storage before responding to RPCs"; Paxos Made Simple §3; PBFT §4.2: messages are
// logged when sent and received).
//
// A crash in the window is caught at once by the durability check (`Replica.unpersistedAnswer`, asked
// at every crash), before its consequences: for PBFT there may be none, since this PBFT persists the
// whole slot before its COMMIT leaves, so a backup can forget only a PRE-PREPARE it has not prepared.

/// A variant that, in a step where it sends an answer `answerNeedsTheWrite` picks, drops the step's
/// `persist` effects: the write then waits for the replica's next persist.
protocol AnswersBeforePersisting: BrokenVariant {
    static func answerNeedsTheWrite(_ message: Message) -> Bool
}

extension AnswersBeforePersisting {
    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        let start = outbox.effects.count
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        let answered = outbox.effects[start...].contains { effect in
            switch effect {
            case .send(let message, _), .broadcast(let message): return Self.answerNeedsTheWrite(message)
            default: return false
            }
        }
        guard answered else { return }
        var k = start
        while k < outbox.effects.count {
            if case .persist = outbox.effects[k] { outbox.effects.remove(at: k) } else { k += 1 }
        }
    }
}

/// A Raft server that grants its vote before persisting it (§5.2, Figure 2): after a crash it can
/// grant a second vote in the same term, and two candidates can both win it.
final class RaftVotingBeforePersisting: AnswersBeforePersisting {
    let inner: Raft.Replica
    init(inner: Raft.Replica) { self.inner = inner }
    static var protocolName: String { "raft-vote-before-persist" }

    static func answerNeedsTheWrite(_ message: Message) -> Bool {
        if case .requestVoteResponse(let vote) = message { return vote.granted }
        return false
    }
}

/// A Multi-Paxos acceptor that answers Accepted before persisting the value (Paxos Made Simple §3):
/// after a crash it no longer reports the value to the next leader's Prepare, so a value that was
/// chosen with its vote can be replaced by another.
final class PaxosAcceptingBeforePersisting: AnswersBeforePersisting {
    let inner: MultiPaxos.Replica
    init(inner: MultiPaxos.Replica) { self.inner = inner }
    static var protocolName: String { "multipaxos-accept-before-persist" }

    static func answerNeedsTheWrite(_ message: Message) -> Bool {
        if case .accepted = message { return true }
        return false
    }
}

/// A PBFT backup that sends its PREPARE before persisting the PRE-PREPARE it accepted (§4.2: messages
/// are logged as they are sent): after a crash it has forgotten what it agreed to at that view and
/// sequence number, and could prepare another request there.
final class PBFTPreparingBeforePersisting: AnswersBeforePersisting {
    let inner: PBFT.Replica
    init(inner: PBFT.Replica) { self.inner = inner }
    static var protocolName: String { "pbft-prepare-before-persist" }

    static func answerNeedsTheWrite(_ message: Message) -> Bool {
        if case .prepare = message { return true }
        return false
    }
}
