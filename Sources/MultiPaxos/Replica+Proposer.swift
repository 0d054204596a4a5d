import ConsensusCore

// MARK: - Proposer: phase 1 once for all slots, phase 2 per slot (Paxos Made Simple §3; PMMC's Leader)

extension MultiPaxos {
    /// A campaign in progress (PMMC's scout): who promised, and what their promises reported.
    final class Phase1 {
        var promisedBy: [Bool]
        var promises = 0
        /// The highest chosen-up-to index a promise reported, and who reported it: the new leader must
        /// know every slot below it chosen before it leads (it fetches them from `boundHolder`).
        var bound: UInt64
        var boundHolder: NodeID
        /// Per slot not known chosen: the value accepted under the highest ballot any promise reported.
        var proposals: [UInt64: PromiseEntry] = [:]
        /// One past the highest slot any promise reported.
        var endSlot: UInt64
        var hasQuorum = false

        init(replicaCount: Int, firstUnchosen: UInt64, holder: NodeID) {
            promisedBy = Array(repeating: false, count: replicaCount)
            bound = firstUnchosen
            boundHolder = holder
            endSlot = firstUnchosen
        }
    }
}

extension MultiPaxos.Replica {
    /// Phase 1a with a ballot above every round seen, for all slots from the first unchosen one.
    /// The proposer promises its own ballot first (and persists it), which is also what keeps it from
    /// ever reusing a ballot after a restart.
    func campaign(now: Instant, outbox: inout Outbox<Message>) {
        let floor = max(highestRoundSeen, durable.promised.round, ballot.round)
        let round = Ballot.nextRound(after: floor, for: id, replicaCount: cluster.replicaCount)
        ballot = Ballot(round: round, node: id)
        highestRoundSeen = round
        role = .candidate
        leaderHint = nil
        durable.promised = ballot
        outbox.persist()
        let p1 = MultiPaxos.Phase1(replicaCount: cluster.replicaCount, firstUnchosen: firstUnchosenSlot, holder: id)
        phase1 = p1
        outbox.broadcast(.prepare(ballot: ballot, fromSlot: firstUnchosenSlot))
        electionTimeout = drawElectionTimeout()
        outbox.setTimer(Self.electionTimer, after: electionTimeout)
        // Our own acceptor's promise.
        var slot = firstUnchosenSlot
        while slot < durable.logEnd {
            let s = durable.log[durable.index(slot)]
            if let value = s.value, !s.chosen {
                merge(MultiPaxos.PromiseEntry(slot: slot, ballot: s.ballot, chosen: false, value: value), into: p1)
            } else if s.chosen, slot + 1 > p1.endSlot {
                p1.endSlot = slot + 1
            }
            slot += 1
        }
        countPromise(from: id, p1, now: now, outbox: &outbox)
    }

    /// Keeps, per slot, the value accepted under the highest ballot (Paxos Made Simple §2.2, P2c);
    /// a slot an acceptor reports chosen is learned outright. Returns whether the log changed.
    @discardableResult
    func merge(_ entry: MultiPaxos.PromiseEntry, into p1: MultiPaxos.Phase1) -> Bool {
        guard entry.slot >= firstUnchosenSlot, entry.slot < firstUnchosenSlot + Self.slotLeadLimit else { return false }
        if entry.slot + 1 > p1.endSlot { p1.endSlot = entry.slot + 1 }
        if entry.chosen {
            let i = ensureLog(entry.slot)
            guard !durable.log[i].chosen else { return false }
            durable.log[i].value = entry.value
            durable.log[i].chosen = true
            disk.slotWritten(entry.slot)
            return true
        }
        if let known = p1.proposals[entry.slot], known.ballot >= entry.ballot { return false }
        p1.proposals[entry.slot] = entry
        return false
    }

    func onPromise(_ b: Ballot, chosenUpTo: UInt64, entries: [MultiPaxos.PromiseEntry],
                   from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        guard role == .candidate, b == ballot, let p1 = phase1, !p1.promisedBy[sender.index] else { return }
        var learned = false
        for entry in entries where merge(entry, into: p1) { learned = true }
        if learned {
            outbox.persist()
            applyChosenPrefix(outbox: &outbox)
        }
        if chosenUpTo > p1.bound {
            p1.bound = chosenUpTo
            p1.boundHolder = sender
        }
        if chosenUpTo > knownChosenUpTo { knownChosenUpTo = chosenUpTo }
        countPromise(from: sender, p1, now: now, outbox: &outbox)
    }

    private func countPromise(from node: NodeID, _ p1: MultiPaxos.Phase1, now: Instant, outbox: inout Outbox<Message>) {
        p1.promisedBy[node.index] = true
        p1.promises += 1
        guard p1.promises == majority else { return }
        p1.hasQuorum = true
        if firstUnchosenSlot < p1.bound {
            requestCatchUp(from: p1.boundHolder, now: now, outbox: &outbox)
        }
        tryFinishPhase1(now: now, outbox: &outbox)
    }

