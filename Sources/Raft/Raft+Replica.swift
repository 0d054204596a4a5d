import ConsensusCore

extension Raft {
    /// One Raft server (§5). Inputs come from the shell (`start`, `receive`, `timerFired`,
    /// `clientRequest`); everything it wants done goes into the outbox, in the order it must happen:
    /// `persist` always precedes the messages that depend on what was persisted (Figure 2: "respond to
    /// RPCs only after updating stable storage").
    ///
    /// The file is split by concern: this one holds the state, the door (term handling) and the
    /// dispatch to one step function per role; elections live in `Raft+Election.swift`, log replication
    /// in `Raft+Replication.swift`, clients and the state machine in `Raft+Clients.swift`.
    public final class Replica: ConsensusCore.Replica {
        public typealias Message = Raft.Message
        public typealias Settings = Raft.Settings
        public typealias DurableState = Raft.DurableState

        public let id: NodeID
        public let cluster: ClusterConfig
        public let settings: Settings
        @usableFromInline var random: DeterministicRandom

        // MARK: Persistent state on all servers (Figure 2)

        /// The latest term this server has seen.
        public internal(set) var currentTerm: UInt64 = 0
        /// The candidate this server voted for in `currentTerm`.
        public internal(set) var votedFor: NodeID?
        public internal(set) var log = Log()
        /// What the last persist wrote (Raft+Journal.swift).
        var disk = DiskMark()

        // MARK: Volatile state on all servers

        public internal(set) var role = Role.follower
        /// The highest index known to be committed.
        public internal(set) var commitIndex: UInt64 = 0
        /// The highest index applied to the state machine.
        public internal(set) var lastApplied: UInt64 = 0
        /// The leader of `currentTerm`, once heard from (followers redirect clients to it, §8).
        public internal(set) var knownLeader: NodeID?
        public internal(set) var stateMachine = KVStateMachine()
        /// The state machine at `log.snapshotIndex`, what InstallSnapshot sends (§7).
        var snapshot = KVStateMachine()

        // MARK: Election clock

        /// The current randomized election timeout, drawn afresh on every role change (§5.2).
        var electionTimeout: Interval = .zero
        /// When the election clock last restarted: role change, AppendEntries from the leader, or a vote granted.
        var electionClockStart: Instant = .zero
        /// When the known leader was last heard from (check-quorum's vote lease, thesis §4.2.3).
        var leaderContact: Instant = .zero
        /// Votes (or pre-votes) in the running election, by replica.
        var votes: [Vote]
        var votesGranted = 0
        var votesDenied = 0

        enum Vote { case none, granted, denied }

        // MARK: Volatile state on leaders

        var progress: [Progress]
        /// Scratch space for the commit rule's median of match indices (no allocation per response).
        var matchScratch: [UInt64]
        /// Client requests in the uncommitted part of the leader's log, so a retry is not appended twice
        /// and the leader knows whom to answer once the entry is applied (§8).
        var pending: [RequestKey: PendingRequest] = [:]
        var batchTimerArmed = false
        /// What `invariantViolation()` remembers between calls (Raft+Invariants.swift).
        var invariantRecord = InvariantRecord()

        struct RequestKey: Hashable {
            var client: ClientID
            var sequence: UInt64
            init(_ r: ClientRequest) {
                client = r.client
                sequence = r.sequence
            }
        }

        struct PendingRequest {
            /// Where the request sits in the log.
            var index: UInt64
            /// A client asked this leader for it, so this leader answers.
            var asked: Bool
        }

        public init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
            precondition(Self.validate(cluster) == nil, Self.validate(cluster) ?? "")
            precondition(settings.validationError == nil, settings.validationError ?? "")
            precondition(cluster.replicas.contains(id.index), "replica \(id) outside a cluster of \(cluster.replicaCount)")
            self.id = id
            self.cluster = cluster
            self.settings = settings
            self.random = random
            let n = cluster.replicaCount
            votes = Array(repeating: .none, count: n)
            progress = Array(repeating: Progress(limit: settings.inflightLimit), count: n)
            matchScratch = Array(repeating: 0, count: n)
        }

        // MARK: - The contract's statics

        public static var protocolName: String { "raft" }

