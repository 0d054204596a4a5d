import ConsensusCore

// Retransmission. The papers assume messages are eventually delivered and the BFT library makes them
// so by retransmitting (TOCS §5.2). Here a replica retransmits only when it is stalled: sequence numbers
// it accepted are in flight and nothing has executed for `retransmitTimeout`. It then sends again what it
// sent for them (the primary its PRE-PREPARE, a backup its PREPARE, a prepared replica its COMMIT). A
// replica that receives such a repeat for a number it is prepared or committed for answers the sender,
// once per sender and sequence number, with its own PREPARE and COMMIT: the stalled replica gets the
// votes it lost. In a steady state something always executes, so none of this sends anything.
// A replica that is changing view sends its VIEW-CHANGE again, on the same timer, until it enters the
// new view; the primary of a view answers a VIEW-CHANGE for a view it already installed with its NEW-VIEW.
//
// A replica that stays stalled through `stalledRoundsBeforeJoining` retransmissions while it holds a
// valid VIEW-CHANGE for a later view joins that view change, though fewer than the f+1 the paper asks
// for (§4.5.2) sent one. The f+1 rule keeps faulty replicas from dragging a working view into view
// changes; a stalled view is not working. Without this, when more than f replicas were faulty for a
// while (a crash on top of f Byzantine ones), an honest replica could be left alone in a view change
// while the others, in the old view, could no longer gather a quorum and had nothing to time out on:
// they had executed what their clients retried, or were the primary. A view change, which is always
// safe, lets them agree again.

extension PBFT.Replica {
    /// Something is in flight: make sure the stall timer runs.
    func noteInFlight(outbox: inout Outbox<Message>) {
        if let after = retransmitTimer.arm(mark: lastExecuted, base: settings.retransmitTimeout) {
            outbox.setTimer(PBFT.Timers.retransmit, after: after)
        }
    }

    func retransmitIfStalled(outbox: inout Outbox<Message>) {
        if !isViewActive {
            // Changing view: VIEW-CHANGE messages lost (a partition, say) would leave the new primary short
            // of 2f+1 forever; send ours again until the NEW-VIEW comes.
            if let own = viewChanges[id.index], own.newView == view { outbox.broadcast(.viewChange(own)) }
            retransmitTimer.backoff = min(retransmitTimer.backoff + 1, 5)
            noteInFlight(outbox: &outbox)
            return
        }
        guard highestAccepted > lastExecuted else {
            retransmitTimer.backoff = 0
            return
        }
        guard lastExecuted == retransmitTimer.mark else {
            retransmitTimer.backoff = 0
            noteInFlight(outbox: &outbox)
            return
        }
        if retransmitTimer.backoff >= Self.stalledRoundsBeforeJoining, let later = laterViewChanges.smallest {
            startViewChange(to: later, outbox: &outbox)
            return
        }
        let last = min(highestAccepted, lastExecuted + 32, highWaterMark)
        var sequence = max(lastExecuted, lowWaterMark) + 1
        while sequence <= last {
            let i = slotIndex(sequence)
            sequence += 1
            guard slots[i].sequence == sequence - 1, slots[i].view == view, slots[i].hasPrePrepare else { continue }
            if isPrimary {
                outbox.broadcast(.prePrepare(PBFT.PrePrepare(view: view, sequence: slots[i].sequence, digest: slots[i].digest,
                                                             requests: slots[i].requests, primary: id,
                                                             authenticator: slots[i].prePrepareAuthenticator)))
            }
            if slots[i].sentPrepare { outbox.broadcast(.prepare(ownVote(slot: i, work: &outbox.cryptoWork))) }
            if slots[i].prepared { outbox.broadcast(.commit(ownVote(slot: i, work: &outbox.cryptoWork))) }
        }
        retransmitTimer.backoff = min(retransmitTimer.backoff + 1, 5)
        noteInFlight(outbox: &outbox)
    }

    /// A replica sent a PREPARE or COMMIT this replica already had: it is retransmitting, so it is stalled.
    /// Send it this replica's own votes for that number, once.
    func answerRetransmission(slot i: Int, to sender: NodeID, outbox: inout Outbox<Message>) {
        guard slots[i].prepared, slots[i].view == view, slots[i].answered.insert(sender) else { return }
        if slots[i].sentPrepare { outbox.send(.prepare(ownVote(slot: i, work: &outbox.cryptoWork)), to: sender) }
        outbox.send(.commit(ownVote(slot: i, work: &outbox.cryptoWork)), to: sender)
    }

    /// This replica's own PREPARE or COMMIT for the slot, freshly authenticated.
    func ownVote<Phase>(slot i: Int, work: inout CryptoWork) -> PBFT.PhaseVote<Phase> {
        var m = PBFT.PhaseVote<Phase>(view: view, sequence: slots[i].sequence, digest: slots[i].digest, replica: id,
                                      authenticator: .none)
        m.authenticator = keys.authenticate(m.block, .multicast, work: &work)
        return m
    }

    /// Retransmission rounds without an execution before a stalled replica joins a view change that
    /// fewer than f+1 others asked for (with the 50 ms default, 50 + 100 + 200 ms of being stalled).
    static var stalledRoundsBeforeJoining: Int { 3 }
}
