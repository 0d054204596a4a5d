import ConsensusCore

extension MultiPaxos {
    /// What a replica is doing as a proposer.
    public enum Role: Sendable, Equatable {
        /// Acceptor and learner only; it redirects clients and watches the leader's heartbeats.
        case follower
        /// Running phase 1 under its own ballot (PMMC's scout).
        case candidate
        /// Phase 1 succeeded: it proposes in phase 2 for every slot from its first unchosen one.
        case leader
    }

    /// One Multi-Paxos replica: proposer, acceptor and learner in one (PMMC §3), as a pure state
    /// machine on the `ConsensusCore.Replica` contract.
    ///
    /// Applied positions: every request of a slot is applied at its own position, counted densely
    /// across the log (a no-op counts one). With `maxBatch == 1` the position is the slot number; with
    /// batches it is the slot's first position plus the request's index in the batch. Every replica
    /// applies the same slots in the same order, so the same position names the same request everywhere.
    public final class Replica: ConsensusCore.Replica {
        public typealias Message = MultiPaxos.Message
        public typealias Settings = MultiPaxos.Settings
        public typealias DurableState = MultiPaxos.DurableState
        public typealias Ballot = MultiPaxos.Ballot

        // MARK: - The protocol's statics

        public static let protocolName = "multipaxos"

        /// Crash faults: n ≥ 2f+1 (`validate` and `maximumFaults` derive from it).
        public static var faultModel: FaultModel { .crash }

        /// One reply from the leader; on a timeout a client tries the next replica (which redirects it).
        public static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract {
            ClientContract(matchingRepliesNeeded: 1, retryToAll: false,
                           initialTarget: settings.initialProposers.max() ?? NodeID(0))
        }

        static let heartbeatTimer = TimerID(0)
        static let electionTimer = TimerID(1)
        static let batchTimer = TimerID(2)
        /// Accepts and catch-ups further than this past the first unchosen slot are ignored: a bound on
        /// what one message can make the log allocate. (Staying silent is always safe for an acceptor.)
        static let slotLeadLimit: UInt64 = 1 << 22
        /// Most stalled slots the leader re-sends per heartbeat.
        static let resendBudget = 256
        /// Most bytes of values in one CatchUp message.
        static let catchUpByteLimit = 1 << 20

        // MARK: - Identity

        public let id: NodeID
        public let cluster: ClusterConfig
        public let settings: Settings
        var random: DeterministicRandom
        let majority: Int
        let maxInflight: UInt64
        let maxBatch: Int

        // MARK: - Acceptor (durable) and learner

        /// Promised ballot and the log (accepted values, chosen marks): what survives a crash.
        var durable = DurableState()
        /// What the last persist wrote (Replica+Journal.swift).
        var disk = DiskMark()
        /// Every slot below this is chosen and applied.
        public internal(set) var firstUnchosenSlot: UInt64 = 0
        /// The position the next applied request gets.
        var nextPosition: UInt64 = 0
        public internal(set) var stateMachine = KVStateMachine()
        /// The highest chosen-up-to index any leader or catch-up reported.
        var knownChosenUpTo: UInt64 = 0
        /// The chosen-up-to index of the previous heartbeat: still below it a heartbeat later means lagging.
        var lagMark: UInt64 = 0
        /// No new CatchUpRequest before this (one outstanding at a time, re-asked after two heartbeats).
        var catchUpAllowedAt: Instant = .zero

        // MARK: - Proposer

        public internal(set) var role: Role = .follower
        /// The proposer's ballot: the one it leads or campaigns under, or last did.
        public internal(set) var ballot: Ballot = .zero
        /// Who this replica believes leads (what a redirect names).
        public internal(set) var leaderHint: NodeID?
        var highestRoundSeen: UInt64 = 0
        var phase1: Phase1?
        /// The next slot the leader proposes in.
        var nextSlot: UInt64 = 0
        /// Slots below this (from the first unchosen one) are re-proposed with what phase 1 found.
        var recoveryEnd: UInt64 = 0
        var recovered: [UInt64: PromiseEntry] = [:]
        var votes: VoteWindow
        var pending = RequestQueue()
        /// The request each client waits on at this replica, so the leader answers it once applied.
        var awaiting: [ClientID: Awaiting] = [:]
        /// `nextSlot` at the previous heartbeat: slots below it still unchosen have stalled.
        var stallMark: UInt64 = 0
        /// A partial batch is waiting for `Settings.batchDelay`.
        var batchTimerArmed = false
        /// What `invariantViolation()` remembers between calls (Replica+Invariants.swift).
        var invariantRecord = InvariantRecord()

        // MARK: - Failure detector

        /// When each replica was last heard from (any message): the leader's quorum check.
        var lastHeardFrom: [Instant]
        var leaderSince: Instant = .zero
        /// This follower answered the leader (Accepted) since the leader's previous heartbeat.
        var answeredLeaderSinceHeartbeat = false

        var lastLeaderContact: Instant = .zero
        var backoffUntil: Instant = .zero
        var electionTimeout: Interval = .zero

        struct Awaiting {
            var sequence: UInt64
            /// The ballot it was queued under: a retry under a later ballot is proposed again.
            var ballot: Ballot
            var answered: Bool
        }

