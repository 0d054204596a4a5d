import ConsensusCore
import Workload

/// The cluster file of `consensus-bench node --id I --cluster FILE` (JSON): who the replicas are and
/// where they listen, the protocol and its settings, and, when the process shell's parent wrote it, the
/// run's shared clock, window, node-side faults and where to write reports.
///
///     {"protocol": "raft", "faults": 1, "seed": 1, "batch": 1,
///      "replicas": [{"id": 0, "host": "127.0.0.1", "port": 7100}, {"id": 1, ...}, {"id": 2, ...}]}
public struct ClusterFile: Codable, Sendable, Equatable {
    public struct Member: Codable, Sendable, Equatable {
        public var id: Int
        public var host: String
        public var port: Int
        public init(id: Int, host: String, port: Int) {
            self.id = id
            self.host = host
            self.port = port
        }
    }

    /// Faults a node applies to itself at run times (the run command's flag syntax). Crashes are the
    /// parent's: it kills the node process.
    public struct NodeFaults: Codable, Sendable, Equatable {
        public var partition: [String] = []
        public var heal: [String] = []
        public var byzantine: [String] = []
        public init() {}
    }

    public var protocolName: String
    /// Faults the cluster tolerates (`f`).
    public var faults: Int?
    public var seed: UInt64 = 1
    public var batch: Int = 1
    public var pipeline: Int?
    /// The protocol's own options by flag, as on the command line (`{"auth": "sig"}`); absent ones
    /// take the protocol's defaults.
    public var options: [String: String]?
    public var replicas: [Member]

    // MARK: Set by the process shell's parent
    /// Run time zero on the host's monotonic clock (uptime nanoseconds): replicas start then.
    public var clockBase: UInt64?
    public var windowStartNanos: Int64?
    public var windowEndNanos: Int64?
    public var nodeFaults: NodeFaults?
    /// Extra delay of a `slow` Byzantine replica's sends, in nanoseconds.
    public var slowDelayNanos: Int64?
    /// Where each node writes `report-I.bin` and `applied-I.bin`.
    public var reportDirectory: String?
    /// `--sync`: none (nil) or fsync.
    public var sync: String?

    // MARK: Set by the parent when load generators run on hosts of their own (`consensus-bench generate`)
    /// Load generators of the run (nil: one, in the parent).
    public var generators: Int?
    /// The whole run's load, which the generators split.
    public var load: Load?
    /// After the window (and the last scheduled fault), how long the generators wait for outstanding
    /// operations before they report.
    public var quietPeriodNanos: Int64?
    public var faultsEndNanos: Int64?

    /// The run's workload (`WorkloadSpec`), as the cluster file carries it to generator processes.
    public struct Load: Codable, Sendable, Equatable {
        public var clients: Int
        public var ratePerSecond: Double?
        public var keys: Int
        public var keyDistribution: String
        public var readRatio: Double
        public var casRatio: Double
        public var valueSize: Int
        public var requestTimeoutNanos: Int64
        public init(clients: Int, ratePerSecond: Double?, keys: Int, keyDistribution: String, readRatio: Double, casRatio: Double,
                    valueSize: Int, requestTimeoutNanos: Int64) {
            self.clients = clients
            self.ratePerSecond = ratePerSecond
            self.keys = keys
            self.keyDistribution = keyDistribution
            self.readRatio = readRatio
            self.casRatio = casRatio
            self.valueSize = valueSize
            self.requestTimeoutNanos = requestTimeoutNanos
        }

        /// `workload` as the file carries it.
        public init(_ workload: WorkloadSpec) {
            self.init(clients: workload.clients, ratePerSecond: workload.ratePerSecond, keys: workload.keyCount,
                      keyDistribution: workload.keyDistribution.description, readRatio: workload.readRatio, casRatio: workload.casRatio,
                      valueSize: workload.valueSize, requestTimeoutNanos: workload.requestTimeout.nanoseconds)
        }

        /// The workload it carries, or nil if its key distribution is not one this build knows.
        public var workload: WorkloadSpec? {
            guard let distribution = WorkloadSpec.KeyDistribution(parsing: keyDistribution) else { return nil }
            var w = WorkloadSpec()
            w.clients = clients
            w.ratePerSecond = ratePerSecond
            w.keyCount = keys
            w.keyDistribution = distribution
            w.readRatio = readRatio
            w.casRatio = casRatio
            w.valueSize = valueSize
            w.requestTimeout = Interval(nanoseconds: requestTimeoutNanos)
            return w
        }
    }

    enum CodingKeys: String, CodingKey {
        case protocolName = "protocol"
        case faults, seed, batch, pipeline, options, replicas
        case clockBase, windowStartNanos, windowEndNanos, nodeFaults, slowDelayNanos, reportDirectory, sync
        case generators, load, quietPeriodNanos, faultsEndNanos
    }

    public init(protocolName: String, replicas: [Member]) {
        self.protocolName = protocolName
        self.replicas = replicas
    }

    /// The replicas' addresses by id, or why the file's list is not the dense range `0 ..< n`.
    public func endpoints() throws -> [Loopback.Endpoint] {
        let sorted = replicas.sorted { $0.id < $1.id }
        guard !sorted.isEmpty, sorted.enumerated().allSatisfy({ $0.offset == $0.element.id }) else {
            throw LoopbackError("cluster file: replica ids must be 0...n-1, each once (got \(replicas.map(\.id)))")
        }
        for m in sorted where !(1 ... 65535).contains(m.port) {
            throw LoopbackError("cluster file: replica \(m.id) has port \(m.port); a node process needs a fixed port in 1...65535")
        }
        return sorted.map { Loopback.Endpoint(host: $0.host, port: $0.port) }
    }
}
