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
        /// Indexed by slot from 0.
        public var log: [LogSlot]

        public init(promised: Ballot = .zero, log: [LogSlot] = []) {
            self.promised = promised
            self.log = log
        }
    }
}