        public init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom) {
            precondition(cluster.replicas.contains(id.index), "replica \(id) outside a cluster of \(cluster.replicaCount)")
            self.id = id
            self.cluster = cluster
            self.settings = settings
            self.random = random
            majority = cluster.majority
            maxInflight = UInt64(max(1, settings.inflightLimit))
            maxBatch = max(1, settings.maxBatch)
            votes = VoteWindow(capacity: Int(maxInflight), replicaCount: cluster.replicaCount)
            lastHeardFrom = Array(repeating: .zero, count: cluster.replicaCount)
            awaiting.reserveCapacity(64)
        }

        // MARK: - Inputs

        public func start(durable restored: DurableState?, now: Instant, outbox: inout Outbox<Message>) {
            if let restored {
                durable = restored
                disk.wrote(promised: restored.promised, logStart: restored.logStart)
                rebuildStateMachine(outbox: &outbox)
            }
            highestRoundSeen = max(highestRoundSeen, durable.promised.round)
            lastLeaderContact = now
            electionTimeout = drawElectionTimeout()
            if restored == nil && settings.initialProposers.contains(id) {
                campaign(now: now, outbox: &outbox)
            } else {
                outbox.setTimer(Self.electionTimer, after: electionTimeout)
            }
        }

        public func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>) {
            guard sender != id, cluster.replicas.contains(sender.index) else { return }
            if let b = message.ballot {
                guard cluster.replicas.contains(b.node.index) else { return }
                if b.round > highestRoundSeen { highestRoundSeen = b.round }
            }
            lastHeardFrom[sender.index] = now
            switch message {
            case .prepare(let b, let fromSlot):
                onPrepare(b, fromSlot: fromSlot, from: sender, now: now, outbox: &outbox)
            case .promise(let b, let chosenUpTo, let entries):
                onPromise(b, chosenUpTo: chosenUpTo, entries: entries, from: sender, now: now, outbox: &outbox)
            case .accept(let b, let slot, let chosenUpTo, let value):
                onAccept(b, slot: slot, chosenUpTo: chosenUpTo, value: value, from: sender, now: now, outbox: &outbox)
            case .accepted(let b, let slot):
                onAccepted(b, slot: slot, from: sender, outbox: &outbox)
            case .commit(let b, let slot):
                onCommit(b, slot: slot, now: now, outbox: &outbox)
            case .nack(let promised, let rejected):
                onNack(promised: promised, rejected: rejected, now: now, outbox: &outbox)
            case .heartbeat(let b, let chosenUpTo):
                onHeartbeat(b, chosenUpTo: chosenUpTo, from: sender, now: now, outbox: &outbox)
            case .heartbeatAck:
                return
            case .catchUpRequest(let fromSlot):
                onCatchUpRequest(fromSlot: fromSlot, from: sender, outbox: &outbox)
            case .catchUp(let firstSlot, let values, let chosenUpTo):
                onCatchUp(firstSlot: firstSlot, values: values, chosenUpTo: chosenUpTo, from: sender, now: now, outbox: &outbox)
            case .catchUpSnapshot(let m):
                onCatchUpSnapshot(m, from: sender, now: now, outbox: &outbox)
            }
        }

        public func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>) {
            switch timer {
            case Self.heartbeatTimer: onHeartbeatTimer(now: now, outbox: &outbox)
            case Self.electionTimer: onElectionTimer(now: now, outbox: &outbox)
            case Self.batchTimer:
                batchTimerArmed = false
                if role == .leader { proposeMore(flush: true, outbox: &outbox) }
            default: return
            }
        }

        public var durableState: DurableState { durable }

        // MARK: - Introspection (read-only, for tests and tools)

        public var isLeader: Bool { role == .leader }
        public var promised: Ballot { durable.promised }
        /// The log the replica still holds: accepted (ballot, value) and chosen mark per slot, from slot
        /// `logStart` (the slots below it were compacted into a snapshot).
        public var log: [LogSlot] { durable.log }
        public var logStart: UInt64 { durable.logStart }

        /// The slot `slot` of the log, if the log holds it (neither compacted nor past its end).
        @inline(__always) func held(_ slot: UInt64) -> LogSlot? {
            guard slot >= durable.logStart, slot < durable.logEnd else { return nil }
            return durable.log[durable.index(slot)]
        }

        /// The value chosen for `slot`, if this replica still holds it.
        public func chosenValue(at slot: UInt64) -> SlotValue? {
            guard let s = held(slot), s.chosen else { return nil }
            return s.value
        }

        /// What this replica's acceptor accepted for `slot`, if it still holds it.
        public func accepted(at slot: UInt64) -> (ballot: Ballot, value: SlotValue)? {
            guard let s = held(slot), let v = s.value else { return nil }
            return (s.ballot, v)
        }

        /// The chosen (and applied) slots the log still holds, from `logStart`.
        public var chosenSequence: [SlotValue] {
            durable.log.prefix(durable.index(firstUnchosenSlot)).compactMap(\.value)
        }

        // MARK: - Helpers shared by the roles

        func drawElectionTimeout() -> Interval {
            random.interval(settings.electionTimeoutMin, settings.electionTimeoutMax)
        }

        /// Grows the log so `slot` exists and returns its index (callers bound `slot` first and keep it
        /// at or above `logStart`). Plain `append` grows the buffer geometrically and allocates nothing
        /// else (`append(contentsOf: repeatElement(…))` did, per call).
        @inline(__always) @discardableResult func ensureLog(_ slot: UInt64) -> Int {
            let i = durable.index(slot)
            while durable.log.count <= i { durable.log.append(LogSlot.empty) }
            return i
        }
    }
}
