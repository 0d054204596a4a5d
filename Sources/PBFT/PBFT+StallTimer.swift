import ConsensusCore

extension PBFT {
    /// A timer that fires only on a replica that is stuck: the retransmission timer and the fetch
    /// timer. Each records `lastExecuted` when it is armed; when it fires, nothing executed since means
    /// the replica is stalled. Each round without progress doubles the next wait (`backoff`), which
    /// progress resets.
    struct StallTimer: Sendable {
        var armed = false
        /// `lastExecuted` when the timer was armed.
        var mark: UInt64 = 0
        /// Doublings of the base timeout for the next arming.
        var backoff = 0

        /// Arms the timer unless it is armed already; returns how long to set it for.
        mutating func arm(mark: UInt64, base: Interval) -> Interval? {
            guard !armed else { return nil }
            armed = true
            self.mark = mark
            return base * Int64(1 << backoff)
        }
    }
}
