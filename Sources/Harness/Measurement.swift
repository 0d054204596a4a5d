import ConsensusCore
import Histogram
import Workload

/// Turns a run's operation records into the latency, throughput and time-series figures.
/// Latency is client-observed, from when the operation was due (open loop: its scheduled time) to its
/// reply, recorded in an HDR histogram with three significant digits.
struct Measurement {
    /// Percentiles written to latency.csv: every whole percentile, then the tail.
    static let distributionPercentiles: [Double] = (0 ... 99).map(Double.init) + [99.5, 99.9, 99.95, 99.99, 100]

    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
    var perSecond: [Histogram<UInt64>] = []
    var perSecondCount: [Int] = []
    var longestStall: Int64 = 0

    init(records: [OperationRecord], windowStart: Instant, windowEnd: Instant) {
        let seconds = max(1, Int((windowEnd - windowStart).nanoseconds + 999_999_999) / 1_000_000_000)
        perSecond = Array(repeating: Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .two), count: seconds)
        perSecondCount = Array(repeating: 0, count: seconds)
        var completions: [Int64] = []
        for r in records {
            guard let done = r.completed, done >= windowStart, done < windowEnd, let latency = r.latency else { continue }
            let ns = UInt64(max(latency.nanoseconds, 1))
            histogram.record(ns)
            let s = min(Int((done - windowStart).nanoseconds / 1_000_000_000), seconds - 1)
            perSecond[s].record(ns)
            perSecondCount[s] += 1
            completions.append(done.nanoseconds)
        }
        completions.sort()
        var previous = windowStart.nanoseconds
        for t in completions {
            longestStall = max(longestStall, t - previous)
            previous = t
        }
        longestStall = max(longestStall, windowEnd.nanoseconds - previous)
    }

    static func micros(_ ns: UInt64) -> Double { Double(ns) / 1000 }

    var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return .zero }
        return LatencySummary(p50: Self.micros(histogram.valueAtPercentile(50)),
                              p90: Self.micros(histogram.valueAtPercentile(90)),
                              p99: Self.micros(histogram.valueAtPercentile(99)),
                              p999: Self.micros(histogram.valueAtPercentile(99.9)),
                              max: Self.micros(histogram.max))
    }

    var distribution: [(percentile: Double, micros: Double)] {
        guard histogram.totalCount > 0 else { return [] }
        return Self.distributionPercentiles.map { p in
            (p, Self.micros(p == 100 ? histogram.max : histogram.valueAtPercentile(p)))
        }
    }

    var timeseries: [(second: Int, completedOps: Int, p99Micros: Double)] {
        perSecond.indices.map { s in
            (s, perSecondCount[s], perSecondCount[s] == 0 ? 0 : Self.micros(perSecond[s].valueAtPercentile(99)))
        }
    }
}
