// The charts a sweep folder gets, built from its CSV tables alone (so `plot DIR` can redraw them).

/// Builders for the standard charts of a run or sweep folder. Each takes parsed CSV tables and
/// matches columns by name (issue 2's names); extra columns are ignored. A chart whose columns
/// are missing still renders, showing "no data".
public enum StandardPlots {
    /// An expected steady-state messages-per-operation curve, drawn dashed: the protocols declare
    /// them (`BenchmarkedReplica.expectedCurves`) and the CLI hands them over, so this module stays
    /// free of the protocols.
    public struct ExpectedCurve: Sendable {
        public var name: String
        public var dash: String
        public var count: @Sendable (Double) -> Double
        public init(name: String, dash: String, count: @escaping @Sendable (Double) -> Double) {
            self.name = name
            self.dash = dash
            self.count = count
        }
    }

    private static let sizeAxis = Axis(label: "cluster size n", unit: "replicas", scale: .linear)

    /// Messages per operation against n on log-log axes: measured points and mean line per
    /// protocol, and the expected counts dashed across the measured sizes.
    public static func messagesPerOp(runs: CSVTable, expected curves: [ExpectedCurve]) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        var series = sweep.seriesKeys.map { sweep.series($0, x: RunColumn.nodes.name, y: RunColumn.messagesPerOp.name) }
        let sizes = sweep.rows.compactMap { sweep.number($0, RunColumn.nodes.name) }.filter { $0 > 0 }
        if var low = sizes.min(), var high = sizes.max() {
            if low == high { low *= 0.8; high *= 1.25 }
            let samples = 48
            let xs = (0...samples).map { step in
                power(10, log10Of(low) + (log10Of(high) - log10Of(low)) * Double(step) / Double(samples))
            }
            for expected in curves {
                series.append(.analytic(name: expected.name,
                                        points: xs.map { ChartPoint(x: $0, y: expected.count($0)) },
                                        dash: expected.dash))
            }
        }
        return Chart(title: "Messages per operation",
                     subtitle: "points: runs · solid: mean per size · dashed: expected steady state",
                     xAxis: Axis(label: "cluster size n", unit: "replicas", scale: .log10),
                     yAxis: Axis(label: "messages per operation", scale: .log10),
                     series: series)
    }

    /// Bytes on the wire per operation against n, log-log.
    public static func bytesPerOp(runs: CSVTable) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        return Chart(title: "Bytes per operation",
                     subtitle: "every message any node or client sent, per completed operation",
                     xAxis: Axis(label: "cluster size n", unit: "replicas", scale: .log10),
                     yAxis: Axis(label: "bytes per operation", unit: "B", scale: .log10),
                     series: sweep.seriesKeys.map { sweep.series($0, x: RunColumn.nodes.name, y: RunColumn.bytesPerOp.name) })
    }

    /// Throughput against n, from zero.
    public static func throughput(runs: CSVTable) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        return Chart(title: "Throughput",
                     subtitle: "completed operations per second in the measurement window",
                     xAxis: sizeAxis,
                     yAxis: Axis(label: "throughput", unit: "ops/s", includesZero: true),
                     series: sweep.seriesKeys.map { sweep.series($0, x: RunColumn.nodes.name, y: RunColumn.throughput.name) })
    }

    /// Median and p99 latency against n: per protocol a hollow dashed p50 series and a solid p99.
    /// The latency axis is logarithmic when the values span more than a factor of 20.
    public static func latency(runs: CSVTable) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        var series: [Series] = []
        for key in sweep.seriesKeys {
            let base = sweep.style(of: key)
            var median = base
            median.markerFilled = false
            median.dash = "5 4"
            series.append(sweep.series(key, x: RunColumn.nodes.name, y: RunColumn.latencyP50.name, name: "\(key) p50", style: median))
            series.append(sweep.series(key, x: RunColumn.nodes.name, y: RunColumn.latencyP99.name, name: "\(key) p99", style: base))
        }
        let values = series.flatMap { $0.markers.map(\.y) }.filter { $0 > 0 }
        let spread = (values.max() ?? 1) / (values.min() ?? 1)
        let yAxis = spread > 20
            ? Axis(label: "client latency", unit: "µs", scale: .log10)
            : Axis(label: "client latency", unit: "µs", includesZero: true)
        return Chart(title: "Latency: p50 and p99",
                     subtitle: "hollow, dashed: median · filled, solid: 99th percentile",
                     xAxis: sizeAxis, yAxis: yAxis, series: series)
    }

    /// The latency distribution of one run per protocol (see `SweepRuns.representativeRows`, or
    /// the given `points`): percentile against latency on a log axis.
    public static func latencyCDF(runs: CSVTable, latency: CSVTable,
                                  points: [Int]? = nil) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        let chosen = try selectRows(sweep, points: points)
        let lookup = try PointTable(latency, name: "latency.csv", sweep: sweep,
                                    columns: ["percentile", "latency_us"])
        var series: [Series] = []
        for row in chosen {
            let points = lookup.rows(for: row.point).map { ChartPoint(x: $0[1], y: $0[0]) }
                .sorted { $0.y < $1.y }
            var style = sweep.style(of: row.seriesKey)
            style.marker = nil
            series.append(Series(name: label(row, sweep), kind: .measured, markers: [], line: points,
                                 style: style))
        }
        return Chart(title: "Latency distribution",
                     subtitle: describe(chosen, sweep),
                     xAxis: Axis(label: "client latency", unit: "µs", scale: .log10),
                     yAxis: Axis(label: "operations at or below", unit: "%", domain: 0...100),
                     series: series)
    }

    /// Throughput over the measurement window, in buckets of a round fraction of it, one run per
    /// protocol (the representative rows, which prefer runs with a crash, or the given `points`).
    public static func timeseries(runs: CSVTable, timeseries: CSVTable,
                                  points: [Int]? = nil) throws(ReportError) -> Chart {
        let sweep = try SweepRuns(runs)
        let chosen = try selectRows(sweep, points: points)
        // Buckets of `bucket_s` from `start_s` (older folders: one-second bins named `second`).
        let bucketed = timeseries.hasColumn("start_s")
        let lookup = try PointTable(timeseries, name: "timeseries.csv", sweep: sweep,
                                    columns: bucketed ? ["start_s", "throughput_ops_s"] : ["second", "completed_ops"])
        var series: [Series] = []
        for row in chosen {
            let points = lookup.rows(for: row.point).map { ChartPoint(x: $0[0], y: $0[1]) }
                .sorted { $0.x < $1.x }
            var style = sweep.style(of: row.seriesKey)
            if points.count > 40 { style.marker = nil }
            series.append(Series(name: label(row, sweep), kind: .measured,
                                 markers: style.marker == nil ? [] : points, line: points, style: style))
        }
        return Chart(title: "Throughput over time",
                     subtitle: describe(chosen, sweep),
                     xAxis: Axis(label: "time in the measurement window", unit: "s"),
                     yAxis: Axis(label: "throughput", unit: "ops/s", includesZero: true),
                     series: series)
    }

    // MARK: helpers

    private static func selectRows(_ sweep: SweepRuns, points: [Int]?) throws(ReportError) -> [SweepRuns.Row] {
        guard let points else { return sweep.representativeRows() }
        var chosen: [SweepRuns.Row] = []
        for point in points {
            guard let row = sweep.rows.first(where: { $0.point == point }) else {
                throw ReportError("runs.csv has no point \(point)")
            }
            chosen.append(row)
        }
        return chosen
    }

    /// "raft n=3".
    private static func label(_ row: SweepRuns.Row, _ sweep: SweepRuns) -> String {
        let size = sweep.text(row, RunColumn.nodes.name).map { " n=\($0)" } ?? ""
        return row.seriesKey + size
    }

    /// "one run per protocol: f = 1, points 0, 10" — what the chart shows, so it can be found in runs.csv.
    private static func describe(_ rows: [SweepRuns.Row], _ sweep: SweepRuns) -> String {
        guard let first = rows.first else { return "no runs" }
        var parts: [String] = []
        let faults = Set(rows.compactMap { sweep.text($0, "faults") })
        if faults.count == 1, let f = faults.first { parts.append("f = \(f)") }
        if sweep.hasPointColumn {
            parts.append((rows.count == 1 ? "point " : "points ") + rows.map { String($0.point) }.joined(separator: ", "))
        }
        if let seed = sweep.text(first, "seed"), rows.allSatisfy({ sweep.text($0, "seed") == seed }) {
            parts.append("seed \(seed)")
        }
        return "one run per protocol" + (parts.isEmpty ? "" : ": " + parts.joined(separator: " · "))
    }
}

