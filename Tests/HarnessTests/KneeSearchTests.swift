import ConsensusCore
@testable import Harness
import Simulation
import Testing

@Suite("The saturation knee")
struct KneeSearchTests {
    /// Raft n=3 with a flat cost model: the leader handles, per operation, one request and two
    /// AppendEntries responses at 100 µs each and sends two AppendEntries and a reply at 0.5 µs each
    /// (no crypto, persists free). A follower handles one AppendEntries per operation, a third of
    /// that. So the leader saturates at 1 / 301.5 µs = 3317 operations per second.
    static func cluster() -> ExperimentSpec {
        var spec = ExperimentSpec()
        spec.protocolName = "raft"
        spec.nodes = 3
        spec.seed = 5
        spec.cpu.perMessage = .microseconds(100)
        spec.cpu.perSend = .nanoseconds(500)
        spec.cpu.perBytePicoseconds = 0
        spec.cpu.perPersist = .zero
        spec.quietPeriod = .milliseconds(200)
        spec.checkLinearizability = false
        return spec
    }
    static let capacityByHand = 1e9 / 301_500

    @Test("the knee of a cluster whose leader is the bottleneck lands within 5 % of the capacity computed by hand")
    func kneeAtTheLeadersCPU() throws {
        var search = KneeSearch()
        search.slo = try KneeSearch.SLO(parsing: "p50=20ms")
        search.startRate = 1000
        let outcome = try search.run(Self.cluster())
        let capacity = try #require(outcome.capacity)
        #expect(abs(capacity.rate - Self.capacityByHand) / Self.capacityByHand < 0.05,
                "knee at \(capacity.rate) ops/s, by hand \(Self.capacityByHand): probes \(outcome.probes.map { Int($0.rate) })")
        #expect(outcome.probes.contains { !$0.met && $0.rate > capacity.rate }, "a probe above the knee failed")
    }

    /// A cluster whose capacity is 1,000 ops/s, probed from 500 ops/s up by quarters, where the probe
    /// at 625 ops/s misses the first time it runs (a stall of the machine in its window).
    static func searchWithOneTransientMiss(confirming: Bool) throws -> KneeSearch.Outcome {
        var short = cluster()
        short.duration = .milliseconds(50)
        let anyResult = try ResolvedExperiment(short).run()
        var runs: [Int: Int] = [:]
        var search = KneeSearch()
        search.startRate = 500
        return try search.search(short, confirmingMisses: confirming, measure: { rate in
            runs[Int(rate), default: 0] += 1
            let met = rate <= 1000 && !(Int(rate) == 625 && runs[Int(rate)] == 1)
            return KneeSearch.Probe(rate: rate, result: anyResult, completedRatio: 1, latencyMicros: met ? 1000 : 20_000, met: met)
        }, progress: { _ in })
    }

    @Test("over real sockets a rate that misses is tried again: one stall does not end the ascent, an overload still does")
    func missesAreConfirmed() throws {
        let confirmed = try #require(try Self.searchWithOneTransientMiss(confirming: true).capacity)
        #expect(confirmed.rate > 950 && confirmed.rate <= 1000, "capacity \(confirmed.rate)")
        let unconfirmed = try #require(try Self.searchWithOneTransientMiss(confirming: false).capacity)
        #expect(unconfirmed.rate < 625, "without the repeat the stall at 625 ops/s sets the knee: \(unconfirmed.rate)")
    }

    @Test("the simulator's probes are not repeated: a repeat would be the same run")
    func confirmationFollowsTheShell() throws {
        var spec = Self.cluster()
        spec.duration = .milliseconds(50)
        var search = KneeSearch()
        search.startRate = 3000
        let outcome = try search.run(spec)
        let rates = outcome.probes.map(\.rate)
        #expect(Set(rates).count == rates.count, "no rate probed twice in the simulator: \(rates)")
    }

    @Test("a probe over real sockets lasts at least a second, a simulated one 0.3 s; both see 2,000 arrivals at low rates")
    func probeWindows() {
        let search = KneeSearch()
        var spec = Self.cluster()
        #expect(search.probeWindow(spec, rate: 100_000) == .milliseconds(300))
        #expect(search.probeWindow(spec, rate: 1000) == .seconds(2))
        for shell in ["tcp", "process"] {
            spec.shell = shell
            #expect(search.probeWindow(spec, rate: 100_000) == .seconds(1), "\(shell)")
            #expect(search.probeWindow(spec, rate: 1000) == .seconds(2), "\(shell)")
        }
    }

    @Test("an open-loop run offered twice the capacity says it saturated; one offered half does not")
    func saturatedFlag() throws {
        var spec = Self.cluster()
        spec.workload.clients = 64
        spec.duration = .milliseconds(500)
        spec.workload.ratePerSecond = 2 * Self.capacityByHand
        let over = try ResolvedExperiment(spec).run()
        #expect(over.saturated == true && over.offeredOpsPerSecond == 2 * Self.capacityByHand)
        spec.workload.ratePerSecond = Self.capacityByHand / 2
        #expect(try ResolvedExperiment(spec).run().saturated == false)
        spec.workload.ratePerSecond = nil
        #expect(try ResolvedExperiment(spec).run().saturated == nil, "a closed loop offers no rate")
    }

    @Test("an SLO is a bound, optionally with its percentile; anything else is refused", arguments: ["abc", "p99=abc", "p42=1ms", "0ms", "p99="])
    func sloParsing(text: String) {
        #expect(throws: ExperimentError.self) { try KneeSearch.SLO(parsing: text) }
    }

    @Test("10ms is the p99 by default, and p50=2ms names its percentile")
    func sloForms() throws {
        #expect(try KneeSearch.SLO(parsing: "10ms") == KneeSearch.SLO())
        let p50 = try KneeSearch.SLO(parsing: "p50=2ms")
        #expect(p50.percentile == .p50 && p50.bound == .milliseconds(2))
    }
}

