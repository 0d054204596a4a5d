import ConsensusCore

/// Capacity at saturation: the highest open-loop arrival rate a cluster sustains while its latency
/// stays within a service-level objective and it completes what is offered.
///
/// Closed-loop throughput with a fixed number of clients is that number divided by latency, not
/// capacity. The knee search raises an open-loop rate by steps of 25 % until the latency percentile of the SLO
/// exceeds its bound or completions fall below 95 % of what was offered, then bisects between the
/// last rate that met both and the first that did not, until they are within 5 %. Every probe is
/// the same spec (same seed) at another rate, so in the simulator the search is deterministic.
///
/// Over real sockets a rate that misses is tried once more, and fails only if it misses again. An
/// overload misses every time (its backlog grows); one stall of the machine in a 0.3 s window does
/// not repeat on cue. On the project VM, a kernel thread (DAMON's `kdamond`) took an event loop's CPU
/// for 1.2-3.9 ms every 512 ms, and a sleeping thread woke 1-4 ms late about nine times a second
/// (a C probe, nothing else running); one unlucky window ended the search's ascent. Raft n=3's tcp
/// knee, 3 runs each in one session: 56-67 k without the repeat, 69-80 k with it.
public struct KneeSearch: Sendable {
    /// The latency objective: a percentile of the window's latencies and its bound.
    public struct SLO: Sendable, Equatable, CustomStringConvertible {
        public var percentile: Percentile = .p99
        public var bound: Interval = .milliseconds(10)
        public init() {}

        public enum Percentile: String, Sendable, CaseIterable { case p50, p90, p99, p999 }

        /// `10ms`, or `p99=10ms` (p50, p90, p99, p999).
        public init(parsing text: String) throws {
            var rest = Substring(text)
            if let eq = rest.firstIndex(of: "=") {
                let name = String(rest[..<eq])
                guard let p = Percentile(rawValue: name) else {
                    throw ExperimentError("--slo '\(text)': the percentile must be one of p50, p90, p99, p999 (got '\(name)')")
                }
                percentile = p
                rest = rest[rest.index(after: eq)...]
            }
            guard let bound = Interval(parsing: String(rest)), bound.nanoseconds > 0 else {
                throw ExperimentError("--slo '\(text)' is not a latency bound (examples: 10ms, p99=10ms, p50=2ms)")
            }
            self.bound = bound
        }

        public var description: String { "\(percentile.rawValue) ≤ \(bound)" }

        func latencyMicros(_ r: RunResult) -> Double {
            switch percentile {
            case .p50: r.latency.p50
            case .p90: r.latency.p90
            case .p99: r.latency.p99
            case .p999: r.latency.p999
            }
        }
    }

    /// One rate tried.
    public struct Probe: Sendable {
        public var rate: Double
        public var result: RunResult
        /// Completed in the window over offered (rate × window).
        public var completedRatio: Double
        public var latencyMicros: Double
        public var met: Bool
    }

    public var slo = SLO()
    /// The starting rate; nil: 0.8 × the throughput of a 300 ms closed-loop pilot with at least 256
    /// clients (enough to saturate the clusters this suite runs, so the search starts near the knee).
    public var startRate: Double?
    /// How close the bracketing rates must come, as a ratio.
    public var tolerance = 1.05
    /// Completions below this share of the offered rate mean the cluster did not keep up.
    public static let keepUpRatio = 0.95
    /// The shortest probe window over real sockets (tcp and process shells); the simulator's is 0.3 s.
    public var realWindow: Interval = .seconds(1)

    public init() {}

    public struct Outcome: Sendable {
        /// Every probe in the order tried.
        public var probes: [Probe]
        /// The highest rate that met both conditions, or nil if even the first did not.
        public var capacity: Probe?
    }

    /// Searches `spec`'s knee. `progress` hears each probe as it completes.
    public func run(_ spec: ExperimentSpec, progress: (Probe) -> Void = { _ in }) throws -> Outcome {
        guard spec.workload.ratePerSecond == nil else { throw ExperimentError("--knee sets the open-loop rate itself: drop --rate") }
        // The simulator's repeat would be the same run.
        return try search(spec, confirmingMisses: spec.shell != "sim", measure: { try measure(spec, rate: $0) }, progress: progress)
    }

