import ConsensusCore

extension MultiPaxos {
    /// What one slot of the log holds: one client request (the default, `Settings.maxBatch == 1`,
    /// which stays free of heap allocation) or a batch of them, applied in order.
    public enum SlotValue: Hashable, Sendable {
        case one(ClientRequest)
        case batch([ClientRequest])

        public static let noop = SlotValue.one(MultiPaxos.noopRequest)

        /// How many requests the slot carries (each is one applied position).
        @inlinable public var count: Int {
            switch self {
            case .one: return 1
            case .batch(let requests): return requests.count
            }
        }

        /// The requests of the slot, in the order they are applied.
        public var requests: [ClientRequest] {
            switch self {
            case .one(let r): return [r]
            case .batch(let rs): return rs
            }
        }

        public var isNoop: Bool {
            if case .one(let r) = self, case .noop = r.command { return true }
            return false
        }
    }

    /// One slot as an acceptor reports it in a Promise (PMMC's `pvalue`, plus whether the acceptor
    /// already knows the slot chosen, in which case the new leader takes the value as final).
    public struct PromiseEntry: Hashable, Sendable {
        public var slot: UInt64
        public var ballot: Ballot
        public var chosen: Bool
        public var value: SlotValue

        public init(slot: UInt64, ballot: Ballot, chosen: Bool, value: SlotValue) {
            self.slot = slot
            self.ballot = ballot
            self.chosen = chosen
            self.value = value
        }
    }
}
