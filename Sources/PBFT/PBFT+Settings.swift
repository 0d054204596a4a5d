import ConsensusCore

extension PBFT {
    /// How replicas authenticate what they send (OSDI'99 §3 and §5.1 / TOCS §3.2).
    public enum Authentication: String, Sendable, CaseIterable, Equatable {
        /// MAC authenticators: HMAC-SHA256 with a session key per ordered pair of replicas, one MAC per
        /// receiver in a multicast (TOCS §3.2). VIEW-CHANGE and NEW-VIEW are signed, as in the OSDI'99
        /// implementation (§5.1: "signatures only for view-change and new-view messages, sent rarely").
        case mac
        /// Every message is signed with Ed25519 (the algorithm exactly as OSDI'99 §4 presents it).
        case signatures = "sig"
        /// No authentication at all: for pure message-count studies. Byzantine faults are not tolerated.
        case none
    }

    /// Tunables of a PBFT replica. Every field has a default; change the one you care about.
    public struct Settings: Sendable, Equatable {
        /// `--auth mac|sig|none`.
        public var auth: Authentication = .mac
        /// A replica produces a checkpoint every this many sequence numbers (`--checkpoint-interval`,
        /// OSDI'99 §4.3: "e.g. every 100 requests"; the BFT library used 128).
        public var checkpointInterval = 128
        /// The high water mark is the low water mark plus this (§4.3: "H = h + k, where k is big enough
        /// that replicas do not stall waiting for a checkpoint to become stable"). nil: twice the interval.
        public var logWindow: Int? = nil
        /// Most requests one PRE-PREPARE orders (`--batch`, OSDI'99 §5.1 / TOCS §5.1.4). 1 (the default):
        /// one sequence number per request, so message counts read per operation.
        public var maxBatch = 1
        /// Sequence numbers the primary keeps in flight (pre-prepared, not yet executed) before it holds
        /// requests back; what waits meanwhile forms the next batch (TOCS §5.1.4's sliding window).
        /// nil: the log window with `maxBatch` 1 (every request leaves at once), 2 with larger batches.
        public var pipelineDepth: Int? = nil
        /// How long a backup waits for a request it received to execute before it starts a view change
        /// (§4.4). Doubles with each consecutive view change that brought no progress.
        public var requestTimeout: Interval = .milliseconds(200)
        /// How long a replica that collected 2f+1 VIEW-CHANGE messages waits for the NEW-VIEW
        /// (§4.5.2: T, then 2T, 4T ... on consecutive view changes).
        public var viewChangeTimeout: Interval = .milliseconds(200)
        /// How long a replica that learnt it is behind waits before asking the others for what it lacks.
        public var fetchTimeout: Interval = .milliseconds(20)
        /// How long sequence numbers may stay in flight with nothing executing before a replica sends
        /// its messages for them again. Doubles while nothing executes. Only a stall (a lost message)
        /// triggers it: a steady state executes continuously and sends nothing extra.
        public var retransmitTimeout: Interval = .milliseconds(50)
        /// A replica that executed nothing for this long multicasts a FETCH to learn whether it missed
        /// anything (answered only by replicas that know more). Doubles while the silence lasts, up to
        /// 4 times. An idle cluster thus sends a little; a busy one never does.
        public var idleProbeInterval: Interval = .milliseconds(250)
        /// Sequence numbers whose requests a replica keeps after executing them, to answer the fetches of
        /// replicas that fell behind. nil: 32 checkpoint intervals.
        public var archiveLength: Int? = nil
        /// Most executed sequence numbers one FETCH-REPLY carries. nil: one checkpoint interval.
        public var fetchBatch: Int? = nil

        public init() {}

        /// The settings the command line's `--auth`, `--checkpoint-interval` and `--batch` describe.
        public init(auth: Authentication, checkpointInterval: Int = 128, maxBatch: Int = 1, pipelineDepth: Int? = nil) {
            self.auth = auth
            self.checkpointInterval = checkpointInterval
            self.maxBatch = maxBatch
            self.pipelineDepth = pipelineDepth
        }

        /// L: sequence numbers above the low water mark a replica accepts.
        @inlinable public var effectiveLogWindow: Int { logWindow ?? 2 * checkpointInterval }
        @inlinable public var effectivePipelineDepth: Int { pipelineDepth ?? (maxBatch <= 1 ? effectiveLogWindow : 2) }
        @inlinable public var effectiveArchiveLength: Int { archiveLength ?? 32 * checkpointInterval }
        @inlinable public var effectiveFetchBatch: Int { fetchBatch ?? checkpointInterval }

        /// Why these settings cannot run, in one line, or nil.
        public var validationError: String? {
            if checkpointInterval < 1 { return "pbft checkpoint interval must be at least 1 (got \(checkpointInterval))" }
            if effectiveLogWindow < checkpointInterval {
                return "pbft log window (\(effectiveLogWindow)) must be at least the checkpoint interval (\(checkpointInterval))"
            }
            if maxBatch < 1 { return "pbft batch size must be at least 1 (got \(maxBatch))" }
            if effectivePipelineDepth < 1 { return "pbft pipeline depth must be at least 1 (got \(effectivePipelineDepth))" }
            if requestTimeout.nanoseconds <= 0 || viewChangeTimeout.nanoseconds <= 0 || fetchTimeout.nanoseconds <= 0
                || retransmitTimeout.nanoseconds <= 0 || idleProbeInterval.nanoseconds <= 0 {
                return "pbft timeouts must be positive"
            }
            if effectiveArchiveLength < effectiveLogWindow {
                return "pbft archive length (\(effectiveArchiveLength)) must be at least the log window (\(effectiveLogWindow))"
            }
            if effectiveFetchBatch < 1 { return "pbft fetch batch must be at least 1 (got \(effectiveFetchBatch))" }
            return nil
        }
    }
}