/// A per-point CSV (latency.csv, timeseries.csv) read into numbers, grouped by point.
private struct PointTable {
    private var byPoint: [Int: [[Double]]] = [:]

    init(_ table: CSVTable, name: String, sweep: SweepRuns, columns: [String]) throws(ReportError) {
        var indices: [Int] = []
        for column in columns {
            guard let index = table.columnIndex(column) else {
                throw ReportError("\(name) has no '\(column)' column")
            }
            indices.append(index)
        }
        let pointIndex = table.columnIndex("point")
        if pointIndex == nil && sweep.rows.count > 1 {
            throw ReportError("\(name) has no 'point' column, but runs.csv has \(sweep.rows.count) rows")
        }
        let onlyPoint = sweep.rows.first?.point ?? 0
        for (offset, fields) in table.rows.enumerated() {
            var point = onlyPoint
            if let pointIndex {
                guard let value = Int(fields[pointIndex]) else {
                    throw ReportError("\(name) line \(table.line(ofRow: offset)): point '\(fields[pointIndex])' is not an integer")
                }
                point = value
            }
            var values: [Double] = []
            for index in indices {
                guard let value = Double(fields[index]), value.isFinite else {
                    throw ReportError("\(name) line \(table.line(ofRow: offset)): '\(fields[index])' in column '\(table.header[index])' is not a number")
                }
                values.append(value)
            }
            byPoint[point, default: []].append(values)
        }
    }

    func rows(for point: Int) -> [[Double]] {
        byPoint[point] ?? []
    }
}

extension StandardPlots {
    /// Capacity at saturation against n (`--knee`), from zero: the highest open-loop rate that met the
    /// SLO, per protocol. Nil when no row has a capacity.
    public static func capacity(runs: CSVTable) throws(ReportError) -> Chart? {
        let sweep = try SweepRuns(runs)
        guard sweep.rows.contains(where: { (sweep.number($0, RunColumn.capacity.name) ?? 0) > 0 }) else { return nil }
        return Chart(title: "Capacity at saturation",
                     subtitle: "the highest open-loop rate meeting the SLO with 95 % completed (knee.csv: every probe)",
                     xAxis: Axis(label: "cluster size n", unit: "replicas", scale: .log10),
                     yAxis: Axis(label: "capacity", unit: "ops/s", scale: .log10),
                     series: sweep.seriesKeys.map { sweep.series($0, x: RunColumn.nodes.name, y: RunColumn.capacity.name) })
    }
}
