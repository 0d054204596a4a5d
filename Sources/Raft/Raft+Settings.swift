import ConsensusCore

extension Raft {
    /// Tunables of a Raft replica. Every field has a default; change the one you care about.
    public struct Settings: Sendable, Equatable {
        /// The range an election timeout is drawn from, uniformly, each time a server (re)starts its
        /// election clock (§5.2: randomization makes split votes rare; the paper suggests 150–300 ms).
        public var electionTimeoutMin: Interval = .milliseconds(150)
        public var electionTimeoutMax: Interval = .milliseconds(300)
        /// How often a leader sends AppendEntries to each follower even with nothing new (§5.2). Must be
        /// well under `electionTimeoutMin` so followers never time out under a healthy leader.
        public var heartbeatInterval: Interval = .milliseconds(50)
        /// Ask for votes without raising the term first, and run the real election only when a majority
        /// would grant it (thesis §9.6). A node rejoining from a partition then cannot depose the leader.
        public var preVote = true
        /// A leader that has not heard from a majority within an election timeout steps down, and a
        /// follower that heard from its leader within the minimum election timeout refuses to vote
        /// (thesis §6.2 and §4.2.3). A leader cut off from its majority stops acting as one.
        public var checkQuorum = true
        /// Most entries one AppendEntries carries (§5.3). 1 (the default): one message per entry per
        /// follower, so message counts read per operation.
        public var maxBatch = 1
        /// Most AppendEntries carrying entries in flight to one follower (pipelining). nil picks the
        /// default: 1024 with `maxBatch` 1 (every entry leaves at once), 2 with larger batches (two
        /// batches in flight; what arrives meanwhile forms the next batch).
        public var maxInflight: Int? = nil
        /// How long a partial batch may wait for more entries while the window has room. Zero (the
        /// default): send as soon as the window has room, so batches form only while it is full.
        public var batchDelay: Interval = .zero
        /// The replica that campaigns first in a fresh cluster: its first election timeout is half the
        /// minimum, so a new cluster elects it and clients' first target (`clientContract`) is right.
        /// nil: every replica draws its first timeout from the full range.
        public var bootstrapLeader: NodeID? = NodeID(0)
        /// Applied entries between snapshots (§7): each server compacts its log on its own once this
        /// many entries were applied since its last snapshot, so memory and the journal stay bounded.
        /// 0: never (the log keeps every entry).
        public var snapshotInterval = Raft.defaultSnapshotInterval

        public init() {}

        /// The settings the command line's `--batch` and `--pipeline` describe.
        public init(maxBatch: Int, maxInflight: Int? = nil) {
            self.maxBatch = maxBatch
            self.maxInflight = maxInflight
        }

        /// The in-flight window per follower that `maxInflight` (or its default) gives.
        @inlinable public var inflightLimit: Int { maxInflight ?? (maxBatch <= 1 ? 1024 : 2) }

        /// Why these settings cannot run, in one line, or nil.
        public var validationError: String? {
            if electionTimeoutMin.nanoseconds <= 0 { return "raft election timeout must be positive (got \(electionTimeoutMin))" }
            if electionTimeoutMax < electionTimeoutMin {
                return "raft election timeout range is empty (\(electionTimeoutMin)–\(electionTimeoutMax))"
            }
            if heartbeatInterval.nanoseconds <= 0 || !(heartbeatInterval < electionTimeoutMin) {
                return "raft heartbeat interval must be positive and below the minimum election timeout (got \(heartbeatInterval), timeout \(electionTimeoutMin))"
            }
            if maxBatch < 1 { return "raft batch size must be at least 1 (got \(maxBatch))" }
            if let w = maxInflight, w < 1 { return "raft pipeline depth must be at least 1 (got \(w))" }
            if batchDelay.nanoseconds < 0 { return "raft batch delay must not be negative (got \(batchDelay))" }
            if snapshotInterval < 0 { return "raft snapshot interval must not be negative (got \(snapshotInterval))" }
            return nil
        }
    }
}
