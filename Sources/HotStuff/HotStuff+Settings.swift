import ConsensusCore

extension HotStuff {
    /// Tunables of a HotStuff replica. Every field has a default; change the one you care about.
    public struct Settings: Sendable {
        /// Client requests per block (`--batch`).
        public var maxBatch = 1
        /// Committed heights between checkpoints: a replica keeps the state as of its last checkpoint
        /// and the blocks above it, and prunes the rest, so a long run keeps bounded memory. A replica
        /// that fell further behind than its peers' checkpoints catches up by state transfer.
        public var checkpointInterval = 1000
        /// How long a replica with work pending waits in a view for a proposal before it times out: many
        /// times a view's round trip (a proposal and a vote: about 1 ms over the default 200 µs links,
        /// a few at n = 31 under load). Doubles with each timeout that no commit follows, up to
        /// `maximumViewTimeout`, so a slow network gets the time it needs. 20 ms was too short for real
        /// sockets: one client over TCP at n = 4 then timed out 4.2 times per operation (p50 33 ms);
        /// at 50 ms it never does (p50 3.6 ms).
        public var viewTimeout: Interval = .milliseconds(50)
        public var maximumViewTimeout: Interval = .seconds(3.2)
        /// How long a block fetch or state request waits before asking again elsewhere.
        public var fetchTimeout: Interval = .milliseconds(30)
        /// How long a replica waits without a commit before it probes another for what it missed (an
        /// idle cluster sends no proposal that would show a lagging replica its gap). Backs off to 4×.
        public var idleProbeInterval: Interval = .milliseconds(250)
        /// Most blocks one BLOCKS answer carries.
        public var fetchBatch = 64
        /// Signatures already found valid in this run, shared by its replicas: set by the simulator
        /// (`BenchmarkedReplica.forSimulation`) so that verifying one QC at n replicas computes each
        /// signature check once on the host. Every check is still counted and charged to each replica;
        /// the real shells leave it nil and pay for every check.
        public var signatureMemo: SignatureMemo? = nil

        public init() {}

        /// The settings the command line's `--batch` and `--checkpoint-interval` describe.
        public init(maxBatch: Int, checkpointInterval: Int = 1000) {
            self.maxBatch = maxBatch
            self.checkpointInterval = checkpointInterval
        }

        /// Why these settings cannot run, in one line, or nil.
        public var validationError: String? {
            if maxBatch < 1 { return "hotstuff batch size must be at least 1 (got \(maxBatch))" }
            if checkpointInterval < 1 { return "hotstuff checkpoint interval must be at least 1 (got \(checkpointInterval))" }
            if viewTimeout.nanoseconds <= 0 { return "hotstuff view timeout must be positive (got \(viewTimeout))" }
            return nil
        }
    }
}
