import ConsensusCore

// Committing: a committed block and its uncommitted ancestors execute in height order, every replica
// answers the clients, and every `checkpointInterval` heights the state is kept and older blocks go.

extension HotStuff.Replica {
    /// Commits `b` and every ancestor above the committed block.
    func commit(_ b: HotStuff.Block, outbox: inout Outbox<HotStuff.Message>) {
        let (chain, reached) = chain(down: b.hash)
        guard reached == committedHash, chain.last.map({ $0.height == committedHeight + 1 }) ?? false else {
            outbox.unsafe("hotstuff replica \(id.rawValue): block at height \(b.height) does not extend its committed block at height \(committedHeight)")
            return
        }
        for block in chain.reversed() { execute(block, replaying: false, outbox: &outbox) }
        consecutiveTimeouts = 0
        if !hasWork() { cancelViewTimer(outbox: &outbox) }
    }

    /// The kept blocks from `hash` down to the committed height, highest first, and the hash where the
    /// walk stopped (the committed block's when they reach it).
    func chain(down hash: SHA256Hash) -> (blocks: [HotStuff.Block], reached: SHA256Hash) {
        var chain: [HotStuff.Block] = []
        var h = hash
        while let block = blocks[h], block.height > committedHeight {
            chain.append(block)
            h = block.parent
        }
        return (chain, h)
    }

    /// The log position of a block's index-th command: dense per height, `maxBatch` per block.
    @inline(__always) func position(height: UInt64, index: Int) -> UInt64 {
        (height - 1) * UInt64(settings.maxBatch) + UInt64(index) + 1
    }

    /// Executes one block on top of the committed one. `replaying` (a restart re-executing what it
    /// committed before) answers no client: it did so before the crash.
    func execute(_ block: HotStuff.Block, replaying: Bool, outbox: inout Outbox<HotStuff.Message>) {
        for (index, request) in block.commands.enumerated() {
            let before = stateMachine.executedCount
            let result = stateMachine.apply(request)
            let executed: Bool
            if case .noop = request.command { executed = true } else { executed = stateMachine.executedCount != before }
            outbox.applied(position: position(height: block.height, index: index), request: request, executed: executed)
            pending[HotStuff.RequestKey(request)] = nil
            if !replaying, let result, request.client != ClientID.system {
                outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
            }
        }
        committedHeight = block.height
        committedHash = block.hash
        if block.height % UInt64(settings.checkpointInterval) == 0 {
            checkpoint = HotStuff.StateReply(block: block, state: stateMachine)
            disk.checkpointChanged = true
            prune()
        }
        dropLeavingRequests()
    }

    /// Drops the arrival order's head while its requests have left the pending pool (executed); keys
    /// further in are skipped when met.
    func dropLeavingRequests() {
        while let first = pendingOrder.first, pending[first] == nil { pendingOrder.removeFirst() }
    }

    /// Drops every block below the checkpoint (committed ones, and forks that lost).
    func prune() {
        let floor = checkpoint.block.height
        blocks = blocks.filter { $0.value.height >= floor }
        if blocks[checkpoint.block.hash] == nil { blocks[checkpoint.block.hash] = checkpoint.block }
    }

    /// Whether this replica has something that needs the chain to move: requests not executed, or
    /// commands in blocks it has not committed.
    func hasWork() -> Bool {
        if !pending.isEmpty { return true }
        var h = highQC.block
        while let b = blocks[h], b.height > committedHeight {
            if !b.commands.isEmpty { return true }
            h = b.parent
        }
        return false
    }
}
