// The linearizability checker (module Checker) on fixed histories. Each history is generated once, in
// the benchmark's first iteration and outside the measurement, by a seeded simulated Raft run (the
// same path `consensus-bench run` takes) and turned into the checker's input with
// `HistoryCheck.history`, as the CLI does. Same seed, same history: nothing is read from disk.
//
//   check-raft-uniform-keys1000: a window of 16 000 operations of 32 closed-loop clients over 1000 keys,
//     half gets (with the warm-up and the quiet period, about 32 000 operations in the history, some
//     30 per key, few of them concurrent).
//   check-raft-uniform-keys8-cas: the same over 8 keys, half the writes compare-and-swap, and the leader
//     crashed 1 s into the run (retries, operations of unknown outcome): thousands of operations per
//     key, up to 32 of them concurrent.
//
// One iteration is one whole check. Its malloc count is deterministic (fixed history, deterministic
// search) and gated; wall clock and throughput are reported only.

import Benchmark
import Checker
import ConsensusCore
import Harness

extension BenchmarkMetric {
    /// Operations in the checked history (deterministic; reported so a figure per operation can be read off).
    static let historyOperations = BenchmarkMetric.custom("History operations (#)", polarity: .prefersSmaller, useScalingFactor: false)
    /// Search steps the checker took (deterministic: it changes only when the search or the history does).
    static let searchSteps = BenchmarkMetric.custom("Search steps (#)", polarity: .prefersSmaller, useScalingFactor: false)
}

/// The history of one seeded simulated Raft run of `ops` operations.
func raftHistory(ops: Int, clients: Int, keys: Int, zipfian: Double?, casRatio: Double, faults: [String]) throws -> [History.Operation] {
    var spec = ExperimentSpec()
    spec.protocolName = "raft"
    spec.nodes = 5
    spec.seed = 1
    spec.ops = ops
    spec.workload.clients = clients
    spec.workload.keyCount = keys
    if let s = zipfian { spec.workload.keyDistribution = .zipfian(s) }
    spec.workload.casRatio = casRatio
    spec.faultSchedule = try faults.map(FaultParsing.crash)
    spec.checkLinearizability = false  // the benchmark checks it
    let result = try ResolvedExperiment(spec).run()
    guard result.isSafe else { fatalError("the run that generates the history broke safety: \(result.violations)") }
    guard result.faultLog.count == faults.count else { fatalError("the run ended before its faults \(faults) (injected: \(result.faultLog))") }
    return HistoryCheck.history(result.history)
}

final class HistorySlot: @unchecked Sendable {
    var history: [History.Operation]?
}

/// Registers one benchmark that checks the history `make` builds, once per iteration.
func checkerBenchmark(_ name: String, _ make: @escaping () throws -> [History.Operation]) {
    let slot = HistorySlot()
    Benchmark(name, closure: { benchmark in
        let history: [History.Operation]
        if let h = slot.history {
            history = h
        } else {
            history = try make()
            slot.history = history
        }
        var statistics = Linearizability.Statistics()
        benchmark.startMeasurement()
        let verdict = Linearizability.check(history, statistics: &statistics)
        benchmark.stopMeasurement()
        guard verdict.isLinearizable else { fatalError("\(name): the fixed history is \(verdict.csvValue)") }
        benchmark.measurement(.historyOperations, history.count)
        benchmark.measurement(.searchSteps, statistics.searchSteps)
    }, teardown: { slot.history = nil })
}

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        // No cpuTotal or peakMemoryResident: both allocate inside the measured region (see README.md).
        metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount, .historyOperations, .searchSteps],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(30),
        maxIterations: 20,
        thresholds: [
            // Deterministic up to the runner's own few; one more allocation per operation would add 16 000.
            .mallocCountTotal: .init(absolute: [.p90: 50]),
            .wallClock: .none, .throughput: .none, .mallocBytesCount: .none,
            .historyOperations: .none, .searchSteps: .none,
        ])

    checkerBenchmark("check-raft-uniform-keys1000") {
        try raftHistory(ops: 16_000, clients: 32, keys: 1000, zipfian: nil, casRatio: 0, faults: [])
    }
    checkerBenchmark("check-raft-uniform-keys8-cas") {
        try raftHistory(ops: 16_000, clients: 32, keys: 8, zipfian: nil, casRatio: 0.5, faults: ["leader@1s"])
    }
}
