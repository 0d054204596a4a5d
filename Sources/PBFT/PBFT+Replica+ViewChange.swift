import ConsensusCore

// View changes (OSDI'99 §4.4, liveness §4.5.2, decided as in TOCS 2002 §4.5.1). A backup whose request
// timer expires in view v moves to view v+1: it stops accepting normal-case messages of v and
// multicasts VIEW-CHANGE(v+1, h, C, P, Q, i). The primary of v+1 collects them (its own included) until
// they decide every sequence number, and multicasts NEW-VIEW(v+1, V, O); backups check V, recompute O
// from it, and on a match enter v+1 and process the pre-prepares of O.

extension PBFT.Replica {
    func startViewChange(to newView: UInt64, outbox: inout Outbox<Message>) {
        guard newView > view else { return }
        view = newView
        isViewActive = false
        primaryAhead = 0
        consecutiveViewChanges += 1
        if requestTimerArmed {
            requestTimerArmed = false
            outbox.cancelTimer(PBFT.Timers.request)
        }
        if viewChangeTimerArmed {
            viewChangeTimerArmed = false
            outbox.cancelTimer(PBFT.Timers.viewChange)
        }
        queue.removeAll()
        queueHead = 0
        known.removeAll()
        outbox.persist()
        let message = makeViewChange(newView, work: &outbox.cryptoWork)
        viewChanges[id.index] = message
        outbox.broadcast(.viewChange(message))
        retransmitTimer.backoff = 0
        noteInFlight(outbox: &outbox)
        checkViewChangeQuorum(outbox: &outbox)
    }

    /// VIEW-CHANGE(v+1, h, C, P, Q, i): the stable checkpoint, the checkpoints taken above it, and for
    /// every sequence number above it the latest batch that prepared here and the digests that
    /// pre-prepared here (TOCS 2002 §4.5.1).
    func makeViewChange(_ newView: UInt64, work: inout CryptoWork) -> PBFT.ViewChange {
        var prepared: [PBFT.PreparedEntry] = []
        var prePrepared: [PBFT.PrePreparedEntry] = []
        for sequence in (lowWaterMark + 1) ... (lowWaterMark + window) {
            let i = slotIndex(sequence)
            guard slots[i].sequence == sequence else { continue }
            if let p = slots[i].preparedEntry { prepared.append(p) }
            for q in slots[i].prePrepared { prePrepared.append(PBFT.PrePreparedEntry(sequence: sequence, digest: q.digest, view: q.view)) }
        }
        let checkpoints = ownCheckpoints.keys.sorted().filter { $0 > lowWaterMark }.map {
            PBFT.CheckpointEntry(sequence: $0, stateDigest: ownCheckpoints[$0]!.digest)
        }
        var message = PBFT.ViewChange(newView: newView, stableSequence: lowWaterMark, stableDigest: stableDigest, checkpoints: checkpoints,
                                      prepared: prepared, prePrepared: prePrepared, replica: id, authenticator: .none)
        if keys.mode != .none {
            work.digestsComputed += 1
            message.authenticator = keys.authenticate(message.block, .signed, work: &work)
        }
        return message
    }

    func receiveViewChange(_ m: PBFT.ViewChange, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender else { return }
        if m.newView == view, isViewActive, isPrimary, installedView == view, let newView = installedNewView {
            // The sender missed the NEW-VIEW of this view (it keeps sending its VIEW-CHANGE): hand it over.
            outbox.send(.newView(newView), to: sender)
            return
        }
        guard m.newView > view || (m.newView == view && !isViewActive) else { return }
        if let old = viewChanges[sender.index], old.newView >= m.newView { return }
        guard isValidViewChange(m, work: &outbox.cryptoWork) else {
            reject(Message.Kind.viewChange, outbox: &outbox)
            return
        }
        viewChanges[sender.index] = m
        // §4.5.2: f+1 replicas asked for views above ours; at least one is honest, so join the smallest.
        let later = laterViewChanges
        if later.count >= f + 1, let smallest = later.smallest {
            startViewChange(to: smallest, outbox: &outbox)
        } else {
            checkViewChangeQuorum(outbox: &outbox)
        }
    }

