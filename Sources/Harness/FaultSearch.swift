import Checker
import ConsensusCore
import ShellKit
import Simulation
import Workload

/// A seeded fault search in the style of TigerBeetle's VOPR: one seed derives everything (cluster size
/// unless given, network faults, a crash / partition / Byzantine schedule, the workload), a safety phase
/// runs under those faults, then a liveness phase heals everything and requires every client's
/// outstanding operation to complete within a bound. The run must keep agreement, validity,
/// at-most-once and convergence, and its history must be linearizable. Same seed, same build: same run.
public enum FaultSearch {
    /// How long the faults go on.
    public static let safetyPhase = Interval.seconds(3)
    /// How long, after healing, every outstanding operation may take to complete.
    public static let livenessBound = Interval.seconds(20)

    /// What one seed did and how it ended.
    public struct Outcome: Sendable {
        public var seed: UInt64
        public var protocolName: String
        public var cluster: ClusterConfig
        /// Faults and network conditions the seed chose, in one line.
        public var plan: String
        public var opsCompleted: Int
        /// nil: passed. Otherwise the first thing that broke.
        public var failure: String?
        /// Set when the run broke nothing but the linearizability checker ran out of budget on its
        /// history: neither a pass nor a failure, and reported apart from both.
        public var undecided: String?
        public var passed: Bool { failure == nil && undecided == nil }
    }

    /// The run a seed stands for: cluster, options (network, workload, fault schedule).
    public struct Plan: Sendable {
        public var cluster: ClusterConfig
        public var options: SimulationOptions
        public var description: String
    }

    /// The Byzantine behaviours the search draws from: all of them (each protocol keeps those it
    /// accepts, `BenchmarkedReplica.behaviorProblem`).
    public static let searchedBehaviors = ByzantineBehavior.allCases

    /// Derives the whole run from `seed`. `nodes` fixes the cluster size; otherwise f is 1 or 2.
    /// `byzantineLimit`: how many replicas may turn Byzantine (PBFT: f; crash-fault protocols: 0);
    /// `behaviors`: what they may do (the protocol's share of `searchedBehaviors`).
    public static func plan(seed: UInt64, nodes: Int?, minimumReplicas: (Int) -> Int, maximumFaults: (Int) -> Int,
                            byzantineLimit: (ClusterConfig) -> Int, durability: Durability = Durability(),
                            behaviors: [ByzantineBehavior] = searchedBehaviors) -> Plan {
        var random = DeterministicRandom(seed: seed ^ 0x5EED_F00D_CAFE_D00D)
        let n = nodes ?? minimumReplicas(1 + random.below(2))
        let cluster = ClusterConfig(replicaCount: n, faultTolerance: maximumFaults(n), secret: ClusterConfig.secret(forSeed: seed))
        var options = SimulationOptions(seed: seed)
        options.durability = durability
        var notes: [String] = []
        // Network conditions for the whole safety phase.
        if random.chance(0.5) { options.network.lossProbability = [0.001, 0.01, 0.05][random.below(3)]; notes.append("loss \(options.network.lossProbability)") }
        if random.chance(0.3) { options.network.duplicateProbability = [0.001, 0.01, 0.05][random.below(3)]; notes.append("dup \(options.network.duplicateProbability)") }
        if random.chance(0.3) { options.network.reorderProbability = [0.01, 0.1][random.below(2)]; notes.append("reorder \(options.network.reorderProbability)") }
        options.network.jitter = .microseconds(Int64(random.below(500)))
        // A small, contended open-loop workload (a few thousand operations) so the linearizability
        // check has something to bite on while each seed stays cheap.
        options.workload.clients = 2 + random.below(7)
        options.workload.ratePerSecond = Double(200 + random.below(1300))
        options.workload.keyCount = 3 + random.below(20)
        options.workload.readRatio = 0.4
        options.workload.casRatio = 0.3
        options.workload.requestTimeout = .milliseconds(Int64(100 + random.below(300)))
        var faults: [ScheduledFault] = []
        let byzantine = min(byzantineLimit(cluster), random.below(byzantineLimit(cluster) + 1))
        var chosen = Set<Int>()
        while chosen.count < byzantine { chosen.insert(random.below(n)) }
        for node in chosen.sorted() {
            let behavior = behaviors[random.below(behaviors.count)]
            faults.append(ScheduledFault(at: .zero, .byzantine(NodeID(node), behavior)))
        }
        var down: [Int] = []
        let events = 2 + random.below(7)
        for _ in 0 ..< events {
            let at = Instant.zero + .milliseconds(Int64(200 + random.below(Int(safetyPhase.nanoseconds / 1_000_000) - 300)))
            switch random.below(8) {
            case 0, 1:
                let node = random.below(n)
                faults.append(ScheduledFault(at: at, .crash(random.chance(0.5) ? .leader : .node(NodeID(node)))))
            case 2:
                faults.append(ScheduledFault(at: at, .restart(.node(NodeID(random.below(n))))))
                down.removeAll()
            case 3:
                let isolated = NodeID(random.below(n))
                faults.append(ScheduledFault(at: at, .partition([(0 ..< n).filter { $0 != isolated.index }.map { NodeID($0) }])))
            case 4:
                var left: [NodeID] = [], right: [NodeID] = []
                for i in 0 ..< n { if random.chance(0.5) { left.append(NodeID(i)) } else { right.append(NodeID(i)) } }
                if left.isEmpty || right.isEmpty { left = [NodeID(0)]; right = (1 ..< n).map { NodeID($0) } }
                faults.append(ScheduledFault(at: at, .partition([left, right])))
            case 5:
                let a = random.below(n), b = (a + 1 + random.below(n - 1)) % n
                faults.append(ScheduledFault(at: at, .cutLink(NodeID(a), NodeID(b))))
            case 6:
                faults.append(ScheduledFault(at: at, .extraLatency(.milliseconds(Int64(5 + random.below(60))))))
                faults.append(ScheduledFault(at: at + .milliseconds(Int64(50 + random.below(400))), .extraLatency(.zero)))
            default:
                faults.append(ScheduledFault(at: at, .heal))
            }
        }
        // Client traffic is a link like any other: lost and duplicated as the replicas' links are, and
        // cut off from some replicas until a heal. (Drawn last, so the draws above are what they were
        // before the clients' links could fail.)
        if random.chance(0.5), options.network.lossProbability > 0 || options.network.duplicateProbability > 0 {
            options.network.clientTrafficFaults = true
            notes.append("client traffic lost and duplicated too")
        }
        if random.chance(0.3) {
            let at = Instant.zero + .milliseconds(Int64(200 + random.below(Int(safetyPhase.nanoseconds / 1_000_000) - 300)))
            var cut = (0 ..< n).filter { _ in random.chance(0.4) }
            if cut.isEmpty { cut = [random.below(n)] }
            faults.append(ScheduledFault(at: at, .cutClients(cut.map { NodeID($0) })))
        }
        faults.sort { $0.at < $1.at }
        options.faults = faults
        notes.append(contentsOf: faults.map { "\($0.fault)@\($0.at)" })
        notes.insert("clients \(options.workload.clients) rate \(Int(options.workload.ratePerSecond ?? 0))/s keys \(options.workload.keyCount)", at: 0)
        if durability != Durability() { notes.insert("sync \(durability.sync), \(durability.crashKind) crashes", at: 1) }
        return Plan(cluster: cluster, options: options, description: notes.joined(separator: ", "))
    }

