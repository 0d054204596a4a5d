import ConsensusCore
import HotStuff
import Loopback
import MultiPaxos
import PBFT
import Raft
import ShellKit

/// Every protocol the suite can run. Adding a protocol is one new module whose replica conforms to
/// `BenchmarkedReplica`, and one line here.
public enum ProtocolRegistry {
    public static let all: [ProtocolEntry] = [
        .of(Raft.Replica.self),
        .of(MultiPaxos.Replica.self),
        .of(PBFT.Replica.self),
        .of(HotStuff.Replica.self),
    ]

    public static var names: [String] { all.map(\.name) }

    public static func entry(named name: String) throws -> ProtocolEntry {
        if let e = all.first(where: { $0.name == name }) { return e }
        throw ExperimentError("unknown protocol '\(name)' (known: \(names.joined(separator: ", ")))")
    }

    /// Every protocol's options, in registry order (the order of their runs.csv columns); an option two
    /// protocols declare under one flag appears once.
    public static let options: [ProtocolOption] = {
        var seen = Set<String>()
        return all.flatMap(\.options).filter { seen.insert($0.flag).inserted }
    }()

    /// The option `flag` names; a flag no protocol declares is a typo, refused in one line.
    public static func option(flag: String) throws -> ProtocolOption {
        if let option = options.first(where: { $0.flag == flag }) { return option }
        throw ExperimentError("unknown option '--\(flag)' (protocol options: \(options.map { "--" + $0.flag }.joined(separator: ", ")))")
    }

    /// The dashed curves of the messages plot: one per formula, naming every protocol that has it
    /// ("2n (Raft, Paxos)"), with the first declarer's dash pattern.
    public static var expectedCurves: [(name: String, dash: String, count: @Sendable (Double) -> Double)] {
        var order: [String] = []
        var byFormula: [String: (who: [String], dash: String, count: @Sendable (Double) -> Double)] = [:]
        for entry in all {
            for curve in entry.expectedCurves {
                if byFormula[curve.formula] == nil {
                    order.append(curve.formula)
                    let count = entry.expectedMessagesPerOperation
                    let options = curve.options
                    byFormula[curve.formula] = ([], curve.dash, { count($0, options) })
                }
                byFormula[curve.formula]!.who.append(curve.who)
            }
        }
        return order.map { formula in
            let c = byFormula[formula]!
            return ("\(formula) (\(c.who.joined(separator: ", ")))", c.dash, c.count)
        }
    }
}

/// What the harness needs to know about one protocol, with the replica type erased behind closures so
/// the simulator itself stays generic (and specialised) over the concrete replica.
public struct ProtocolEntry: Sendable {
    public let name: String
    public let validate: @Sendable (ClusterConfig) -> String?
    public let maximumFaults: @Sendable (Int) -> Int
    /// The fewest replicas that tolerate f faults.
    public let minimumReplicas: @Sendable (Int) -> Int
    /// How many Byzantine replicas the protocol tolerates in a cluster (0: crash faults only).
    public let byzantineLimit: @Sendable (ClusterConfig) -> Int
    /// The protocol's own options (`BenchmarkedReplica.options`).
    public let options: [ProtocolOption]
    /// Why a Byzantine replica cannot do this behaviour with these option values, or nil.
    public let behaviorProblem: @Sendable (ByzantineBehavior, ProtocolOptionValues) -> String?
    /// Steady-state messages per operation for n replicas and these option values.
    public let expectedMessagesPerOperation: @Sendable (Double, ProtocolOptionValues) -> Double
    public let expectedCurves: [ExpectedCurve]
    /// Runs one resolved experiment in the simulator.
    public let simulate: @Sendable (ResolvedExperiment) throws -> RunResult
    /// Runs one resolved experiment over real TCP on this machine (`--shell tcp` and `--shell process`).
    public let tcp: @Sendable (ResolvedExperiment) throws -> RunResult
    /// Runs one replica of a cluster file in this process (`consensus-bench node`).
    public let node: @Sendable (ResolvedExperiment, NodeLaunch) throws -> Void
    /// Runs one load generator of a cluster file in this process (`consensus-bench generate`).
    public let generate: @Sendable (ResolvedExperiment, GeneratorLaunch) throws -> GeneratorReport
    /// One seed of the fault search (`nodes` fixes the cluster size), with the options the protocol
    /// draws for that seed (`faultSearchOptions`); `profile` prices the simulator's CPU (nil: the flat model).
    public let checkSeed: @Sendable (_ seed: UInt64, _ nodes: Int?, _ durability: Durability, _ profile: CostProfile?) -> FaultSearch.Outcome

    /// This protocol's value of an option for a run: the spec's, or the declared default.
    public func value(of option: ProtocolOption, in spec: ExperimentSpec) -> String {
        spec.protocolOptions[option.flag] ?? option.defaultValue
    }

    /// Whether this protocol declares `flag`.
    public func declares(_ flag: String) -> Bool { options.contains { $0.flag == flag } }

    /// Builds the entry of replica type `R`. Its durable state and its changes need a wire form: the
    /// real shells keep them in a journal. The n/f rules all come from `R.faultModel`, the options and
    /// the settings they make from `R`'s `BenchmarkedReplica` declaration.
    public static func of<R: BenchmarkedReplica>(_ type: R.Type) -> ProtocolEntry
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        let minimumReplicas: @Sendable (Int) -> Int = { R.minimumReplicas(tolerating: $0) }
        let byzantineLimit: @Sendable (ClusterConfig) -> Int = { R.byzantineLimit($0) }
        let settings: @Sendable (ExperimentSpec) -> R.Settings = { spec in
            R.settings(CommonSettings(batch: spec.batch, pipeline: spec.pipeline), spec.protocolOptions)
        }
        return ProtocolEntry(
            name: R.protocolName,
            validate: { R.validate($0) },
            maximumFaults: { R.maximumFaults(replicaCount: $0) },
            minimumReplicas: minimumReplicas,
            byzantineLimit: byzantineLimit,
            options: R.options,
            behaviorProblem: { R.behaviorProblem($0, $1) },
            expectedMessagesPerOperation: { R.expectedMessagesPerOperation(replicas: $0, options: $1) },
            expectedCurves: R.expectedCurves,
            simulate: { resolved in
                try Experiment.simulate(R.self, settings: R.forSimulation(settings(resolved.spec)), resolved: resolved)
            },
            tcp: { resolved in
                try runOverTCP(R.self, settings: settings(resolved.spec), resolved: resolved)
            },
            node: { resolved, launch in
                try serveNode(R.self, settings: settings(resolved.spec), resolved: resolved, launch: launch)
            },
            generate: { resolved, launch in
                try runGenerator(R.self, settings: settings(resolved.spec), resolved: resolved, launch: launch)
            },
            checkSeed: { seed, nodes, durability, profile in
                let options = R.faultSearchOptions(seed: seed)
                var plan = FaultSearch.plan(seed: seed, nodes: nodes, minimumReplicas: minimumReplicas,
                                            maximumFaults: { R.maximumFaults(replicaCount: $0) },
                                            byzantineLimit: byzantineLimit, durability: durability,
                                            behaviors: FaultSearch.searchedBehaviors.filter { R.behaviorProblem($0, options) == nil })
                if let profile { plan.options.cpu = profile.applied(to: plan.options.cpu, protocolName: R.protocolName) }
                return FaultSearch.run(R.self, settings: R.forSimulation(R.settings(CommonSettings(), options)), plan: plan)
            })
    }
}