        /// Crash faults: n ≥ 2f+1 (`validate` and `maximumFaults` derive from it).
        public static var faultModel: FaultModel { .crash }

        /// One reply from the leader; on a timeout try the next replica (§8). A fresh cluster's first
        /// leader is `bootstrapLeader` when set.
        public static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
            let first = settings.bootstrapLeader.flatMap { cluster.replicas.contains($0.index) ? $0 : nil } ?? NodeID(0)
            return ClientContract(matchingRepliesNeeded: 1, retryToAll: false, initialTarget: first)
        }

        // MARK: - Durable state

        public var durableState: DurableState {
            DurableState(currentTerm: currentTerm, votedFor: votedFor, log: log, snapshot: log.snapshotIndex > 0 ? snapshot : nil)
        }

        // MARK: - Inputs

        /// Starts as a follower (§5.2) with whatever survived the crash; everything volatile starts
        /// empty, and committed entries are applied again as the leader reports the commit index.
        public func start(durable: DurableState?, now: Instant, outbox: inout Outbox<Message>) {
            if let durable {
                currentTerm = durable.currentTerm
                votedFor = durable.votedFor
                log = durable.log
                disk.wrote(term: currentTerm, vote: votedFor, logLength: log.lastIndex, snapshotIndex: log.snapshotIndex)
                // The snapshot is committed and applied (§7): the state machine starts from it.
                if log.snapshotIndex > 0, let state = durable.snapshot {
                    snapshot = state
                    stateMachine = state
                    commitIndex = log.snapshotIndex
                    lastApplied = log.snapshotIndex
                }
            }
            role = .follower
            knownLeader = nil
            drawElectionTimeout()
            if durable == nil, let first = settings.bootstrapLeader, first == id, cluster.replicaCount > 1 {
                electionTimeout = Interval(nanoseconds: settings.electionTimeoutMin.nanoseconds / 2)
            }
            restartElectionClock(now: now, outbox: &outbox)
        }

        /// Term handling at the door (§5.1: "if one server's current term is smaller than the other's,
        /// then it updates its current term"; "if a server receives a request with a stale term number,
        /// it rejects the request"), then the step function of the current role.
        public func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            guard sender != id, cluster.replicas.contains(sender.index), message.term < UInt64.max else { return }
            let term = message.term
            if term > currentTerm {
                switch message {
                case .preVote:
                    break  // a pre-vote proposes a term; it never moves ours (thesis §9.6)
                case .preVoteResponse(let r) where r.granted:
                    break  // granted pre-votes carry the term we asked about
                case .requestVote where inLease(now: now):
                    return  // a leader is alive: ignore the disruption (thesis §4.2.3)
                case .appendEntries, .installSnapshot:
                    becomeFollower(term: term, leader: sender, now: now, outbox: &outbox)
                default:
                    becomeFollower(term: term, leader: nil, now: now, outbox: &outbox)
                }
            } else if term < currentTerm {
                switch message {
                case .appendEntries(let m):
                    // Tell the stale leader our term, so it steps down (§5.1).
                    outbox.send(.appendEntriesResponse(AppendEntriesResponse(
                        term: currentTerm, outcome: .rejected(prevLogIndex: m.prevLogIndex, conflictTerm: 0, conflictIndex: 0))), to: sender)
                case .installSnapshot(let m):
                    outbox.send(.appendEntriesResponse(AppendEntriesResponse(
                        term: currentTerm, outcome: .rejected(prevLogIndex: m.lastIncludedIndex, conflictTerm: 0, conflictIndex: 0))), to: sender)
                case .requestVote:
                    outbox.send(.requestVoteResponse(VoteResponse(term: currentTerm, granted: false)), to: sender)
                case .preVote:
                    outbox.send(.preVoteResponse(VoteResponse(term: currentTerm, granted: false)), to: sender)
                case .requestVoteResponse, .preVoteResponse, .appendEntriesResponse:
                    break  // an answer from an older term: nothing to learn
                }
                return
            }

            switch message {
            case .requestVote(let m):
                handleRequestVote(m, from: sender, now: now, outbox: &outbox)
                return
            case .preVote(let m):
                handlePreVote(m, from: sender, now: now, outbox: &outbox)
                return
            default:
                break
            }
            switch role {
            case .follower: stepFollower(message, from: sender, now: now, outbox: &outbox)
            case .preCandidate: stepPreCandidate(message, from: sender, now: now, outbox: &outbox)
            case .candidate: stepCandidate(message, from: sender, now: now, outbox: &outbox)
            case .leader: stepLeader(message, from: sender, now: now, outbox: &outbox)
            }
        }

        public func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>) {
            switch timer {
            case Timers.election: electionTimerFired(now: now, outbox: &outbox)
            case Timers.heartbeat: heartbeatTimerFired(now: now, outbox: &outbox)
            case Timers.checkQuorum: checkQuorumTimerFired(now: now, outbox: &outbox)
            case Timers.batch: batchTimerFired(now: now, outbox: &outbox)
            default: break
            }
        }

        // MARK: - Step functions, one per role

        func stepFollower(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            switch message {
            case .appendEntries(let m):
                handleAppendEntries(m, from: sender, now: now, outbox: &outbox)
            case .installSnapshot(let m):
                handleInstallSnapshot(m, from: sender, now: now, outbox: &outbox)
            case .requestVote, .preVote, .requestVoteResponse, .preVoteResponse, .appendEntriesResponse:
                break  // answers to an election or a leadership this server has left behind
            }
        }

        func stepPreCandidate(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            switch message {
            case .appendEntries(let m):
                // A leader of our term exists: follow it (§5.2).
                becomeFollower(term: currentTerm, leader: sender, now: now, outbox: &outbox)
                handleAppendEntries(m, from: sender, now: now, outbox: &outbox)
            case .installSnapshot(let m):
                becomeFollower(term: currentTerm, leader: sender, now: now, outbox: &outbox)
                handleInstallSnapshot(m, from: sender, now: now, outbox: &outbox)
            case .preVoteResponse(let r):
                // Grants name the term we proposed; refusals our own term. Anything else is from an
                // earlier round.
                if r.granted ? r.term == currentTerm + 1 : r.term == currentTerm {
                    tally(r.granted, from: sender, now: now, outbox: &outbox)
                }
            case .requestVote, .preVote, .requestVoteResponse, .appendEntriesResponse:
                break
            }
        }

        func stepCandidate(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            switch message {
            case .appendEntries(let m):
                // Another server won this term (§5.2): return to follower.
                becomeFollower(term: currentTerm, leader: sender, now: now, outbox: &outbox)
                handleAppendEntries(m, from: sender, now: now, outbox: &outbox)
            case .installSnapshot(let m):
                becomeFollower(term: currentTerm, leader: sender, now: now, outbox: &outbox)
                handleInstallSnapshot(m, from: sender, now: now, outbox: &outbox)
            case .requestVoteResponse(let r):
                tally(r.granted, from: sender, now: now, outbox: &outbox)
            case .requestVote, .preVote, .preVoteResponse, .appendEntriesResponse:
                break
            }
        }

        func stepLeader(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            switch message {
            case .appendEntriesResponse(let r):
                handleAppendEntriesResponse(r, from: sender, now: now, outbox: &outbox)
            case .appendEntries, .installSnapshot:
                // Two leaders in one term cannot happen (Election Safety, §5.2); a message claiming it
                // is not from a correct server.
                break
            case .requestVote, .preVote, .requestVoteResponse, .preVoteResponse:
                break
            }
        }

        // MARK: - Introspection for tests and the harness

        /// The entry at `index` (`snapshotIndex + 1` … `lastIndex`), or nil (past the end, or compacted).
        public func entry(at index: UInt64) -> Entry? {
            index > log.snapshotIndex && index <= log.lastIndex ? log[index] : nil
        }
        public var lastIndex: UInt64 { log.lastIndex }
        /// Leaders only: the next index to send to `peer` (§5.3).
        public func nextIndex(of peer: NodeID) -> UInt64? {
            role == .leader && peer != id && cluster.replicas.contains(peer.index) ? progress[peer.index].next : nil
        }
        /// Leaders only: the highest index known to be replicated on `peer` (§5.3).
        public func matchIndex(of peer: NodeID) -> UInt64? {
            role == .leader && peer != id && cluster.replicas.contains(peer.index) ? progress[peer.index].match : nil
        }
    }
}
