import ConsensusCore

// MARK: - Invariants (Paxos Made Simple §2–3; PMMC), checked after every step in debug builds

extension MultiPaxos.Replica {
    /// What the checks remember from one call to the next: the promise last seen, the apply point, and
    /// a copy of every value in the applied part of the log (from `appliedBase`, the log start when it
    /// was last seen), to hold the log's chosen slots to them. The copy grows by the slots applied since
    /// the previous call and drops what compaction dropped (amortised O(1) per slot); the log is
    /// compared against it a few slots per call, going round, so no call scans the whole log.
    struct InvariantRecord {
        var promised: MultiPaxos.Ballot = .zero
        var appliedThrough: UInt64 = 0
        var appliedBase: UInt64 = 0
        var applied: [MultiPaxos.SlotValue] = []
        /// The next index of the log the rotating sample looks at.
        var cursor = 0
    }

    /// Slots of the log the rotating sample checks per call.
    static let invariantSampleSlots = 4

    /// Checks what a Multi-Paxos replica keeps true between any two steps:
    /// - a chosen value is never overwritten: every slot of the log below the apply point is chosen
    ///   and holds the value that was applied there;
    /// - the apply point never moves back, never passes the log's end or falls below its start, and
    ///   stops only at a slot not yet chosen; positions keep up with slots (each applied slot takes at
    ///   least one), and the snapshot's position with its slot;
    /// - the acceptor's promise never decreases, and no accepted ballot is above it; an empty slot has
    ///   no ballot and is not chosen;
    /// - a candidate or leader runs a ballot it owns (`(round − 1) mod n` is its id) and not above its
    ///   own promise; a leader keeps at most `maxInflight` slots in flight.
    /// Each call costs O(1) plus the slots applied since the previous one.
    public func invariantViolation() -> String? {
        if let problem = firstInvariantProblem() {
            return "multipaxos replica \(id.rawValue) (\(role), ballot \(ballot), promised \(durable.promised), "
                + "first unchosen slot \(firstUnchosenSlot), log of slots \(durable.logStart)..<\(durable.logEnd)): \(problem)"
        }
        return nil
    }

    private func firstInvariantProblem() -> String? {
        let promised = durable.promised
        let logStart = durable.logStart
        if firstUnchosenSlot > durable.logEnd { return "apply point past the log's end" }
        if firstUnchosenSlot < logStart { return "apply point below the log's start" }
        if firstUnchosenSlot < invariantRecord.appliedThrough {
            return "apply point went back from \(invariantRecord.appliedThrough)"
        }
        if nextPosition < firstUnchosenSlot { return "next position \(nextPosition) below the apply point" }
        if durable.snapshotPosition < logStart { return "snapshot position \(durable.snapshotPosition) below its slot \(logStart)" }
        if let s = held(firstUnchosenSlot), s.chosen, s.value != nil {
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
        // What compaction (or a snapshot caught up) dropped leaves the record too.
        if logStart > invariantRecord.appliedBase {
            let dropped = min(Int(logStart - invariantRecord.appliedBase), invariantRecord.applied.count)
            invariantRecord.applied.removeFirst(dropped)
            invariantRecord.appliedBase = logStart
            invariantRecord.appliedThrough = max(invariantRecord.appliedThrough, logStart)
        }
        // The newly applied slots join the record.
        var slot = invariantRecord.appliedThrough
        while slot < firstUnchosenSlot {
            let entry = durable.log[durable.index(slot)]
            guard entry.chosen, let value = entry.value else {
                return "slot \(slot) below the apply point is not chosen with a value"
            }
            invariantRecord.applied.append(value)
            slot += 1
        }
        invariantRecord.appliedThrough = firstUnchosenSlot
        // A few slots of the log, going round.
        if !durable.log.isEmpty {
            for _ in 0 ..< min(Self.invariantSampleSlots, durable.log.count) {
                if invariantRecord.cursor >= durable.log.count { invariantRecord.cursor = 0 }
                let i = invariantRecord.cursor
                invariantRecord.cursor += 1
                let entry = durable.log[i]
                let s = logStart + UInt64(i)
                if entry.ballot > promised { return "slot \(s) accepted under \(entry.ballot), above the promise" }
                if entry.value == nil && (entry.ballot != .zero || entry.chosen) {
                    return "empty slot \(s) has ballot \(entry.ballot)\(entry.chosen ? " and is marked chosen" : "")"
                }
                if s < invariantRecord.appliedThrough {
                    if !entry.chosen { return "applied slot \(s) is no longer marked chosen" }
                    let recorded = invariantRecord.applied[Int(s - invariantRecord.appliedBase)]
                    if entry.value != recorded {
                        return "chosen slot \(s) was overwritten: applied \(recorded), now holds \(entry.value.map { "\($0)" } ?? "nothing")"
                    }
                }
            }
        }
        invariantRecord.promised = promised
        return nil
    }
}
