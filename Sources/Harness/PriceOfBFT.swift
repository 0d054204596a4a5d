import ConsensusCore
import ShellKit

/// What PBFT's quadratic messages buy, measured: each protocol at the smallest cluster that tolerates
/// one fault, with one replica (replica 0, the first leader or primary) Byzantine in each way that
/// attacks a rule, and whether safety held. Raft and Multi-Paxos tolerate crash faults only, so their
/// rows break; PBFT's hold up to f, and a last row shows f+1 colluding liars fooling its clients.
public enum PriceOfBFT {
    public struct Row: Sendable {
        public var protocolName: String
        public var nodes: Int
        public var faults: Int
        /// The Byzantine replicas, as `--byzantine` takes them ("0:lie").
        public var byzantine: [String]
        /// Operations completed in the window: safety that held because nothing ran would be no finding.
        public var ops: Int
        public var messagesPerOp: Double
        public var violations: [String]
        public var linearizable: String
        public var safetyHeld: Bool { violations.isEmpty && linearizable != "false" }
    }

    /// The behaviours each protocol faces: falsified replies, a leader telling replicas different
    /// things, and a leader ordering a write no client asked for (where the protocol models it:
    /// HotStuff's clients send no authenticator here, so it has no forge row).
    public static let behaviors: [ByzantineBehavior] = [.lie, .equivocate, .forge]

    /// The specs, in table order: a short simulated run each, at f = 1, on what `base` gives for the
    /// protocol (the sweep's own options: its cost profile, network and seed).
    public static func specs(protocols: [String], base: (String) throws -> ExperimentSpec) throws -> [ExperimentSpec] {
        var specs: [ExperimentSpec] = []
        func spec(_ protocolName: String, byzantine: [String], allowUnsafe: Bool = false) throws -> ExperimentSpec {
            var s = try base(protocolName)
            s.nodes = nil
            s.faults = 1
            s.ops = nil
            // Long enough for PBFT to replace an equivocating primary (a view change) and go on.
            s.warmup = .milliseconds(500)
            s.duration = .seconds(1)
            s.quietPeriod = .milliseconds(500)
            s.allowUnsafe = allowUnsafe
            s.faultSchedule = try byzantine.map { try FaultParsing.byzantine($0) }
            return s
        }
        for name in protocols {
            let entry = try ProtocolRegistry.entry(named: name)
            for behavior in behaviors where entry.behaviorProblem(behavior, ProtocolOptionValues()) == nil {
                specs.append(try spec(name, byzantine: ["0:\(behavior.rawValue)"]))
            }
            if entry.byzantineLimit(ClusterConfig(replicaCount: entry.minimumReplicas(1), faultTolerance: 1)) > 0 {
                specs.append(try spec(name, byzantine: ["0:lie", "1:lie"], allowUnsafe: true))
            }
        }
        return specs
    }

    public static func row(_ result: RunResult) -> Row {
        Row(protocolName: result.spec.protocolName, nodes: result.spec.nodes ?? 0, faults: result.spec.faults ?? 0,
            byzantine: result.spec.faultSchedule.compactMap {
                if case .byzantine(let node, let behavior) = $0.fault { return "\(node.rawValue):\(behavior.rawValue)" }
                return nil
            },
            ops: result.ops, messagesPerOp: result.messagesPerOp, violations: result.violations, linearizable: result.linearizable)
    }
}
