import ConsensusCore

// MARK: - Invariants (Raft §5, Figure 3), checked after every step in debug builds

extension Raft.Replica {
    /// What the checks remember from one call to the next, so that each call looks only at what the
    /// step changed: the term and vote last seen, the commit index, and how far the log's terms were
    /// already found non-decreasing.
    struct InvariantRecord {
        var term: UInt64 = 0
        var vote: NodeID?
        var commitIndex: UInt64 = 0
        /// Entries 1 … `committed.index` were checked and are committed, so they never change (the
        /// follower's precondition in `handleAppendEntries` refuses to truncate them).
        var committed: (index: UInt64, term: UInt64) = (0, 0)
        /// Entries 1 … `tail.index` were checked as of the last call; if the entry there still has the
        /// same term, the log up to it is the same (Log Matching, §5.3) and only what follows is new.
        var tail: (index: UInt64, term: UInt64) = (0, 0)
    }

    /// Checks what Raft keeps true between any two steps:
    /// - commitIndex ≤ last log index, lastApplied ≤ commitIndex, and commitIndex never decreases;
    /// - terms never decrease, and a server votes at most once per term (Election Safety rests on it);
    ///   a candidate or leader has voted for itself;
    /// - log terms never decrease along the log, and none exceeds the current term; committed entries
    ///   never change (or are compacted into the snapshot, §7);
    /// - a leader knows itself as leader, its last entry is of its own term (its no-op at least, §8),
    ///   and for every follower matchIndex < nextIndex ≤ last index + 1;
    /// - only a leader holds pending client requests or a batch timer.
    /// Each call costs O(n) plus the entries appended since the previous one.
    public func invariantViolation() -> String? {
        if let problem = firstInvariantProblem() {
            return "raft replica \(id.rawValue) (\(role), term \(currentTerm), voted for \(votedFor.map { "\($0.rawValue)" } ?? "none"), "
                + "log ends \(log.lastIndex)/\(log.lastTerm), commit \(commitIndex), applied \(lastApplied)): \(problem)"
        }
        return nil
    }

    private func firstInvariantProblem() -> String? {
        let lastIndex = log.lastIndex
        if commitIndex > lastIndex { return "commitIndex \(commitIndex) past the last log index \(lastIndex)" }
        if lastApplied > commitIndex { return "lastApplied \(lastApplied) past commitIndex \(commitIndex)" }
        if commitIndex < invariantRecord.commitIndex {
            return "commitIndex went back from \(invariantRecord.commitIndex) to \(commitIndex)"
        }
        if currentTerm < invariantRecord.term { return "term went back from \(invariantRecord.term) to \(currentTerm)" }
        if currentTerm == invariantRecord.term, let earlier = invariantRecord.vote, votedFor != earlier {
            return "voted twice in term \(currentTerm): for \(earlier.rawValue), now \(votedFor.map { "\($0.rawValue)" } ?? "none")"
        }
        if role == .candidate || role == .leader, votedFor != id { return "a \(role) that did not vote for itself" }
        if log.lastTerm > currentTerm { return "last entry of term \(log.lastTerm) above the current term" }
        if let problem = logTermsProblem() { return problem }
        if role == .leader {
            if knownLeader != id { return "a leader that names \(knownLeader.map { "\($0.rawValue)" } ?? "no one") as leader" }
            if log.lastTerm != currentTerm { return "a leader whose last entry is of term \(log.lastTerm), not its own" }
            for p in progress.indices where p != id.index {
                let next = progress[p].next, match = progress[p].match
                if match > lastIndex { return "matchIndex \(match) of \(p) past the last index \(lastIndex)" }
                if next <= match || next > lastIndex + 1 {
                    return "nextIndex \(next) of \(p) outside matchIndex+1 … last index+1 (\(match + 1) … \(lastIndex + 1))"
                }
            }
        } else {
            if !pending.isEmpty { return "a \(role) holding \(pending.count) pending client requests" }
            if batchTimerArmed { return "a \(role) with the batch timer armed" }
        }
        if votesGranted + votesDenied > cluster.replicaCount {
            return "\(votesGranted) votes granted and \(votesDenied) denied in a cluster of \(cluster.replicaCount)"
        }
        invariantRecord.term = currentTerm
        invariantRecord.vote = votedFor
        invariantRecord.commitIndex = commitIndex
        return nil
    }

    /// Log terms never decrease, checking only what is new since the previous call.
    private func logTermsProblem() -> String? {
        let lastIndex = log.lastIndex
        let committed = invariantRecord.committed
        if committed.index > lastIndex { return "committed entry \(committed.index) is gone (the log ends at \(lastIndex))" }
        // (An entry the snapshot compacted away was committed, and the snapshot holds it.)
        if !log.isCompacted(committed.index), log.term(at: committed.index) != committed.term {
            return "committed entry \(committed.index) changed term from \(committed.term) to \(log.term(at: committed.index) ?? 0)"
        }
        let tail = invariantRecord.tail
        var i = tail.index <= lastIndex && log.term(at: tail.index) == tail.term ? tail.index : committed.index
        i = max(i, log.snapshotIndex)
        var previous = log.term(at: i) ?? 0
        while i < lastIndex {
            i += 1
            let term = log[i].term
            if term < previous { return "entry \(i) of term \(term) follows one of term \(previous)" }
            previous = term
        }
        invariantRecord.tail = (lastIndex, log.lastTerm)
        invariantRecord.committed = (commitIndex, log.term(at: commitIndex) ?? 0)
        return nil
    }
}
