import ConsensusCore
import ShellKit
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
        settle(sim, for: spec.quietPeriod, after: spec.faultScheduleEnd)
        return measure(sim, spec: spec, windowStart: windowStart, windowEnd: windowEnd)
    }

    static func simulationOptions(for spec: ExperimentSpec) -> SimulationOptions {
        var options = SimulationOptions(seed: spec.seed)
        options.network = spec.network
        options.cpu = spec.cpu
        options.workload = spec.workload
        options.faults = spec.faultSchedule
        options.durability = spec.durability
        options.arrivalsAwaitLeader = spec.arrivalsAwaitLeader
        options.sharedCPUs = spec.sharedCPUs
        options.clientCPU = spec.clientCPU
        options.eventLoopTicks = spec.eventLoopTicks
        // Nothing reads a disk back in a run without crashes: its replicas write (and pay for syncs),
        // but the records are not kept.
        options.keepsDisks = spec.faultSchedule.contains { if case .crash = $0.fault { true } else { false } }
        return options
    }

    /// The quiet period: no new operations, the network healed, time for outstanding ones to finish.
    /// It begins once every scheduled fault has fired (`faultsEnd`); until then the run goes on
    /// without new operations.
    static func settle<R: Replica>(_ sim: Simulator<R>, for period: Interval, after faultsEnd: Instant?) {
        sim.issuing = false
        sim.resume()
        if let faultsEnd, faultsEnd >= sim.now { sim.run(until: faultsEnd + Interval(nanoseconds: 1)) }
        sim.heal()
        sim.setLoss(0)
        sim.run(for: period)
    }

    /// What the simulator observed, in the kit's terms (the window's bounds as they were when it closed).
    static func measure<R: Replica>(_ sim: Simulator<R>, spec: ExperimentSpec, windowStart: Instant, windowEnd: Instant) -> RunResult {
        var violations = sim.safety.violations.map(\.description)
        if let divergence = convergenceProblem(sim) { violations.append(divergence) }
        var observed = RunObservation(
            kindNames: sim.messageKindNames, counts: sim.stats, records: sim.records,
            window: RunWindow(start: windowStart, end: windowEnd), completedInWindow: sim.completedInWindow,
            leaderChanges: sim.leaderChangesInWindow, violations: violations,
            faultLog: sim.injectedFaults.map { "\($0.at) \($0.description)" }, eventsProcessed: sim.eventsProcessed)
        (observed.syncs, observed.syncedRecords) = sim.syncFigures
        return RunResult(spec: spec, observed: observed)
    }

    /// Convergence (the kit's rule): once quiet, every live honest replica holds the same KV state.
    static func convergenceProblem<R: Replica>(_ sim: Simulator<R>) -> String? {
        Convergence.problem(sim.liveHonestReplicas.map { id in
            let machine = sim.replica(id).stateMachine
            return FinalReplicaState(id: id, isLiveAndHonest: true, store: machine.store, executedCount: machine.executedCount)
        })
    }
}
