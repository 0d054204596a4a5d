import ConsensusCore

// The normal case: a proposal arrives, its QC moves the replica's highQC, lock and commit, and the
// replica votes for it if the safety rule allows; the next leader turns 2f+1 votes into a QC.

extension HotStuff.Replica {
    /// ⟨GENERIC, b⟩ from the leader of b.view.
    func onProposal(_ p: HotStuff.Proposal, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        let b = p.block
        guard b.view > 0, b.height > 0, sender == p.proposer, p.proposer == leader(of: b.view) else { return }
        if b.view <= lastVotedView, blocks[b.hash] != nil { return }  // seen it already
        outbox.cryptoWork.digestsComputed += 1
        guard b.commands.count <= settings.maxBatch,
              keys.verify(p.signature, on: .proposal(b), by: sender, work: &outbox.cryptoWork),
              verify(b.justify, work: &outbox.cryptoWork) else {
            outbox.rejected(messageKind: 0)
            return
        }
        accept(p, outbox: &outbox)
    }

    /// A proposal whose signature and QC verified: store it, learn from its QC, follow the leader into
    /// its view, and vote if the rules allow. One whose ancestors are missing waits for a fetch.
    func accept(_ p: HotStuff.Proposal, outbox: inout Outbox<HotStuff.Message>) {
        let b = p.block
        guard let parent = blocks[b.parent], isConnected(parent) else {
            // Keep the newest proposal waiting; one fetch at a time walks down to what is here.
            if b.height > committedHeight + 1, waiting.map({ $0.block.view < b.view }) ?? true {
                waiting = p
                if fetching == nil, let missing = firstMissing(below: b) { requestBlock(missing.hash, from: p.proposer, outbox: &outbox) }
            }
            return
        }
        guard b.height == parent.height + 1, b.view > parent.view, b.justify.view == parent.view else { return }
        store(b)
        process(b.justify, outbox: &outbox)
        if b.view > view { enter(view: b.view, outbox: &outbox) } else if b.view == view { armViewTimer(outbox: &outbox) }
        if b.view == view, b.view > lastVotedView, isSafe(b) { vote(for: b, outbox: &outbox) }
    }

    /// The paper's safeNode: `b` extends the locked block, or its QC is newer than the lock (a
    /// replica locked on a block that lost can then vote again: the liveness rule).
    func isSafe(_ b: HotStuff.Block) -> Bool {
        b.justify.view > lockedView || extends(b.parent, lockedBlock, atHeight: lockedHeight)
    }

    /// Whether the block named `hash` is `ancestor` (at `height`) or descends from it.
    func extends(_ hash: SHA256Hash, _ ancestor: SHA256Hash, atHeight height: UInt64) -> Bool {
        var h = hash
        while let block = blocks[h], block.height > height { h = block.parent }
        return h == ancestor
    }

    /// The highest ancestor of `block` missing on the way down to the committed height, with its
    /// height, or nil when none is.
    func firstMissing(below block: HotStuff.Block) -> (hash: SHA256Hash, height: UInt64)? {
        var b = block
        while b.height > committedHeight + 1 {
            guard let parent = blocks[b.parent] else { return (b.parent, b.height - 1) }
            b = parent
        }
        return nil
    }

    /// Whether `block`'s ancestors down to the committed block are all here.
    func isConnected(_ block: HotStuff.Block) -> Bool {
        var b = block
        while b.height > committedHeight {
            guard let parent = blocks[b.parent] else { return false }
            b = parent
        }
        return b.hash == committedHash
    }

    func store(_ b: HotStuff.Block) {
        if blocks.updateValue(b, forKey: b.hash) == nil { disk.newBlocks.append(b.hash) }
    }

    /// Signs a vote for `b` and sends it to the next view's leader, after persisting that it voted.
    func vote(for b: HotStuff.Block, outbox: inout Outbox<HotStuff.Message>) {
        lastVotedView = b.view
        outbox.persist()
        sendVote(for: b, outbox: &outbox)
    }

    /// The vote for `b`, signed, to the next view's leader (or into this replica's own vote box). The
    /// caller has recorded and persisted that it votes.
    func sendVote(for b: HotStuff.Block, outbox: inout Outbox<HotStuff.Message>) {
        let signature = keys.sign(.vote(view: b.view, block: b.hash), work: &outbox.cryptoWork)
        let next = leader(of: b.view + 1)
        if next == id {
            collect(HotStuff.SignedVote(replica: id, signature: signature), view: b.view, block: b.hash, outbox: &outbox)
        } else {
            outbox.send(.vote(HotStuff.Vote(view: b.view, block: b.hash, replica: id, signature: signature)), to: next)
        }
    }