    /// The other replicas' valid VIEW-CHANGEs for views above this replica's: how many, and the
    /// smallest view they ask for.
    var laterViewChanges: (count: Int, smallest: UInt64?) {
        var count = 0
        var smallest: UInt64?
        for (j, vc) in viewChanges.enumerated() where j != id.index {
            if let vc, vc.newView > view {
                count += 1
                smallest = min(smallest ?? .max, vc.newView)
            }
        }
        return (count, smallest)
    }

    /// With 2f+1 VIEW-CHANGE messages for the view being changed to, the view-change timer starts
    /// (§4.5.2), and the new primary sends NEW-VIEW. For the timer, a replica that already asks for a
    /// later view counts too: it has given up on this one as well (otherwise 2f+1 honest replicas split
    /// between two views would wait for each other forever).
    func checkViewChangeQuorum(outbox: inout Outbox<Message>) {
        guard !isViewActive else { return }
        var forThisView = 0, forThisOrLater = 0
        for case let vc? in viewChanges where vc.newView >= view {
            forThisOrLater += 1
            if vc.newView == view { forThisView += 1 }
        }
        if forThisOrLater >= quorum, !viewChangeTimerArmed {
            viewChangeTimerArmed = true
            outbox.setTimer(PBFT.Timers.viewChange, after: backedOff(settings.viewChangeTimeout))
        }
        if forThisView >= quorum, primary(of: view) == id, newViewSent != view, viewChanges[id.index]?.newView == view {
            sendNewView(outbox: &outbox)
        }
    }

    /// NEW-VIEW(v+1, V, O): V is its own VIEW-CHANGE and the 2f others of the lowest ids if they decide
    /// every sequence number (TOCS 2002 §4.5.1), or else every VIEW-CHANGE for the view it has, if those
    /// do; until then the primary waits for more. O follows from V.
    func sendNewView(outbox: inout Outbox<Message>) {
        guard let own = viewChanges[id.index] else { return }
        var received = [own]
        for (j, vc) in viewChanges.enumerated() where j != id.index {
            if let vc, vc.newView == view { received.append(vc) }
        }
        // 2f+1 decide unless some are contradicted or silent; then all it has (at most two decisions per
        // VIEW-CHANGE received, whatever n).
        var chosen = Array(received.prefix(quorum))
        var found = PBFT.NewViewDecision(viewChanges: chosen, faultTolerance: f, window: window, nullDigest: nullDigest)
        if found == nil, received.count > quorum {
            chosen = received
            found = PBFT.NewViewDecision(viewChanges: chosen, faultTolerance: f, window: window, nullDigest: nullDigest)
        }
        guard let decision = found else { return }
        var assignments: [PBFT.Assignment] = []
        assignments.reserveCapacity(decision.entries.count)
        for e in decision.entries {
            let block = PBFT.AuthBlock(kind: Message.Kind.prePrepare, sender: id, view: view, sequence: e.sequence, digest: e.digest)
            assignments.append(PBFT.Assignment(sequence: e.sequence, digest: e.digest,
                                               authenticator: keys.authenticate(block, .multicast, work: &outbox.cryptoWork)))
        }
        var message = PBFT.NewView(view: view, viewChanges: chosen, prePrepares: assignments, primary: id, authenticator: .none)
        if keys.mode != .none {
            outbox.cryptoWork.digestsComputed += 1
            message.authenticator = keys.authenticate(message.block, .signed, work: &outbox.cryptoWork)
        }
        newViewSent = view
        outbox.broadcast(.newView(message))
        install(message, decision, outbox: &outbox)
    }

    /// A NEW-VIEW from its primary, or forwarded: the primary's signature is what counts.
    func receiveNewView(_ m: PBFT.NewView, from sender: NodeID, outbox: inout Outbox<Message>) {
        processNewView(m, outbox: &outbox)
    }

