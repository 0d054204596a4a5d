/// The columns of runs.csv, in one place for the writer (the CLI's result files) and every reader (the
/// plots, the fit table, `compare`). The shared columns are typed; each protocol's own options add one
/// column each between `batch`…`value_size` and the network columns (`BenchmarkedReplica.options`,
/// empty in rows of protocols that do not declare them), which readers look up by name when they need
/// them at all.
public enum RunColumn: String, CaseIterable, Sendable {
    case point, `protocol`, shell, nodes, faults, clients, seed, ops
    case durationSeconds = "duration_s"
    case throughput = "throughput_ops_s"
    case latencyP50 = "latency_p50_us", latencyP90 = "latency_p90_us", latencyP99 = "latency_p99_us"
    case latencyP999 = "latency_p999_us", latencyMax = "latency_max_us"
    case messagesPerOp = "messages_per_op", bytesPerOp = "bytes_per_op"
    case leaderChanges = "leader_changes", linearizable
    case batch, pipeline, load
    case offered = "offered_ops_s", saturated
    case capacity = "capacity_ops_s"
    case keys
    case keyDistribution = "key_distribution", readRatio = "read_ratio", casRatio = "cas_ratio", valueSize = "value_size"
    // (the protocols' option columns go here)
    case linkLatency = "link_latency_us"
    case faultsInjected = "faults_injected"
    case longestStall = "longest_stall_ms"
    case violations
    case rejectedMessages = "rejected_messages"
    case sync
    case crashKind = "crash_kind"
    case syncs
    case recordsPerSync = "records_per_sync"

    /// The column's name in the file.
    public var name: String { rawValue }
}

public enum RunsSchema {
    /// The shared columns before the protocols' option columns.
    public static let head: [RunColumn] = Array(RunColumn.allCases.prefix { $0 != .linkLatency })
    /// The shared columns after them.
    public static let tail: [RunColumn] = Array(RunColumn.allCases.drop { $0 != .linkLatency })

    /// Every column of runs.csv, with these protocol option columns (in registry order).
    public static func columns(protocolColumns: [String]) -> [String] {
        head.map(\.name) + protocolColumns + tail.map(\.name)
    }
}
