import ConsensusCore

extension MultiPaxos {
    /// Knobs of a Multi-Paxos cluster. Every field has a default; change the one you study.
    public struct Settings: Sendable, Equatable {
        /// How replicas other than the leader learn that a slot was chosen.
        public enum CommitMode: String, Sendable, Equatable, CaseIterable {
            /// The leader's chosen-up-to index rides on its next Accept or heartbeat: no extra message
            /// (2n messages per operation in steady state).
            case piggyback
            /// The leader sends Commit(slot) to the n − 1 others as soon as a slot is chosen
            /// (3n − 1 messages per operation), so followers learn (and apply) one round trip sooner.
            case explicit
        }

        public var commitMode: CommitMode
        /// Most client requests in one slot. 1 (the default): one request per slot, so message counts are
        /// per operation. Above 1, requests waiting while the pipeline is full share the next slot; each
        /// request of a slot is applied, in order, at its own position (see `Replica`).
        public var maxBatch: Int
        /// Most slots the leader has proposed beyond its first unchosen one (pipelining). Requests arriving
        /// while the window is full wait (and batch, when `maxBatch > 1`).
        public var maxInflight: Int
        /// How often the leader broadcasts a heartbeat (with its chosen-up-to index).
        public var heartbeatInterval: Interval
        /// A follower suspects the leader after a timeout drawn uniformly from this range, re-drawn each time.
        public var electionTimeoutMin: Interval
        public var electionTimeoutMax: Interval
        /// A proposer preempted by a higher ballot waits at least an interval drawn from this range before
        /// it may try again (so duelling proposers fall out of step).
        public var backoffMin: Interval
        public var backoffMax: Interval
        /// Most chosen slots in one CatchUp message.
        public var catchUpChunk: Int
        /// Replicas that run phase 1 as soon as a fresh cluster starts (more than one: they duel).
        /// The others wait for an election timeout.
        public var initialProposers: [NodeID]

        public init(
            commitMode: CommitMode = .piggyback,
            maxBatch: Int = 1,
            maxInflight: Int = 1024,
            heartbeatInterval: Interval = .milliseconds(50),
            electionTimeoutMin: Interval = .milliseconds(150),
            electionTimeoutMax: Interval = .milliseconds(300),
            backoffMin: Interval = .milliseconds(20),
            backoffMax: Interval = .milliseconds(200),
            catchUpChunk: Int = 1024,
            initialProposers: [NodeID] = [NodeID(0)]
        ) {
            self.commitMode = commitMode
            self.maxBatch = maxBatch
            self.maxInflight = maxInflight
            self.heartbeatInterval = heartbeatInterval
            self.electionTimeoutMin = electionTimeoutMin
            self.electionTimeoutMax = electionTimeoutMax
            self.backoffMin = backoffMin
            self.backoffMax = backoffMax
            self.catchUpChunk = catchUpChunk
            self.initialProposers = initialProposers
        }
    }
}
