import ConsensusCore

// MARK: - Log replication (Raft §5.3, §5.4.2)

extension Raft.Replica {
    /// Wins the election (§5.2): reinitialize nextIndex and matchIndex for every follower (§5.3),
    /// append this term's no-op so entries of earlier terms can commit through it and reads see
    /// everything committed before (§5.4.2, §8), and start heartbeats.
    func becomeLeader(now: Instant, outbox: inout Outbox<Message>) {
        role = .leader
        knownLeader = id
        outbox.cancelTimer(Raft.Timers.election)
        outbox.becameLeader(epoch: currentTerm)
        let next = log.lastIndex + 1
        for i in progress.indices { progress[i].reset(next: next) }
        // Requests a previous leader appended but did not commit are already in this log: remember
        // them so a client's retry is not appended a second time (§8).
        pending.removeAll(keepingCapacity: true)
        if commitIndex < log.lastIndex {
            for index in commitIndex + 1 ... log.lastIndex {
                let request = log[index].request
                if request.client != Raft.noopClient {
                    pending[RequestKey(request)] = PendingRequest(index: index, asked: false)
                }
            }
        }
        appendToLog(Raft.noopRequest(term: currentTerm), outbox: &outbox)
        outbox.setTimer(Raft.Timers.heartbeat, after: settings.heartbeatInterval)
        if settings.checkQuorum { outbox.setTimer(Raft.Timers.checkQuorum, after: settings.electionTimeoutMin) }
        for p in progress.indices where p != id.index { sendAppends(to: p, flush: true, outbox: &outbox) }
        advanceCommitIndex(outbox: &outbox)
    }

    /// Leaves leadership: stop the leader's timers and tell the clients waiting on this leader where to
    /// go (their entries may still commit under the next leader; a retry with the same request id is
    /// recognised there).
    func stopLeading(newLeader: NodeID?, outbox: inout Outbox<Message>) {
        outbox.cancelTimer(Raft.Timers.heartbeat)
        outbox.cancelTimer(Raft.Timers.checkQuorum)
        if batchTimerArmed {
            outbox.cancelTimer(Raft.Timers.batch)
            batchTimerArmed = false
        }
        // Walk the log, not the dictionary, so the replies leave in a deterministic order.
        if !pending.isEmpty && commitIndex < log.lastIndex {
            for index in commitIndex + 1 ... log.lastIndex {
                let request = log[index].request
                if let p = pending[RequestKey(request)], p.index == index, p.asked {
                    outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id,
                                             outcome: .redirect(hint: newLeader)))
                }
            }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The leader appends to its own log and makes it durable before sending it anywhere.
    func appendToLog(_ request: ClientRequest, outbox: inout Outbox<Message>) {
        log.append(Raft.Entry(term: currentTerm, request: request))
        outbox.persist()
    }

    // MARK: Sending

    /// Sends `peer` what its progress allows: one probe at a time, or as many AppendEntries as the
    /// in-flight window holds. With `batchDelay` > 0 a partial batch waits for the batch timer unless
    /// `flush` is set.
    func sendAppends(to peer: Int, flush: Bool, outbox: inout Outbox<Message>) {
        if progress[peer].next <= log.snapshotIndex {
            sendSnapshot(to: peer, outbox: &outbox)
            return
        }
        let holdPartial = settings.batchDelay.nanoseconds > 0 && !flush
        while true {
            switch progress[peer].claim(lastIndex: log.lastIndex, maxBatch: settings.maxBatch, holdPartial: holdPartial) {
            case .send(let from, let count):
                sendAppendEntries(to: peer, prevLogIndex: from - 1, entries: log.entries(from: from, maxCount: count), outbox: &outbox)
                if progress[peer].state == .probe { return }
            case .wait:
                armBatchTimer(outbox: &outbox)
                return
            case .none:
                return
            }
        }
    }