    /// The search itself, over `measure` (one probe at a rate).
    func search(_ spec: ExperimentSpec, confirmingMisses: Bool, measure: (Double) throws -> Probe,
                progress: (Probe) -> Void) throws -> Outcome {
        var probes: [Probe] = []
        func probe(_ rate: Double) throws -> Probe {
            var p = try measure(rate)
            probes.append(p)
            progress(p)
            if !p.met && confirmingMisses {
                p = try measure(rate)
                probes.append(p)
                progress(p)
            }
            return p
        }
        var rate: Double
        if let startRate {
            rate = startRate
        } else {
            var pilot = spec
            pilot.ops = nil
            pilot.duration = .milliseconds(300)
            pilot.workload.clients = max(spec.workload.clients, 256)
            pilot.checkLinearizability = false
            rate = max(100, try ResolvedExperiment(pilot).run().throughputOpsPerSecond * 0.8)
        }
        var low: Probe?
        var high: Probe?
        // Raise by a quarter until a probe fails (at most 60 steps: ten-thousandfold the start).
        for _ in 0 ..< 60 {
            let p = try probe(rate)
            if p.met { low = p; rate *= 1.25 } else { high = p; break }
        }
        // The start failed: come down by halves until one meets the objective. A probe that kept up
        // but whose latency fell by less than a tenth when the load halved has met the protocol's
        // latency floor, not a queue: no rate meets the bound (HotStuff at n = 31 needs about 12 ms
        // to commit anything), so the search stops there instead of halving towards a rate of zero.
        if low == nil, let h = high {
            rate = h.rate / 2
            var previous = h
            for _ in 0 ..< 20 {
                let p = try probe(rate)
                if p.met { low = p; break }
                let atFloor = p.completedRatio >= Self.keepUpRatio && previous.completedRatio >= Self.keepUpRatio
                    && p.latencyMicros > 0.9 * previous.latencyMicros
                high = p
                previous = p
                if atFloor { break }
                rate /= 2
            }
        }
        guard var lo = low else { return Outcome(probes: probes, capacity: nil) }
        guard var hi = high else { return Outcome(probes: probes, capacity: lo) }
        while hi.rate > lo.rate * tolerance {
            let p = try probe((lo.rate + hi.rate) / 2)
            if p.met { lo = p } else { hi = p }
        }
        return Outcome(probes: probes, capacity: lo)
    }

    /// One open-loop run at `rate`: a window long enough for 2,000 arrivals and at least 0.3 s (an
    /// overload of a few percent then builds a backlog the SLO sees), a session pool large enough
    /// for 5 ms of arrivals, so the pool is never what saturates.
    ///
    /// Over real sockets the window is at least `realWindow`: near a knee, the p99 of 0.3 s is luck.
    /// PBFT n=4 over tcp offered 12 k ops/s on the project VM, four runs each: p99 8-43 ms in 0.3 s
    /// windows, 13-30 ms in 1 s, 13-22 ms in 3 s (2026-12-07). Its tcp knee, with 0.3 s probes, came
    /// out at 10.0 k, 2.9 k, 10.8 k and 19.1 k ops/s in four `validate` runs that evening: the VM's
    /// stalls (see above) fall into a short window or miss it, and a window that missed them met.
    func measure(_ spec: ExperimentSpec, rate: Double) throws -> Probe {
        var s = spec
        s.ops = nil
        s.workload.ratePerSecond = rate
        s.arrivalsAwaitLeader = true
        s.workload.clients = max(spec.workload.clients, min(4096, Int((rate * 0.005).rounded(.up))))
        s.duration = probeWindow(spec, rate: rate)
        let result = try ResolvedExperiment(s).run()
        let offered = rate * result.windowSeconds
        let ratio = offered > 0 ? Double(result.ops) / offered : 0
        let latency = slo.latencyMicros(result)
        let met = result.ops > 0 && ratio >= Self.keepUpRatio && latency <= Double(slo.bound.nanoseconds) / 1000
        return Probe(rate: rate, result: result, completedRatio: ratio, latencyMicros: latency, met: met)
    }

    /// The window of a probe of `spec` at `rate` (see `measure`).
    public func probeWindow(_ spec: ExperimentSpec, rate: Double) -> Interval {
        let shortest = spec.shell == "sim" ? Interval.milliseconds(300) : realWindow
        return Interval(nanoseconds: max(shortest.nanoseconds, Int64((2000 / rate * 1e9).rounded())))
    }
}
