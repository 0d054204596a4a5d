import ConsensusCore

// MARK: - Log compaction (Raft §7)

// Each server snapshots on its own: once `snapshotInterval` entries were applied since its last
// snapshot, the state machine as it stands replaces them, and the log keeps only what follows. A leader
// whose log no longer holds what a follower needs sends the snapshot whole (InstallSnapshot, Figure 13,
// in one message rather than in chunks); the follower replaces its state machine, and keeps the entries
// after the snapshot only when its log agrees with the snapshot's last entry.

extension Raft.Replica {
    /// Snapshots the state machine at `lastApplied` when the interval has passed (called after applying).
    func snapshotIfDue(outbox: inout Outbox<Message>) {
        guard settings.snapshotInterval > 0, lastApplied >= log.snapshotIndex + UInt64(settings.snapshotInterval),
              let term = log.term(at: lastApplied) else { return }
        snapshot = stateMachine
        log.compact(through: lastApplied, term: term)
        outbox.persist()
    }

    /// The follower needs entries this log compacted: send the snapshot, one at a time (as a probe: the
    /// heartbeat resends it until the follower answers).
    func sendSnapshot(to peer: Int, outbox: inout Outbox<Message>) {
        if progress[peer].state == .replicate { progress[peer].becomeProbe(next: progress[peer].next) }
        guard !progress[peer].probeSent else { return }
        progress[peer].probeSent = true
        outbox.send(.installSnapshot(Raft.InstallSnapshot(term: currentTerm, lastIncludedIndex: log.snapshotIndex,
                                                          lastIncludedTerm: log.snapshotTerm, state: snapshot)),
                    to: NodeID(peer))
    }

    /// InstallSnapshot from the leader of the current term (Figure 13's receiver implementation). A
    /// snapshot holds only committed entries, so one that reaches no further than this server's commit
    /// index teaches it nothing; otherwise it replaces the state machine, and the log from its index on.
    func handleInstallSnapshot(_ m: Raft.InstallSnapshot, from leader: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        knownLeader = leader
        leaderContact = now
        electionClockStart = now
        if m.lastIncludedIndex > commitIndex {
            snapshot = m.state
            stateMachine = m.state
            log.compact(through: m.lastIncludedIndex, term: m.lastIncludedTerm)
            commitIndex = m.lastIncludedIndex
            lastApplied = m.lastIncludedIndex
            outbox.persist()
        }
        outbox.send(.appendEntriesResponse(Raft.AppendEntriesResponse(term: currentTerm, outcome: .success(matchIndex: m.lastIncludedIndex))),
                    to: leader)
    }
}
