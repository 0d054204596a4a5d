import ConsensusCore

extension MultiPaxos {
    /// One slot of a replica's log.
    public struct LogSlot: Sendable, Equatable {
        /// The ballot the acceptor accepted `value` under (`Ballot.zero` with no value: nothing accepted).
        public var ballot: Ballot
        public var value: SlotValue?
        /// The learner knows this slot chosen with `value`.
        public var chosen: Bool

        public init(ballot: Ballot = .zero, value: SlotValue? = nil, chosen: Bool = false) {
            self.ballot = ballot
            self.value = value
            self.chosen = chosen
        }

        public static let empty = LogSlot()
    }

    /// What a replica persists (Paxos Made Simple §3, "each acceptor must record its promises and
    /// acceptances in stable storage"): its acceptor's promised ballot and the (ballot, value) it
    /// accepted per slot. The replica emits `persist()` before answering whenever these change.
    ///
    /// Two things ride along:
    /// - Ballots are never reused without a separate counter: a proposer promises its own ballot (and
    ///   persists it) before it sends anything under it, and its next ballot is above `promised`.
    /// - The learner's `chosen` mark per slot. It needs no `persist()` of its own (losing it is harmless:
    ///   the slot would be learned again), and it lets a restarted replica rebuild its state machine from
    ///   the chosen prefix and answer catch-up requests without fetching everything anew. When a chosen
    ///   value arrives by catch-up it replaces whatever the acceptor had accepted there; that is safe
    ///   because a chosen slot is reported as chosen, so no leader weighs its ballot again.
    public struct DurableState: Sendable, Equatable {
        public var promised: Ballot
        /// The slot `log[0]` holds. Every slot below it is chosen and folded into `snapshot` (log
        /// compaction, Paxos Made Live §5.5): an acceptor may forget what it accepted there, because it
        /// reports those slots chosen and ships the snapshot to whoever lacks them.
        public var logStart: UInt64
        /// The state machine after applying every slot below `logStart`.
        public var snapshot: KVStateMachine
        /// The applied position the first request of slot `logStart` takes.
        public var snapshotPosition: UInt64
        /// Slots `logStart ..< logStart + log.count`.
        public var log: [LogSlot]

        public init(promised: Ballot = .zero, log: [LogSlot] = [], logStart: UInt64 = 0,
                    snapshot: KVStateMachine = KVStateMachine(), snapshotPosition: UInt64 = 0) {
            self.promised = promised
            self.log = log
            self.logStart = logStart
            self.snapshot = snapshot
            self.snapshotPosition = snapshotPosition
        }

        /// One past the last slot the log holds.
        public var logEnd: UInt64 { logStart + UInt64(log.count) }

        /// The index of `slot` in `log` (callers keep `slot >= logStart`).
        @inline(__always) func index(_ slot: UInt64) -> Int { Int(slot - logStart) }

        /// Forgets every slot below `slot` (the log may end before it), whose effect `state` holds, the
        /// next request after them taking `position`.
        mutating func compact(below slot: UInt64, state: KVStateMachine, position: UInt64) {
            guard slot > logStart else { return }
            if slot >= logEnd {
                log.removeAll(keepingCapacity: true)
            } else {
                log.removeFirst(index(slot))
            }
            logStart = slot
            snapshot = state
            snapshotPosition = position
        }
    }
}
