import ConsensusCore

/// A steady state to record one replica's inputs from: the cluster, the observed replica, the clients.
public struct ReplicaStepScenario<R: Replica> {
    public var name: String
    public var replicaCount: Int
    /// The replica whose inputs are measured.
    public var observed: Int
    /// The leader or primary the clients talk to.
    public var clientTarget: Int
    /// Closed-loop clients: how many requests are in flight at once.
    public var clients: Int
    /// Builds replica `id` (the twin is built the same way).
    public var make: (NodeID) -> R
    /// Brings a fresh cluster to where clients can start: elects the leader, for instance.
    public var prepare: (LockstepCluster<R>) -> Void
    /// Requests the observed replica applies per input it handles, in the steady state (a Raft
    /// follower: 1, one AppendEntries per request; a PBFT backup: about 1/6).
    public var appliedPerInput: Double

    public init(name: String, replicaCount: Int, observed: Int, clientTarget: Int, clients: Int = 16,
                appliedPerInput: Double, make: @escaping (NodeID) -> R, prepare: @escaping (LockstepCluster<R>) -> Void) {
        self.name = name
        self.replicaCount = replicaCount
        self.observed = observed
        self.clientTarget = clientTarget
        self.clients = clients
        self.appliedPerInput = appliedPerInput
        self.make = make
        self.prepare = prepare
    }
}

/// The cluster, the twin, and the checks between batches. The cluster records the observed replica's
/// inputs batch by batch; a twin of that replica (same id, settings and seed) handles each batch, and
/// after every batch it must hold the same state as the replica in the cluster (executed count and the
/// state machine's order-sensitive digest), and the batch must have applied about as many requests as
/// the scenario says a steady state does. A stream the twin ignores or rejects stops the process with
/// `fatalError` (whose message survives a release build) instead of being timed. The replica-step
/// benchmarks (Benchmarks/StepDriver) and `calibrate`'s cost probe both replay through it.
public final class ReplicaStepState<R: Replica> {
    public let scenario: ReplicaStepScenario<R>
    public let cluster: LockstepCluster<R>
    public let twin: R
    public let inputsPerBatch: Int
    /// Batches replayed into the twin before the first measured one (start-up, election, pipeline fill).
    public static var warmupBatches: Int { 2 }

    private var appliedMark = 0
    private var batches = 0

    public init(_ scenario: ReplicaStepScenario<R>, inputsPerBatch: Int) {
        self.scenario = scenario
        self.inputsPerBatch = inputsPerBatch
        cluster = LockstepCluster(count: scenario.replicaCount, observed: scenario.observed,
                                  clientTarget: scenario.clientTarget, make: scenario.make)
        twin = scenario.make(NodeID(scenario.observed))
        var outbox = Outbox<R.Message>()
        twin.start(durable: nil, now: .zero, outbox: &outbox)
        scenario.prepare(cluster)
        cluster.startClients(scenario.clients)

        // Warm up, counting the twin's own observations: it must apply exactly what the replica in the
        // cluster applied, and something at all. The start-up's inputs (election, phase 1) come first.
        var twinApplied = 0
        for b in 0 ... Self.warmupBatches {
            for item in b == 0 ? cluster.takeRecorded() : cluster.takeRecorded(inputsPerBatch) {
                outbox.clear()
                LockstepCluster<R>.hand(item.input, to: twin, now: item.now, outbox: &outbox)
                for effect in outbox.effects {
                    switch effect {
                    case .applied: twinApplied += 1
                    case .rejected(let kind): fatalError("\(scenario.name): the twin rejected a \(R.Message.kindNames[kind])")
                    case .unsafe(let detail): fatalError("\(scenario.name): the twin found the run unsafe: \(detail)")
                    default: break
                    }
                }
            }
        }
        let clusterApplied = cluster.appliedCount[scenario.observed]
        guard twinApplied > 0 && twinApplied == clusterApplied else {
            fatalError("\(scenario.name): the twin applied \(twinApplied) requests in warm-up, replica \(scenario.observed) in the cluster \(clusterApplied)")
        }
        appliedMark = clusterApplied
        checkTwin()
    }

    /// The observed replica's next `inputsPerBatch` inputs (produced now, outside the measurement).
    public func nextBatch() -> [TimedInput<R.Message>] {
        cluster.takeRecorded(inputsPerBatch)
    }

    /// Hands every input of `batch` to the twin: the measured work. `outbox` is cleared after each step,
    /// keeping its storage, as the simulator and the TCP shell do.
    @inlinable
    public func replay(_ batch: [TimedInput<R.Message>], outbox: inout Outbox<R.Message>) {
        let twin = self.twin
        for item in batch {
            LockstepCluster<R>.hand(item.input, to: twin, now: item.now, outbox: &outbox)
            outbox.clear()
        }
    }

    /// After a measured batch: the twin did what the replica in the cluster did, and the batch was
    /// steady-state work (about `appliedPerInput` requests applied per input).
    public func checkBatch() {
        batches += 1
        checkTwin()
        let applied = cluster.appliedCount[scenario.observed] - appliedMark
        appliedMark += applied
        let expected = scenario.appliedPerInput * Double(inputsPerBatch)
        let slack = Double(2 * scenario.clients + 2)
        guard abs(Double(applied) - expected) <= slack else {
            fatalError("\(scenario.name): batch \(batches) of \(inputsPerBatch) inputs applied \(applied) requests, expected \(Int(expected)) ± \(Int(slack))")
        }
    }

    private func checkTwin() {
        let mine = twin.stateMachine, theirs = cluster.replicas[scenario.observed].stateMachine
        guard mine.executedCount == theirs.executedCount && mine.digest == theirs.digest else {
            fatalError("\(scenario.name): the twin executed \(mine.executedCount) (digest \(mine.digest)), the replica in the cluster \(theirs.executedCount) (digest \(theirs.digest))")
        }
    }
}
