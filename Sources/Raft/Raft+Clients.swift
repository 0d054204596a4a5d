import ConsensusCore

// MARK: - Clients and the state machine (Raft §8)

extension Raft.Replica {
    /// §8: only the leader takes requests; others redirect to the leader they know. Every command,
    /// reads too, goes through the log, so a reply reflects a committed, linearizable order. A request
    /// the session table already executed is answered from it, and one still waiting in the log is not
    /// appended again.
    public func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>) {
        guard request.client != Raft.noopClient else { return }
        guard role == .leader else {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id,
                                     outcome: .redirect(hint: knownLeader)))
            return
        }
        if let result = stateMachine.cachedResult(client: request.client, sequence: request.sequence) {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
            return
        }
        if stateMachine.hasExecuted(request) { return }  // older than the session's latest: the client moved on
        let key = RequestKey(request)
        if pending[key] != nil {
            pending[key]!.asked = true  // in the log already: answer when it is applied
            return
        }
        appendToLog(request, outbox: &outbox)
        pending[key] = PendingRequest(index: log.lastIndex, asked: true)
        for p in progress.indices where p != id.index { sendAppends(to: p, flush: false, outbox: &outbox) }
        if cluster.replicaCount == 1 { advanceCommitIndex(outbox: &outbox) }
    }

    /// Applies committed entries in log order (§5.3), reporting each position to the shell; the leader
    /// answers the clients that asked it.
    func applyCommitted(outbox: inout Outbox<Message>) {
        while lastApplied < commitIndex {
            lastApplied += 1
            let request = log[lastApplied].request
            let executedBefore = stateMachine.executedCount
            let result = stateMachine.apply(request)
            let executed: Bool
            if case .noop = request.command { executed = true } else { executed = stateMachine.executedCount > executedBefore }
            outbox.applied(position: lastApplied, request: request, executed: executed)
            if role == .leader && request.client != Raft.noopClient {
                answer(request, at: lastApplied, result: result, outbox: &outbox)
            }
        }
        snapshotIfDue(outbox: &outbox)
    }

    func answer(_ request: ClientRequest, at index: UInt64, result: CommandResult?, outbox: inout Outbox<Message>) {
        let key = RequestKey(request)
        guard let p = pending[key], p.index == index else { return }
        pending[key] = nil
        if p.asked, let result {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
        }
    }
}
