// The simulator's event loop, per protocol: one fixed, small, deterministic experiment per iteration,
// through the same `ResolvedExperiment(spec).run()` path the CLI's `run` takes (warm-up, a window of
// `opsPerRun` operations, the quiet period, the safety and convergence checks; the linearizability check
// only in the `-checked` variant).
//
// Because the run is deterministic, so is its malloc count (up to the benchmark runner's own allocations),
// so `mallocCountTotal` is the gated metric. Wall clock, CPU and the simulated-messages-per-second rate
// are reported only: on a shared 2-core machine they swing by tens of percent between runs.
//
// One replica's own cost per input, without the simulator, is what RaftStep, MultiPaxosStep and PBFTStep
// measure; this suite adds the simulator's event loop, network model and clients around all of them.

import Benchmark
import ConsensusCore
import Harness

extension BenchmarkMetric {
    /// Messages the simulator delivered (or dropped) per second of wall-clock time, for one run.
    static let simulatedMessagesPerSecond = BenchmarkMetric.custom(
        "Simulated messages/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Simulator events (deliveries, timers, client arrivals) handled per second of wall-clock time.
    static let simulatedEventsPerSecond = BenchmarkMetric.custom(
        "Simulated events/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Messages one run simulates: deterministic, so a change here is a change of the protocol's behaviour.
    static let simulatedMessages = BenchmarkMetric.custom(
        "Simulated messages (#)", polarity: .prefersSmaller, useScalingFactor: false)
}

/// Completed operations that close each run's measurement window.
let opsPerRun = 1000

/// The fixed experiment: `nodes` replicas, 16 closed-loop clients, 1000 operations, seed 1, defaults
/// otherwise (what `consensus-bench run --protocol P --nodes N --ops 1000 --no-check` resolves to).
func fixedExperiment(protocolName: String, nodes: Int, checkLinearizability: Bool = false) throws -> ResolvedExperiment {
    var spec = ExperimentSpec()
    spec.protocolName = protocolName
    spec.nodes = nodes
    spec.seed = 1
    spec.ops = opsPerRun
    spec.workload.clients = 16
    spec.checkLinearizability = checkLinearizability
    return try ResolvedExperiment(spec)
}

/// Registers one benchmark that runs `experiment` once per iteration and reports the simulator's speed.
func simulatorBenchmark(_ name: String, _ experiment: @escaping @Sendable () throws -> ResolvedExperiment) {
    Benchmark(name) { benchmark in
        let experiment = try experiment()
        let clock = ContinuousClock()
        benchmark.startMeasurement()
        let started = clock.now
        let result = try experiment.run()
        let elapsed = clock.now - started
        benchmark.stopMeasurement()
        precondition(result.isSafe, "the fixed run \(name) broke safety: \(result.violations) linearizable=\(result.linearizable)")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        benchmark.measurement(.simulatedMessagesPerSecond, Int(Double(result.messagesSimulated) / seconds))
        benchmark.measurement(.simulatedEventsPerSecond, Int(Double(result.eventsProcessed) / seconds))
        benchmark.measurement(.simulatedMessages, result.messagesSimulated)
        blackHole(result)
    }
}

/// Absolute tolerance on the p90 malloc count of a run against the committed threshold. The runs are
/// deterministic and so, without the peak-memory sampler, are their malloc counts, up to a few
/// (Raft: 550 to 554 over 40 runs; with the linearizability check, 677 to 689). One new allocation per
/// operation would add 1000; one per message, about 90 000.
let mallocTolerancePerRun = 50

// Benchmark names carry no spaces or slashes: `thresholds update` writes such names slugified but
// `thresholds check` looks them up verbatim, so it would never find them (ordo-one/benchmark#301, #373).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No peakMemoryResident: it starts the runner's 5 ms /proc sampling thread, whose allocations land in
        // the measured region and grow with wall time (586 to 702 mallocs for the same Raft run under load).
        // cpuTotal reads /proc at start and stop: a constant 16 mallocs per iteration.
        metrics: [
            .wallClock, .cpuTotal, .throughput, .mallocCountTotal, .mallocBytesCount,
            .simulatedMessagesPerSecond, .simulatedEventsPerSecond, .simulatedMessages,
        ],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 20,
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p90: mallocTolerancePerRun]),
            // Reported, never gated: time swings on a shared machine; message counts are compare's job.
            .wallClock: .none, .cpuTotal: .none, .throughput: .none, .mallocBytesCount: .none,
            .simulatedMessagesPerSecond: .none,
            .simulatedEventsPerSecond: .none, .simulatedMessages: .none,
        ])

    // PBFT joins as soon as the registry knows it (it is being integrated).
    var clusters: [(protocolName: String, nodes: Int)] = [("raft", 5), ("multipaxos", 5)]
    if ProtocolRegistry.names.contains("pbft") { clusters.append(("pbft", 4)) }

    for (protocolName, nodes) in clusters {
        simulatorBenchmark("run-\(protocolName)-n\(nodes)-ops\(opsPerRun)") {
            try fixedExperiment(protocolName: protocolName, nodes: nodes)
        }
    }

    // The same Raft run with its history checked for linearizability, as `run` does without --no-check.
    // The difference from run-raft-n5-ops1000 is the check's cost in a run; LinearizabilityChecker
    // measures the checker alone on larger fixed histories.
    simulatorBenchmark("run-raft-n5-ops\(opsPerRun)-checked") {
        try fixedExperiment(protocolName: "raft", nodes: 5, checkLinearizability: true)
    }
}
