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

    /// No progress in this view: move to the next and tell everyone, with the highest QC.
    func viewTimedOut(outbox: inout Outbox<HotStuff.Message>) {
        viewTimerArmed = false
        guard hasWork() else { return }
        consecutiveTimeouts += 1
        let next = view + 1
        enter(view: next, outbox: &outbox)
        sendNewView(for: next, outbox: &outbox)
    }

    /// Broadcasts a signed NEW-VIEW for `v` (once per view), after persisting the view.
    func sendNewView(for v: UInt64, outbox: inout Outbox<HotStuff.Message>) {
        guard v > newViewSentFor else { return }
        newViewSentFor = v
        let signature = keys.sign(.newView(view: v, highQC: highQC), work: &outbox.cryptoWork)
        outbox.persist()
        outbox.broadcast(.newView(HotStuff.NewView(view: v, highQC: highQC, replica: id, signature: signature)))
        record(newView: v, from: id, highQC: highQC, outbox: &outbox)
    }

    func onNewView(_ m: HotStuff.NewView, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard m.replica == sender, m.view > 0, m.view > joinedView[sender.index] else { return }
        guard keys.verify(m.signature, on: .newView(view: m.view, highQC: m.highQC), by: sender, work: &outbox.cryptoWork),
              verify(m.highQC, work: &outbox.cryptoWork) else {
            outbox.rejected(messageKind: 2)
            return
        }
        learn(m.highQC, outbox: &outbox)
        record(newView: m.view, from: sender, highQC: m.highQC, outbox: &outbox)
    }

    /// Counts a NEW-VIEW. f+1 replicas past this one's view include an honest one that timed out, so
    /// this replica joins the highest view f+1 have reached; the leader of a view with 2f+1 proposes.
    func record(newView v: UInt64, from sender: NodeID, highQC qc: HotStuff.QuorumCertificate, outbox: inout Outbox<HotStuff.Message>) {
        joinedView[sender.index] = max(joinedView[sender.index], v)
        if v >= view { newViews[v, default: [:]][sender] = qc }
        let joined = joinedView.sorted(by: >)[cluster.faultTolerance]
        if joined > view {
            enter(view: joined, outbox: &outbox)
            sendNewView(for: joined, outbox: &outbox)
        }
        if leaderOnHighQC(of: v) == id, v >= view, let votes = newViews[v], votes.count >= quorum {
            if v > view { enter(view: v, outbox: &outbox) }
            readyView = max(readyView, v)
            tryPropose(outbox: &outbox)
        }
    }

    /// As leader of this view, once ready: propose a block on highQC with up to `maxBatch` pending
    /// requests not already in a block above the committed one. With none, it still proposes while
    /// a block in the last three of the chain carries commands (the QCs that commit them must reach
    /// the others), or commands wait uncommitted; otherwise the chain rests until a request comes.
    func tryPropose(outbox: inout Outbox<HotStuff.Message>) {
        guard proposedView < view, readyView >= view, stateReplies == nil else { return }
        guard let parent = blocks[highQC.block], isConnected(parent) else {
            if blocks[highQC.block] == nil { requestBlock(highQC.block, from: highQC.votes.first?.replica ?? NodeID(0), outbox: &outbox) }
            return
        }
        guard leader(of: view, extending: parent) == id else { return }
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
        outbox.becameLeader(epoch: view)
        lastVotedView = view
        outbox.persist()
        outbox.broadcast(.proposal(HotStuff.Proposal(block: block, proposer: id, signature: signature)))
        let voteSignature = keys.sign(.vote(view: view, block: block.hash), work: &outbox.cryptoWork)
        let next = leader(of: view + 1, extending: block)
        if next == id {
            collect(HotStuff.SignedVote(replica: id, signature: voteSignature), view: block.view, block: block.hash, outbox: &outbox)
        } else {
            outbox.send(.vote(HotStuff.Vote(view: block.view, block: block.hash, replica: id, signature: voteSignature)), to: next)
        }
        armViewTimer(outbox: &outbox)
    }
}
