import ConsensusCore
import Loopback
import Simulation

/// `validate`: the same workload in the simulator, charged with a measured cost profile over the
/// loopback network it measured, and over real sockets in the tcp shell; the figures side by side.
///
/// Per protocol and size: capacity at the knee; p50 with one closed-loop client; p50 and p99 at half
/// the tcp shell's capacity (the same offered rate in both shells); messages and bytes per operation
/// at that rate.
public struct Validation: Sendable {
    public struct Row: Sendable, Equatable {
        public var protocolName: String
        public var nodes: Int
        public var metric: String
        public var unit: String
        public var sim: Double?
        public var tcp: Double?
        /// sim / tcp.
        public var ratio: Double? {
            guard let sim, let tcp, tcp != 0 else { return nil }
            return sim / tcp
        }
    }

    public var profile: CostProfile
    public var knee = KneeSearch()
    /// Each one-client and half-capacity run's window.
    public var window: Interval = .seconds(1)

    public init(profile: CostProfile) { self.profile = profile }

    /// The simulator's twin of a tcp spec: the profile's costs for this protocol, its loopback links
    /// (between loops, and within one), the replicas sharing as many CPUs as the tcp shell gives them
    /// event-loop threads (replica i on loop i mod threads; 2 by default), the load generator's
    /// frames charged to the loop it shares, and, if the profile took the transport's per-frame cost
    /// apart, the loops' syscalls charged per tick and connection (`EventLoopTicks`).
    public func simulated(_ spec: ExperimentSpec) -> ExperimentSpec {
        var s = spec
        s.shell = "sim"
        let ticks = profile.network.eventLoopTicks
        s.eventLoopTicks = ticks
        s.cpu = profile.applied(to: s.cpu, protocolName: s.protocolName, ticks: ticks != nil)
        s.network = profile.loopbackNetwork(base: s.network, ticks: ticks != nil)
        let loopback = Loopback.Options()
        let threads = spec.transport.threads ?? loopback.threads
        s.sharedCPUs = threads
        // The generator shares a replica's loop unless given threads of its own; a frame costs it the
        // transport's per-frame figure and about what a replica spends on a request or a reply, plus
        // what the protocol's clients spend authenticating requests and checking replies.
        if (spec.transport.generatorThreads ?? 0) == 0 {
            let table = profile.protocols[spec.protocolName]
            let codec = (table?.handle["request"] ?? 0) / 4 + (table?.send["reply"] ?? 0)
            let frame = profile.transportPerFrame(ticks: ticks != nil) + codec
            let crypto = clientCrypto(spec)
            s.clientCPU = ClientCPU(cpu: loopback.generatorLoop % threads, perRequest: Interval(nanoseconds: frame + crypto.request),
                                    perReply: Interval(nanoseconds: frame + crypto.reply))
        }
        return s
    }

    /// What a client of `spec`'s protocol spends on crypto per request it sends and per reply it reads,
    /// at the profile's prices: a PBFT client attaches one MAC per replica (or signs, under `--auth
    /// sig`) and checks each reply's MAC (or signature). Raft's and Multi-Paxos's clients do none.
    /// (HotStuff's are not charged.)
    func clientCrypto(_ spec: ExperimentSpec) -> (request: Int64, reply: Int64) {
        guard spec.protocolName == "pbft", let n = try? ResolvedExperiment(spec).cluster.replicaCount else { return (0, 0) }
        switch spec.protocolOptions["auth"] ?? "mac" {
        case "mac": return (Int64(n) * profile.crypto.mac, profile.crypto.mac)
        case "sig": return (profile.crypto.signature, profile.crypto.signatureCheck)
        default: return (0, 0)
        }
    }

    /// Every metric for `spec` (its protocol, size and workload); `progress` hears what runs next, and
    /// `probed` each knee probe as it completes, with its shell ("sim" or "tcp").
    public func compare(_ spec: ExperimentSpec, progress: (String) -> Void = { _ in },
                        probed: (String, KneeSearch.Probe) -> Void = { _, _ in }) throws -> [Row] {
        var tcp = spec
        tcp.shell = "tcp"
        tcp.ops = nil
        tcp.checkLinearizability = false
        let sim = simulated(tcp)
        let n = try ResolvedExperiment(tcp).cluster.replicaCount
        var rows: [Row] = []
        func row(_ metric: String, _ unit: String, _ s: Double?, _ t: Double?) {
            rows.append(Row(protocolName: spec.protocolName, nodes: n, metric: metric, unit: unit, sim: s, tcp: t))
        }
        let label = "\(spec.protocolName) n=\(n)"
        progress("\(label): knee in the simulator")
        let simKnee = try knee.run(sim, progress: { probed("sim", $0) }).capacity
        progress("\(label): knee over tcp")
        let tcpKnee = try knee.run(tcp, progress: { probed("tcp", $0) }).capacity
        row("capacity", "ops/s", simKnee?.rate, tcpKnee?.rate)

        func closedLoopOneClient(_ s: ExperimentSpec) throws -> RunResult {
            var one = s
            one.workload.clients = 1
            one.workload.ratePerSecond = nil
            one.duration = window
            return try ResolvedExperiment(one).run()
        }
        progress("\(label): one client")
        let simOne = try closedLoopOneClient(sim), tcpOne = try closedLoopOneClient(tcp)
        row("p50 at 1 client", "us", simOne.latency.p50, tcpOne.latency.p50)

        guard let capacity = tcpKnee?.rate else { return rows }
        func halfCapacity(_ s: ExperimentSpec) throws -> RunResult {
            var half = s
            half.workload.ratePerSecond = capacity / 2
            half.workload.clients = max(s.workload.clients, Int((capacity / 2 * 0.005).rounded(.up)))
            half.arrivalsAwaitLeader = true
            half.duration = window
            return try ResolvedExperiment(half).run()
        }
        progress("\(label): half the tcp capacity")
        let simHalf = try halfCapacity(sim), tcpHalf = try halfCapacity(tcp)
        row("p50 at half capacity", "us", simHalf.latency.p50, tcpHalf.latency.p50)
        row("p99 at half capacity", "us", simHalf.latency.p99, tcpHalf.latency.p99)
        row("messages/op", "", simHalf.messagesPerOp, tcpHalf.messagesPerOp)
        row("bytes/op", "B", simHalf.bytesPerOp, tcpHalf.bytesPerOp)
        return rows
    }
}
