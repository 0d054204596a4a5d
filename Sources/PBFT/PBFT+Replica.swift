import ConsensusCore

extension PBFT {
    /// One PBFT replica. Inputs come from the shell (`start`, `receive`, `timerFired`, `clientRequest`);
    /// everything it wants done goes into the outbox.
    ///
    /// The file is split by concern: this one holds the state, the statics and the dispatch; client
    /// requests and the primary's ordering live in `PBFT+Replica+Requests.swift`, the three-phase
    /// agreement and execution in `+Agreement`, garbage collection in `+Checkpoints`, view changes in
    /// `+ViewChange` (with the pure computation of O in `PBFT+NewViewDecision.swift`) and state
    /// transfer in `+StateTransfer`.
    public final class Replica: ConsensusCore.Replica {
        public typealias Message = PBFT.Message
        public typealias Settings = PBFT.Settings
        public typealias DurableState = PBFT.DurableState

        public let id: NodeID
        public let cluster: ClusterConfig
        public let settings: Settings
        let n: Int
        let f: Int
        /// 2f+1: the quorum of every phase and of a stable checkpoint.
        let quorum: Int
        /// L, the width of the water-mark window (§4.3).
        let window: UInt64
        /// K, sequence numbers between checkpoints.
        let interval: UInt64
        var keys: Keyring
        /// Reused for digesting request batches (no allocation per digest).
        var scratch = WireWriter(capacity: 256)

        // MARK: View (§4.4)

        /// The current view, or the view being changed to while `isViewActive` is false.
        public internal(set) var view: UInt64 = 0
        /// False between sending VIEW-CHANGE for `view` and accepting its NEW-VIEW.
        public internal(set) var isViewActive = true
        /// The last view whose NEW-VIEW this replica processed (view 0 needs none).
        var installedView: UInt64 = 0
        /// The NEW-VIEW of `installedView`, handed to replicas that missed it.
        var installedNewView: NewView?
        /// View changes since a request last executed; timeouts double with each (§4.5.2).
        var consecutiveViewChanges = 0
        var viewChangeTimerArmed = false
        /// The latest VIEW-CHANGE each replica sent (checked), by replica.
        var viewChanges: [ViewChange?]
        /// The view this replica last sent NEW-VIEW for, as its primary.
        var newViewSent: UInt64?

        // MARK: Log (§4.2, §4.3)

        var slots: [Slot]
        /// What the last persist wrote (PBFT+Journal.swift).
        var disk = DiskMark()
        /// h: the sequence number of the last stable checkpoint.
        public internal(set) var lowWaterMark: UInt64 = 0
        var stableDigest: UInt64
        var stableProof: [Vote] = []
        /// The highest sequence number executed.
        public internal(set) var lastExecuted: UInt64 = 0
        /// The primary's last assigned sequence number.
        var lastAssigned: UInt64 = 0
        /// The highest sequence number known committed-local here (a gap below it means we are behind).
        var highestCommitted: UInt64 = 0

        // MARK: Checkpoints (§4.3)

        /// CHECKPOINT messages for numbers in (h, h+L], by sequence number.
        var checkpointVotes: [UInt64: [CheckpointVote]] = [:]
        /// This replica's own checkpoints above h: digest and the state they certify.
        var ownCheckpoints: [UInt64: (digest: UInt64, state: KVStateMachine)] = [:]
        /// Per replica, the highest checkpoint it announced beyond our high water mark.
        var checkpointsAhead: [UInt64]

        struct CheckpointVote {
            var replica: NodeID
            var digest: UInt64
            var authenticator: Authenticator
        }

        public internal(set) var stateMachine = KVStateMachine()
        /// The last stable checkpoint whose state this replica holds (what a restart starts from).
        var durableCheckpoint: DurableCheckpoint

        // MARK: Requests (§4.1)

        /// The primary's requests not yet assigned a sequence number.
        var queue: [ClientRequest] = []
        var queueHead = 0
        /// Requests the primary queued or assigned in this view and has not executed.
        var known: Set<RequestKey> = []
        /// A backup's requests received directly (client retries) and not yet executed, by client.
        var waiting: [ClientID: ClientRequest] = [:]
        var requestTimerArmed = false

        struct RequestKey: Hashable {
            var client: ClientID
            var sequence: UInt64
            init(_ r: ClientRequest) {
                client = r.client
                sequence = r.sequence
            }
        }

        // MARK: Messages of later views (held until their NEW-VIEW)

