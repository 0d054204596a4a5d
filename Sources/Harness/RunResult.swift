import ConsensusCore
import Workload

/// Everything one experiment point measured, built in one place from any shell's `RunObservation`
/// (RunResult+Observation.swift). Deterministic for a simulated run: two runs with the same spec and
/// seed produce equal results. Wall-clock figures (the suite's own speed) are not here: the CLI times
/// the run and writes them to manifest.json (`Manifest.add(point:result:wallSeconds:)`).
public struct RunResult: Sendable {
    /// The resolved spec (nodes and faults filled in).
    public var spec: ExperimentSpec
    /// Operations completed inside the measurement window.
    public var ops: Int
    /// The window's length in (simulated) seconds.
    public var windowSeconds: Double
    public var throughputOpsPerSecond: Double
    public var latency: LatencySummary
    /// (percentile, microseconds) points of the latency distribution, for a CDF.
    public var latencyDistribution: [(percentile: Double, micros: Double)]
    /// Message kinds (the protocol's, then `request`, `reply`) with counts and bytes inside the window.
    public var messageKinds: [String]
    public var messageCounts: [Int]
    public var messageBytes: [Int]
    /// Messages replicas dropped because their authenticator did not verify, by kind.
    public var rejectedCounts: [Int]
    public var messagesPerOp: Double
    public var bytesPerOp: Double
    public var leaderChanges: Int
    /// The longest stretch inside the window with no operation completing, in milliseconds.
    public var longestStallMillis: Double
    /// Per second of the window: operations completed and their p99 latency.
    public var timeseries: [TimeBucket]
    /// `true`, `false`, `undecided` or `unchecked`.
    public var linearizable: String
    /// Why the checker said false or undecided.
    public var linearizabilityDetail: String?
    /// Safety invariants that failed (agreement, validity, at-most-once, convergence).
    public var violations: [String]
    /// Every client operation of the run, window or not.
    public var history: [OperationRecord]
    /// Faults as they were injected, with when.
    public var faultLog: [String]
    /// Simulator work, for the speed figures in the manifest.
    public var eventsProcessed: Int
    public var messagesSimulated: Int
    /// Syncs the replicas' disks ran (`--sync fsync`), and journal records per sync on average (group
    /// commit: one sync covers every record written while the previous one ran). 0 under `--sync none`.
    public var syncs = 0
    public var recordsPerSync: Double = 0

    /// `--shell process`: the allocator each node process ran with, as read from its memory map
    /// (`system` or `jemalloc`); empty for the other shells.
    public var nodeAllocators: [String] = []
    /// `--hosts`: each host's clock offset from the parent's as measured, and what each ran.
    public var hosts: [String] = []
    /// Set on the row a knee search (`--knee`) reports: the highest open-loop rate that met the SLO.
    public var capacityOpsPerSecond: Double?
    /// One-line remarks about how the run went that change how to read it (the CLI prints them).
    public var notes: [String] = []

    public var isSafe: Bool { violations.isEmpty && linearizable != "false" }

    /// Says so when the fault schedule outlasts the window: the run went on, issuing nothing new,
    /// until the last fault fired, and only then healed and began its quiet period.
    static func faultScheduleNotes(spec: ExperimentSpec, windowEnd: Instant) -> [String] {
        guard let last = spec.faultScheduleEnd, last > windowEnd else { return [] }
        func ms(_ t: Instant) -> String { "\((Double(t.nanoseconds) / 100_000).rounded() / 10) ms" }
        return ["the fault schedule reaches past the window (its last fault at \(ms(last)), the window closed at \(ms(windowEnd))): "
                + "no operation was issued after the window, and the quiet period and the convergence check began after that fault"]
    }

    /// The open-loop rate offered, or nil in a closed loop.
    public var offeredOpsPerSecond: Double? { spec.workload.ratePerSecond }

    /// An open-loop run that completed less than 95 % of what it was offered: it could not keep up,
    /// and its latency measures a growing backlog. nil in a closed loop.
    public var saturated: Bool? {
        guard let rate = offeredOpsPerSecond, windowSeconds > 0 else { return nil }
        return Double(ops) < KneeSearch.keepUpRatio * rate * windowSeconds
    }
}

/// Client latency percentiles in microseconds.
public struct LatencySummary: Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public static let zero = LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0)
}

/// One bucket of a run's time series: operations completed in [start, start + width) seconds of the
/// window, and their p99. The width is a round fraction of the window (`Measurement.bucketWidth`),
/// so a window of a tenth of a second still draws as a curve.
public struct TimeBucket: Sendable, Equatable, CustomStringConvertible {
    public var start: Double
    public var width: Double
    public var completedOps: Int
    public var p99Micros: Double
    public var throughput: Double { width > 0 ? Double(completedOps) / width : 0 }
    public var description: String { "(\(start), \(width), \(completedOps), \(p99Micros))" }
}