@Suite("The time series' buckets")
struct TimeBucketTests {
    @Test("a window is cut into at most 40 buckets of 1, 2 or 5 times a power of ten milliseconds",
          arguments: [(100_000_000 as Int64, 5_000_000 as Int64), (80_000_000, 2_000_000), (2_000_000_000, 50_000_000),
                      (60_000_000_000, 2_000_000_000), (1_000, 1_000_000)])
    func widths(window: Int64, width: Int64) {
        #expect(Measurement.bucketWidth(window: window) == width)
    }

    @Test("a 0.1 s window draws as a curve of 20 buckets whose throughput adds up to the run's")
    func shortWindowIsACurve() throws {
        var spec = ExperimentSpec()
        spec.ops = 1000
        spec.warmup = .milliseconds(200)
        let result = try ResolvedExperiment(spec).run()
        #expect(result.timeseries.count >= 10, "\(result.timeseries.count) buckets over \(result.windowSeconds) s")
        #expect(result.timeseries.map(\.completedOps).reduce(0, +) == result.ops)
    }
}

@Suite("Replicas sharing CPUs")
struct SharedCPUTests {
    static func run(sharedCPUs: Int?) throws -> RunResult {
        var spec = ExperimentSpec()
        spec.nodes = 3
        spec.seed = 9
        spec.workload.clients = 256
        spec.duration = .milliseconds(200)
        spec.checkLinearizability = false
        spec.sharedCPUs = sharedCPUs
        return try ResolvedExperiment(spec).run()
    }

    @Test("replicas on one CPU take turns: under saturation both followers still get every AppendEntries")
    func noReplicaStarves() throws {
        let shared = try Self.run(sharedCPUs: 2)
        let i = try #require(shared.messageKinds.firstIndex(of: "AppendEntries"))
        #expect(abs(Double(shared.messageCounts[i]) / Double(shared.ops) - 2) < 0.05, "AppendEntries per operation: \(Double(shared.messageCounts[i]) / Double(shared.ops))")
        #expect(shared.leaderChanges == 0 && shared.violations.isEmpty)
    }

    @Test("fewer CPUs, less capacity: a CPU each > two shared > one shared")
    func capacityFallsWithCPUs() throws {
        let own = try Self.run(sharedCPUs: nil).throughputOpsPerSecond
        let two = try Self.run(sharedCPUs: 2).throughputOpsPerSecond
        let one = try Self.run(sharedCPUs: 1).throughputOpsPerSecond
        #expect(own > two && two > one, "\(own) \(two) \(one)")
    }
}
