import ConsensusCore

// State transfer, simplified from TOCS §5.3.2. A replica learns it is behind when its log has a
// committed sequence number above a gap, when a checkpoint above its last executed number becomes
// stable, when f+1 replicas announce checkpoints beyond its window, or when f+1 replicas are in a later
// view. If nothing executes for `fetchTimeout` after that, it multicasts FETCH(from: last executed + 1).
// Each replica answers with the batches it executed from there on (it archives the last
// `archiveLength`), its stable checkpoint with proof, and its NEW-VIEW when the asker is in an older
// view. The asker executes a batch once f+1 replicas sent the same one (at least one of them is honest,
// and honest replicas execute the same batch at each number), adopts a proven stable checkpoint, and
// processes the NEW-VIEW as if its primary had sent it. Below a stable checkpoint it needs no f+1
// copies: one replica's batches that lead from its state to exactly the state the checkpoint's 2f+1
// votes certify are the ones executed there (TOCS §5.3.2 checks fetched state against the checkpoint
// digest the same way). Without that, a replica whose missing batches only one replica still holds
// (the others crashed back to an older checkpoint) would wait forever.
//
// A replica further behind than the others' archives (a long crash) gets the state itself: the
// answer to a FETCH from below the stable checkpoint carries the state at that checkpoint, installed
// once f+1 replicas sent identical bytes (`adoptStateVouchedForByFPlusOne`: a faulty replica can ship a
// wrong state under the certified digest, the `wrong-state` behaviour).

extension PBFT.Replica {
    /// Something says this replica is behind: arm the fetch timer (if it is not armed already).
    func noteBehind(outbox: inout Outbox<Message>) {
        if let after = fetchTimer.arm(mark: lastExecuted, base: settings.fetchTimeout) {
            outbox.setTimer(PBFT.Timers.fetch, after: after)
        }
    }

    var isBehind: Bool {
        lastExecuted < lowWaterMark || highestCommitted > lastExecuted || primaryAhead > highWaterMark
            || othersAheadOfWindow >= f + 1 || othersInLaterViews >= f + 1 || othersExecutedAhead >= f + 1
            || othersCommittingAhead >= f + 1
    }

    /// Replicas committing, in a view this replica left, beyond what it executed.
    var othersCommittingAhead: Int {
        var count = 0
        for s in commitsInEarlierViews where s > lastExecuted { count += 1 }
        return count
    }

    /// Replicas whose FETCH-REPLY said they executed beyond us.
    var othersExecutedAhead: Int {
        var count = 0
        for s in executedAhead where s > lastExecuted { count += 1 }
        return count
    }

    func armProbe(outbox: inout Outbox<Message>) {
        outbox.setTimer(PBFT.Timers.probe, after: settings.idleProbeInterval * Int64(1 << probeBackoff))
    }

    /// The probe fired: if nothing executed since it last did, ask the others (FETCH); they answer only
    /// with what this replica lacks. Messages may still be arriving (a replica stuck alone in a later
    /// view keeps sending its VIEW-CHANGE), so silence is judged by execution, not by traffic.
    func probeIfIdle(outbox: inout Outbox<Message>) {
        if lastExecuted == probeMark {
            sendFetch(outbox: &outbox)
            probeBackoff = min(probeBackoff + 1, 2)
        } else {
            probeBackoff = 0
        }
        probeMark = lastExecuted
        armProbe(outbox: &outbox)
    }

    func fetchIfBehind(outbox: inout Outbox<Message>) {
        guard isBehind else {
            fetchTimer.backoff = 0
            return
        }
        if lastExecuted == fetchTimer.mark {
            sendFetch(outbox: &outbox)
            fetchTimer.backoff = min(fetchTimer.backoff + 1, 6)
        } else {
            fetchTimer.backoff = 0
        }
        noteBehind(outbox: &outbox)
    }

    func sendFetch(outbox: inout Outbox<Message>) {
        var message = PBFT.Fetch(installedView: installedView, from: fetchStart, replica: id, authenticator: .none)
        message.authenticator = keys.authenticate(message.block, .multicast, work: &outbox.cryptoWork)
        outbox.broadcast(.fetch(message))
    }

    /// Where a FETCH asks the others to start: after the last executed number, or, while one replica's
    /// batches are being gathered to reach the stable checkpoint (`adoptBatchesProvenByCheckpoint`),
    /// after the longest run of them held so far. Otherwise a gap wider than one answer (`fetchBatch`)
    /// that only one honest replica can fill would be asked for from its start again and again.
    var fetchStart: UInt64 {
        var start = lastExecuted + 1
        guard lastExecuted < lowWaterMark else { return start }
        for batches in checkpointCandidates.values {
            var next = lastExecuted + 1
            while next < lowWaterMark, batches[next] != nil || decided[next] != nil { next += 1 }
            start = max(start, next)
        }
        return start
    }

