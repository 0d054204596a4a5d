import ConsensusCore

extension HotStuff {
    /// What a replica must never contradict after a crash, and what it needs to rebuild its state:
    /// the view, the last view it voted in (so it never votes twice in one), its highQC and lock (the
    /// safety rule's inputs), and its committed block. Persisted before every vote, proposal and
    /// NEW-VIEW leaves.
    public struct SafetyState: Hashable, Sendable {
        public var view: UInt64
        public var lastVotedView: UInt64
        public var highQC: QuorumCertificate
        public var lockedView: UInt64
        public var lockedHeight: UInt64
        public var lockedBlock: SHA256Hash
        public var committedHeight: UInt64
        public var committedHash: SHA256Hash
    }

    /// A replica's disk: its safety state, its last checkpoint (block and state), and the blocks above
    /// the checkpoint it stored, committed or not. A restart installs the checkpoint and executes the
    /// committed blocks above it again.
    public struct DurableState: Sendable {
        public var safety: SafetyState
        public var checkpoint: StateReply
        /// Ascending height.
        public var blocks: [Block]
    }

    /// One change to the disk.
    public enum DurableChange: Sendable {
        case safety(SafetyState)
        case block(Block)
        /// A new checkpoint: the blocks at or below its height are dropped.
        case checkpoint(StateReply)
    }

    /// What the disk holds, so that a persist writes only what changed.
    struct DiskMark {
        var needsSnapshot = true
        var safety: SafetyState?
        var checkpointChanged = false
        var newBlocks: [SHA256Hash] = []
    }

    /// The values that must never decrease, as the invariant check last saw them.
    struct Floors {
        var view: UInt64 = 0
        var lastVotedView: UInt64 = 0
        var committedHeight: UInt64 = 0
        var lockedView: UInt64 = 0
    }
}

extension HotStuff.Replica {
    public typealias DurableState = HotStuff.DurableState
    public typealias DurableChange = HotStuff.DurableChange

    var safetyState: HotStuff.SafetyState {
        HotStuff.SafetyState(view: view, lastVotedView: lastVotedView, highQC: highQC, lockedView: lockedView,
                             lockedHeight: lockedHeight, lockedBlock: lockedBlock,
                             committedHeight: committedHeight, committedHash: committedHash)
    }

    public var durableState: HotStuff.DurableState {
        let floor = checkpoint.block.height
        return HotStuff.DurableState(safety: safetyState, checkpoint: checkpoint,
                                     blocks: blocks.values.filter { $0.height > floor }.sorted { ($0.height, $0.view) < ($1.height, $1.view) })
    }

    public func takeDurableRecords(into journal: inout [JournalRecord]) {
        defer {
            disk.needsSnapshot = false
            disk.safety = safetyState
            disk.checkpointChanged = false
            disk.newBlocks.removeAll(keepingCapacity: true)
        }
        if disk.needsSnapshot {
            journal.append(.snapshot(durableState))
            return
        }
        let safety = safetyState
        if disk.checkpointChanged { journal.append(.change(.checkpoint(checkpoint))) }
        for hash in disk.newBlocks {
            if let b = blocks[hash], b.height > checkpoint.block.height { journal.append(.change(.block(b))) }
        }
        if disk.safety != safety { journal.append(.change(.safety(safety))) }
    }

    public static func apply(_ change: HotStuff.DurableChange, to state: inout HotStuff.DurableState) {
        switch change {
        case .safety(let s):
            state.safety = s
        case .block(let b):
            if b.height > state.checkpoint.block.height { state.blocks.append(b) }
        case .checkpoint(let c):
            state.checkpoint = c
            state.blocks.removeAll { $0.height <= c.block.height }
        }
    }

    /// A vote this replica sent but has not persisted: a crash would let it vote again in that view.
    public func unpersistedAnswer() -> String? {
        guard let written = disk.safety?.lastVotedView ?? (disk.needsSnapshot ? nil : 0) else {
            return lastVotedView > 0 ? "voted in view \(lastVotedView) with nothing on disk" : nil
        }
        return lastVotedView > written ? "voted in view \(lastVotedView), the disk says \(written)" : nil
    }

    /// Restart: the safety state as persisted, the checkpoint's state, and the committed blocks above
    /// it executed again (answering no client: they were answered before the crash).
    func restore(_ durable: HotStuff.DurableState, outbox: inout Outbox<HotStuff.Message>) {
        let s = durable.safety
        view = s.view
        lastVotedView = s.lastVotedView
        highQC = s.highQC
        lockedView = s.lockedView
        lockedHeight = s.lockedHeight
        lockedBlock = s.lockedBlock
        newViewSentFor = s.view
        proposedView = s.lastVotedView
        checkpoint = durable.checkpoint
        stateMachine = durable.checkpoint.state
        committedHeight = durable.checkpoint.block.height
        committedHash = durable.checkpoint.block.hash
        blocks = [durable.checkpoint.block.hash: durable.checkpoint.block]
        for b in durable.blocks { blocks[b.hash] = b }
        let (chain, reached) = chain(down: s.committedHash)
        if reached == committedHash {
            for b in chain.reversed() { execute(b, replaying: true, outbox: &outbox) }
        }
        disk.needsSnapshot = false
        disk.safety = safetyState
        floors = HotStuff.Floors(view: view, lastVotedView: lastVotedView, committedHeight: committedHeight, lockedView: lockedView)
    }
}
