import ConsensusCore

// The pacemaker (Algorithm 5): views, their leaders, timeouts and NEW-VIEW. A leader proposes once it
// holds the QC of the view before (the normal case) or 2f+1 NEW-VIEWs for its view (after a timeout).

extension HotStuff.Replica {
    /// Moves to view `v` (views never go back) and gives it a fresh timeout.
    func enter(view v: UInt64, outbox: inout Outbox<HotStuff.Message>) {
        guard v > view else { return }
        view = v
        if !voteBoxes.isEmpty {
            staleBoxes.removeAll(keepingCapacity: true)
            for (hash, box) in voteBoxes where box.view + 1 < v { staleBoxes.append(hash) }
            for hash in staleBoxes { voteBoxes[hash] = nil }
        }
        if !newViews.isEmpty, newViews.keys.contains(where: { $0 < v }) { newViews = newViews.filter { $0.key >= v } }
        armViewTimer(outbox: &outbox)
        tryPropose(outbox: &outbox)
    }

    /// This view's timeout: the base doubled for each timeout since the last commit, capped.
    var currentTimeout: Interval {
        let doubled = settings.viewTimeout * (Int64(1) << min(consecutiveTimeouts, 16))
        return doubled < settings.maximumViewTimeout ? doubled : settings.maximumViewTimeout
    }

    /// Starts the view timer afresh when there is work to wait for; stops it when there is none.
    func armViewTimer(outbox: inout Outbox<HotStuff.Message>) {
        if hasWork() {
            outbox.setTimer(HotStuff.Timers.view, after: currentTimeout)
            viewTimerArmed = true
        } else {
            cancelViewTimer(outbox: &outbox)
        }
    }

    func cancelViewTimer(outbox: inout Outbox<HotStuff.Message>) {
        if viewTimerArmed {
            outbox.cancelTimer(HotStuff.Timers.view)
            viewTimerArmed = false
        }
    }

    /// No progress in this view: ask everyone to move to the next leader's first view, with the
    /// highest QC. The replica stays in its view until 2f+1 ask for the same (a local timeout alone
    /// never moves it, so no replica runs ahead of the others on its own clock: DiemBFT's rule); the
    /// timer asks again, doubled, until they do.
    func viewTimedOut(outbox: inout Outbox<HotStuff.Message>) {
        viewTimerArmed = false
        guard hasWork() else { return }
        consecutiveTimeouts += 1
        sendNewView(for: max(HotStuff.nextLeadersView(after: view), newViewSentFor), again: true, outbox: &outbox)
        armViewTimer(outbox: &outbox)
    }

    /// Broadcasts a signed NEW-VIEW for `v` (once per view unless `again`), after persisting.
    func sendNewView(for v: UInt64, again: Bool = false, outbox: inout Outbox<HotStuff.Message>) {
        guard v > newViewSentFor || (again && v == newViewSentFor) else { return }
        newViewSentFor = v
        let signature = keys.sign(.newView(view: v, highQC: highQC), work: &outbox.cryptoWork)
        outbox.persist()
        outbox.broadcast(.newView(HotStuff.NewView(view: v, highQC: highQC, replica: id, signature: signature)))
        record(newView: v, from: id, highQC: highQC, outbox: &outbox)
    }

    func onNewView(_ m: HotStuff.NewView, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard m.replica == sender, m.view > 0 else { return }
        // Asking for a view this replica is already in or past: the sender missed the NEW-VIEWs that
        // moved the others (they were lost, or its links were down), so it may wait forever for 2f+1.
        // Answer with this replica's own NEW-VIEW for that view: it moved there too (an answer is not
        // answered).
        let passed = m.view <= view
        if passed ? m.isAnswer : newViews[m.view]?[sender] != nil { return }  // an answer, or counted already
        // Only a NEW-VIEW that counts needs its QC checked.
        guard keys.verify(m.signature, on: .newView(view: m.view, highQC: m.highQC), by: sender, work: &outbox.cryptoWork),
              passed || verify(m.highQC, work: &outbox.cryptoWork) else {
            outbox.rejected(messageKind: 2)
            return
        }
        if passed {
            joinedView[sender.index] = max(joinedView[sender.index], m.view)
            let signature = keys.sign(.newView(view: m.view, highQC: highQC), work: &outbox.cryptoWork)
            outbox.send(.newView(HotStuff.NewView(view: m.view, highQC: highQC, replica: id, signature: signature, isAnswer: true)), to: sender)
            return
        }
        learn(m.highQC, outbox: &outbox)
        record(newView: m.view, from: sender, highQC: m.highQC, outbox: &outbox)
    }