        var future: [(from: NodeID, message: Message)] = []
        /// Per replica, the highest view seen in its PRE-PREPARE, PREPARE or COMMIT messages.
        var viewsAhead: [UInt64]
        /// Per replica, the highest sequence number its FETCH-REPLY said it executed.
        var executedAhead: [UInt64]
        /// Per replica, the highest sequence number it sent a COMMIT for in a view before ours.
        var commitsInEarlierViews: [UInt64]
        /// Per replica, the stable checkpoint (h, d) its latest FETCH-REPLY reported.
        var stableReported: [PBFT.CheckpointEntry]

        // MARK: State transfer

        /// The batches executed at the last `archiveLength` sequence numbers, by number mod length.
        var archive: [FetchEntry?]
        /// Armed when something says this replica is behind; fetches if nothing executed by then.
        var fetchTimer = PBFT.StallTimer()
        /// Batches known committed outside the current view's log, by sequence number: fetched ones
        /// (f+1 replicas sent the same) and ones committed in a view that ended before they executed.
        var decided: [UInt64: [ClientRequest]] = [:]
        /// The digest of the empty batch (the null request).
        let nullDigest: Digest

        // MARK: Retransmission

        /// The highest sequence number with a pre-prepare accepted in the current view.
        var highestAccepted: UInt64 = 0
        /// Armed while something is in flight; retransmits if nothing executed by then.
        var retransmitTimer = PBFT.StallTimer()

        // MARK: Idle probe

        /// `lastExecuted` when the probe last fired.
        var probeMark: UInt64 = 0
        var probeBackoff = 0
        /// The highest sequence number the current primary pre-prepared beyond our high water mark.
        var primaryAhead: UInt64 = 0
        /// Fetch replies being tallied: per sequence number, who sent which digest (and batch).
        var fetchVotes: [UInt64: [(replica: NodeID, digest: Digest, requests: [ClientRequest])]] = [:]
        /// Below a stable checkpoint: the batches each replica sent, kept until they lead up to the
        /// checkpoint (`adoptBatchesProvenByCheckpoint`), by replica.
        var checkpointCandidates: [NodeID: [UInt64: [ClientRequest]]] = [:]
        /// Per sender: the stable checkpoint whose state it sent, and that state's content hash
        /// (`adoptStateVouchedForByFPlusOne`).
        var stateCandidates: [NodeID: (sequence: UInt64, content: PBFT.Digest)] = [:]

        // MARK: Invariants

        /// What `invariantViolation()` remembers between calls (PBFT+Invariants.swift).
        var invariantRecord = InvariantRecord()

        public init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
            precondition(Self.validate(cluster) == nil, Self.validate(cluster) ?? "")
            precondition(settings.validationError == nil, settings.validationError ?? "")
            precondition(cluster.replicas.contains(id.index), "replica \(id) outside a cluster of \(cluster.replicaCount)")
            self.id = id
            self.cluster = cluster
            self.settings = settings
            n = cluster.replicaCount
            f = cluster.faultTolerance
            quorum = 2 * cluster.faultTolerance + 1
            window = UInt64(settings.effectiveLogWindow)
            interval = UInt64(settings.checkpointInterval)
            keys = Keyring(me: id, n: cluster.replicaCount, mode: settings.auth, secret: cluster.secret)
            slots = Array(repeating: Slot(replicaCount: cluster.replicaCount), count: settings.effectiveLogWindow)
            let genesis = KVStateMachine()
            stableDigest = genesis.digest
            durableCheckpoint = DurableCheckpoint(sequence: 0, digest: genesis.digest, proof: [], state: genesis)
            viewChanges = Array(repeating: nil, count: cluster.replicaCount)
            checkpointsAhead = Array(repeating: 0, count: cluster.replicaCount)
            viewsAhead = Array(repeating: 0, count: cluster.replicaCount)
            executedAhead = Array(repeating: 0, count: cluster.replicaCount)
            commitsInEarlierViews = Array(repeating: 0, count: cluster.replicaCount)
            stableReported = Array(repeating: PBFT.CheckpointEntry(sequence: 0, stateDigest: 0), count: cluster.replicaCount)
            archive = Array(repeating: nil, count: settings.effectiveArchiveLength)
            nullDigest = PBFT.digest(of: [], scratch: &scratch)
        }

        // MARK: - The contract's statics

        public static var protocolName: String { "pbft" }

