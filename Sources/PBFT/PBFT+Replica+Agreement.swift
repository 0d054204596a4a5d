import ConsensusCore

// The normal case (§4.2): PRE-PREPARE → PREPARE → COMMIT, then execution in sequence-number order.
// A message is checked in this order: sender and view (cheap), water marks, then its authenticator,
// then what it says. Messages of a later view wait until its NEW-VIEW.

extension PBFT.Replica {
    /// A backup accepts PRE-PREPARE(v, n, d, m) if it is in view v, the authenticator is the primary's,
    /// d is the digest of m, n is between the water marks, and it has not accepted a pre-prepare for
    /// (v, n) with another digest (§4.2). Then it multicasts PREPARE.
    func receivePrePrepare(_ m: PBFT.PrePrepare, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.primary == sender, sender == primary(of: m.view), m.view >= view else { return }
        if m.view > view || !isViewActive {
            holdForLaterView(m.view, .prePrepare(m), from: sender, outbox: &outbox)
            return
        }
        guard inWindow(m.sequence) else {
            // The primary is past our window: we have fallen behind (or it lies; fetching costs little).
            if m.sequence > highWaterMark, m.sequence > primaryAhead,
               keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) {
                primaryAhead = m.sequence
                noteBehind(outbox: &outbox)
            }
            return
        }
        guard keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) else {
            reject(Message.Kind.prePrepare, outbox: &outbox)
            return
        }
        outbox.cryptoWork.digestsComputed += 1
        guard PBFT.digest(of: m.requests, scratch: &scratch) == m.digest else {
            reject(Message.Kind.prePrepare, outbox: &outbox)
            return
        }
        let i = prepareSlot(m.sequence)
        // One pre-prepare per (v, n): a second one (another digest from a faulty primary, or a copy)
        // is not accepted.
        guard !slots[i].hasPrePrepare else { return }
        // Every client request in the batch must carry its client's proof for this backup: the primary
        // orders requests, it cannot make them (§4.1-4.2; null requests have no client).
        for request in m.requests where request.client != PBFT.nullClient {
            guard keys.verifyRequest(request, work: &outbox.cryptoWork) else {
                reject(Message.Kind.prePrepare, outbox: &outbox)
                return
            }
        }
        acceptPrePrepare(slot: i, digest: m.digest, requests: m.requests, authenticator: m.authenticator, outbox: &outbox)
    }

    /// Enters the pre-prepare in the log, counts the votes that arrived before it, and (at a backup)
    /// multicasts PREPARE(v, n, d, i).
    func acceptPrePrepare(slot i: Int, digest: PBFT.Digest, requests: [ClientRequest], authenticator: PBFT.Authenticator,
                          outbox: inout Outbox<Message>, announce: PBFT.PrePrepare? = nil) {
        slots[i].hasPrePrepare = true
        slots[i].digest = digest
        slots[i].requests = requests
        slots[i].prePrepareAuthenticator = authenticator
        slots[i].notePrePrepared(digest, view: view)
        if slots[i].sequence > highestAccepted { highestAccepted = slots[i].sequence }
        if slots[i].sequence > lastExecuted { noteInFlight(outbox: &outbox) }
        let primary = primary(of: view)
        if !slots[i].early.isEmpty {
            for vote in slots[i].early where vote.digest == digest {
                if vote.isCommit {
                    slots[i].commitCount += 1
                } else if vote.replica != primary {
                    slots[i].prepareCount += 1
                }
            }
            slots[i].early.removeAll(keepingCapacity: true)
        }
        let prepareNow = primary != id && !slots[i].sentPrepare
        if prepareNow { slots[i].sentPrepare = true }
        persist(slot: i, outbox: &outbox)
        if let announce { outbox.broadcast(.prePrepare(announce)) }
        if prepareNow {
            var prepare = PBFT.Prepare(view: view, sequence: slots[i].sequence, digest: digest, replica: id, authenticator: .none)
            prepare.authenticator = keys.authenticate(prepare.block, .multicast, work: &outbox.cryptoWork)
            outbox.broadcast(.prepare(prepare))
            if slots[i].prepareSenders.insert(id) { slots[i].prepareCount += 1 }
        }
        checkPrepared(slot: i, outbox: &outbox)
    }

    /// PREPARE(v, n, d, j) from a backup j; the primary sends none (§4.2).
    func receivePrepare(_ m: PBFT.Prepare, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender, m.view >= view else { return }
        if m.view > view || !isViewActive {
            holdForLaterView(m.view, .prepare(m), from: sender, outbox: &outbox)
            return
        }
        guard inWindow(m.sequence), sender != primary(of: m.view),
              let i = admitVote(m, from: sender, outbox: &outbox) else { return }
        slots[i].prepareCount += 1
        checkPrepared(slot: i, outbox: &outbox)
    }

    /// prepared(m, v, n, i): the pre-prepare and 2f matching prepares from distinct backups (§4.2).
    /// The replica multicasts COMMIT(v, n, d, i).
    func checkPrepared(slot i: Int, outbox: inout Outbox<Message>) {
        guard slots[i].hasPrePrepare, !slots[i].prepared, slots[i].prepareCount >= 2 * f else { return }
        slots[i].prepared = true
        slots[i].recordCertificate()
        persist(slot: i, outbox: &outbox)
        outbox.broadcast(.commit(ownVote(slot: i, work: &outbox.cryptoWork)))
        if slots[i].commitSenders.insert(id) { slots[i].commitCount += 1 }
        checkCommitted(slot: i, outbox: &outbox)
    }

    func receiveCommit(_ m: PBFT.Commit, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender else { return }
        guard m.view >= view else {
            // The others are still agreeing in a view this replica left (it moved on alone): if they
            // commit beyond what it executed, it has to fetch what they execute.
            if m.sequence > lastExecuted, m.sequence > commitsInEarlierViews[sender.index] {
                commitsInEarlierViews[sender.index] = m.sequence
                if othersCommittingAhead >= f + 1 { noteBehind(outbox: &outbox) }
            }
            return
        }
        if m.view > view || !isViewActive {
            holdForLaterView(m.view, .commit(m), from: sender, outbox: &outbox)
            return
        }
        guard inWindow(m.sequence), let i = admitVote(m, from: sender, outbox: &outbox) else { return }
        slots[i].commitCount += 1
        checkCommitted(slot: i, outbox: &outbox)
    }

    /// What a PREPARE and a COMMIT of this view, inside the window, go through before they count: the
    /// MAC check, one vote per sender, and a match with the slot's pre-prepare. Returns the slot to
    /// count the vote in, or nil when the vote ends here (late, forged, a retransmission to answer,
    /// held until its pre-prepare arrives, or for another digest).
    func admitVote<Phase>(_ m: PBFT.PhaseVote<Phase>, from sender: NodeID, outbox: inout Outbox<Message>) -> Int? {
        let isCommit = Phase.kind == Message.Kind.commit
        let k = slotIndex(m.sequence)
        if slots[k].sequence == m.sequence, slots[k].view == view, isCommit ? slots[k].committed : slots[k].prepared {
            // The phase is already decided here: this vote decides nothing, so it is not worth a MAC
            // check. A second one from the same sender is a retransmission: that replica is stalled.
            if !slots[k].insertVoter(sender, commit: isCommit),
               keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) {
                answerRetransmission(slot: k, to: sender, outbox: &outbox)
            }
            return nil
        }
        guard keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) else {
            reject(Phase.kind, outbox: &outbox)
            return nil
        }
        let i = prepareSlot(m.sequence)
        guard slots[i].insertVoter(sender, commit: isCommit) else {
            answerRetransmission(slot: i, to: sender, outbox: &outbox)
            return nil
        }
        guard slots[i].hasPrePrepare else {
            slots[i].early.append(PBFT.EarlyVote(isCommit: isCommit, replica: sender, digest: m.digest))
            return nil
        }
        guard m.digest == slots[i].digest else { return nil }
        return i
    }

    /// committed-local(m, v, n, i): prepared and 2f+1 matching commits, its own included (§4.2).
    func checkCommitted(slot i: Int, outbox: inout Outbox<Message>) {
        guard slots[i].prepared, !slots[i].committed, slots[i].commitCount >= quorum else { return }
        slots[i].committed = true
        persist(slot: i, outbox: &outbox)
        let sequence = slots[i].sequence
        if sequence > highestCommitted { highestCommitted = sequence }
        if sequence == lastExecuted + 1 {
            executeReady(outbox: &outbox)
        } else if sequence > lastExecuted + 1 {
            noteBehind(outbox: &outbox)
        }
    }

    // MARK: - Execution

    /// Executes every batch whose turn has come: "replica i executes the operation requested by m after
    /// committed-local(m, v, n, i) is true and i's state reflects the sequential execution of all
    /// requests with lower sequence numbers" (§4.2). Batches come from the log, or from state transfer.
    func executeReady(outbox: inout Outbox<Message>) {
        let before = lastExecuted
        while true {
            let sequence = lastExecuted + 1
            let i = slotIndex(sequence)
            if sequence > lowWaterMark, slots[i].sequence == sequence, slots[i].committed {
                execute(slots[i].requests, at: sequence, fromLog: true, outbox: &outbox)
            } else if let batch = decided.removeValue(forKey: sequence) {
                execute(batch, at: sequence, fromLog: false, outbox: &outbox)
            } else {
                break
            }
        }
        guard lastExecuted > before else { return }
        if probeBackoff > 0 {
            // Progress after a silence: probe at the base interval again (one timer, not one per batch).
            probeBackoff = 0
            probeMark = lastExecuted
            armProbe(outbox: &outbox)
        }
        waitingProgressed(outbox: &outbox)
        propose(outbox: &outbox)
    }

    /// Where the request at `index` of the batch at `sequence` sits in the shell's agreement check:
    /// with batches of at most B, sequence number n covers positions (n−1)·B+1 ... n·B.
    @inline(__always) func position(_ sequence: UInt64, _ index: Int) -> UInt64 {
        (sequence - 1) * UInt64(settings.maxBatch) + UInt64(index) + 1
    }

    func execute(_ batch: [ClientRequest], at sequence: UInt64, fromLog: Bool, outbox: inout Outbox<Message>) {
        var progressed = false
        if batch.isEmpty {
            outbox.applied(position: position(sequence, 0), request: PBFT.nullRequest, executed: true)
        }
        for (index, request) in batch.enumerated() {
            let executedBefore = stateMachine.executedCount
            let result = stateMachine.apply(request)
            let executed: Bool
            if case .noop = request.command { executed = true } else { executed = stateMachine.executedCount > executedBefore }
            outbox.applied(position: position(sequence, index), request: request, executed: executed)
            guard request.client != PBFT.nullClient else { continue }
            if executed { progressed = true }
            let waited = waiting[request.client].map { $0.sequence <= request.sequence } ?? false
            if waited { waiting[request.client] = nil }
            // Every replica replies to the client (§4.1). A batch learnt by state transfer was answered
            // by the others long ago, unless the client is still asking this replica.
            if let result, fromLog || waited {
                reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)),
                      outbox: &outbox)
            }
            if !known.isEmpty { known.remove(RequestKey(request)) }
        }
        let archived = Int(sequence % UInt64(archive.count))
        archive[archived] = PBFT.FetchEntry(sequence: sequence, requests: batch)
        archiveWritten(archived)
        // A batch from the log was persisted when it committed; a fetched one is persisted now.
        if !fromLog { outbox.persist() }
        lastExecuted = sequence
        if progressed { consecutiveViewChanges = 0 }
        if sequence % interval == 0 { takeCheckpoint(sequence, outbox: &outbox) }
    }
}