    /// Runs one seed's plan with replica type `R`; `budget` bounds the linearizability search.
    public static func run<R: Replica>(_ type: R.Type, settings: R.Settings, plan: Plan,
                                       budget: Linearizability.Budget = .default) -> Outcome {
        var options = plan.options
        options.stopsAtFirstViolation = true
        let sim = Simulator<R>(cluster: plan.cluster, settings: settings, options: options)
        func outcome(_ failure: String?, undecided: String? = nil) -> Outcome {
            let completed = sim.records.reduce(0) { $0 + ($1.completed == nil ? 0 : 1) }
            return Outcome(seed: plan.options.seed, protocolName: R.protocolName, cluster: plan.cluster, plan: plan.description,
                           opsCompleted: completed, failure: failure, undecided: undecided)
        }
        func unsafe() -> Outcome? {
            if let violation = sim.safety.violations.first { return outcome(violation.description) }
            // Only a violation stops a fault search's run; a stop for any other reason would leave the
            // loops below waiting on a clock that no longer moves.
            return sim.stopped ? outcome("the simulator stopped without a violation at \(sim.now)") : nil
        }
        sim.start()
        sim.run(until: .zero + safetyPhase)
        if let stopped = unsafe() { return stopped }
        // Liveness phase: every fault heals; every replica that is down comes back.
        sim.heal()
        sim.setLoss(0)
        for i in 0 ..< plan.cluster.replicaCount where !sim.isUp(NodeID(i)) { sim.restart(NodeID(i)) }
        sim.clearExtraLatency()
        sim.issuing = false
        let deadline = sim.now + livenessBound
        while sim.outstandingOperations > 0 && sim.now < deadline {
            sim.run(for: .milliseconds(100))
            if let stopped = unsafe() { return stopped }
        }
        var failure: String?
        if sim.outstandingOperations > 0 {
            failure = "liveness: \(sim.outstandingOperations) operation(s) still outstanding \(livenessBound) after every fault healed"
        }
        if failure == nil {
            // Convergence is a liveness property too: a replica that was down may need a while to catch
            // up (longer when every write waits for a sync). Wait for it as for the operations.
            let convergenceDeadline = sim.now + livenessBound
            repeat {
                sim.run(for: .milliseconds(100))
                if let stopped = unsafe() { return stopped }
                failure = Experiment.convergenceProblem(sim)
            } while failure != nil && sim.now < convergenceDeadline
        }
        if failure == nil {
            let verdict = HistoryCheck.verdict(for: sim.records, enabled: true, budget: budget)
            if verdict.column == "false" { failure = "linearizability: " + (verdict.detail ?? "history is not linearizable") }
            if verdict.column == "undecided" { return outcome(nil, undecided: verdict.detail ?? "the linearizability search ran out of budget") }
        }
        return outcome(failure)
    }
}
