import ConsensusCore

// MARK: - Learner: learning chosen slots, applying them in order, catching up (PMMC's Replica)

extension MultiPaxos.Replica {
    /// Every slot below `chosenUpTo` is chosen (the leader of `b` says so). A slot this replica accepted
    /// under `b` holds the value chosen there: the leader proposed one value per slot under `b`, and
    /// the slots it knew chosen before leading it never proposed under `b` at all. Stops at the first
    /// slot it cannot vouch for; catch-up fills that one.
    func learn(chosenUpTo: UInt64, ballot b: Ballot, outbox: inout Outbox<Message>) {
        if chosenUpTo > knownChosenUpTo { knownChosenUpTo = chosenUpTo }
        var slot = firstUnchosenSlot
        let end = min(chosenUpTo, durable.logEnd)
        while slot < end {
            let i = durable.index(slot)
            if !durable.log[i].chosen {
                guard durable.log[i].ballot == b, durable.log[i].value != nil else { break }
                durable.log[i].chosen = true
                disk.slotWritten(slot)
            }
            slot += 1
        }
        applyChosenPrefix(outbox: &outbox)
    }

    /// Explicit commit: `slot` was chosen with the value proposed under `b`.
    func onCommit(_ b: Ballot, slot: UInt64, now: Instant, outbox: inout Outbox<Message>) {
        if b >= durable.promised { acknowledgeLeader(b, now: now, outbox: &outbox) }
        guard slot >= firstUnchosenSlot, slot < firstUnchosenSlot + Self.slotLeadLimit else { return }
        if slot < durable.logEnd {
            let i = durable.index(slot)
            if durable.log[i].ballot == b, durable.log[i].value != nil {
                durable.log[i].chosen = true
                disk.slotWritten(slot)
                applyChosenPrefix(outbox: &outbox)
                return
            }
        }
        // Chosen, but not with anything we hold: the next heartbeat's lag check fetches it.
        if slot + 1 > knownChosenUpTo { knownChosenUpTo = slot + 1 }
    }

    /// Applies every chosen slot at the front of the log, strictly in slot order (never a slot before
    /// all lower ones), lets the leader answer the clients waiting on them, and compacts the log when
    /// a snapshot is due.
    func applyChosenPrefix(outbox: inout Outbox<Message>) {
        while firstUnchosenSlot < durable.logEnd {
            let i = durable.index(firstUnchosenSlot)
            guard durable.log[i].chosen, let value = durable.log[i].value else { break }
            firstUnchosenSlot += 1
            switch value {
            case .one(let request):
                apply(request, outbox: &outbox)
            case .batch(let requests):
                for request in requests { apply(request, outbox: &outbox) }
            }
        }
        snapshotIfDue(outbox: &outbox)
    }

    /// Applies one request at the next position. A no-op (a hole a new leader filled, PMMC §3) only
    /// takes its position: nothing executes, nobody waits on it, and it is reported as executed, as
    /// Raft reports its leader's no-op and PBFT its null request.
    private func apply(_ request: ClientRequest, outbox: inout Outbox<Message>) {
        if case .noop = request.command {
            outbox.applied(position: nextPosition, request: request, executed: true)
            nextPosition += 1
            return
        }
        let executedBefore = stateMachine.executedCount
        let result = stateMachine.apply(request)
        outbox.applied(position: nextPosition, request: request, executed: stateMachine.executedCount != executedBefore)
        nextPosition += 1
        guard role == .leader, let result, let waiting = awaiting[request.client],
              waiting.sequence == request.sequence, !waiting.answered else { return }
        awaiting[request.client] = Awaiting(sequence: waiting.sequence, ballot: waiting.ballot, answered: true)
        outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
    }

    /// After a restart: the state machine is volatile, so it is rebuilt from the persisted snapshot by
    /// applying the persisted chosen prefix after it again (reported again, so the shell re-checks
    /// agreement on it).
    func rebuildStateMachine(outbox: inout Outbox<Message>) {
        resumeFromSnapshot(outbox: &outbox)
        knownChosenUpTo = firstUnchosenSlot
    }