    /// One AppendEntries; the commit index rides along, so followers learn it without a message of its own.
    func sendAppendEntries(to peer: Int, prevLogIndex: UInt64, entries: Raft.Entries, outbox: inout Outbox<Message>) {
        guard let prevLogTerm = log.term(at: prevLogIndex) else {
            preconditionFailure("replica \(id): nextIndex \(prevLogIndex + 1) for \(peer) past the log's end \(log.lastIndex)")
        }
        outbox.send(.appendEntries(Raft.AppendEntries(term: currentTerm, prevLogIndex: prevLogIndex, prevLogTerm: prevLogTerm,
                                                      entries: entries, leaderCommit: commitIndex)), to: NodeID(peer))
    }

    /// Every heartbeat interval each follower gets an AppendEntries (§5.2): a resent probe while the
    /// leader is still finding where its log diverges, otherwise an empty one just past what was sent.
    /// The empty one also detects a lost message: if an AppendEntries never arrived, the follower
    /// rejects and the leader resends from where the follower's log ends.
    func heartbeatTimerFired(now: Instant, outbox: inout Outbox<Message>) {
        guard role == .leader else { return }
        for p in progress.indices where p != id.index {
            switch progress[p].state {
            case .probe:
                progress[p].probeSent = false
                sendAppends(to: p, flush: true, outbox: &outbox)
            case .replicate where progress[p].next <= log.snapshotIndex:
                sendAppends(to: p, flush: true, outbox: &outbox)  // what it needs is in the snapshot now
            case .replicate:
                sendAppendEntries(to: p, prevLogIndex: progress[p].next - 1, entries: .none, outbox: &outbox)
            }
        }
        outbox.setTimer(Raft.Timers.heartbeat, after: settings.heartbeatInterval)
    }

    func armBatchTimer(outbox: inout Outbox<Message>) {
        guard !batchTimerArmed else { return }
        batchTimerArmed = true
        outbox.setTimer(Raft.Timers.batch, after: settings.batchDelay)
    }

    func batchTimerFired(now: Instant, outbox: inout Outbox<Message>) {
        batchTimerArmed = false
        guard role == .leader else { return }
        for p in progress.indices where p != id.index { sendAppends(to: p, flush: true, outbox: &outbox) }
    }

    // MARK: Leader: answers

    func handleAppendEntriesResponse(_ r: Raft.AppendEntriesResponse, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        let p = sender.index
        switch r.outcome {
        case .success(let matchIndex):
            guard matchIndex <= log.lastIndex else { return }  // acknowledges what this leader never sent
            if progress[p].acknowledged(through: matchIndex) { advanceCommitIndex(outbox: &outbox) }
            if role == .leader { sendAppends(to: p, flush: false, outbox: &outbox) }

        case .rejected(let prevLogIndex, let conflictTerm, let conflictIndex):
            progress[p].recentActive = true
            // Answers to messages sent before the last reset say nothing about where to go now.
            switch progress[p].state {
            case .replicate: if prevLogIndex <= progress[p].match { return }
            case .probe: if prevLogIndex + 1 != progress[p].next { return }
            }
            // §5.3's shortcut: skip the follower's whole conflicting term. If this log has entries of
            // that term, the logs agree up to its last one here; otherwise skip to where the
            // follower's run of that term begins (or to its log's end).
            var next = conflictIndex
            if conflictTerm > 0, let last = log.lastIndex(ofTerm: conflictTerm, atOrBelow: prevLogIndex) { next = last + 1 }
            next = max(progress[p].match + 1, min(next, prevLogIndex))
            progress[p].becomeProbe(next: next)
            sendAppends(to: p, flush: true, outbox: &outbox)
        }
    }

    /// §5.3/§5.4.2: the commit index is the highest index a majority holds, but only an entry of the
    /// current term commits by counting replicas; earlier terms' entries commit with it (Figure 8).
    func advanceCommitIndex(outbox: inout Outbox<Message>) {
        // Insertion sort into the scratch buffer: n is small, the buffer is reused, nothing allocates.
        for i in matchScratch.indices {
            let value = i == id.index ? log.lastIndex : progress[i].match
            var j = i
            while j > 0 && matchScratch[j - 1] > value {
                matchScratch[j] = matchScratch[j - 1]
                j -= 1
            }
            matchScratch[j] = value
        }
        let candidate = matchScratch[cluster.replicaCount - cluster.majority]
        guard candidate > commitIndex, log.term(at: candidate) == currentTerm else { return }
        commitIndex = candidate
        applyCommitted(outbox: &outbox)
    }

