import ConsensusCore

// Catching up. A replica that meets a block whose ancestors it lacks fetches them by hash (a block is
// its hash's: any replica may answer, and a wrong answer is simply not the block asked for). One
// further behind than the others' checkpoints installs the checkpoint f+1 replicas send alike.

extension HotStuff.Replica {
    /// Asks `target` for block `hash` and its ancestors above the committed height.
    func requestBlock(_ hash: SHA256Hash, from target: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard fetching != hash, stateReplies == nil else { return }
        fetching = hash
        fetchAttempts = 1
        fetchTarget = target == id ? nextPeer(after: id) : target
        outbox.send(.fetch(HotStuff.Fetch(block: hash, above: committedHeight)), to: fetchTarget)
        outbox.setTimer(HotStuff.Timers.fetch, after: settings.fetchTimeout)
    }

    /// No answer: ask the next replica. After every other replica was asked, nobody keeps the block
    /// (a fork that lost, pruned): give it up and fetch what the newest waiting proposal lacks.
    func fetchTimedOut(outbox: inout Outbox<HotStuff.Message>) {
        guard let hash = fetching, stateReplies == nil else { return }
        if fetchAttempts >= n - 1 {
            fetching = nil
            if let p = waiting, let missing = firstMissing(below: p.block), missing.hash != hash {
                requestBlock(missing.hash, from: p.proposer, outbox: &outbox)
            }
            return
        }
        fetchAttempts += 1
        let next = nextPeer(after: fetchTarget)
        fetchTarget = next
        outbox.send(.fetch(HotStuff.Fetch(block: hash, above: committedHeight)), to: next)
        outbox.setTimer(HotStuff.Timers.fetch, after: settings.fetchTimeout)
    }

    /// The probe fired: when nothing committed since the last one, ask the next replica for its highest
    /// certified block (it answers only when that is above this replica's committed height).
    func probeIfIdle(outbox: inout Outbox<HotStuff.Message>) {
        if committedHeight == probeMark, fetching == nil, stateReplies == nil {
            probeTarget = nextPeer(after: probeTarget)
            if probeTarget != id { outbox.send(.fetch(HotStuff.Fetch(block: .zero, above: committedHeight)), to: probeTarget) }
            probeBackoff = min(probeBackoff + 1, 2)
        } else {
            probeBackoff = 0
        }
        probeMark = committedHeight
        outbox.setTimer(HotStuff.Timers.probe, after: settings.idleProbeInterval * (Int64(1) << probeBackoff))
    }

    func onFetch(_ m: HotStuff.Fetch, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        let isProbe = m.block == .zero
        if isProbe {
            guard let top = blocks[highQC.block], top.height > m.above else { return }
        }
        var found: [HotStuff.Block] = []
        var h = isProbe ? highQC.block : m.block
        while found.count < settings.fetchBatch, let b = blocks[h], b.height > m.above {
            found.append(b)
            h = b.parent
        }
        outbox.send(.blocks(HotStuff.Blocks(blocks: found, checkpointHeight: checkpoint.block.height,
                                            certificate: isProbe ? highQC : .genesis)), to: sender)
    }