    /// A vote, at the leader of the view after the one it is for.
    func onVote(_ v: HotStuff.Vote, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard v.replica == sender, leader(of: v.view + 1) == id, v.view + 1 >= view, v.view >= highQC.view else { return }
        guard keys.verify(v.signature, on: .vote(view: v.view, block: v.block), by: sender, work: &outbox.cryptoWork) else {
            outbox.rejected(messageKind: 1)
            return
        }
        collect(HotStuff.SignedVote(replica: sender, signature: v.signature), view: v.view, block: v.block, outbox: &outbox)
    }

    /// Adds a verified vote; the quorum-th forms the QC, and with it this replica leads the next view.
    func collect(_ vote: HotStuff.SignedVote, view v: UInt64, block: SHA256Hash, outbox: inout Outbox<HotStuff.Message>) {
        var box = voteBoxes[block] ?? HotStuff.VoteBox(view: v, votes: [])
        guard box.view == v, box.votes.count < quorum, !box.votes.contains(where: { $0.replica == vote.replica }) else { return }
        box.votes.append(vote)
        voteBoxes[block] = box
        guard box.votes.count == quorum else { return }
        box.votes.sort { $0.replica < $1.replica }
        let qc = HotStuff.QuorumCertificate(view: v, block: block, votes: box.votes)
        remember(qc)
        learn(qc, outbox: &outbox)
        if v + 1 > view { enter(view: v + 1, outbox: &outbox) }
        readyView = max(readyView, v + 1)
        tryPropose(outbox: &outbox)
    }

    /// Whether `qc` carries `quorum` valid signatures of distinct replicas on its (view, block); the
    /// genesis QC carries none. Each check is counted; a QC checked before is not checked again.
    func verify(_ qc: HotStuff.QuorumCertificate, work: inout CryptoWork) -> Bool {
        if qc.view == 0 { return qc.isGenesis && qc.votes.isEmpty }
        if verifiedQCs.contains(where: { $0.view == qc.view && $0.block == qc.block }) { return true }
        guard qc.votes.count >= quorum else { return false }
        var previous: Int32 = -1
        let content = HotStuff.SignedContent.vote(view: qc.view, block: qc.block)
        for vote in qc.votes {
            guard vote.replica.rawValue > previous,
                  keys.verify(vote.signature, on: content, by: vote.replica, work: &work) else { return false }
            previous = vote.replica.rawValue
        }
        remember(qc)
        return true
    }

    func remember(_ qc: HotStuff.QuorumCertificate) {
        if verifiedQCs.count >= 8 { verifiedQCs.removeFirst() }
        verifiedQCs.append((qc.view, qc.block))
    }

    /// A verified QC from anywhere: it may raise highQC, and once its block is here, move the lock
    /// and commit.
    func learn(_ qc: HotStuff.QuorumCertificate, outbox: inout Outbox<HotStuff.Message>) {
        if qc.view > highQC.view { highQC = qc }
        // 2f+1 voted in qc.view: the view after it is under way.
        if qc.view + 1 > view { enter(view: qc.view + 1, outbox: &outbox) }
        if let b = blocks[qc.block] {
            if isConnected(b) { process(qc, outbox: &outbox) }
        } else if qc.view == highQC.view, fetching == nil, let signer = qc.votes.first(where: { $0.replica != id })?.replica {
            requestBlock(qc.block, from: signer, outbox: &outbox)  // a certified block this replica missed
        }
    }

    /// The paper's update(b*) for the QC b* carries, certifying b'': lock on b' = b''.justify.block
    /// (two-chain); commit b = b'.justify.block when b'' ← b' ← b are in consecutive views (three-chain).
    func process(_ qc: HotStuff.QuorumCertificate, outbox: inout Outbox<HotStuff.Message>) {
        if qc.view > highQC.view { highQC = qc }
        guard let b2 = blocks[qc.block], let b1 = blocks[b2.parent] else { return }
        if b1.view > lockedView {
            lockedView = b1.view
            lockedHeight = b1.height
            lockedBlock = b1.hash
        }
        guard let b0 = blocks[b1.parent] else { return }
        if b2.view == b1.view + 1, b1.view == b0.view + 1, b0.height > committedHeight {
            commit(b0, outbox: &outbox)
        }
    }
}
