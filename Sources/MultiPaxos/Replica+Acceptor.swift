import ConsensusCore

// MARK: - Acceptor: phase 1b and phase 2b (Paxos Made Simple §2.2, §3; PMMC's Acceptor)

extension MultiPaxos.Replica {

    /// Phase 1b. An acceptor promises never again to accept anything below `b` and reports what it
    /// accepted from `max(fromSlot, its first unchosen slot)` on. Below its promise it refuses with a
    /// Nack naming the promise, so the proposer learns how high it must go.
    func onPrepare(_ b: Ballot, fromSlot: UInt64, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        if b < durable.promised {
            outbox.send(.nack(promised: durable.promised, rejected: b), to: sender)
            return
        }
        if b > durable.promised {
            durable.promised = b
            outbox.persist()
        }
        if role != .follower && ballot < b {
            stepDown(to: b, now: now, backoff: true, outbox: &outbox)
        } else if role == .follower {
            // A candidate is at work: give it an election timeout before suspecting anyone.
            leaderHint = b.node
            lastLeaderContact = now
        }
        outbox.send(.promise(ballot: b, chosenUpTo: firstUnchosenSlot, accepted: acceptedEntries(from: max(fromSlot, firstUnchosenSlot))), to: sender)
    }

    /// The promise's report: every slot from `from` on that holds a value.
    func acceptedEntries(from start: UInt64) -> [MultiPaxos.PromiseEntry] {
        var entries: [MultiPaxos.PromiseEntry] = []
        var slot = start
        while slot < durable.logEnd {
            let s = durable.log[durable.index(slot)]
            if let value = s.value {
                entries.append(MultiPaxos.PromiseEntry(slot: slot, ballot: s.ballot, chosen: s.chosen, value: value))
            }
            slot += 1
        }
        return entries
    }

    /// Phase 2b. Accept unless promised higher; persist before answering. The Accept also carries the
    /// leader's chosen-up-to index (the piggybacked commit) and proves the leader alive.
    func onAccept(_ b: Ballot, slot: UInt64, chosenUpTo: UInt64, value: MultiPaxos.SlotValue,
                  from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        if b < durable.promised {
            outbox.send(.nack(promised: durable.promised, rejected: b), to: sender)
            return
        }
        guard slot < firstUnchosenSlot + Self.slotLeadLimit else { return }
        var changed = false
        if b > durable.promised {
            durable.promised = b
            changed = true
        }
        acknowledgeLeader(b, now: now, outbox: &outbox)
        // A slot known chosen keeps its value: any correct proposal for it carries that same value (and
        // a compacted slot is chosen, its value in the snapshot).
        if slot >= durable.logStart {
            let i = ensureLog(slot)
            if !durable.log[i].chosen && (durable.log[i].ballot != b || durable.log[i].value == nil) {
                durable.log[i] = MultiPaxos.LogSlot(ballot: b, value: value, chosen: false)
                disk.slotWritten(slot)
                disk.unwrittenAcceptances += 1
                changed = true
            }
        }
        if changed { outbox.persist() }
        outbox.send(.accepted(ballot: b, slot: slot), to: sender)
        answeredLeaderSinceHeartbeat = true
        learn(chosenUpTo: chosenUpTo, ballot: b, outbox: &outbox)
    }

    /// A message from the leader of ballot `b` (at least our promise) arrived: a candidate or leader
    /// below it steps down, and the failure detector hears from the leader.
    func acknowledgeLeader(_ b: Ballot, now: Instant, outbox: inout Outbox<Message>) {
        if role != .follower && ballot < b {
            stepDown(to: b, now: now, backoff: false, outbox: &outbox)
        }
        leaderHint = b.node
        lastLeaderContact = now
    }
}