    /// Counts a NEW-VIEW. f+1 replicas asking for views past this one's include an honest one that
    /// timed out, so this replica asks for the highest view f+1 have asked for (Bracha's amplification:
    /// then every honest replica asks, and 2f+1 form). 2f+1 asking for one view (a timeout
    /// certificate) move this replica into it, and let its leader propose.
    func record(newView v: UInt64, from sender: NodeID, highQC qc: HotStuff.QuorumCertificate, outbox: inout Outbox<HotStuff.Message>) {
        joinedView[sender.index] = max(joinedView[sender.index], v)
        guard v > view else { return }
        newViews[v, default: [:]][sender] = qc
        forgetOldestNewViews(of: sender)
        let joined = joinedView.sorted(by: >)[cluster.faultTolerance]
        if joined > view { sendNewView(for: joined, outbox: &outbox) }
        if let asking = newViews[v], asking.count >= quorum, v > view {
            enter(view: v, outbox: &outbox)
            if leader(of: v) == id {
                readyView = max(readyView, v)
                tryPropose(outbox: &outbox)
            }
        }
    }

    /// Keeps at most `pendingNewViewsPerReplica` views a replica has asked for and this one has not
    /// reached, dropping its lowest: a Byzantine replica signing NEW-VIEWs for view after view cannot
    /// grow this replica's memory without bound. An honest one asks for few (each after a timeout), and
    /// its highest ask is what counts towards a quorum.
    func forgetOldestNewViews(of sender: NodeID) {
        let asked = newViews.keys.filter { newViews[$0]?[sender] != nil }
        guard asked.count > HotStuff.pendingNewViewsPerReplica else { return }
        for v in asked.sorted().prefix(asked.count - HotStuff.pendingNewViewsPerReplica) {
            newViews[v]?[sender] = nil
            if newViews[v]?.isEmpty == true { newViews[v] = nil }
        }
    }

    /// As leader of this view, once ready: propose a block on highQC with up to `maxBatch` pending
    /// requests not already in a block above the committed one. With none, it still proposes while
    /// a block in the last three of the chain carries commands (the QCs that commit them must reach
    /// the others), or commands wait uncommitted; otherwise the chain rests until a request comes.
    func tryPropose(outbox: inout Outbox<HotStuff.Message>) {
        guard leader(of: view) == id, proposedView < view, readyView >= view, stateReplies == nil else { return }
        guard let parent = blocks[highQC.block], isConnected(parent) else {
            if blocks[highQC.block] == nil { requestBlock(highQC.block, from: highQC.votes.first?.replica ?? NodeID(0), outbox: &outbox) }
            return
        }
        inFlightKeys.removeAll(keepingCapacity: true)
        var tailHasCommands = false
        var depth = 0
        var b = parent
        while b.height > committedHeight || depth < 3 {
            if !b.commands.isEmpty { tailHasCommands = true }
            if b.height > committedHeight { for r in b.commands { inFlightKeys.insert(HotStuff.RequestKey(r)) } }
            depth += 1
            guard b.height > 0, let p = blocks[b.parent] else { break }
            b = p
        }
        var commands: [ClientRequest] = []
        for key in pendingOrder {
            guard commands.count < settings.maxBatch else { break }
            guard let request = pending[key], !inFlightKeys.contains(key), !stateMachine.hasExecuted(request) else { continue }
            commands.append(request)
        }
        guard !commands.isEmpty || tailHasCommands else { return }
        let block = HotStuff.Block(view: view, height: parent.height + 1, justify: highQC, commands: commands, scratch: &scratch)
        outbox.cryptoWork.digestsComputed += 1
        let signature = keys.sign(.proposal(block), work: &outbox.cryptoWork)
        proposedView = view
        store(block)
        // Leadership is per stint: its epoch is the stint's number, reported at its first proposal.
        let stint = view / HotStuff.viewsPerLeader
        if stint != ledStint {
            ledStint = stint
            outbox.becameLeader(epoch: stint)
        }
        lastVotedView = view
        outbox.persist()
        outbox.broadcast(.proposal(HotStuff.Proposal(block: block, proposer: id, signature: signature)))
        sendVote(for: block, outbox: &outbox)
        armViewTimer(outbox: &outbox)
    }
}
