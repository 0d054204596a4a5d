import ConsensusCore
import Harness
import LockstepTesting
import Loopback
import MultiPaxos
import PBFT
import Raft
import Simulation

/// What `calibrate` measures for a cost profile beyond the crypto and the disk: each protocol's
/// per-kind table, and the loopback transport.
public enum ProfileProbe {
    /// The steady states measured per protocol, at the default cluster sizes: the leader's (or
    /// primary's) inputs and a follower's (or backup's), merged kind by kind. Kinds a steady state
    /// never sees (elections, view changes, state transfer) have no figure and cost the flat
    /// `--cpu-per-message` in the simulator.
    public static func protocolCosts(budget: Duration, crypto: CPUModel,
                                     progress: (String) -> Void = { _ in }) -> [String: CostProfile.ProtocolCosts] {
        let price: (CryptoWork) -> Double = { Double(crypto.cost(of: $0)) }
        var out: [String: CostProfile.ProtocolCosts] = [:]
        progress("raft")
        out["raft"] = table([
            StepCostProbe.measure(SteadyStates.raft(n: 3, observed: 0, name: "raft-leader-n3"), budget: budget, cryptoNanoseconds: price),
            StepCostProbe.measure(SteadyStates.raft(n: 3, observed: 1, name: "raft-follower-n3"), budget: budget, cryptoNanoseconds: price),
        ], measuredIn: "n=3, 16 closed-loop clients: the leader's and a follower's steady state")
        progress("multipaxos")
        out["multipaxos"] = table([
            StepCostProbe.measure(SteadyStates.multiPaxos(n: 3, observed: 0, name: "multipaxos-leader-n3"), budget: budget, cryptoNanoseconds: price),
            StepCostProbe.measure(SteadyStates.multiPaxos(n: 3, observed: 1, name: "multipaxos-acceptor-n3"), budget: budget, cryptoNanoseconds: price),
            StepCostProbe.measure(SteadyStates.multiPaxos(n: 3, observed: 1, commitMode: .explicit, name: "multipaxos-acceptor-explicit-n3"),
                                  budget: budget, cryptoNanoseconds: price),
        ], measuredIn: "n=3, 16 closed-loop clients: the leader's and an acceptor's steady state (piggybacked and explicit commits)")
        progress("pbft")
        out["pbft"] = table([
            StepCostProbe.measure(SteadyStates.pbft(n: 4, observed: 0, name: "pbft-primary-n4"), budget: budget, cryptoNanoseconds: price),
            StepCostProbe.measure(SteadyStates.pbft(n: 4, observed: 1, name: "pbft-backup-n4"), budget: budget, cryptoNanoseconds: price),
        ], measuredIn: "n=4, --auth mac, 16 closed-loop clients: the primary's and a backup's steady state, crypto excluded")
        return out
    }

    static func table(_ scenarios: [StepCosts], measuredIn: String) -> CostProfile.ProtocolCosts {
        let merged = scenarios.dropFirst().reduce(scenarios[0]) { $0.merged(with: $1) }
        var t = CostProfile.ProtocolCosts()
        t.measuredIn = measuredIn
        t.handle = merged.handling.mapValues { Int64($0.nanoseconds.rounded()) }
        t.send = merged.sending.mapValues { Int64($0.nanoseconds.rounded()) }
        t.persist = merged.persisting.map { Int64($0.nanoseconds.rounded()) }
        return t
    }

