import ConsensusCore
import DequeModule

extension HotStuff {
    /// A client request's identity in the pending pool and in the blocks in flight.
    struct RequestKey: Hashable {
        var client: ClientID
        var sequence: UInt64
        init(_ r: ClientRequest) {
            client = r.client
            sequence = r.sequence
        }
    }

    /// The votes the leader of view + 1 has for one block of `view`.
    struct VoteBox {
        var view: UInt64
        var votes: [SignedVote]
    }

    /// A chained-HotStuff replica: a pure state machine (ConsensusCore's `Replica`).
    public final class Replica {
        public let id: NodeID
        let cluster: ClusterConfig
        let settings: Settings
        let n: Int
        let quorum: Int
        var keys: Keyring
        var scratch = WireWriter(capacity: 512)

        // MARK: What a replica must never contradict (durable)
        /// The view this replica is in: the highest it entered by a proposal, a QC, a timeout or NEW-VIEWs.
        public internal(set) var view: UInt64 = 1
        /// The highest view it voted in: it votes at most once per view.
        public internal(set) var lastVotedView: UInt64 = 0
        /// The highest QC it knows (the paper's qc_high), what it proposes on as leader.
        public internal(set) var highQC = QuorumCertificate.genesis
        /// The locked block (b_lock): the head of the highest two-chain it has seen.
        public internal(set) var lockedView: UInt64 = 0
        var lockedHeight: UInt64 = 0
        var lockedBlock = Block.genesisHash
        /// The highest committed block, and the last checkpoint (a committed block and the state after it).
        public internal(set) var committedHeight: UInt64 = 0
        var committedHash = Block.genesisHash
        var checkpoint = StateReply(block: .genesis, state: KVStateMachine())
        /// Every block it keeps, by hash: the checkpoint's and those above it, on any fork.
        var blocks: [SHA256Hash: Block] = [Block.genesisHash: .genesis]
        public internal(set) var stateMachine = KVStateMachine()

        // MARK: Volatile
        /// Client requests not yet executed, in arrival order (keys of executed ones are skipped lazily).
        var pending: [RequestKey: ClientRequest] = [:]
        var pendingOrder = Deque<RequestKey>()
        /// As the next view's leader: votes by block.
        var voteBoxes: [SHA256Hash: VoteBox] = [:]
        /// NEW-VIEWs by view (views ≥ the current one), and each replica's highest NEW-VIEW view.
        var newViews: [UInt64: [NodeID: QuorumCertificate]] = [:]
        var joinedView: [UInt64]
        var newViewSentFor: UInt64 = 0
        /// The last view this replica proposed in, and the highest view it may propose in as leader (it
        /// formed the QC of the view before, or holds 2f+1 NEW-VIEWs for it).
        var proposedView: UInt64 = 0
        /// The stint this replica last reported leading (`becameLeader`).
        var ledStint: UInt64 = .max
        var readyView: UInt64 = 0
        var consecutiveTimeouts: Int64 = 0
        var viewTimerArmed = false
        /// A proposal whose ancestors are being fetched.
        var waiting: Proposal?
        var fetching: SHA256Hash?
        var fetchTarget = NodeID(0)
        var fetchAttempts = 0
        /// While a state transfer is under way: the checkpoints received, by sender.
        var stateReplies: [NodeID: StateReply]?
        /// The committed height at the last probe, its backoff, and whom it asked.
        var probeMark: UInt64 = 0
        var probeBackoff: Int64 = 0
        var probeTarget = NodeID(0)
        /// The last QCs whose signatures this replica checked (a QC arrives in a proposal and again in
        /// NEW-VIEWs: real implementations check it once).
        var verifiedQCs: [(view: UInt64, block: SHA256Hash)] = []
        var inFlightKeys = Set<RequestKey>()
        var staleBoxes: [SHA256Hash] = []

        var disk = DiskMark()
        var floors = Floors()

