import ConsensusCore

// MARK: - Invariants (OSDI'99 §4.2–4.4), checked after every step in debug builds

extension PBFT.Replica {
    /// What the checks remember from one call to the next: the floors of what never decreases, and
    /// where the rotating check of the log's slots resumes.
    struct InvariantRecord {
        var view: UInt64 = 0
        var lastExecuted: UInt64 = 0
        var lowWaterMark: UInt64 = 0
        /// The next slot of the ring the rotating sample looks at.
        var cursor = 0
    }

    /// Slots of the ring (L of them) the rotating sample checks per call.
    static let invariantSampleSlots = 4

    /// Checks what a PBFT replica keeps true between any two steps:
    /// - the view, the last executed sequence number and the low water mark h never decrease;
    /// - h is a multiple of the checkpoint interval K, and the checkpoint state a restart would start
    ///   from is at or below h and at or below what was executed;
    /// - execution never runs past the high water mark h + L, nor does the primary's last assigned
    ///   sequence number, which is never below h; execution below h (the others made a later
    ///   checkpoint stable) always has a fetch timer armed to catch up;
    /// - an active view is the installed one, and the installed view is never above the current one;
    /// - per slot: it sits at its sequence number mod L, holds only a number between the water
    ///   marks and a view not above the current one; committed-local implies prepared, and a prepared
    ///   slot's certificate is its own pre-prepare: same view, digest and batch (§4.2's prepared
    ///   predicate). A certificate is never of a later view than the slot. The accepted pre-prepare's
    ///   digest is in Q with its view or a later one, and Q keeps at most its bound of digests.
    /// Each call costs O(1): a few slots of the ring are checked per call, going round.
    public func invariantViolation() -> String? {
        if let problem = firstInvariantProblem() {
            return "pbft replica \(id.rawValue) (view \(view)\(isViewActive ? "" : " changing"), installed \(installedView), "
                + "h \(lowWaterMark), H \(highWaterMark), executed \(lastExecuted), assigned \(lastAssigned), "
                + "checkpoint \(durableCheckpoint.sequence)): \(problem)"
        }
        return nil
    }

    private func firstInvariantProblem() -> String? {
        let record = invariantRecord
        if view < record.view { return "view went back from \(record.view)" }
        if lastExecuted < record.lastExecuted { return "last executed went back from \(record.lastExecuted)" }
        if lowWaterMark < record.lowWaterMark { return "low water mark went back from \(record.lowWaterMark)" }
        if lowWaterMark % interval != 0 { return "low water mark not a multiple of the checkpoint interval \(interval)" }
        if durableCheckpoint.sequence > lowWaterMark || durableCheckpoint.sequence > lastExecuted {
            return "durable checkpoint above the low water mark or what was executed"
        }
        if lastExecuted < lowWaterMark, !fetchTimer.armed { return "behind the stable checkpoint with no fetch timer armed" }
        if lastAssigned < lowWaterMark || lastAssigned > highWaterMark { return "last assigned outside [h, H]" }
        if installedView > view { return "installed view above the current view" }
        if isViewActive, installedView != view { return "view active but not installed" }
        for _ in 0 ..< min(Self.invariantSampleSlots, slots.count) {
            if invariantRecord.cursor >= slots.count { invariantRecord.cursor = 0 }
            let i = invariantRecord.cursor
            invariantRecord.cursor += 1
            if let problem = slotProblem(i) { return problem }
        }
        invariantRecord.view = view
        invariantRecord.lastExecuted = lastExecuted
        invariantRecord.lowWaterMark = lowWaterMark
        return nil
    }

    private func slotProblem(_ i: Int) -> String? {
        let slot = slots[i]  // one copy, not one per field read (debug builds copy on every subscript)
        let sequence = slot.sequence
        if sequence == 0 {
            if slot.hasPrePrepare || slot.prepared || slot.committed || slot.hasCertificate {
                return "slot \(i) holds agreement for no sequence number"
            }
            return nil
        }
        if slotIndex(sequence) != i { return "sequence number \(sequence) in slot \(i), not \(slotIndex(sequence))" }
        if !inWindow(sequence) { return "slot for \(sequence) outside the water marks" }
        if slot.view > view { return "slot for \(sequence) in view \(slot.view), above the current view" }
        if slot.committed && !slot.prepared { return "\(sequence) committed-local but not prepared" }
        if slot.prepared {
            if !slot.hasPrePrepare { return "\(sequence) prepared without a pre-prepare" }
            if !slot.hasCertificate || slot.certificateView != slot.view || slot.certificateDigest != slot.digest
                || slot.certificateRequests != slot.requests {
                return "\(sequence) prepared in view \(slot.view) but its certificate (view \(slot.certificateView)) is not its pre-prepare"
            }
        }
        if slot.hasCertificate, slot.certificateView > slot.view {
            return "\(sequence) holds a certificate of view \(slot.certificateView), later than the slot's view \(slot.view)"
        }
        // What pre-prepared here is in Q, which a VIEW-CHANGE reports (TOCS 2002 §4.5.1).
        if slot.hasPrePrepare, !slot.prePrepared.contains(where: { $0.digest == slot.digest && $0.view >= slot.view }) {
            return "\(sequence) pre-prepared \(slot.digest.short) in view \(slot.view), but Q does not say so"
        }
        if slot.prePrepared.count > PBFT.prePreparedDigestsKept { return "\(sequence) keeps \(slot.prePrepared.count) digests in Q" }
        return nil
    }
}