    func receiveFetch(_ m: PBFT.Fetch, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender else { return }
        guard keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) else {
            reject(Message.Kind.fetch, outbox: &outbox)
            return
        }
        // A FETCH also tells how far its sender got (or, while it gathers batches toward a checkpoint,
        // how far the gathering got): if f+1 replicas got further, this one is behind.
        if m.from > 0, m.from - 1 > executedAhead[sender.index] { executedAhead[sender.index] = m.from - 1 }
        if m.installedView > viewsAhead[sender.index] { viewsAhead[sender.index] = m.installedView }
        if othersExecutedAhead >= f + 1 || othersInLaterViews >= f + 1 { noteBehind(outbox: &outbox) }
        var entries: [PBFT.FetchEntry] = []
        if m.from >= 1, m.from <= lastExecuted {
            let end = min(lastExecuted, m.from + UInt64(settings.effectiveFetchBatch) - 1)
            for sequence in m.from ... end {
                guard let e = archive[Int(sequence % UInt64(archive.count))], e.sequence == sequence else { break }
                entries.append(e)
            }
        }
        let newView = m.installedView < installedView ? installedNewView : nil
        let stableNews = lowWaterMark >= m.from && lowWaterMark > 0
        guard !entries.isEmpty || newView != nil || stableNews else { return }
        // The asker is behind what the archive keeps: send the state at the stable checkpoint.
        let state = stableNews && entries.isEmpty && durableCheckpoint.sequence == lowWaterMark
            && durableCheckpoint.digest == stableDigest ? durableCheckpoint.state : nil
        var reply = PBFT.FetchReply(view: view, lastExecuted: lastExecuted, stableSequence: lowWaterMark, stableDigest: stableDigest, stableProof: stableProof,
                                    entries: entries, newView: newView, state: state, replica: id, authenticator: .none)
        if keys.mode != .none {
            outbox.cryptoWork.digestsComputed += 1
            reply.authenticator = keys.authenticate(reply.block, .pointToPoint, to: sender, work: &outbox.cryptoWork)
        }
        outbox.send(.fetchReply(reply), to: sender)
    }

    func receiveFetchReply(_ m: PBFT.FetchReply, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender else { return }
        if keys.mode != .none { outbox.cryptoWork.digestsComputed += 1 }
        guard keys.verify(m.authenticator, keys.mode == .none ? PBFT.AuthBlock.empty : m.block, from: sender, .pointToPoint,
                          work: &outbox.cryptoWork) else {
            reject(Message.Kind.fetchReply, outbox: &outbox)
            return
        }
        let before = lastExecuted
        if m.lastExecuted > executedAhead[sender.index] { executedAhead[sender.index] = m.lastExecuted }
        if let newView = m.newView { processNewView(newView, outbox: &outbox) }
        let reported = PBFT.CheckpointEntry(sequence: m.stableSequence, stateDigest: m.stableDigest)
        stableReported[sender.index] = reported
        if m.stableSequence > lowWaterMark {
            if isValidCheckpointProof(m.stableSequence, digest: m.stableDigest, proof: m.stableProof, work: &outbox.cryptoWork)
                || stableReported.count(where: { $0 == reported }) >= f + 1 {
                // A proof that checks here, or f+1 replicas holding the same stable checkpoint: one of
                // them is honest, and an honest replica's stable checkpoint is the state there (it
                // took it on 2f+1 CHECKPOINTs, on a NEW-VIEW's f+1 holders, or on this same rule). A
                // replica that entered a view on a checkpoint it had not made stable itself passes on
                // only the CHECKPOINT messages it has, fewer than 2f+1.
                stabilize(m.stableSequence, digest: m.stableDigest, proof: m.stableProof, outbox: &outbox)
            } else {
                absorbCheckpointVotes(m.stableSequence, digest: m.stableDigest, proof: m.stableProof, outbox: &outbox)
            }
        }
        // Batches f+1 replicas vouch for may take this replica past its own window: it is catching up,
        // and its checkpoints on the way become stable as soon as it holds 2f+1 votes for one.
        let horizon = lastExecuted + 2 * UInt64(settings.effectiveFetchBatch)
        for e in m.entries where e.sequence > lastExecuted && e.sequence <= horizon && decided[e.sequence] == nil {
            var votes = fetchVotes[e.sequence] ?? []
            guard !votes.contains(where: { $0.replica == sender }) else { continue }
            outbox.cryptoWork.digestsComputed += 1
            let digest = PBFT.digest(of: e.requests, scratch: &scratch)
            votes.append((sender, digest, e.requests))
            if votes.filter({ $0.digest == digest }).count >= f + 1 {
                decided[e.sequence] = e.requests
                fetchVotes[e.sequence] = nil
            } else {
                fetchVotes[e.sequence] = votes
            }
        }
        if lastExecuted < lowWaterMark, let state = m.state, m.stableSequence == lowWaterMark, m.stableDigest == stableDigest {
            adoptStateVouchedForByFPlusOne(state, from: sender, outbox: &outbox)
        }
        if lastExecuted < lowWaterMark {
            adoptBatchesProvenByCheckpoint(m.entries, from: sender, work: &outbox.cryptoWork)
        } else if !checkpointCandidates.isEmpty {
            checkpointCandidates.removeAll()  // caught up some other way: what was kept for it is moot
        }
        executeReady(outbox: &outbox)
        for key in fetchVotes.keys where key <= lastExecuted { fetchVotes[key] = nil }
        if lastExecuted > before {
            fetchTimer.backoff = 0
            if isBehind, fetchVotes.isEmpty { sendFetch(outbox: &outbox) }
        }
    }

    /// A stable-checkpoint proof this replica cannot check whole: with MAC authenticators a faulty
    /// replica's CHECKPOINT can verify at some honest replicas and not at others (a split
    /// authenticator), so a proof of 2f+1 votes may hold fewer than 2f+1 that verify here. Each vote
    /// that does verify here is as good as the CHECKPOINT message itself, so it is counted as one:
    /// with this replica's own vote, once it executes that far, 2f+1 make the checkpoint stable here.
    func absorbCheckpointVotes(_ sequence: UInt64, digest: UInt64, proof: [PBFT.Vote], outbox: inout Outbox<Message>) {
        guard sequence % interval == 0 else { return }
        var seen = PBFT.NodeSet(replicaCount: n)
        for vote in proof where vote.replica != id && vote.replica.index >= 0 && vote.replica.index < n && seen.insert(vote.replica) {
            guard checkpointVotes[sequence]?.contains(where: { $0.replica == vote.replica }) != true else { continue }
            let block = PBFT.Checkpoint.block(sequence: sequence, stateDigest: digest, replica: vote.replica)
            guard keys.verify(vote.authenticator, block, from: vote.replica, .multicast, work: &outbox.cryptoWork) else { continue }
            addCheckpointVote(sequence, CheckpointVote(replica: vote.replica, digest: digest, authenticator: vote.authenticator),
                              outbox: &outbox)
            if sequence <= lowWaterMark { return }
        }
    }

    /// The state at the stable checkpoint h, from a replica whose archive no longer reaches back to what
    /// this one executed. The state's digest is a digest of the history that built it, not of its
    /// content, so one sender could pair the certified digest with any content: the state is installed
    /// once f+1 replicas (one of them honest) sent the same bytes for h.
    func adoptStateVouchedForByFPlusOne(_ state: KVStateMachine, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard state.digest == stableDigest else { return }
        var w = WireWriter(capacity: state.encodedSize)
        state.encode(into: &w)
        outbox.cryptoWork.digestsComputed += 1
        let content = w.bytes.withUnsafeBytes { PBFT.Digest(hashing: $0) }
        stateCandidates[sender] = (lowWaterMark, content)
        let vouching = stateCandidates.values.filter { $0.sequence == lowWaterMark && $0.content == content }.count
        guard vouching >= f + 1 else { return }
        stateCandidates.removeAll()
        stateMachine = state
        lastExecuted = lowWaterMark
        for key in decided.keys where key <= lastExecuted { decided[key] = nil }
        checkpointCandidates.removeAll()
        persistCheckpoint(lowWaterMark, digest: stableDigest, proof: stableProof, state: state, outbox: &outbox)
    }

    /// One replica's batches for (lastExecuted, h], with h the stable checkpoint: executed on a copy of
    /// the state machine, they must give exactly the digest 2f+1 replicas certified at h; then they are
    /// the batches committed there, and are decided. A sender whose batches lead elsewhere is forgotten.
    func adoptBatchesProvenByCheckpoint(_ entries: [PBFT.FetchEntry], from sender: NodeID, work: inout CryptoWork) {
        var batches = checkpointCandidates[sender] ?? [:]
        for e in entries where e.sequence > lastExecuted && e.sequence <= lowWaterMark { batches[e.sequence] = e.requests }
        guard !batches.isEmpty else { return }
        var state = stateMachine
        var next = lastExecuted + 1
        while next <= lowWaterMark, let batch = batches[next] ?? decided[next] {
            for request in batch { _ = state.apply(request) }
            next += 1
        }
        guard next > lowWaterMark else {
            checkpointCandidates[sender] = batches
            return
        }
        work.digestsComputed += 1
        guard state.digest == stableDigest else {
            checkpointCandidates[sender] = nil
            return
        }
        for sequence in lastExecuted + 1 ... lowWaterMark where decided[sequence] == nil { decided[sequence] = batches[sequence] }
        checkpointCandidates.removeAll()
    }
}
