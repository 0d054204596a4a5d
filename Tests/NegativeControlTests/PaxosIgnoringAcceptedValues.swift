import ConsensusCore
import MultiPaxos

/// A Multi-Paxos proposer whose phase 1 ignores the values the acceptors report having accepted
/// (Paxos Made Simple §2.2, P2c: the proposer must propose the value of the highest-numbered proposal
/// among the promises it collected). It still learns the slots a promise reports chosen; what it drops
/// is every value accepted but not yet known chosen, so a value a majority accepted under the previous
/// leader, and that some replica already learned, can be replaced in the same slot.
final class PaxosIgnoringAcceptedValues: BrokenVariant {
    let inner: MultiPaxos.Replica
    init(inner: MultiPaxos.Replica) { self.inner = inner }
    static var protocolName: String { "multipaxos-ignoring-accepted" }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        var message = message
        if case .promise(let ballot, let chosenUpTo, let accepted) = message {
            message = .promise(ballot: ballot, chosenUpTo: chosenUpTo, accepted: accepted.filter(\.chosen))
        }
        inner.receive(message, from: sender, now: now, outbox: &outbox)
    }
}
