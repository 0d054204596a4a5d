import ConsensusCore
import Simulation
import Workload

/// Runs one experiment point in the simulator and measures it.
public enum Experiment {
    /// Warm-up, then the measurement window (a duration, or until `ops` complete), then a quiet period in
    /// which new operations stop, partitions heal and loss ends, so the cluster can converge; then the
    /// safety checks: the simulator's continuous ones, convergence of every live honest replica's KV
    /// state, and linearizability of the history.
    public static func simulate<R: Replica>(_ type: R.Type, settings: R.Settings, resolved: ResolvedExperiment) throws -> RunResult {
        let spec = resolved.spec
        let sim = Simulator<R>(cluster: resolved.cluster, settings: settings, options: simulationOptions(for: spec))
        sim.windowStart = sim.options.clientStart + spec.warmup
        sim.start()
        if let ops = spec.ops {
            sim.stopAfterCompletions = ops
            sim.run(until: sim.windowStart + spec.opsTimeLimit)
            if !sim.stopped { sim.windowEnd = sim.now }
        } else {
            sim.windowEnd = sim.windowStart + spec.duration
            sim.run(until: sim.windowEnd)
        }
        let windowStart = sim.windowStart, windowEnd = sim.windowEnd
        settle(sim, for: spec.quietPeriod)
        return measure(sim, spec: spec, windowStart: windowStart, windowEnd: windowEnd)
    }

    static func simulationOptions(for spec: ExperimentSpec) -> SimulationOptions {
        var options = SimulationOptions(seed: spec.seed)
        options.network = spec.network
        options.cpu = spec.cpu
        options.workload = spec.workload
        options.faults = spec.faultSchedule
        return options
    }

    /// The quiet period: no new operations, the network healed, time for outstanding ones to finish.
    static func settle<R: Replica>(_ sim: Simulator<R>, for period: Interval) {
        sim.issuing = false
        sim.resume()
        sim.heal()
        sim.setLoss(0)
        sim.run(for: period)
    }

    static func measure<R: Replica>(_ sim: Simulator<R>, spec: ExperimentSpec, windowStart: Instant, windowEnd: Instant) -> RunResult {
        let measurement = Measurement(records: sim.records, windowStart: windowStart, windowEnd: windowEnd)
        let ops = sim.completedInWindow
        let seconds = (windowEnd - windowStart).seconds
        let stats = sim.stats
        var violations = sim.safety.violations.map(\.description)
        if let divergence = convergenceProblem(sim) { violations.append(divergence) }
        let lin = HistoryCheck.verdict(for: sim.records, enabled: spec.checkLinearizability)
        return RunResult(
            spec: spec,
            ops: ops,
            windowSeconds: seconds,
            throughputOpsPerSecond: seconds > 0 ? Double(ops) / seconds : 0,
            latency: measurement.summary,
            latencyDistribution: measurement.distribution,
            messageKinds: stats.kindNames,
            messageCounts: stats.counts,
            messageBytes: stats.bytes,
            rejectedCounts: stats.rejected,
            messagesPerOp: ops > 0 ? Double(stats.totalMessages) / Double(ops) : 0,
            bytesPerOp: ops > 0 ? Double(stats.totalBytes) / Double(ops) : 0,
            leaderChanges: sim.leaderChangesInWindow,
            longestStallMillis: Double(measurement.longestStall) / 1e6,
            timeseries: measurement.timeseries,
            linearizable: lin.column,
            linearizabilityDetail: lin.detail,
            violations: violations,
            history: sim.records,
            faultLog: sim.injectedFaults.map { "\($0.at) \($0.description)" },
            eventsProcessed: sim.eventsProcessed,
            messagesSimulated: stats.totalSent)
    }

    /// Convergence: once quiet, every live honest replica holds the same KV state.
    static func convergenceProblem<R: Replica>(_ sim: Simulator<R>) -> String? {
        let live = sim.liveHonestReplicas
        guard let first = live.first else { return nil }
        let reference = sim.replica(first).stateMachine
        for id in live.dropFirst() {
            let other = sim.replica(id).stateMachine
            if other.store != reference.store {
                return "convergence violated: replica \(id.rawValue) (\(other.executedCount) commands executed) and replica \(first.rawValue) (\(reference.executedCount)) hold different KV states after the quiet period"
            }
        }
        return nil
    }
}
