import ConsensusCore

// View changes (OSDI'99 §4.4, liveness §4.5.2). A backup whose request timer expires in view v moves to
// view v+1: it stops accepting normal-case messages of v and multicasts VIEW-CHANGE(v+1, n, C, P, i).
// The primary of v+1 collects 2f+1 of them (its own included) and multicasts NEW-VIEW(v+1, V, O);
// backups check V, recompute O from it, and on a match enter v+1 and process the pre-prepares of O.

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

    /// VIEW-CHANGE(v+1, n, C, P, i): the stable checkpoint with its proof, and the latest prepared
    /// certificate of every sequence number above it (§4.4).
    func makeViewChange(_ newView: UInt64, work: inout CryptoWork) -> PBFT.ViewChange {
        var prepared: [PBFT.PreparedCertificate] = []
        for sequence in (lowWaterMark + 1) ... (lowWaterMark + window) {
            let i = slotIndex(sequence)
            if slots[i].sequence == sequence, let c = slots[i].reportedCertificate { prepared.append(c) }
        }
        var message = PBFT.ViewChange(newView: newView, stableSequence: lowWaterMark, stableDigest: stableDigest,
                                      checkpointProof: stableProof, prepared: prepared, replica: id, authenticator: .none)
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

    /// NEW-VIEW(v+1, V, O): V is its own VIEW-CHANGE and the 2f others of the lowest ids; O follows.
    func sendNewView(outbox: inout Outbox<Message>) {
        guard let own = viewChanges[id.index] else { return }
        var chosen = [own]
        for (j, vc) in viewChanges.enumerated() where j != id.index && chosen.count < quorum {
            if let vc, vc.newView == view { chosen.append(vc) }
        }
        let decision = PBFT.NewViewDecision(viewChanges: chosen, nullDigest: nullDigest)
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

    /// The backup's check of a NEW-VIEW (§4.4): V holds 2f+1 valid VIEW-CHANGE messages for the view
    /// from distinct replicas, and O is exactly what V gives. Returns the decision, or nil to reject.
    func checkedDecision(_ m: PBFT.NewView, work: inout CryptoWork) -> PBFT.NewViewDecision? {
        guard m.viewChanges.count >= quorum, m.viewChanges.count <= n else { return nil }
        var seen = PBFT.NodeSet(replicaCount: n)
        for vc in m.viewChanges {
            guard vc.newView == m.view, vc.replica.index >= 0, vc.replica.index < n, seen.insert(vc.replica) else { return nil }
            if let known = viewChanges[vc.replica.index], known == vc { continue }  // checked on arrival
            guard isValidViewChange(vc, work: &work) else { return nil }
        }
        let decision = PBFT.NewViewDecision(viewChanges: m.viewChanges, nullDigest: nullDigest)
        guard decision.matches(m.prePrepares) else { return nil }
        for a in m.prePrepares {
            let block = PBFT.AuthBlock(kind: Message.Kind.prePrepare, sender: m.primary, view: m.view, sequence: a.sequence, digest: a.digest)
            guard keys.verify(a.authenticator, block, from: m.primary, .multicast, work: &work) else { return nil }
        }
        return decision
    }

    /// A VIEW-CHANGE is valid when its sender signed it, its checkpoint proof holds, and every prepared
    /// certificate in it is for a sequence number in (n, n+L], of an earlier view, with a pre-prepare
    /// from that view's primary whose digest matches its batch and 2f matching prepares from distinct
    /// backups, every authenticator checked (§4.4).
    func isValidViewChange(_ m: PBFT.ViewChange, work: inout CryptoWork) -> Bool {
        if keys.mode != .none { work.digestsComputed += 1 }
        guard keys.verify(m.authenticator, keys.mode == .none ? PBFT.AuthBlock.empty : m.block, from: m.replica, .signed, work: &work),
              isValidCheckpointProof(m.stableSequence, digest: m.stableDigest, proof: m.checkpointProof, work: &work)
        else { return false }
        var last = m.stableSequence
        for c in m.prepared {
            guard c.sequence > last, c.sequence <= m.stableSequence + window, c.view < m.newView,
                  isValidCertificate(c, work: &work) else { return false }
            last = c.sequence
        }
        return true
    }

    /// A certificate for the very (view, sequence number, digest) this replica holds one for is proven
    /// by what it knows itself, whatever its proofs say here: with MAC authenticators a faulty replica's
    /// PRE-PREPARE or PREPARE in it may verify at its holder and not here (a split authenticator), and an
    /// honest VIEW-CHANGE must not be rejected for that when this replica saw the same agreement.
    func isValidCertificate(_ c: PBFT.PreparedCertificate, work: inout CryptoWork) -> Bool {
        work.digestsComputed += 1
        guard PBFT.digest(of: c.requests, scratch: &scratch) == c.digest else { return false }
        let k = slotIndex(c.sequence)
        if slots[k].sequence == c.sequence, slots[k].hasCertificate, slots[k].certificateView == c.view,
           slots[k].certificateDigest == c.digest { return true }
        let primary = primary(of: c.view)
        let prePrepare = PBFT.AuthBlock(kind: Message.Kind.prePrepare, sender: primary, view: c.view, sequence: c.sequence, digest: c.digest)
        guard keys.verify(c.prePrepareAuthenticator, prePrepare, from: primary, .multicast, work: &work) else { return false }
        var seen = PBFT.NodeSet(replicaCount: n)
        var valid = 0
        for vote in c.prepares where vote.replica != primary && vote.replica.index >= 0 && vote.replica.index < n {
            guard seen.insert(vote.replica) else { continue }
            let block = PBFT.AuthBlock(kind: Message.Kind.prepare, sender: vote.replica, view: c.view, sequence: c.sequence, digest: c.digest)
            if keys.verify(vote.authenticator, block, from: vote.replica, .multicast, work: &work) { valid += 1 }
            if valid >= 2 * f { return true }
        }
        return valid >= 2 * f
    }

    /// Enters the new view: adopts min-s as stable if it is ahead, keeps batches committed in the old
    /// view that have not executed yet, enters O in the log (backups multicast PREPARE for each) and
    /// replays the messages of this view that arrived early.
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
            stabilize(decision.stableSequence, digest: decision.stableDigest, proof: decision.stableProof, outbox: &outbox)
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
