import ConsensusCore

// MARK: - Leader election by failure detection, heartbeats, back-off

extension MultiPaxos.Replica {
    /// Leader: heartbeat to all (the failure detectors' evidence, with the chosen index), and a re-send
    /// of Accepts that have stalled for a whole heartbeat (a lost Accept or Accepted).
    func onHeartbeatTimer(now: Instant, outbox: inout Outbox<Message>) {
        guard role == .leader else { return }
        if settings.checkQuorum && !hearsFromMajority(now: now) {
            stepDown(to: ballot, now: now, backoff: false, outbox: &outbox)
            return
        }
        outbox.broadcast(.heartbeat(ballot: ballot, chosenUpTo: firstUnchosenSlot))
        resendStalled(outbox: &outbox)
        outbox.setTimer(Self.heartbeatTimer, after: settings.heartbeatInterval)
    }

    /// True while the leader is new, or heard from a majority (itself included) within the minimum
    /// election timeout.
    private func hearsFromMajority(now: Instant) -> Bool {
        let window = settings.electionTimeoutMin
        if now - leaderSince < window { return true }
        var heard = 1
        for peer in cluster.replicas where peer != id.index && now - lastHeardFrom[peer] < window { heard += 1 }
        return heard >= majority
    }

    private func resendStalled(outbox: inout Outbox<Message>) {
        let end = min(stallMark, nextSlot)
        var slot = firstUnchosenSlot
        var budget = Self.resendBudget
        while slot < end && budget > 0 {
            let i = durable.index(slot)
            if !durable.log[i].chosen, durable.log[i].ballot == ballot, let value = durable.log[i].value {
                budget -= 1
                for peer in cluster.replicas where peer != id.index && !votes.hasVoted(slot, voter: NodeID(peer)) {
                    outbox.send(.accept(ballot: ballot, slot: slot, chosenUpTo: firstUnchosenSlot, value: value), to: NodeID(peer))
                }
            }
            slot += 1
        }
        stallMark = nextSlot
    }

    /// Follower: heard from a leader at least as high as its promise. Below the promise the sender is a
    /// deposed leader: it gets a Nack (its chosen index is still true, so it is learned from all the same).
    func onHeartbeat(_ b: Ballot, chosenUpTo: UInt64, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        if b < durable.promised {
            outbox.send(.nack(promised: durable.promised, rejected: b), to: sender)
            learn(chosenUpTo: chosenUpTo, ballot: b, outbox: &outbox)
            return
        }
        acknowledgeLeader(b, now: now, outbox: &outbox)
        if !answeredLeaderSinceHeartbeat { outbox.send(.heartbeatAck(ballot: b), to: sender) }
        answeredLeaderSinceHeartbeat = false
        learn(chosenUpTo: chosenUpTo, ballot: b, outbox: &outbox)
        checkLag(chosenUpTo: chosenUpTo, leader: sender, now: now, outbox: &outbox)
    }

    /// Follower: no word from a leader for a (randomized) election timeout and no back-off pending:
    /// suspect it and run phase 1. Candidate: phase 1 did not finish in time: try again, higher.
    /// The follower's check is lazy (leader contact only stamps a time), so steady-state traffic
    /// never re-arms a timer.
    func onElectionTimer(now: Instant, outbox: inout Outbox<Message>) {
        switch role {
        case .leader:
            return
        case .candidate:
            campaign(now: now, outbox: &outbox)
        case .follower:
            let due = max(lastLeaderContact + electionTimeout, backoffUntil)
            if now >= due {
                campaign(now: now, outbox: &outbox)
            } else {
                outbox.setTimer(Self.electionTimer, after: due - now)
            }
        }
    }

    /// Preempted by `higher` (a Nack, a higher Prepare, or the leader of a higher ballot): back to
    /// follower. With `backoff`, wait a randomized interval before campaigning again, so two proposers
    /// that keep preempting each other fall out of step (Paxos Made Simple §2.4). Waiting clients are
    /// redirected to the new ballot's owner.
    func stepDown(to higher: Ballot, now: Instant, backoff: Bool, outbox: inout Outbox<Message>) {
        if role == .leader { outbox.cancelTimer(Self.heartbeatTimer) }
        if batchTimerArmed {
            batchTimerArmed = false
            outbox.cancelTimer(Self.batchTimer)
        }
        role = .follower
        phase1 = nil
        recovered = [:]
        leaderHint = higher.node == id ? nil : higher.node
        lastLeaderContact = now
        if backoff { backoffUntil = now + random.interval(settings.backoffMin, settings.backoffMax) }
        while let request = pending.pop() {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .redirect(hint: leaderHint)))
        }
        electionTimeout = drawElectionTimeout()
        let due = max(now + electionTimeout, backoffUntil)
        outbox.setTimer(Self.electionTimer, after: due - now)
    }
}
