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
        /// while the window is full wait (and batch, when `maxBatch > 1`). nil picks the default, as for
        /// Raft: 1024 with `maxBatch` 1 (every request leaves at once), 2 with larger batches (two batches
        /// in flight; what arrives meanwhile forms the next one).
        public var maxInflight: Int?
        /// How long a partial batch may wait for more requests while the window has room. Zero (the
        /// default): propose as soon as the window has room, so batches form only while it is full.
        public var batchDelay: Interval
        /// How often the leader broadcasts a heartbeat (with its chosen-up-to index).
        public var heartbeatInterval: Interval
        /// A follower suspects the leader after a timeout drawn uniformly from this range, re-drawn each time.
        public var electionTimeoutMin: Interval
        public var electionTimeoutMax: Interval
        /// A proposer preempted by a higher ballot waits at least an interval drawn from this range before
        /// it may try again (so duelling proposers fall out of step).
        public var backoffMin: Interval
        public var backoffMax: Interval
        /// A leader that has not heard from a majority (itself included) within `electionTimeoutMin`
        /// steps down, so clients stuck behind a leader cut off from its majority are redirected (the
        /// liveness half of Raft's check-quorum, thesis §6.2; safety never depends on it).
        public var checkQuorum: Bool
        /// Most chosen slots in one CatchUp message.
        public var catchUpChunk: Int
        /// Applied slots between snapshots: each replica compacts its log on its own once this many
        /// slots were applied since its last snapshot (0: never), so memory and the journal stay bounded.
        public var snapshotInterval: Int
        /// Replicas that run phase 1 as soon as a fresh cluster starts (more than one: they duel).
        /// The others wait for an election timeout.
        public var initialProposers: [NodeID]

        public init(
            commitMode: CommitMode = .piggyback,
            maxBatch: Int = 1,
            maxInflight: Int? = nil,
            batchDelay: Interval = .zero,
            heartbeatInterval: Interval = .milliseconds(50),
            electionTimeoutMin: Interval = .milliseconds(150),
            electionTimeoutMax: Interval = .milliseconds(300),
            backoffMin: Interval = .milliseconds(20),
            backoffMax: Interval = .milliseconds(200),
            checkQuorum: Bool = true,
            catchUpChunk: Int = 1024,
            snapshotInterval: Int = MultiPaxos.defaultSnapshotInterval,
            initialProposers: [NodeID] = [NodeID(0)]
        ) {
            self.commitMode = commitMode
            self.maxBatch = maxBatch
            self.maxInflight = maxInflight
            self.batchDelay = batchDelay
            self.heartbeatInterval = heartbeatInterval
            self.electionTimeoutMin = electionTimeoutMin
            self.electionTimeoutMax = electionTimeoutMax
            self.backoffMin = backoffMin
            self.backoffMax = backoffMax
            self.checkQuorum = checkQuorum
            self.catchUpChunk = catchUpChunk
            self.snapshotInterval = snapshotInterval
            self.initialProposers = initialProposers
        }

        /// The pipeline window `maxInflight` (or its default) gives, in slots.
        public var inflightLimit: Int { maxInflight ?? (maxBatch <= 1 ? 1024 : 2) }

        /// Why these settings cannot run, in one line, or nil.
        public var validationError: String? {
            if electionTimeoutMin.nanoseconds <= 0 { return "multipaxos election timeout must be positive (got \(electionTimeoutMin))" }
            if electionTimeoutMax < electionTimeoutMin {
                return "multipaxos election timeout range is empty (\(electionTimeoutMin)–\(electionTimeoutMax))"
            }
            if heartbeatInterval.nanoseconds <= 0 || !(heartbeatInterval < electionTimeoutMin) {
                return "multipaxos heartbeat interval must be positive and below the minimum election timeout (got \(heartbeatInterval), timeout \(electionTimeoutMin))"
            }
            if backoffMin.nanoseconds < 0 || backoffMax < backoffMin { return "multipaxos back-off range is invalid (\(backoffMin)–\(backoffMax))" }
            if maxBatch < 1 { return "multipaxos batch size must be at least 1 (got \(maxBatch))" }
            if let w = maxInflight, w < 1 { return "multipaxos pipeline depth must be at least 1 (got \(w))" }
            if batchDelay.nanoseconds < 0 { return "multipaxos batch delay must not be negative (got \(batchDelay))" }
            if catchUpChunk < 1 { return "multipaxos catch-up chunk must be at least 1 (got \(catchUpChunk))" }
            if snapshotInterval < 0 { return "multipaxos snapshot interval must not be negative (got \(snapshotInterval))" }
            return nil
        }
    }
}
