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
    /// The time series' buckets: `bucketWidth` each, from the window's start.
    var perBucket: [Histogram<UInt64>] = []
    var perBucketCount: [Int] = []
    let bucketWidth: Int64
    var longestStall: Int64 = 0

    /// The smallest of 1, 2 and 5 ms, 10, 20, 50 ms, … 1 s, 2 s, 5 s, … that cuts a window of
    /// `window` ns into at most 40 buckets: a window of 0.1 s gets 20 buckets of 5 ms, one of 2 s
    /// 40 of 50 ms, one of a minute 30 of 2 s.
    static func bucketWidth(window: Int64) -> Int64 {
        var width: Int64 = 1_000_000
        while width * 40 < window {
            let digits = String(width).first!
            width = digits == "2" ? width / 2 * 5 : width * 2
        }
        return width
    }

    init(records: [OperationRecord], windowStart: Instant, windowEnd: Instant) {
        let window = max(1, (windowEnd - windowStart).nanoseconds)
        bucketWidth = Self.bucketWidth(window: window)
        let buckets = max(1, Int((window + bucketWidth - 1) / bucketWidth))
        perBucket = Array(repeating: Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .two), count: buckets)
        perBucketCount = Array(repeating: 0, count: buckets)
        var completions: [Int64] = []
        for r in records {
            guard let done = r.completed, done >= windowStart, done < windowEnd, let latency = r.latency else { continue }
            let ns = UInt64(max(latency.nanoseconds, 1))
            histogram.record(ns)
            let b = min(Int((done - windowStart).nanoseconds / bucketWidth), buckets - 1)
            perBucket[b].record(ns)
            perBucketCount[b] += 1
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

    var timeseries: [TimeBucket] {
        perBucket.indices.map { b in
            TimeBucket(start: Double(Int64(b) * bucketWidth) / 1e9, width: Double(bucketWidth) / 1e9, completedOps: perBucketCount[b],
                       p99Micros: perBucketCount[b] == 0 ? 0 : Self.micros(perBucket[b].valueAtPercentile(99)))
        }
    }
}
