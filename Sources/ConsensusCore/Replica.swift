/// The contract every protocol implements: a deterministic state machine with no clock, no sockets,
/// no threads and no randomness of its own (the shape of etcd-io/raft's `Step`/`Ready` and of
/// `SWIM.Instance`). Every input carries `now`; every output goes into the shell's reusable outbox.
/// Shells (the simulator, loopback TCP) do all IO and take every count as messages leave.
public protocol Replica: AnyObject {
    associatedtype Message: TamperableMessage
    associatedtype Settings: Sendable
    /// What the replica persists (what a real one would fsync before answering). The shell's disk keeps
    /// what the replica's persists wrote and hands it back on restart; everything else is lost.
    associatedtype DurableState
    /// One change to the durable state, as a persist writes it (a term and vote, entries from an index,
    /// one slot). Its size is the change's, never the log's.
    associatedtype DurableChange

    /// The protocol's name on the command line and in CSV (`raft`, `multipaxos`, `pbft`).
    static var protocolName: String { get }
    /// How replicas of this protocol may fail: its one n/f rule. `validate`, `maximumFaults` and the
    /// registry's smallest cluster derive from it (see the extension below).
    static var faultModel: FaultModel { get }
    /// How clients talk to this protocol.
    static func clientContract(cluster: ClusterConfig, settings: Settings) -> ClientContract
    /// The keys the workload's clients authenticate their requests with and check replies by, or nil
    /// when the protocol authenticates no client (default).
    static func clientCredentials(cluster: ClusterConfig, settings: Settings) -> (any ClientCredentials)?
    /// `reply`, changed by its faulty replica's shell (a lie), authenticated again by that replica with
    /// its own key, as a faulty replica signs its lies (default: unchanged, nothing authenticates replies).
    static func reauthenticated(_ reply: ClientReply, cluster: ClusterConfig, settings: Settings) -> ClientReply

    /// `random` is derived from the run's seed: the replica's only source of randomness.
    init(id: NodeID, cluster: ClusterConfig, settings: Settings, random: DeterministicRandom)

    /// First start (`durable == nil`) or restart after a crash with what was persisted.
    func start(durable: DurableState?, now: Instant, outbox: inout Outbox<Message>)
    /// A message from another replica arrived.
    func receive(_ message: Message, from sender: NodeID, now: Instant, outbox: inout Outbox<Message>)
    /// A timer this replica set has fired.
    func timerFired(_ timer: TimerID, now: Instant, outbox: inout Outbox<Message>)
    /// A client request arrived (directly, or as a retry).
    func clientRequest(_ request: ClientRequest, now: Instant, outbox: inout Outbox<Message>)

    /// Everything this replica would keep on its disk now. Shells read it to compact a journal right
    /// after a persist (when it equals what the journal replays to), and tests compare it with the disk.
    var durableState: DurableState { get }
    /// Moves into `journal` what changed in the durable state since the last call, as records whose
    /// replay onto what the disk held gives `durableState`. The first call after a fresh start (no
    /// durable state) writes a snapshot. The shell calls this for each `persist` effect it carries out,
    /// after the step, so a persist writes the durable state as the step left it; a change made in a step
    /// that emits no `persist` reaches the disk only with a later persist, and a crash before that loses it.
    func takeDurableRecords(into journal: inout [DurableRecord<DurableState, DurableChange>])
    /// Applies one change to the state the records before it built (`replay` calls it).
    static func apply(_ change: DurableChange, to state: inout DurableState)
    /// The state machine, for convergence checks and tests.
    var stateMachine: KVStateMachine { get }
    /// A change to the durable state that this replica may already have answered on (a vote, a promise,
    /// an acceptance, a PRE-PREPARE it prepared) but has not handed to a persist, as one line; nil when
    /// there is none. A replica that persists in the step making such a change, before the answer
    /// leaves, has none between steps; the simulator asks at every crash, and one that has lets the
    /// crash take back an answer it gave (the `durability` invariant). Default: nil (not audited).
    func unpersistedAnswer() -> String?

    /// What must hold inside this replica between any two steps (commit ≤ last index, a view never
    /// decreasing, …) and does not, as one line with the state that breaks it; nil when all holds.
    /// Cheap enough to run after every step in a debug build: each check looks at O(1) state or a
    /// bounded window. It may update what the replica keeps for its own checks (the floor of a value
    /// that must never decrease), so it belongs after a step, not in the middle of one.
    func invariantViolation() -> String?
    /// Traps (a `precondition`) when `invariantViolation()` finds something. Shells call it after every
    /// step in debug builds.
    func checkInvariants()
}

extension Replica {
    /// Why this cluster shape cannot run this protocol (e.g. "raft needs n ≥ 2f+1 replicas (got n=2,
    /// f=1)"), or nil: the protocol's fault model applied to `cluster`.
    public static func validate(_ cluster: ClusterConfig) -> String? {
        faultModel.problem(with: cluster, protocolName: protocolName)
    }

    /// The most faults n replicas tolerate: (n−1)/2 for crash-fault protocols, (n−1)/3 for PBFT.
    public static func maximumFaults(replicaCount: Int) -> Int { faultModel.maximumFaults(replicaCount: replicaCount) }

    /// The fewest replicas that tolerate `faults` faults: 2f+1, or 3f+1 for PBFT.
    public static func minimumReplicas(tolerating faults: Int) -> Int { faultModel.minimumReplicas(tolerating: faults) }

    public func checkInvariants() {
        if let violation = invariantViolation() { preconditionFailure(violation) }
    }

    public func unpersistedAnswer() -> String? { nil }

    public static func clientCredentials(cluster: ClusterConfig, settings: Settings) -> (any ClientCredentials)? { nil }

    public static func reauthenticated(_ reply: ClientReply, cluster: ClusterConfig, settings: Settings) -> ClientReply { reply }
}

/// What a protocol's clients prove requests and check replies with (PBFT: a key per client and
/// replica pair, derived from the cluster's secret). The shell's client driver holds one for all its
/// clients and uses it for every request it sends and every reply it takes. Clients are the load
/// generator, not replicas: their crypto is real work on the shell's CPU, but the simulator charges
/// only what replicas spend.
public protocol ClientCredentials: AnyObject {
    /// `request` with the authenticator its client attaches.
    func authenticate(_ request: ClientRequest) -> ClientRequest
    /// Whether `reply` proves that the replica it names sent it to this client.
    func verifies(_ reply: ClientReply) -> Bool
}

/// How clients of a protocol talk to it: where a request goes first, how many matching replies make a
/// result, and what a client does when its request times out. Raft and Multi-Paxos: to the leader, one
/// reply, retry at another replica. PBFT: to the primary, f+1 matching replies, retry by multicasting
/// to all replicas (PBFT §4.1). HotStuff: to every replica (leaders take turns, and whichever replica
/// leads when it arrives proposes it), f+1 matching replies, retry to all.
public struct ClientContract: Sendable, Equatable {
    public var matchingRepliesNeeded: Int
    public var retryToAll: Bool
    /// Where a client sends first: the replica a fresh cluster makes leader / primary, if the protocol knows.
    public var initialTarget: NodeID
    /// Every request goes to every replica from its first send, not to `initialTarget` alone.
    public var sendToAll: Bool
    public init(matchingRepliesNeeded: Int, retryToAll: Bool, initialTarget: NodeID = NodeID(0), sendToAll: Bool = false) {
        self.matchingRepliesNeeded = matchingRepliesNeeded
        self.retryToAll = retryToAll
        self.initialTarget = initialTarget
        self.sendToAll = sendToAll
    }
}