    /// With a majority of promises and every slot below the highest reported chosen index known,
    /// the candidate leads.
    func tryFinishPhase1(now: Instant, outbox: inout Outbox<Message>) {
        guard role == .candidate, let p1 = phase1, p1.hasQuorum, firstUnchosenSlot >= p1.bound else { return }
        role = .leader
        leaderHint = id
        phase1 = nil
        recovered = p1.proposals
        recoveryEnd = max(p1.endSlot, firstUnchosenSlot)
        nextSlot = firstUnchosenSlot
        stallMark = nextSlot
        leaderSince = now
        outbox.cancelTimer(Self.electionTimer)
        outbox.becameLeader(epoch: ballot.round)
        outbox.broadcast(.heartbeat(ballot: ballot, chosenUpTo: firstUnchosenSlot))
        outbox.setTimer(Self.heartbeatTimer, after: settings.heartbeatInterval)
        proposeMore(outbox: &outbox)
    }

    /// Phase 2a for as many slots as the pipeline window allows: first the slots phase 1 found (their
    /// highest-ballot value, or a no-op for a hole), then waiting client requests, up to `maxBatch` per slot.
    /// A partial batch waits up to `batchDelay` for company unless `flush`.
    func proposeMore(flush: Bool = false, outbox: inout Outbox<Message>) {
        var persisted = false
        while true {
            // A vote below may choose (and apply, and compact) past `nextSlot` when slots ahead were
            // learned chosen in phase 1: start again from the first unchosen slot.
            if nextSlot < firstUnchosenSlot { nextSlot = firstUnchosenSlot }
            guard nextSlot - firstUnchosenSlot < maxInflight else { break }
            let slot = nextSlot
            let value: MultiPaxos.SlotValue
            if slot < recoveryEnd {
                value = recovered[slot]?.value ?? .noop
            } else if !pending.isEmpty {
                if maxBatch > 1 && settings.batchDelay.nanoseconds > 0 && pending.count < maxBatch && !flush {
                    if !batchTimerArmed {
                        batchTimerArmed = true
                        outbox.setTimer(Self.batchTimer, after: settings.batchDelay)
                    }
                    break
                }
                guard let first = pending.pop() else { break }
                value = batch(startingWith: first)
            } else {
                break
            }
            nextSlot += 1
            let i = ensureLog(slot)
            if durable.log[i].chosen, let chosen = durable.log[i].value {
                // Known chosen already (learned in phase 1): announce it under our ballot, no tally needed.
                outbox.broadcast(.accept(ballot: ballot, slot: slot, chosenUpTo: firstUnchosenSlot, value: chosen))
                continue
            }
            durable.log[i] = MultiPaxos.LogSlot(ballot: ballot, value: value, chosen: false)
            disk.slotWritten(slot)
            disk.unwrittenAcceptances += 1  // the leader's own acceptor accepts its proposal
            if !persisted {
                outbox.persist()
                persisted = true
            }
            outbox.broadcast(.accept(ballot: ballot, slot: slot, chosenUpTo: firstUnchosenSlot, value: value))
            votes.open(slot)
            recordVote(slot, voter: id, outbox: &outbox)
        }
        if nextSlot >= recoveryEnd && !recovered.isEmpty { recovered = [:] }
    }

    private func batch(startingWith first: ClientRequest) -> MultiPaxos.SlotValue {
        if maxBatch == 1 || pending.isEmpty { return .one(first) }
        var requests = [first]
        requests.reserveCapacity(min(maxBatch, pending.count + 1))
        while requests.count < maxBatch, let next = pending.pop() { requests.append(next) }
        return .batch(requests)
    }

    /// Phase 2b arrived at the leader.
    func onAccepted(_ b: Ballot, slot: UInt64, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard role == .leader, b == ballot, slot >= firstUnchosenSlot, slot < nextSlot else { return }
        recordVote(slot, voter: sender, outbox: &outbox)
        proposeMore(outbox: &outbox)
    }

    /// Counts an acceptance (the leader's own included); at a majority under this ballot the slot is
    /// chosen (Paxos Made Simple §2.1).
    func recordVote(_ slot: UInt64, voter: NodeID, outbox: inout Outbox<Message>) {
        let i = durable.index(slot)
        guard !durable.log[i].chosen, let count = votes.record(slot, voter: voter), count >= majority else { return }
        durable.log[i].chosen = true
        disk.slotWritten(slot)
        if settings.commitMode == .explicit {
            outbox.broadcast(.commit(ballot: ballot, slot: slot))
        }
        applyChosenPrefix(outbox: &outbox)
    }

    /// A higher ballot refused ours: step down and back off.
    func onNack(promised: Ballot, rejected: Ballot, now: Instant, outbox: inout Outbox<Message>) {
        guard role != .follower, rejected == ballot, ballot < promised else { return }
        stepDown(to: promised, now: now, backoff: true, outbox: &outbox)
    }

    // MARK: Clients

    /// A follower redirects; a leader (or a candidate, which holds the request until phase 1 ends)
    /// answers a request its state machine already executed from the session table at once, ignores a
    /// retry it already has in flight under its ballot, and queues the rest for a slot.
    public func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>) {
        if role == .follower {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .redirect(hint: leaderHint)))
            return
        }
        if let result = stateMachine.cachedResult(client: request.client, sequence: request.sequence) {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
            return
        }
        if stateMachine.hasExecuted(request) { return }
        if let waiting = awaiting[request.client], waiting.sequence == request.sequence,
           waiting.ballot == ballot, !waiting.answered { return }
        awaiting[request.client] = Awaiting(sequence: request.sequence, ballot: ballot, answered: false)
        pending.push(request)
        if role == .leader { proposeMore(outbox: &outbox) }
    }
}
