import ConsensusCore

// MARK: - Leader election (Raft §5.2, §5.4.1; PreVote and check-quorum from the thesis §9.6, §6.2)

extension Raft.Replica {
    /// Draws a fresh randomized election timeout from the replica's own seeded generator (§5.2).
    func drawElectionTimeout() {
        electionTimeout = random.interval(settings.electionTimeoutMin, settings.electionTimeoutMax)
    }

    /// Restarts the election clock and arms its timer for the full timeout.
    func restartElectionClock(now: Instant, outbox: inout Outbox<Message>) {
        electionClockStart = now
        outbox.setTimer(Raft.Timers.election, after: electionTimeout)
    }

    /// The timer fires once per timeout at most: hearing from the leader only moves
    /// `electionClockStart` (no timer effect per message), so a firing first checks whether the clock
    /// was restarted meanwhile and, if so, sleeps for the rest of the timeout.
    func electionTimerFired(now: Instant, outbox: inout Outbox<Message>) {
        guard role != .leader else { return }
        let deadline = electionClockStart + electionTimeout
        if now < deadline {
            outbox.setTimer(Raft.Timers.election, after: deadline - now)
            return
        }
        campaign(now: now, outbox: &outbox)
    }

    /// Check-quorum's lease (thesis §4.2.3): while this server has heard from a live leader within the
    /// minimum election timeout, it refuses to help depose it.
    func inLease(now: Instant) -> Bool {
        guard settings.checkQuorum else { return false }
        if role == .leader { return true }
        guard knownLeader != nil else { return false }
        return now - leaderContact < settings.electionTimeoutMin
    }

    /// §5.4.1: a voter grants only to a candidate whose log is at least as up-to-date as its own:
    /// a later last term wins; with equal last terms, the longer log wins.
    func isUpToDate(lastLogIndex: UInt64, lastLogTerm: UInt64) -> Bool {
        lastLogTerm > log.lastTerm || (lastLogTerm == log.lastTerm && lastLogIndex >= log.lastIndex)
    }

    // MARK: Role changes

    /// Returns to follower in `term` (raising the term resets the vote, §5.1), following `leader` if known.
    func becomeFollower(term: UInt64, leader: NodeID?, now: Instant, outbox: inout Outbox<Message>) {
        if term > currentTerm {
            currentTerm = term
            votedFor = nil
            outbox.persist()
        }
        if role == .leader { stopLeading(newLeader: leader, outbox: &outbox) }
        role = .follower
        knownLeader = leader
        if leader != nil { leaderContact = now }
        drawElectionTimeout()
        restartElectionClock(now: now, outbox: &outbox)
    }

    func campaign(now: Instant, outbox: inout Outbox<Message>) {
        if settings.preVote {
            becomePreCandidate(now: now, outbox: &outbox)
        } else {
            becomeCandidate(now: now, outbox: &outbox)
        }
    }

    /// Asks for pre-votes for `currentTerm + 1` without raising its own term (thesis §9.6): a server
    /// that cannot win (it is partitioned, or its log is behind) never disturbs the cluster's term.
    func becomePreCandidate(now: Instant, outbox: inout Outbox<Message>) {
        if startRound(as: .preCandidate, now: now, outbox: &outbox) {
            becomeCandidate(now: now, outbox: &outbox)
            return
        }
        outbox.broadcast(.preVote(Raft.VoteRequest(term: currentTerm + 1, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm)))
    }

    /// §5.2: increment the term, vote for itself, reset the election clock, ask everyone for votes.
    func becomeCandidate(now: Instant, outbox: inout Outbox<Message>) {
        currentTerm += 1
        votedFor = id
        outbox.persist()
        if startRound(as: .candidate, now: now, outbox: &outbox) {
            becomeLeader(now: now, outbox: &outbox)
            return
        }
        outbox.broadcast(.requestVote(Raft.VoteRequest(term: currentTerm, lastLogIndex: log.lastIndex, lastLogTerm: log.lastTerm)))
    }

    /// What a pre-vote round and an election share: no known leader, a fresh tally holding this
    /// server's own vote, a new random timeout. True when that vote alone is a majority (n = 1).
    func startRound(as newRole: Raft.Role, now: Instant, outbox: inout Outbox<Message>) -> Bool {
        role = newRole
        knownLeader = nil
        startVoteCount()
        drawElectionTimeout()
        restartElectionClock(now: now, outbox: &outbox)
        return votesGranted >= cluster.majority
    }

    /// Clears the tally and counts this server's own vote.
    func startVoteCount() {
        for i in votes.indices { votes[i] = .none }
        votes[id.index] = .granted
        votesGranted = 1
        votesDenied = 0
    }

    /// Counts one (pre-)vote. A majority of grants wins; a majority of refusals loses, and the server
    /// waits out a fresh timeout as a follower.
    func tally(_ granted: Bool, from voter: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        guard votes[voter.index] == .none else { return }
        votes[voter.index] = granted ? .granted : .denied
        if granted { votesGranted += 1 } else { votesDenied += 1 }
        if votesGranted >= cluster.majority {
            if role == .preCandidate {
                becomeCandidate(now: now, outbox: &outbox)
            } else {
                becomeLeader(now: now, outbox: &outbox)
            }
        } else if votesDenied >= cluster.majority {
            becomeFollower(term: currentTerm, leader: nil, now: now, outbox: &outbox)
        }
    }

    // MARK: Voting

    /// RequestVote in the voter's current term (the door already moved it to the candidate's term if
    /// that was higher). At most one vote per term, and only for an up-to-date log (§5.2, §5.4.1).
    func handleRequestVote(_ m: Raft.VoteRequest, from candidate: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        let canVote = votedFor == candidate || (votedFor == nil && knownLeader == nil)
        let grant = canVote && isUpToDate(lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm)
        if grant {
            if votedFor != candidate {
                votedFor = candidate
                outbox.persist()
            }
            electionClockStart = now  // §5.2: granting a vote restarts the election clock
        }
        outbox.send(.requestVoteResponse(Raft.VoteResponse(term: currentTerm, granted: grant)), to: candidate)
    }

    /// PreVote: would this server vote for the sender in the term it proposes? Answering changes
    /// nothing here (no term, no vote recorded): thesis §9.6.
    func handlePreVote(_ m: Raft.VoteRequest, from candidate: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        let grant = m.term > currentTerm && !inLease(now: now)
            && isUpToDate(lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm)
        outbox.send(.preVoteResponse(Raft.VoteResponse(term: grant ? m.term : currentTerm, granted: grant)), to: candidate)
    }

    // MARK: Check quorum

    /// A leader that did not hear from a majority (itself included) since the last check steps down
    /// (thesis §6.2): cut off from its majority it cannot commit, so it stops taking clients' requests.
    func checkQuorumTimerFired(now: Instant, outbox: inout Outbox<Message>) {
        guard role == .leader else { return }
        var active = 1
        for i in progress.indices where i != id.index {
            if progress[i].recentActive { active += 1 }
            progress[i].recentActive = false
        }
        if active < cluster.majority {
            becomeFollower(term: currentTerm, leader: nil, now: now, outbox: &outbox)
            return
        }
        outbox.setTimer(Raft.Timers.checkQuorum, after: settings.electionTimeoutMin)
    }
}