    /// A ping-pong of small frames through the tcp shell's own transport (framed connections, the
    /// per-tick flush, two event loops), `roundTrips` times after a warm-up of a tenth as many.
    public static func loopback(roundTrips: Int) throws -> CostProfile.Network {
        func pingPong(threads: Int) throws -> (figures: Loopback.TransportProbe.Figures, percentile: (Double) -> Int64) {
            _ = try Loopback.TransportProbe.echo(roundTrips: max(100, roundTrips / 10), inFlight: 1, threads: threads)
            let figures = try Loopback.TransportProbe.echo(roundTrips: roundTrips, inFlight: 1, threads: threads)
            let samples = figures.roundTripNanoseconds
            guard !samples.isEmpty else { throw ExperimentError("the loopback probe timed no round trip") }
            return (figures, { p in samples[min(samples.count - 1, Int(Double(samples.count) * p))] })
        }
        let (alone, percentile) = try pingPong(threads: 2)
        var n = CostProfile.Network()
        n.oneWay = percentile(0.05) / 2
        n.jitter = (percentile(0.95) - percentile(0.05)) / 2
        n.roundTripP50 = percentile(0.50)
        n.roundTripP99 = percentile(0.99)
        let (sameLoopAlone, sameLoop) = try pingPong(threads: 1)
        n.sameLoopOneWay = sameLoop(0.05) / 2
        n.sameLoopJitter = (sameLoop(0.95) - sameLoop(0.05)) / 2
        // CPU per frame and side: each round trip is two frames, each written on one loop and read
        // on the other. Counted in CPU time, not wall time: with 64 frames in flight the two loops
        // still sleep about half the time waiting for each other (on 2026-12-07 the process used 0.9
        // of the 2 CPUs), and a per-frame figure taken from wall time charged that sleep as work,
        // which put the simulator's Raft and Multi-Paxos capacity at half the tcp shell's (README,
        // `validate`). The median of three runs: the machine's other work moves a single run by a third.
        /// The run with the median CPU per frame of three 64-in-flight echoes.
        func medianOfThree(roundTrips: Int, bodyBytes: Int) throws -> Loopback.TransportProbe.Figures {
            let runs = try (0 ..< 3).map { _ in try Loopback.TransportProbe.echo(roundTrips: roundTrips, inFlight: 64, bodyBytes: bodyBytes) }
            return runs.sorted { $0.cpuPerFrameSide < $1.cpuPerFrameSide }[1]
        }
        let small = 58, large = 4096
        let batched = try medianOfThree(roundTrips: roundTrips * 10, bodyBytes: small)
        n.perFrame = Int64(batched.cpuPerFrameSide.rounded())
        // What a byte costs the transport (framing copies, the kernel's copies in and out of the
        // socket): the same 64-in-flight echo with 4 KB bodies, against 58 B ones. PBFT's frames
        // are kilobytes (16.6 KB per operation at n = 7).
        let bigFrame = try medianOfThree(roundTrips: roundTrips, bodyBytes: large).cpuPerFrameSide
        n.perBytePicoseconds = max(0, Int64(((bigFrame - batched.cpuPerFrameSide) / Double(large - small) * 1000).rounded()))
        if let fit = syscallFit(alone: alone, sameLoop: sameLoopAlone, batched: batched) {
            n.perSyscall = fit.perSyscall
            n.perWakeUp = fit.perWakeUp
            n.frameWork = fit.frameWork
        }
        return n
    }

    /// The per-frame cost taken apart (`EventLoopTicks`). Each echo's CPU per frame and side is the
    /// frame's own work, plus its reads and writes per frame and side times a syscall's cost, plus its
    /// ticks per frame and side times what a tick costs. Within one loop (`sameLoop`) the next frame
    /// is ready before the loop asks, so its ticks are busy ones (an `epoll_wait` that returns at once,
    /// a syscall); with 64 frames in flight between two loops (`batched`) frames share syscalls and
    /// ticks and the loops rarely sleep (counted as busy ticks: a replica loop under load is one of
    /// these). Those two give the frame's work and a syscall's cost; the ping-pong between two loops
    /// (`alone`), where every tick wakes a loop that slept, gives what a wake-up costs besides.
    /// Nil when they do not separate (a singular system, or a negative cost).
    static func syscallFit(alone: Loopback.TransportProbe.Figures, sameLoop: Loopback.TransportProbe.Figures,
                           batched: Loopback.TransportProbe.Figures) -> (perSyscall: Int64, perWakeUp: Int64, frameWork: Int64)? {
        let ks = sameLoop.readsAndWritesPerFrameSide + sameLoop.ticksPerFrameSide
        let kb = batched.readsAndWritesPerFrameSide + batched.ticksPerFrameSide
        guard ks - kb > 0.5, alone.ticksPerFrameSide > 0 else { return nil }
        let syscall = (sameLoop.cpuPerFrameSide - batched.cpuPerFrameSide) / (ks - kb)
        let work = batched.cpuPerFrameSide - kb * syscall
        let wakeUp = (alone.cpuPerFrameSide - work - alone.readsAndWritesPerFrameSide * syscall) / alone.ticksPerFrameSide
        guard syscall > 0, work >= 0, wakeUp >= 0 else { return nil }
        return (Int64(syscall.rounded()), Int64(wakeUp.rounded()), Int64(work.rounded()))
    }
}
