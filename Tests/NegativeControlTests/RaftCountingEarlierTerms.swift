import ConsensusCore
@testable import Raft

/// Raft whose leader commits an entry of an earlier term as soon as a majority stores it, the rule
/// the Raft paper's Figure 8 shows to be unsafe (§5.4.2: "Raft never commits log entries from previous
/// terms by counting replicas"). The honest leader commits only an entry of its own term by counting,
/// and earlier entries with it.
///
/// The leader's no-op does not hide the flaw: a follower in probe state gets one entry per
/// AppendEntries (`maxBatch` 1), so it can acknowledge the earlier term's entry before the no-op, and a
/// leader that crashes then leaves that entry counted but overwritable.
final class RaftCountingEarlierTerms: BrokenVariant {
    let inner: Raft.Replica
    init(inner: Raft.Replica) { self.inner = inner }
    static var protocolName: String { "raft-counting-earlier-terms" }

    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        inner.receive(message, from: sender, now: now, outbox: &outbox)
        guard case .appendEntriesResponse = message, inner.role == .leader else { return }
        // The honest rule's median, without its `term == currentTerm` condition.
        var matches = inner.progress.indices.map { $0 == inner.id.index ? inner.log.lastIndex : inner.progress[$0].match }
        matches.sort()
        let counted = matches[inner.cluster.replicaCount - inner.cluster.majority]
        guard counted > inner.commitIndex else { return }
        inner.commitIndex = counted
        inner.applyCommitted(outbox: &outbox)
    }
}
