// Which runs.csv columns are metrics for `compare`, and how each one is judged.

/// Which way a metric should move.
public enum MetricDirection: String, Sendable, Equatable {
    case biggerIsBetter = "bigger is better"
    case smallerIsBetter = "smaller is better"
    /// Shown with its change, never failed by a tolerance (counts that follow from the others).
    /// A metric that is also deterministic in simulation still fails a simulated row when it changes.
    case informational
}

/// A runs.csv column that `compare` measures rather than matches rows by.
public struct ComparedMetric: Sendable, Equatable {
    public var name: String
    public var direction: MetricDirection
    /// The unit for dashboards ("ops/s", "us", "messages/op").
    public var unit: String
    /// In the simulator the value follows from the seed alone, so any change means the protocol
    /// or the model behaved differently: it must match exactly unless the user allows a model change.
    public var deterministicInSimulation: Bool

    public init(name: String, direction: MetricDirection, unit: String, deterministicInSimulation: Bool) {
        self.name = name
        self.direction = direction
        self.unit = unit
        self.deterministicInSimulation = deterministicInSimulation
    }

    /// The metric columns, explicitly. Every other column (protocol, shell, nodes, faults,
    /// clients, seed, batch, value_size, …) is configuration and identifies a row, except the
    /// columns in `RegressionCompare.unmatchedColumns`. Columns named `latency_*_us` beyond these
    /// five are latency metrics too.
    public static let known: [ComparedMetric] = [
        ComparedMetric(name: "throughput_ops_s", direction: .biggerIsBetter, unit: "ops/s", deterministicInSimulation: true),
        latency("latency_p50_us"), latency("latency_p90_us"), latency("latency_p99_us"),
        latency("latency_p999_us"), latency("latency_max_us"),
        ComparedMetric(name: "messages_per_op", direction: .smallerIsBetter, unit: "messages/op", deterministicInSimulation: true),
        ComparedMetric(name: "bytes_per_op", direction: .smallerIsBetter, unit: "bytes/op", deterministicInSimulation: true),
        ComparedMetric(name: "leader_changes", direction: .informational, unit: "changes", deterministicInSimulation: false),
        ComparedMetric(name: "ops", direction: .informational, unit: "ops", deterministicInSimulation: false),
        ComparedMetric(name: "duration_s", direction: .informational, unit: "s", deterministicInSimulation: false),
        // Outcome columns the CLI adds beyond issue 2's set: shown, never gated by a tolerance.
        // The failover stall is still exact in the simulator, like latency.
        ComparedMetric(name: "longest_stall_ms", direction: .informational, unit: "ms", deterministicInSimulation: true),
        ComparedMetric(name: "rejected_messages", direction: .informational, unit: "messages", deterministicInSimulation: false),
    ]

    private static func latency(_ name: String) -> ComparedMetric {
        ComparedMetric(name: name, direction: .smallerIsBetter, unit: "us", deterministicInSimulation: true)
    }

    /// The metric for a column name, or nil when the column is configuration.
    public static func named(_ column: String) -> ComparedMetric? {
        if let metric = known.first(where: { $0.name == column }) { return metric }
        if column.hasPrefix("latency_") && column.hasSuffix("_us") { return latency(column) }
        return nil
    }
}