    /// A NEW-VIEW, received from its primary or handed over by state transfer: checked and installed.
    func processNewView(_ m: PBFT.NewView, outbox: inout Outbox<Message>) {
        guard m.primary == primary(of: m.view), m.primary != id, m.view > installedView, m.view >= view else { return }
        if keys.mode != .none { outbox.cryptoWork.digestsComputed += 1 }
        guard keys.verify(m.authenticator, keys.mode == .none ? PBFT.AuthBlock.empty : m.block, from: m.primary, .signed,
                          work: &outbox.cryptoWork),
              let decision = checkedDecision(m, work: &outbox.cryptoWork) else {
            reject(Message.Kind.newView, outbox: &outbox)
            return
        }
        install(m, decision, outbox: &outbox)
    }

    /// The backup's check of a NEW-VIEW (§4.4): V holds 2f+1 or more valid VIEW-CHANGE messages for
    /// the view from distinct replicas, they decide every sequence number, and O is exactly what they
    /// decide. Returns the decision, or nil to reject.
    func checkedDecision(_ m: PBFT.NewView, work: inout CryptoWork) -> PBFT.NewViewDecision? {
        guard m.viewChanges.count >= quorum, m.viewChanges.count <= n else { return nil }
        var seen = PBFT.NodeSet(replicaCount: n)
        for vc in m.viewChanges {
            guard vc.newView == m.view, vc.replica.index >= 0, vc.replica.index < n, seen.insert(vc.replica) else { return nil }
            if let known = viewChanges[vc.replica.index], known == vc { continue }  // checked on arrival
            guard isValidViewChange(vc, work: &work) else { return nil }
        }
        guard let decision = PBFT.NewViewDecision(viewChanges: m.viewChanges, faultTolerance: f, window: window, nullDigest: nullDigest),
              decision.matches(m.prePrepares) else { return nil }
        for a in m.prePrepares {
            let block = PBFT.AuthBlock(kind: Message.Kind.prePrepare, sender: m.primary, view: m.view, sequence: a.sequence, digest: a.digest)
            guard keys.verify(a.authenticator, block, from: m.primary, .multicast, work: &work) else { return nil }
        }
        return decision
    }

    /// A VIEW-CHANGE is valid when its sender signed it and it is well formed: a checkpoint sequence
    /// number (the initial state's digest at 0), C above it and inside the window, P with at most one
    /// entry per number in (h, h+L], each of an earlier view and carrying the batch its digest names,
    /// and Q likewise with at most `PBFT.prePreparedDigestsKept` distinct digests per number. What it
    /// claims is not proven by anyone's authenticators; the decision counts claims (`NewViewDecision`).
    func isValidViewChange(_ m: PBFT.ViewChange, work: inout CryptoWork) -> Bool {
        if keys.mode != .none { work.digestsComputed += 1 }
        guard keys.verify(m.authenticator, keys.mode == .none ? PBFT.AuthBlock.empty : m.block, from: m.replica, .signed, work: &work),
              m.stableSequence % interval == 0, m.stableSequence != 0 || m.stableDigest == PBFT.genesisDigest
        else { return false }
        let top = m.stableSequence + window
        var last = m.stableSequence
        for c in m.checkpoints {
            guard c.sequence > last, c.sequence <= top, c.sequence % interval == 0 else { return false }
            last = c.sequence
        }
        last = m.stableSequence
        for p in m.prepared {
            guard p.sequence > last, p.sequence <= top, p.view < m.newView else { return false }
            work.digestsComputed += 1
            guard PBFT.digest(of: p.requests, scratch: &scratch) == p.digest else { return false }
            last = p.sequence
        }
        // Q: numbers ascending, each with at most the bound of digests, each digest once.
        let q = m.prePrepared
        var start = 0
        while start < q.count {
            let sequence = q[start].sequence
            guard sequence > (start == 0 ? m.stableSequence : q[start - 1].sequence), sequence <= top else { return false }
            var end = start
            while end < q.count, q[end].sequence == sequence {
                guard q[end].view < m.newView, !q[start ..< end].contains(where: { $0.digest == q[end].digest }) else { return false }
                end += 1
            }
            guard end - start <= PBFT.prePreparedDigestsKept else { return false }
            start = end
        }
        return true
    }