    // MARK: Follower

    /// AppendEntries from the leader of the current term (§5.3, Figure 2's receiver implementation):
    /// the consistency check, truncation of a conflicting suffix, append, and the commit index.
    func handleAppendEntries(_ m: Raft.AppendEntries, from leader: NodeID, now: Instant, outbox: inout Outbox<Message>) {
        knownLeader = leader
        leaderContact = now
        electionClockStart = now
        let prev = m.prevLogIndex
        if log.isCompacted(prev) {
            // Committed entries, in this server's snapshot: they match the leader's (Leader Completeness),
            // so the logs agree through the snapshot, and the leader goes on from there.
            outbox.send(.appendEntriesResponse(Raft.AppendEntriesResponse(term: currentTerm, outcome: .success(matchIndex: log.snapshotIndex))),
                        to: leader)
            return
        }
        guard let localPrevTerm = log.term(at: prev) else {
            // The log is too short: say where it ends.
            reject(prevLogIndex: prev, conflictTerm: 0, conflictIndex: log.lastIndex + 1, to: leader, outbox: &outbox)
            return
        }
        if localPrevTerm != m.prevLogTerm, prev == log.snapshotIndex {
            // The snapshot's last entry is committed: a leader that disagrees with it lost committed
            // entries (or lies). Say so rather than take its log.
            outbox.unsafe("leader \(leader.rawValue) of term \(currentTerm) sent entries after index \(prev) of term \(m.prevLogTerm), which conflicts with this server's snapshot (term \(localPrevTerm) there)")
            return
        }
        if localPrevTerm != m.prevLogTerm {
            // Entries of the same term sit at the same indices on every server that has them, and
            // committed entries match the leader's, so the conflicting run starts after commitIndex.
            let first = log.firstIndex(ofTermAt: prev, floor: commitIndex + 1)
            reject(prevLogIndex: prev, conflictTerm: localPrevTerm, conflictIndex: first, to: leader, outbox: &outbox)
            return
        }
        var appended = false
        var index = prev
        for k in 0 ..< m.entries.count {
            index += 1
            let entry = m.entries[k]
            if let existing = log.term(at: index) {
                if existing == entry.term { continue }  // already have it (a duplicate or reordered message)
                guard index > commitIndex else {
                    // Leader Completeness rules this out; it happens only when committed entries were lost
                    // from a majority's disks. Overwriting a committed entry would hide it: say so instead.
                    // (Nothing was appended before it: an existing entry here means none were missing.)
                    outbox.unsafe("leader \(leader.rawValue) of term \(currentTerm) sent entry \(index) of term \(entry.term), which conflicts with the committed entry of term \(existing) there (commit \(commitIndex))")
                    return
                }
                truncateLog(after: index - 1)
            }
            log.append(entry)
            appended = true
        }
        if appended { outbox.persist() }
        let lastNew = prev + UInt64(m.entries.count)
        let commit = min(m.leaderCommit, lastNew)
        if commit > commitIndex {
            commitIndex = commit
            applyCommitted(outbox: &outbox)
        }
        outbox.send(.appendEntriesResponse(Raft.AppendEntriesResponse(term: currentTerm, outcome: .success(matchIndex: lastNew))), to: leader)
    }

    func reject(prevLogIndex: UInt64, conflictTerm: UInt64, conflictIndex: UInt64, to leader: NodeID, outbox: inout Outbox<Message>) {
        outbox.send(.appendEntriesResponse(Raft.AppendEntriesResponse(
            term: currentTerm, outcome: .rejected(prevLogIndex: prevLogIndex, conflictTerm: conflictTerm, conflictIndex: conflictIndex))),
            to: leader)
    }
}
