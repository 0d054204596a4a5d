import ConsensusCore

// MARK: - Invariants (Paxos Made Simple §2–3; PMMC), checked after every step in debug builds

extension MultiPaxos.Replica {
    /// What the checks remember from one call to the next: the promise last seen, and a copy of every
    /// value in the applied prefix, to hold the log's chosen slots to them. The copy grows by the slots
    /// applied since the previous call (amortised O(1) per slot); the log is compared against it a few
    /// slots per call, going round, so no call scans the whole log.
    struct InvariantRecord {
        var promised: MultiPaxos.Ballot = .zero
        var applied: [MultiPaxos.SlotValue] = []
        /// The next slot the rotating sample looks at.
        var cursor = 0
    }

    /// Slots of the log the rotating sample checks per call.
    static let invariantSampleSlots = 4

    /// Checks what a Multi-Paxos replica keeps true between any two steps:
    /// - a chosen value is never overwritten: every slot below the apply point is chosen and holds the
    ///   value that was applied there;
    /// - the apply point never moves back, never passes the log's end, and stops only at a slot not
    ///   yet chosen; positions keep up with slots (each applied slot takes at least one);
    /// - the acceptor's promise never decreases, and no accepted ballot is above it; an empty slot has
    ///   no ballot and is not chosen;
    /// - a candidate or leader runs a ballot it owns (`(round − 1) mod n` is its id) and not above its
    ///   own promise; a leader keeps at most `maxInflight` slots in flight.
    /// Each call costs O(1) plus the slots applied since the previous one.
    public func invariantViolation() -> String? {
        if let problem = firstInvariantProblem() {
            return "multipaxos replica \(id.rawValue) (\(role), ballot \(ballot), promised \(durable.promised), "
                + "first unchosen slot \(firstUnchosenSlot), log of \(durable.log.count) slots): \(problem)"
        }
        return nil
    }

    private func firstInvariantProblem() -> String? {
        let logCount = UInt64(durable.log.count)
        let promised = durable.promised
        if firstUnchosenSlot > logCount { return "apply point past the log's end" }
        if firstUnchosenSlot < UInt64(invariantRecord.applied.count) {
            return "apply point went back from \(invariantRecord.applied.count)"
        }
        if nextPosition < firstUnchosenSlot { return "next position \(nextPosition) below the apply point" }
        if firstUnchosenSlot < logCount, durable.log[Int(firstUnchosenSlot)].chosen, durable.log[Int(firstUnchosenSlot)].value != nil {
            return "the chosen slot at the apply point was left unapplied"
        }
        if promised < invariantRecord.promised { return "promise went back from \(invariantRecord.promised)" }
        if role != .follower {
            let n = UInt64(cluster.replicaCount)
            if ballot.node != id || ballot.round == 0 || (ballot.round - 1) % n != UInt64(id.index) {
                return "a \(role) running a ballot it does not own"
            }
            if ballot > promised { return "a \(role) whose ballot is above its own promise" }
        }
        if role == .leader, nextSlot > firstUnchosenSlot, nextSlot - firstUnchosenSlot > maxInflight {
            return "\(nextSlot - firstUnchosenSlot) slots in flight, more than \(maxInflight)"
        }
        // The newly applied slots join the record.
        var slot = invariantRecord.applied.count
        while slot < Int(firstUnchosenSlot) {
            guard durable.log[slot].chosen, let value = durable.log[slot].value else {
                return "slot \(slot) below the apply point is not chosen with a value"
            }
            invariantRecord.applied.append(value)
            slot += 1
        }
        // A few slots of the log, going round.
        if !durable.log.isEmpty {
            for _ in 0 ..< min(Self.invariantSampleSlots, durable.log.count) {
                if invariantRecord.cursor >= durable.log.count { invariantRecord.cursor = 0 }
                let s = invariantRecord.cursor
                invariantRecord.cursor += 1
                let entry = durable.log[s]
                if entry.ballot > promised { return "slot \(s) accepted under \(entry.ballot), above the promise" }
                if entry.value == nil && (entry.ballot != .zero || entry.chosen) {
                    return "empty slot \(s) has ballot \(entry.ballot)\(entry.chosen ? " and is marked chosen" : "")"
                }
                if s < invariantRecord.applied.count {
                    if !entry.chosen { return "applied slot \(s) is no longer marked chosen" }
                    if entry.value != invariantRecord.applied[s] {
                        return "chosen slot \(s) was overwritten: applied \(invariantRecord.applied[s]), now holds \(entry.value.map { "\($0)" } ?? "nothing")"
                    }
                }
            }
        }
        invariantRecord.promised = promised
        return nil
    }
}