    /// Enters the new view: adopts the decision's checkpoint as stable if it is ahead, keeps batches
    /// committed in the old view that have not executed yet, enters O in the log (backups multicast
    /// PREPARE for each) and replays the messages of this view that arrived early.
    func install(_ m: PBFT.NewView, _ decision: PBFT.NewViewDecision, outbox: inout Outbox<Message>) {
        let newView = m.view
        if newView != view { primaryAhead = 0 }
        view = newView
        isViewActive = true
        installedView = newView
        installedNewView = m
        if viewChangeTimerArmed {
            viewChangeTimerArmed = false
            outbox.cancelTimer(PBFT.Timers.viewChange)
        }
        persistWhole(outbox: &outbox)
        lastAssigned = max(decision.maxSequence, decision.stableSequence, lowWaterMark)
        if decision.stableSequence > lowWaterMark {
            // f+1 replicas hold this checkpoint; the CHECKPOINT messages this replica has for it make
            // what proof it can pass on in state transfer (late ones join it as they arrive).
            stabilize(decision.stableSequence, digest: decision.stableDigest,
                      proof: checkpointProof(decision.stableSequence, digest: decision.stableDigest), outbox: &outbox)
        }
        for i in slots.indices where slots[i].sequence > lastExecuted && slots[i].committed && slots[i].view != newView {
            decided[slots[i].sequence] = slots[i].requests
        }
        if isPrimary {
            known.removeAll()
            outbox.becameLeader(epoch: newView)
        }
        for (k, e) in decision.entries.enumerated() where e.sequence > lowWaterMark {
            let i = prepareSlot(e.sequence)
            if isPrimary, e.sequence > lastExecuted { for r in e.requests { known.insert(RequestKey(r)) } }
            guard !slots[i].hasPrePrepare else { continue }
            acceptPrePrepare(slot: i, digest: e.digest, requests: e.requests, authenticator: m.prePrepares[k].authenticator,
                             outbox: &outbox)
        }
        if !waiting.isEmpty {
            if isPrimary {
                // The new primary orders the requests it was waiting for as a backup; the clients do not
                // have to time out once more to reach it.
                let requests = waiting.values.sorted { ($0.client, $0.sequence) < ($1.client, $1.sequence) }
                waiting.removeAll()
                for r in requests where !stateMachine.hasExecuted(r) { enqueue(r, outbox: &outbox) }
            } else {
                armRequestTimer(outbox: &outbox)
            }
        }
        replayHeldMessages(outbox: &outbox)
        executeReady(outbox: &outbox)
        if lastExecuted < lowWaterMark { noteBehind(outbox: &outbox) }
        propose(outbox: &outbox)
    }

    // MARK: - Messages of later views

    /// A PRE-PREPARE, PREPARE or COMMIT of a view this replica has not entered yet: kept (up to a bound)
    /// until that view's NEW-VIEW arrives. If f+1 replicas are in later views, this replica probably
    /// missed a NEW-VIEW and will ask for it.
    func holdForLaterView(_ messageView: UInt64, _ message: Message, from sender: NodeID, outbox: inout Outbox<Message>) {
        if messageView > viewsAhead[sender.index] { viewsAhead[sender.index] = messageView }
        if future.count < 2 * Int(window) * n { future.append((sender, message)) }
        if othersInLaterViews >= f + 1 { noteBehind(outbox: &outbox) }
    }

    var othersInLaterViews: Int {
        var count = 0
        for v in viewsAhead where v > view || (v == view && !isViewActive) { count += 1 }
        return count
    }

    func replayHeldMessages(outbox: inout Outbox<Message>) {
        guard !future.isEmpty else { return }
        var held: [(from: NodeID, message: Message)] = []
        swap(&held, &future)
        for (sender, message) in held {
            switch message {
            case .prePrepare(let m) where m.view >= view: receivePrePrepare(m, from: sender, outbox: &outbox)
            case .prepare(let m) where m.view >= view: receivePrepare(m, from: sender, outbox: &outbox)
            case .commit(let m) where m.view >= view: receiveCommit(m, from: sender, outbox: &outbox)
            default: break
            }
        }
    }
}