        /// Byzantine faults: n ≥ 3f+1 (§3; `validate` and `maximumFaults` derive from it).
        public static var faultModel: FaultModel { .byzantine }

        /// f+1 matching replies make a result; a client that times out multicasts its request to every
        /// replica (§4.1). Clients start at the primary of view 0.
        public static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
            ClientContract(matchingRepliesNeeded: cluster.faultTolerance + 1, retryToAll: true, initialTarget: NodeID(0))
        }

        // MARK: - Durable state

        /// Everything in it is persisted (`outbox.persist()`) in the step that changes it, before any
        /// message that depends on it, so reading it between steps gives what was last persisted.
        public var durableState: DurableState {
            DurableState(view: view, isViewActive: isViewActive, installedView: installedView, installedNewView: installedNewView,
                         checkpointSequence: durableCheckpoint.sequence, checkpointDigest: durableCheckpoint.digest,
                         checkpointProof: durableCheckpoint.proof, checkpointState: durableCheckpoint.state, log: slots,
                         archive: archive)
        }

        // MARK: - Inspection (tests, convergence checks)

        /// The primary of `view` (§4.2: p = v mod |R|).
        public func primary(of view: UInt64) -> NodeID { NodeID(Int(view % UInt64(n))) }
        public var isPrimary: Bool { primary(of: view) == id }
        /// h + L: the high water mark.
        public var highWaterMark: UInt64 { lowWaterMark + window }
        /// Sequence numbers for which the log holds anything (pre-prepare, votes, a certificate). Never
        /// more than L: the log below the low water mark is discarded (§4.3).
        public var logSize: Int { slots.reduce(0) { $0 + ($1.isOccupied && $1.sequence > lowWaterMark ? 1 : 0) } }
        /// CHECKPOINT messages held (bounded by L/K + 1 sequence numbers × n replicas).
        public var checkpointMessagesHeld: Int { checkpointVotes.values.reduce(0) { $0 + $1.count } }
        /// Executed batches kept for lagging replicas (bounded by `archiveLength`).
        public var archivedBatches: Int { archive.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
        /// Messages of later views held until their NEW-VIEW.
        public var futureMessagesHeld: Int { future.count }
        /// Whether the log holds a prepared certificate for `sequence` (tests).
        public func isPrepared(_ sequence: UInt64) -> Bool {
            let s = slots[slotIndex(sequence)]
            return s.sequence == sequence && s.prepared
        }
        /// Whether `sequence` is committed-local here (tests).
        public func isCommitted(_ sequence: UInt64) -> Bool {
            let s = slots[slotIndex(sequence)]
            return s.sequence == sequence && s.committed
        }
        /// The digest of the pre-prepare accepted for `sequence` in the current view, if any (tests).
        public func acceptedDigest(_ sequence: UInt64) -> Digest? {
            let s = slots[slotIndex(sequence)]
            return s.sequence == sequence && s.hasPrePrepare ? s.digest : nil
        }

        @inline(__always) func slotIndex(_ sequence: UInt64) -> Int { Int(sequence % window) }

        /// Whether `sequence` lies inside the water marks (h, h+L] (§4.2).
        @inline(__always) func inWindow(_ sequence: UInt64) -> Bool {
            sequence > lowWaterMark && sequence <= lowWaterMark + window
        }

        /// The slot for `sequence` in the current view, taken over or reset as needed.
        func prepareSlot(_ sequence: UInt64) -> Int {
            let i = slotIndex(sequence)
            if slots[i].sequence != sequence {
                slots[i].reuse(sequence: sequence, view: view)
            } else if slots[i].view != view {
                slots[i].resetAgreement(view: view)
            }
            return i
        }

        /// The timeout after `consecutiveViewChanges` fruitless view changes: doubled each time (§4.5.2).
        func backedOff(_ base: Interval) -> Interval {
            base * Int64(1 << min(consecutiveViewChanges, 10))
        }

        // MARK: - Inputs

        /// Starts in view 0, or (after a crash) from what was persisted: the view, the checkpoint and
        /// its state, and the log of its own decisions above it, whose committed part it executes again.
        /// A restarted replica then asks the others what it missed. The only timer is the idle probe.
        public func start(durable: DurableState?, now: Instant, outbox: inout Outbox<Message>) {
            armProbe(outbox: &outbox)
            guard let durable else {
                if isPrimary { outbox.becameLeader(epoch: view) }
                return
            }
            disk.wrote(view: durable.view, isViewActive: durable.isViewActive, installedView: durable.installedView)
            view = durable.view
            isViewActive = durable.isViewActive
            installedView = durable.installedView
            installedNewView = durable.installedNewView
            durableCheckpoint = DurableCheckpoint(sequence: durable.checkpointSequence, digest: durable.checkpointDigest,
                                                  proof: durable.checkpointProof, state: durable.checkpointState)
            lowWaterMark = durable.checkpointSequence
            stableDigest = durable.checkpointDigest
            stableProof = durable.checkpointProof
            stateMachine = durable.checkpointState
            lastExecuted = durable.checkpointSequence
            lastAssigned = durable.checkpointSequence
            highestCommitted = durable.checkpointSequence
            if durable.log.count == slots.count { slots = durable.log }
            if durable.archive.count == archive.count { archive = durable.archive }
            for i in slots.indices {
                guard slots[i].sequence > lowWaterMark else {
                    slots[i].discard()
                    continue
                }
                slots[i].keepOwnDecisions(me: id)
                if slots[i].hasPrePrepare, slots[i].view == view {
                    highestAccepted = max(highestAccepted, slots[i].sequence)
                    if isPrimary { lastAssigned = max(lastAssigned, slots[i].sequence) }
                }
                if slots[i].committed { highestCommitted = max(highestCommitted, slots[i].sequence) }
            }
            if isPrimary, isViewActive { outbox.becameLeader(epoch: view) }
            if !isViewActive {
                // It crashed while changing view: the VIEW-CHANGE it sent is gone with its memory; send
                // it again (its content is rebuilt from the persisted log).
                let message = makeViewChange(view, work: &outbox.cryptoWork)
                viewChanges[id.index] = message
                outbox.broadcast(.viewChange(message))
                noteInFlight(outbox: &outbox)
            }
            executeReady(outbox: &outbox)
            sendFetch(outbox: &outbox)
            if highestAccepted > lastExecuted { noteInFlight(outbox: &outbox) }
            if isBehind { noteBehind(outbox: &outbox) }
        }

        public func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            guard sender.index >= 0, sender.index < n, sender != id else { return }
            switch message {
            case .prePrepare(let m): receivePrePrepare(m, from: sender, outbox: &outbox)
            case .prepare(let m): receivePrepare(m, from: sender, outbox: &outbox)
            case .commit(let m): receiveCommit(m, from: sender, outbox: &outbox)
            case .checkpoint(let m): receiveCheckpoint(m, from: sender, outbox: &outbox)
            case .viewChange(let m): receiveViewChange(m, from: sender, outbox: &outbox)
            case .newView(let m): receiveNewView(m, from: sender, outbox: &outbox)
            case .forwardedRequest(let m): receiveForwardedRequest(m, from: sender, outbox: &outbox)
            case .fetch(let m): receiveFetch(m, from: sender, outbox: &outbox)
            case .fetchReply(let m): receiveFetchReply(m, from: sender, outbox: &outbox)
            }
        }

        public func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>) {
            switch timer {
            case Timers.request:
                requestTimerArmed = false
                // §4.4: the backup's timer expired while waiting for a request to execute.
                if isViewActive, !isPrimary, !waiting.isEmpty {
                    startViewChange(to: view + 1, outbox: &outbox)
                }
            case Timers.viewChange:
                viewChangeTimerArmed = false
                // §4.5.2: no valid NEW-VIEW in time: try the next view, waiting twice as long.
                if !isViewActive { startViewChange(to: view + 1, outbox: &outbox) }
            case Timers.fetch:
                fetchTimer.armed = false
                fetchIfBehind(outbox: &outbox)
            case Timers.retransmit:
                retransmitTimer.armed = false
                retransmitIfStalled(outbox: &outbox)
            case Timers.probe:
                probeIfIdle(outbox: &outbox)
            default:
                break
            }
        }

        /// Reports a message dropped because its authenticator, signature or digest did not verify.
        @inline(__always) func reject(_ kind: Int, outbox: inout Outbox<Message>) {
            outbox.rejected(messageKind: kind)
        }

        /// The counts' kind for client requests (the shells count the protocol's kinds, then `request`).
        static var requestKind: Int { Message.kindNames.count }

        /// Sends `reply` to its client with this replica's proof on it (a MAC or a signature).
        func reply(_ reply: ClientReply, outbox: inout Outbox<Message>) {
            outbox.reply(keys.authenticateReply(reply, work: &outbox.cryptoWork))
        }
    }
}
