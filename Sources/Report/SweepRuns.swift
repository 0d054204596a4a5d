// runs.csv read by column name: the point id, protocol and series of each row, and its numbers.

/// The rows of a runs.csv, with what every plot needs resolved once: each row's point id, its
/// series (the protocol, plus the shell when a file mixes shells) and numeric lookups by column.
struct SweepRuns {
    struct Row {
        /// The sweep's `point` id; a single-run file without that column numbers rows from 0.
        var point: Int
        var protocolName: String
        var seriesKey: String
        var fields: [String]
    }

    let table: CSVTable
    let rows: [Row]
    /// Series in order of first appearance; a series keeps its colour and marker in every chart.
    let seriesKeys: [String]
    let hasPointColumn: Bool

    init(_ runs: CSVTable) throws(ReportError) {
        guard let protocolIndex = runs.columnIndex(RunColumn.protocol.name) else {
            throw ReportError("runs.csv has no 'protocol' column")
        }
        table = runs
        let pointIndex = runs.columnIndex(RunColumn.point.name)
        hasPointColumn = pointIndex != nil
        let shellIndex = runs.columnIndex(RunColumn.shell.name)
        let shells = Set(shellIndex.map { index in runs.rows.map { $0[index] } } ?? [])
        var rows: [Row] = []
        var keys: [String] = []
        for (offset, fields) in runs.rows.enumerated() {
            var point = offset
            if let pointIndex {
                guard let value = Int(fields[pointIndex]) else {
                    throw ReportError("runs.csv line \(runs.line(ofRow: offset)): point '\(fields[pointIndex])' is not an integer")
                }
                point = value
            }
            let protocolName = fields[protocolIndex]
            var key = protocolName
            if shells.count > 1, let shellIndex { key += " (\(fields[shellIndex]))" }
            if !keys.contains(key) { keys.append(key) }
            rows.append(Row(point: point, protocolName: protocolName, seriesKey: key, fields: fields))
        }
        self.rows = rows
        self.seriesKeys = keys
    }

    /// The column's value in `row` as a finite number, or nil (missing column, empty, text, nan).
    func number(_ row: Row, _ column: String) -> Double? {
        guard let index = table.columnIndex(column), let value = Double(row.fields[index]),
              value.isFinite else { return nil }
        return value
    }

    func text(_ row: Row, _ column: String) -> String? {
        table.columnIndex(column).map { row.fields[$0] }
    }

    func rows(of key: String) -> [Row] {
        rows.filter { $0.seriesKey == key }
    }

    func style(of key: String) -> SeriesStyle {
        SeriesStyle.measured(seriesKeys.firstIndex(of: key) ?? 0)
    }

    /// Points (x column, y column) for one series: every row as a marker, and the mean of y at
    /// each x as the line (repeated seeds at one size give one vertex).
    func series(_ key: String, x: String, y: String, name: String? = nil,
                style: SeriesStyle? = nil) -> Series {
        var markers: [ChartPoint] = []
        for row in rows(of: key) {
            if let xValue = number(row, x), let yValue = number(row, y) {
                markers.append(ChartPoint(x: xValue, y: yValue))
            }
        }
        return Series(name: name ?? key, kind: .measured, markers: markers,
                      line: meanByX(markers), style: style ?? self.style(of: key))
    }

    /// One point per series to show in per-run charts (latency CDF, time series).
    ///
    /// The rule: the smallest fault tolerance f that every series has (so protocols are compared at
    /// the same f, as the sweep does), and within it the series' first point. Rows whose
    /// `crash`, `crashes`, `fault_schedule` or `faults_injected` column is set are preferred, as
    /// those are the runs a time series is for. Files without `faults` use the smallest `nodes`.
    func representativeRows() -> [Row] {
        let sizeColumn = table.hasColumn("faults") ? "faults" : "nodes"
        var common: Set<Double>? = nil
        for key in seriesKeys {
            let sizes = Set(rows(of: key).compactMap { number($0, sizeColumn) })
            common = common.map { $0.intersection(sizes) } ?? sizes
        }
        let crashColumns = ["crash", "crashes", "fault_schedule", "faults_injected"].filter(table.hasColumn)
        func hasCrash(_ row: Row) -> Bool {
            crashColumns.contains { column in
                let value = text(row, column) ?? ""
                return !["", "none", "0", "-", "no", "false"].contains(value.lowercased())
            }
        }
        var chosen: [Row] = []
        for key in seriesKeys {
            let candidates = rows(of: key)
            let sizes = candidates.compactMap { number($0, sizeColumn) }
            let target = common?.min() ?? sizes.min()
            var pool = candidates.filter { target == nil || number($0, sizeColumn) == target }
            if pool.isEmpty { pool = candidates }
            if pool.contains(where: hasCrash) { pool = pool.filter(hasCrash) }
            if let first = pool.min(by: { $0.point < $1.point }) { chosen.append(first) }
        }
        return chosen
    }
}

/// The mean y at each distinct x, sorted by x.
func meanByX(_ points: [ChartPoint]) -> [ChartPoint] {
    var sums: [Double: (total: Double, count: Int)] = [:]
    for point in points {
        let entry = sums[point.x] ?? (0, 0)
        sums[point.x] = (entry.total + point.y, entry.count + 1)
    }
    return sums.keys.sorted().map { x in
        let entry = sums[x]!
        return ChartPoint(x: x, y: entry.total / Double(entry.count))
    }
}