    /// Keeps the blocks that are the chain asked for (each the one its successor names), then either
    /// carries on down, transfers state (the answerer keeps nothing that low), or resumes.
    func onBlocks(_ m: HotStuff.Blocks, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard stateReplies == nil else { return }
        let certified = !m.certificate.isGenesis
        let wanted: SHA256Hash
        if certified {
            // A probe's answer: its first block is the one its QC certifies.
            guard m.blocks.first?.hash == m.certificate.block else { return }
            guard verify(m.certificate, work: &outbox.cryptoWork) else {
                outbox.rejected(messageKind: 4)
                return
            }
            wanted = m.certificate.block
        } else {
            guard let hash = fetching, sender == fetchTarget else { return }
            wanted = hash
        }
        var expected = wanted
        var lowest: HotStuff.Block?
        for b in m.blocks {
            outbox.cryptoWork.digestsComputed += 1
            guard b.hash == expected, b.height > committedHeight else { break }
            store(b)
            lowest = b
            expected = b.parent
        }
        guard let lowest else {
            // The answerer lacks the block. Kept below its checkpoint, it was pruned there: take its
            // state. Otherwise the fetch timer asks elsewhere.
            if !certified, m.blocks.isEmpty, m.checkpointHeight > committedHeight {
                fetching = nil
                outbox.cancelTimer(HotStuff.Timers.fetch)
                startStateTransfer(outbox: &outbox)
            }
            return
        }
        if !certified || fetching == nil {
            fetching = nil
            outbox.cancelTimer(HotStuff.Timers.fetch)
        }
        if certified { learn(m.certificate, outbox: &outbox) }
        guard let missing = firstMissing(below: lowest) else {
            if isConnected(lowest) { resume(outbox: &outbox) }
            return  // else a fork below what this replica committed
        }
        // Far behind a checkpoint the answerer holds (or below what it keeps): take its state instead
        // of walking down block by block.
        if m.checkpointHeight >= missing.height || m.checkpointHeight > committedHeight + UInt64(settings.fetchBatch) {
            startStateTransfer(outbox: &outbox)
        } else {
            requestBlock(missing.hash, from: sender, outbox: &outbox)
        }
    }

    /// The missing ancestors are here: handle what waited for them.
    func resume(outbox: inout Outbox<HotStuff.Message>) {
        if let b = blocks[highQC.block], isConnected(b) { process(highQC, outbox: &outbox) }
        if let p = waiting, let parent = blocks[p.block.parent], isConnected(parent) {
            waiting = nil
            accept(p, outbox: &outbox)
        }
        tryPropose(outbox: &outbox)
    }

    // MARK: State transfer

    func startStateTransfer(outbox: inout Outbox<HotStuff.Message>) {
        guard stateReplies == nil else { return }
        stateReplies = [:]
        outbox.broadcast(.stateRequest(HotStuff.StateRequest(committedHeight: committedHeight)))
        outbox.setTimer(HotStuff.Timers.state, after: settings.fetchTimeout * 4)
    }

    func stateTransferTimedOut(outbox: inout Outbox<HotStuff.Message>) {
        guard stateReplies != nil else { return }
        outbox.broadcast(.stateRequest(HotStuff.StateRequest(committedHeight: committedHeight)))
        outbox.setTimer(HotStuff.Timers.state, after: settings.fetchTimeout * 4)
    }

    func onStateRequest(_ m: HotStuff.StateRequest, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard checkpoint.block.height > m.committedHeight else { return }
        outbox.send(.stateReply(checkpoint), to: sender)
    }

    /// Installs a checkpoint once f+1 replicas sent the same one (same block, same state): at least
    /// one of them is honest.
    func onStateReply(_ m: HotStuff.StateReply, from sender: NodeID, outbox: inout Outbox<HotStuff.Message>) {
        guard var replies = stateReplies, m.block.height > committedHeight else { return }
        outbox.cryptoWork.digestsComputed += 1
        replies[sender] = m
        stateReplies = replies
        // The whole state, not its digest: the digest hashes the history, so a liar can keep it.
        let alike = replies.values.reduce(0) { $0 + ($1.block.hash == m.block.hash && $1.state == m.state ? 1 : 0) }
        guard alike >= cluster.faultTolerance + 1 else { return }
        stateReplies = nil
        outbox.cancelTimer(HotStuff.Timers.state)
        install(m, outbox: &outbox)
    }

    func install(_ m: HotStuff.StateReply, outbox: inout Outbox<HotStuff.Message>) {
        stateMachine = m.state
        committedHeight = m.block.height
        committedHash = m.block.hash
        checkpoint = m
        store(m.block)
        prune()
        for (key, request) in pending where stateMachine.hasExecuted(request) { pending[key] = nil }
        dropLeavingRequests()
        disk.needsSnapshot = true
        outbox.persist()
        resume(outbox: &outbox)
    }
}