        public init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
            self.id = id
            self.cluster = cluster
            self.settings = settings
            n = cluster.replicaCount
            quorum = HotStuff.quorum(cluster)
            keys = Keyring(me: id, n: cluster.replicaCount, secret: cluster.secret, memo: settings.signatureMemo)
            joinedView = Array(repeating: 0, count: cluster.replicaCount)
            fetchTarget = id
        }

        @inline(__always) func leader(of v: UInt64) -> NodeID { HotStuff.leader(of: v, replicaCount: n) }

        /// The replica after `replica` in id order, skipping this one (itself with n = 1).
        func nextPeer(after replica: NodeID) -> NodeID {
            let next = NodeID((replica.index + 1) % n)
            return next == id ? NodeID((next.index + 1) % n) : next
        }
    }
}

extension HotStuff.Replica: Replica {
    public typealias Message = HotStuff.Message
    public typealias Settings = HotStuff.Settings

    public static var protocolName: String { "hotstuff" }
    public static var faultModel: FaultModel { .byzantine }

    /// Clients send every request to every replica (whoever leads next proposes it) and wait for
    /// f+1 matching replies, as PBFT's do; a retry goes to every replica again.
    public static func clientContract(cluster: ClusterConfig, settings: HotStuff.Settings) -> ClientContract {
        ClientContract(matchingRepliesNeeded: cluster.faultTolerance + 1, retryToAll: true,
                       initialTarget: HotStuff.leader(of: 1, replicaCount: cluster.replicaCount), sendToAll: true)
    }

    public func start(durable: HotStuff.DurableState?, now: Instant, outbox: inout Outbox<HotStuff.Message>) {
        if let durable {
            restore(durable, outbox: &outbox)
        } else {
            // The leader of view 1 proposes on the genesis QC. It leads the first stint from the start
            // (shells that wait for a leader before load arrives learn it here, not at a first proposal
            // that waits for load).
            readyView = 1
            if leader(of: 1) == id {
                ledStint = 1 / HotStuff.viewsPerLeader
                outbox.becameLeader(epoch: ledStint)
            }
        }
        probeTarget = id
        outbox.setTimer(HotStuff.Timers.probe, after: settings.idleProbeInterval)
    }

    public func receive(_ message: HotStuff.Message, from sender: NodeID, now: Instant, outbox: inout Outbox<HotStuff.Message>) {
        guard sender.index >= 0, sender.index < n else { return }
        switch message {
        case .proposal(let m): onProposal(m, from: sender, outbox: &outbox)
        case .vote(let m): onVote(m, from: sender, outbox: &outbox)
        case .newView(let m): onNewView(m, from: sender, outbox: &outbox)
        case .fetch(let m): onFetch(m, from: sender, outbox: &outbox)
        case .blocks(let m): onBlocks(m, from: sender, outbox: &outbox)
        case .stateRequest(let m): onStateRequest(m, from: sender, outbox: &outbox)
        case .stateReply(let m): onStateReply(m, from: sender, outbox: &outbox)
        }
    }

    public func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<HotStuff.Message>) {
        switch timer {
        case HotStuff.Timers.view: viewTimedOut(outbox: &outbox)
        case HotStuff.Timers.fetch: fetchTimedOut(outbox: &outbox)
        case HotStuff.Timers.state: stateTransferTimedOut(outbox: &outbox)
        case HotStuff.Timers.probe: probeIfIdle(outbox: &outbox)
        default: break
        }
    }

    /// A request joins the pending pool (an executed one is answered from the session table at once).
    /// It keeps this replica's view timer running until it is executed, so a faulty leader that ignores
    /// it is replaced.
    public func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<HotStuff.Message>) {
        if let result = stateMachine.cachedResult(client: request.client, sequence: request.sequence) {
            outbox.reply(ClientReply(client: request.client, sequence: request.sequence, replica: id, outcome: .executed(result)))
            return
        }
        guard request.client != ClientID.system, !stateMachine.hasExecuted(request) else { return }
        let key = HotStuff.RequestKey(request)
        if pending.updateValue(request, forKey: key) == nil { pendingOrder.append(key) }
        if !viewTimerArmed { armViewTimer(outbox: &outbox) }
        tryPropose(outbox: &outbox)
    }
}
