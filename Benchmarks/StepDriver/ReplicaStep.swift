// The replica-step benchmark shared by the Raft, Multi-Paxos and PBFT suites. The main package's
// LockstepTesting records the observed replica's inputs, batch by batch, outside the measurement
// (`ReplicaStepState`, which `calibrate`'s cost probe replays too); a twin of that replica handles each
// batch inside it, through the `Replica` contract with one reused outbox, exactly as a shell would.

import Benchmark
import ConsensusCore
import LockstepTesting

/// Holds one benchmark's state between iterations; emptied by its teardown.
public final class ReplicaStepSlot<R: Replica> {
    public var state: ReplicaStepState<R>?
    public init() {}
}

/// Registers `scenario` as a benchmark: each iteration, `scaledIterations.count` inputs of the observed
/// replica (one batch), handled by its twin inside the measurement. Inlined into each suite, so the
/// replay loop is specialised for the protocol's replica and message types.
@inlinable
public func registerReplicaStep<R: Replica>(_ scenario: ReplicaStepScenario<R>, configuration: Benchmark.Configuration = Benchmark.defaultConfiguration) {
    let slot = ReplicaStepSlot<R>()
    Benchmark(scenario.name, configuration: configuration, closure: { benchmark in
        let inputs = benchmark.scaledIterations.count
        let state: ReplicaStepState<R>
        if let existing = slot.state {
            state = existing
        } else {
            state = ReplicaStepState(scenario, inputsPerBatch: inputs)
            slot.state = state
        }
        let batch = state.nextBatch()
        var outbox = Outbox<R.Message>()
        benchmark.startMeasurement()
        state.replay(batch, outbox: &outbox)
        benchmark.stopMeasurement()
        state.checkBatch()
    }, teardown: { slot.state = nil })
}

extension Benchmark.Configuration {
    /// The replica-step suites' configuration: 1000 inputs per iteration (`scalingFactor: .kilo`, so
    /// `--scale` reports throughput in inputs per second and mallocs per input), a fixed number of
    /// iterations over one continuing stream (the stream is deterministic, so is the malloc count of
    /// each batch), gated on mallocs only.
    ///
    /// No `cpuTotal` (reading /proc adds 16 mallocs per iteration inside the measurement) and no
    /// `peakMemoryResident` (its sampling thread allocates while the batch runs).
    public static func replicaStep(mallocTolerancePerBatch: Int, iterations: Int = 100) -> Benchmark.Configuration {
        .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .mallocBytesCount],
            timeUnits: .nanoseconds,
            warmupIterations: 2,
            scalingFactor: .kilo,
            maxDuration: .seconds(120),
            maxIterations: iterations,
            thresholds: [
                .mallocCountTotal: .init(absolute: [.p90: mallocTolerancePerBatch]),
                .wallClock: .none, .throughput: .none, .mallocBytesCount: .none,
            ])
    }
}
