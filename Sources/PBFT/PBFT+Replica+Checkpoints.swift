import ConsensusCore

// Garbage collection (§4.3). Every K sequence numbers a replica multicasts CHECKPOINT with the digest
// of its state; 2f+1 matching ones (its own included) make the checkpoint stable, the proof of its
// correctness. The low water mark h moves to it, and everything in the log at or below it is discarded.

extension PBFT.Replica {
    /// After executing sequence number `sequence` (a multiple of K): multicast CHECKPOINT(n, d, i) and
    /// keep the state it certifies until the checkpoint is stable.
    func takeCheckpoint(_ sequence: UInt64, outbox: inout Outbox<Message>) {
        let digest = stateMachine.digest
        if sequence <= lowWaterMark {
            // Caught up (state transfer) to a checkpoint the others already made stable.
            if sequence == lowWaterMark, digest == stableDigest {
                persistCheckpoint(sequence, digest: digest, proof: stableProof, state: stateMachine, outbox: &outbox)
            }
            return
        }
        ownCheckpoints[sequence] = (digest, stateMachine)
        var message = PBFT.Checkpoint(sequence: sequence, stateDigest: digest, replica: id, authenticator: .none)
        message.authenticator = keys.authenticate(message.block, .multicast, work: &outbox.cryptoWork)
        outbox.broadcast(.checkpoint(message))
        addCheckpointVote(sequence, CheckpointVote(replica: id, digest: digest, authenticator: message.authenticator),
                          outbox: &outbox)
    }

    func receiveCheckpoint(_ m: PBFT.Checkpoint, from sender: NodeID, outbox: inout Outbox<Message>) {
        guard m.replica == sender, m.sequence % interval == 0 else { return }
        if m.sequence == lowWaterMark, m.stateDigest == stableDigest, stableProof.count < n, lowWaterMark > 0,
           !stableProof.contains(where: { $0.replica == sender }) {
            // A late vote for the stable checkpoint joins its proof (what VIEW-CHANGE and FETCH-REPLY
            // carry): a faulty replica's vote in it may verify here and not elsewhere (a split
            // authenticator), so the proof keeps every honest vote it gets, unchecked (readers check).
            stableProof.append(PBFT.Vote(replica: sender, authenticator: m.authenticator))
            return
        }
        guard m.sequence > lowWaterMark else { return }
        guard keys.verify(m.authenticator, m.block, from: sender, .multicast, work: &outbox.cryptoWork) else {
            reject(Message.Kind.checkpoint, outbox: &outbox)
            return
        }
        guard m.sequence <= highWaterMark else {
            // The sender is past our window: once f+1 are, at least one honest replica is, and this
            // replica has fallen behind (TOCS §5.3.2).
            if m.sequence > checkpointsAhead[sender.index] {
                checkpointsAhead[sender.index] = m.sequence
                if othersAheadOfWindow >= f + 1 { noteBehind(outbox: &outbox) }
            }
            return
        }
        addCheckpointVote(m.sequence, CheckpointVote(replica: sender, digest: m.stateDigest, authenticator: m.authenticator),
                          outbox: &outbox)
    }

    /// Replicas that announced a checkpoint above our high water mark.
    var othersAheadOfWindow: Int {
        var count = 0
        for s in checkpointsAhead where s > highWaterMark { count += 1 }
        return count
    }

    func addCheckpointVote(_ sequence: UInt64, _ vote: CheckpointVote, outbox: inout Outbox<Message>) {
        var votes = checkpointVotes[sequence] ?? []
        if votes.contains(where: { $0.replica == vote.replica }) { return }
        votes.append(vote)
        checkpointVotes[sequence] = votes
        // Count before building the proof: most votes arrive short of a quorum, and counting allocates nothing.
        guard votes.count(where: { $0.digest == vote.digest }) >= quorum else { return }
        stabilize(sequence, digest: vote.digest, proof: checkpointProof(sequence, digest: vote.digest), outbox: &outbox)
    }

    /// The CHECKPOINT messages held for (sequence, digest), as the proof that makes it stable.
    func checkpointProof(_ sequence: UInt64, digest: UInt64) -> [PBFT.Vote] {
        (checkpointVotes[sequence] ?? []).filter { $0.digest == digest }
            .map { PBFT.Vote(replica: $0.replica, authenticator: $0.authenticator) }
    }

    /// The checkpoint at `sequence` is stable (or a NEW-VIEW or state transfer proved it so): move the
    /// low water mark and discard the log, the checkpoint messages and the states below it (§4.3).
    func stabilize(_ sequence: UInt64, digest: UInt64, proof: [PBFT.Vote], outbox: inout Outbox<Message>) {
        guard sequence > lowWaterMark else { return }
        lowWaterMark = sequence
        stableDigest = digest
        stableProof = proof
        for i in slots.indices where slots[i].sequence != 0 && slots[i].sequence <= sequence {
            slots[i].discard()
        }
        for key in checkpointVotes.keys where key <= sequence { checkpointVotes[key] = nil }
        if let own = ownCheckpoints[sequence], own.digest == digest {
            persistCheckpoint(sequence, digest: digest, proof: proof, state: own.state, outbox: &outbox)
        }
        for key in ownCheckpoints.keys where key <= sequence { ownCheckpoints[key] = nil }
        for key in decided.keys where key <= lastExecuted { decided[key] = nil }
        if lastAssigned < sequence { lastAssigned = sequence }
        if lastExecuted < sequence { noteBehind(outbox: &outbox) }
        propose(outbox: &outbox)
    }

    /// Whether `proof` holds 2f+1 valid CHECKPOINT(sequence, digest) votes from distinct replicas.
    /// Sequence number 0 is the initial state, which needs no proof.
    /// The checkpoint this replica holds stable itself needs no proof here: it knows it (a proof that
    /// holds a faulty replica's split vote may verify at its holder and not here).
    func isValidCheckpointProof(_ sequence: UInt64, digest: UInt64, proof: [PBFT.Vote], work: inout CryptoWork) -> Bool {
        if sequence == 0 { return digest == PBFT.genesisDigest }
        if sequence == lowWaterMark, digest == stableDigest { return true }
        guard sequence % interval == 0, proof.count >= quorum else { return false }
        var seen = PBFT.NodeSet(replicaCount: n)
        var valid = 0
        for vote in proof where vote.replica.index >= 0 && vote.replica.index < n && seen.insert(vote.replica) {
            let block = PBFT.Checkpoint.block(sequence: sequence, stateDigest: digest, replica: vote.replica)
            if keys.verify(vote.authenticator, block, from: vote.replica, .multicast, work: &work) { valid += 1 }
            if valid >= quorum { return true }
        }
        return valid >= quorum
    }

    /// The stable checkpoint and the state it certifies become what survives a crash.
    func persistCheckpoint(_ sequence: UInt64, digest: UInt64, proof: [PBFT.Vote], state: KVStateMachine,
                           outbox: inout Outbox<Message>) {
        durableCheckpoint = PBFT.DurableCheckpoint(sequence: sequence, digest: digest, proof: proof, state: state)
        persistCheckpointRecord(outbox: &outbox)
    }
}

extension PBFT {
    /// The digest of the initial (empty) state: the checkpoint at sequence number 0.
    static let genesisDigest = KVStateMachine().digest
}