    /// The state machine becomes the durable snapshot, and the chosen slots after it apply on top.
    func resumeFromSnapshot(outbox: inout Outbox<Message>) {
        stateMachine = durable.snapshot
        firstUnchosenSlot = durable.logStart
        nextPosition = durable.snapshotPosition
        applyChosenPrefix(outbox: &outbox)
    }

    // MARK: Catch-up

    /// A follower still short of the chosen-up-to index of the previous heartbeat (or far short of this
    /// one) missed an Accept or a commit: it asks the leader for the chosen values. A gap of less than
    /// one heartbeat is left alone, since Accepts overtaken on the wire arrive on their own.
    func checkLag(chosenUpTo: UInt64, leader: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        defer { lagMark = chosenUpTo }
        guard firstUnchosenSlot < chosenUpTo, now >= catchUpAllowedAt else { return }
        if firstUnchosenSlot < lagMark || chosenUpTo - firstUnchosenSlot > maxInflight {
            requestCatchUp(from: leader, now: now, outbox: &outbox)
        }
    }

    func requestCatchUp(from peer: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        outbox.send(.catchUpRequest(fromSlot: firstUnchosenSlot), to: peer)
        catchUpAllowedAt = now + settings.heartbeatInterval * 2
    }

    /// Any replica answers with the chosen values it has from `fromSlot` on, one chunk at a time, or
    /// with its snapshot when it compacted slots the asker lacks (the asker then asks on from there).
    func onCatchUpRequest(fromSlot: UInt64, from sender: NodeID, outbox: inout Outbox<Message>) {
        if fromSlot < durable.logStart {
            outbox.send(.catchUpSnapshot(MultiPaxos.CatchUpSnapshot(
                logStart: durable.logStart, position: durable.snapshotPosition, state: durable.snapshot,
                chosenUpTo: firstUnchosenSlot)), to: sender)
            return
        }
        var values: [MultiPaxos.SlotValue] = []
        var slot = fromSlot
        var bytes = 0
        while slot < firstUnchosenSlot && values.count < settings.catchUpChunk && bytes < Self.catchUpByteLimit {
            guard let value = durable.log[durable.index(slot)].value else { break }
            values.append(value)
            bytes += value.encodedSize
            slot += 1
        }
        outbox.send(.catchUp(firstSlot: fromSlot, values: values, chosenUpTo: firstUnchosenSlot), to: sender)
    }

    /// Chosen values arrived: take them as chosen (replacing whatever the acceptor held there), apply,
    /// and ask for the next chunk while still behind (one request outstanding at a time).
    func onCatchUp(firstSlot: UInt64, values: [MultiPaxos.SlotValue], chosenUpTo: UInt64,
                   from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        guard firstSlot < firstUnchosenSlot + Self.slotLeadLimit, UInt64(values.count) <= Self.slotLeadLimit else { return }
        var changed = false
        for (k, value) in values.enumerated() {
            let slot = firstSlot + UInt64(k)
            if slot < firstUnchosenSlot { continue }
            let i = ensureLog(slot)
            if !durable.log[i].chosen {
                durable.log[i].value = value
                durable.log[i].chosen = true
                disk.slotWritten(slot)
                changed = true
            }
        }
        if changed { outbox.persist() }
        if chosenUpTo > knownChosenUpTo { knownChosenUpTo = chosenUpTo }
        applyChosenPrefix(outbox: &outbox)
        continueCatchUp(afterNews: changed, senderChosenUpTo: chosenUpTo, from: sender, now: now, outbox: &outbox)
    }

    /// After a CatchUp or CatchUpSnapshot: ask the sender for the next chunk while still behind it, and
    /// let a candidate waiting on these slots lead. The chain goes on only on news: a duplicated or
    /// stale answer must not fork a second chain.
    func continueCatchUp(afterNews news: Bool, senderChosenUpTo: UInt64, from sender: NodeID, now: Instant,
                         outbox: inout Outbox<Message>) {
        if news && firstUnchosenSlot < knownChosenUpTo && firstUnchosenSlot < senderChosenUpTo {
            requestCatchUp(from: sender, now: now, outbox: &outbox)
        } else {
            catchUpAllowedAt = now
        }
        if role == .candidate { tryFinishPhase1(now: now, outbox: &outbox) }
    }
}
