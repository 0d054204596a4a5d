import ConsensusCore

// MARK: - Log compaction and catching up from a snapshot (Paxos Made Live §5.5)

// Each replica snapshots on its own: once `snapshotInterval` slots were applied since its last snapshot,
// the state machine as it stands replaces them and the log keeps only what follows. Forgetting what its
// acceptor accepted there is safe because those slots are chosen: a promise reports them chosen (its
// chosen-up-to index), so no leader ever weighs their ballots again, and anyone lacking them catches up.
// A CatchUpRequest for slots the answerer no longer holds gets its snapshot (one message, as Raft's
// InstallSnapshot here), and the asker goes on from the snapshot's end with ordinary CatchUps.

extension MultiPaxos.Replica {
    /// Compacts the applied prefix when the interval has passed (called after applying).
    func snapshotIfDue(outbox: inout Outbox<Message>) {
        guard settings.snapshotInterval > 0,
              firstUnchosenSlot >= durable.logStart + UInt64(settings.snapshotInterval) else { return }
        durable.compact(below: firstUnchosenSlot, state: stateMachine, position: nextPosition)
        outbox.persist()
    }

    /// A snapshot arrived by catch-up. One that reaches no further than this replica's own chosen prefix
    /// teaches it nothing; otherwise it replaces the state machine and every slot below its end (what the
    /// acceptor accepted from there on stays: those slots may not be chosen yet), and the chosen slots
    /// after it apply as usual.
    func onCatchUpSnapshot(_ m: MultiPaxos.CatchUpSnapshot, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        if m.chosenUpTo > knownChosenUpTo { knownChosenUpTo = m.chosenUpTo }
        guard m.logStart > firstUnchosenSlot else {
            catchUpAllowedAt = now
            return
        }
        durable.compact(below: m.logStart, state: m.state, position: m.position)
        outbox.persist()
        resumeFromSnapshot(outbox: &outbox)
        continueCatchUp(afterNews: true, senderChosenUpTo: m.chosenUpTo, from: sender, now: now, outbox: &outbox)
    }
}
