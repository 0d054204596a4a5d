import ConsensusCore
import MultiPaxos
import PBFT
import Raft
import ShellKit

/// Every protocol the suite can run. Adding a protocol is one new module and one line here.
public enum ProtocolRegistry {
    public static let all: [ProtocolEntry] = [
        .of(Raft.Replica.self) { spec in
            Raft.Settings(maxBatch: spec.batch, maxInflight: spec.pipeline)
        },
        .of(MultiPaxos.Replica.self) { spec in
            MultiPaxos.Settings(commitMode: spec.paxosCommit == "explicit" ? .explicit : .piggyback, maxBatch: spec.batch, maxInflight: spec.pipeline)
        },
        .of(PBFT.Replica.self, byzantineLimit: { $0.faultTolerance }) { spec in
            var settings = PBFT.Settings()
            settings.auth = PBFT.Authentication(rawValue: spec.auth) ?? .mac
            settings.checkpointInterval = spec.checkpointInterval
            settings.maxBatch = spec.batch
            settings.pipelineDepth = spec.pipeline
            return settings
        },
    ]

    public static var names: [String] { all.map(\.name) }

    public static func entry(named name: String) throws -> ProtocolEntry {
        if let e = all.first(where: { $0.name == name }) { return e }
        throw ExperimentError("unknown protocol '\(name)' (known: \(names.joined(separator: ", ")))")
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
    /// Runs one resolved experiment in the simulator.
    public let simulate: @Sendable (ResolvedExperiment) throws -> RunResult
    /// Runs one resolved experiment over real TCP on this machine (`--shell tcp` and `--shell process`).
    public let tcp: @Sendable (ResolvedExperiment) throws -> RunResult
    /// Runs one replica of a cluster file in this process (`consensus-bench node`).
    public let node: @Sendable (ResolvedExperiment, NodeLaunch) throws -> Void
    /// Runs one seed of the fault search (`nodes` fixes the cluster size).
    /// One seed of the fault search; `profile` prices the simulator's CPU (nil: the flat model).
    public let checkSeed: @Sendable (_ seed: UInt64, _ nodes: Int?, _ durability: Durability, _ profile: CostProfile?) -> FaultSearch.Outcome

    /// Builds the entry of replica type `R`, with `settings` mapping the spec's protocol options. Its
    /// durable state and its changes need a wire form: the real shells keep them in a journal. The n/f rules all
    /// come from `R.faultModel`.
    public static func of<R: Replica>(_ type: R.Type,
                                      byzantineLimit: @escaping @Sendable (ClusterConfig) -> Int = { _ in 0 },
                                      settings: @escaping @Sendable (ExperimentSpec) throws -> R.Settings) -> ProtocolEntry
    where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
        let minimumReplicas: @Sendable (Int) -> Int = { R.minimumReplicas(tolerating: $0) }
        return ProtocolEntry(
            name: R.protocolName,
            validate: { R.validate($0) },
            maximumFaults: { R.maximumFaults(replicaCount: $0) },
            minimumReplicas: minimumReplicas,
            byzantineLimit: byzantineLimit,
            simulate: { resolved in
                try Experiment.simulate(R.self, settings: try settings(resolved.spec), resolved: resolved)
            },
            tcp: { resolved in
                try runOverTCP(R.self, settings: try settings(resolved.spec), resolved: resolved)
            },
            node: { resolved, launch in
                try serveNode(R.self, settings: try settings(resolved.spec), resolved: resolved, launch: launch)
            },
            checkSeed: { seed, nodes, durability, profile in
                var spec = ExperimentSpec()
                spec.protocolName = R.protocolName
                var plan = FaultSearch.plan(seed: seed, nodes: nodes, minimumReplicas: minimumReplicas,
                                            maximumFaults: { R.maximumFaults(replicaCount: $0) },
                                            byzantineLimit: byzantineLimit, durability: durability)
                if let profile { plan.options.cpu = profile.applied(to: plan.options.cpu, protocolName: R.protocolName) }
                // Settings from the defaults; they cannot fail for a default spec.
                let s = (try? settings(spec))!
                return FaultSearch.run(R.self, settings: s, plan: plan)
            })
    }
}
